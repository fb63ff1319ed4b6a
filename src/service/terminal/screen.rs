//! The terminal's screen on the server: a `vt100` parser fed with what the node
//! prints, and the rows as the browser last got them, so that a frame carries only
//! what changed since.

use std::num::NonZeroU16;

use super::frame::{Cursor, Frame, Line, Run, Style};

/// How many rows of history the parser keeps for scrolling back. A console's output
/// is a few screens of routes or logs; a bound keeps a flood from costing memory.
pub const SCROLLBACK: usize = 2000;

/// The largest screen a browser may ask for: a 4K monitor with a small font. A client
/// sends its size, so it must not be able to make the server keep millions of cells.
pub const MAX_COLS: u16 = 500;
pub const MAX_ROWS: u16 = 200;

/// The terminal's screen: one parser per terminal, however many look at it.
pub struct ScreenModel {
    parser: vt100::Parser,
}

impl ScreenModel {
    pub fn new(rows: u16, cols: u16) -> ScreenModel {
        let (rows, cols) = bounded(rows, cols);
        ScreenModel { parser: vt100::Parser::new(rows, cols, SCROLLBACK) }
    }

    /// What the node printed.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.parser.process(bytes);
    }

    /// A new size, bounded; the size it got (to give the PTY the same).
    pub fn resize(&mut self, rows: u16, cols: u16) -> (u16, u16) {
        let (rows, cols) = bounded(rows, cols);
        self.parser.set_size(rows, cols);
        (rows.get(), cols.get())
    }

    pub fn size(&self) -> (u16, u16) {
        let (rows, cols) = self.parser.screen().size();
        (rows.get(), cols.get())
    }

    /// Whether the program asked for arrows as `ESC O A` (application cursor mode).
    pub fn application_cursor(&self) -> bool {
        self.parser.screen().application_cursor()
    }

    /// Whether the program asked for pasted text between `ESC [200~` and `ESC [201~`.
    pub fn bracketed_paste(&self) -> bool {
        self.parser.screen().bracketed_paste()
    }

    /// The live screen's text, row by row.
    pub fn text(&self) -> String {
        self.parser.screen().contents()
    }
}

/// What a viewer has: the screen as of their last frame.
struct Sent {
    size: (u16, u16),
    lines: Vec<Vec<Run>>,
    cursor: Cursor,
    alternate: bool,
    scrollback: usize,
}

/// One viewer's side of a screen: how far back they scrolled, and what they were last
/// sent, so their next frame holds only what changed for them.
#[derive(Default)]
pub struct View {
    sent: Option<Sent>,
    scrollback: usize,
}

impl View {
    /// Scrolls the view `rows` back into the history (negative: forward); the next
    /// frame clamps it to the history there is.
    pub fn scroll(&mut self, rows: i32) {
        self.scrollback = (self.scrollback as i64 + i64::from(rows)).max(0) as usize;
    }

    /// Back to the live screen (typing does this).
    pub fn to_live(&mut self) {
        self.scrollback = 0;
    }

    /// How many rows back this view is scrolled (0: the live screen).
    pub fn scrolled_back(&self) -> usize {
        self.scrollback
    }

    /// What changed on `model` since this view's last frame; `None` when nothing did.
    /// The first frame and the first after a resize are full.
    pub fn frame(&mut self, model: &mut ScreenModel) -> Option<Frame> {
        // The parser has one scroll position; each view sets its own while it reads
        // (under the lock its caller holds) and puts it back.
        model.parser.screen_mut().set_scrollback(self.scrollback);
        let frame = self.read(model.parser.screen(), model.size());
        model.parser.screen_mut().set_scrollback(0);
        frame
    }

    fn read(&mut self, screen: &vt100::Screen, (rows, cols): (u16, u16)) -> Option<Frame> {
        let lines: Vec<Vec<Run>> = (0..rows).map(|y| row_runs(screen, y, cols)).collect();
        let scrollback = screen.scrollback();
        self.scrollback = scrollback;
        let (cursor_y, cursor_x) = screen.cursor_position();
        let cursor = Cursor {
            y: cursor_y,
            x: cursor_x.min(cols.saturating_sub(1)),
            // The cursor is on the live screen; scrolled back, it is out of view.
            visible: !screen.hide_cursor() && scrollback == 0,
        };
        let alternate = screen.alternate_screen();
        let full = self.sent.as_ref().is_none_or(|sent| sent.size != (rows, cols));
        let changed: Vec<Line> = lines
            .iter()
            .enumerate()
            .filter(|(y, runs)| full || self.sent.as_ref().is_some_and(|sent| &sent.lines[*y] != *runs))
            .map(|(y, runs)| Line { y: y as u16, runs: runs.clone() })
            .collect();
        let same = self.sent.as_ref().is_some_and(|sent| {
            !full
                && changed.is_empty()
                && sent.cursor == cursor
                && sent.alternate == alternate
                && sent.scrollback == scrollback
        });
        if same {
            return None;
        }
        self.sent = Some(Sent { size: (rows, cols), lines, cursor, alternate, scrollback });
        Some(Frame { kind: "screen", rows, cols, full, lines: changed, cursor, alternate, scrollback })
    }
}

fn bounded(rows: u16, cols: u16) -> (NonZeroU16, NonZeroU16) {
    let rows = NonZeroU16::new(rows.clamp(1, MAX_ROWS)).expect("at least 1");
    let cols = NonZeroU16::new(cols.clamp(1, MAX_COLS)).expect("at least 1");
    (rows, cols)
}

/// One visible row as runs of same-looking cells. An empty cell is a space; the
/// second half of a wide character is part of the first's text.
fn row_runs(screen: &vt100::Screen, y: u16, cols: u16) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for x in 0..cols {
        let Some(cell) = screen.cell(y, x) else { break };
        if cell.is_wide_continuation() {
            continue;
        }
        let style = Style::of(cell);
        let text = if cell.has_contents() { cell.contents() } else { " " };
        match runs.last_mut() {
            Some(last) if last.style == style => last.text.push_str(text),
            _ => runs.push(Run { text: text.to_string(), style }),
        }
    }
    // Trailing blanks in the default style are what an empty row is anyway.
    if let Some(last) = runs.last_mut()
        && last.style == Style::default()
    {
        let kept = last.text.trim_end_matches(' ').len();
        last.text.truncate(kept);
        if last.text.is_empty() {
            runs.pop();
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::terminal::frame::Colour;

    fn text_of(line: &Line) -> String {
        line.runs.iter().map(|r| r.text.as_str()).collect()
    }

    fn line(frame: &Frame, y: u16) -> &Line {
        frame.lines.iter().find(|l| l.y == y).unwrap_or_else(|| panic!("row {y} not in {frame:?}"))
    }

    #[test]
    fn the_first_frame_is_full_and_empty_rows_have_no_runs() {
        let mut model = ScreenModel::new(5, 20);
        let mut view = View::default();
        model.feed(b"hello");
        let frame = view.frame(&mut model).expect("a first frame");
        assert!(frame.full);
        assert_eq!((frame.rows, frame.cols), (5, 20));
        assert_eq!(frame.lines.len(), 5);
        assert_eq!(text_of(line(&frame, 0)), "hello");
        assert!(line(&frame, 1).runs.is_empty());
        assert_eq!(frame.cursor, Cursor { y: 0, x: 5, visible: true });
    }

    #[test]
    fn colours_sixteen_256_and_rgb_and_attributes_become_runs() {
        let mut model = ScreenModel::new(3, 40);
        let mut view = View::default();
        // Red, then 256-colour 208 on RGB background, bold underline, then inverse, reset.
        model.feed(b"\x1b[31mred\x1b[0m \x1b[38;5;208;48;2;1;2;3;1;4mhot\x1b[0m \x1b[7minv\x1b[0m plain");
        let frame = view.frame(&mut model).unwrap();
        let runs = &line(&frame, 0).runs;
        let texts: Vec<&str> = runs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["red", " ", "hot", " ", "inv", " plain"]);
        assert_eq!(runs[0].style, Style { fg: Some(Colour::Palette(1)), ..Style::default() });
        assert_eq!(
            runs[2].style,
            Style {
                fg: Some(Colour::Palette(208)),
                bg: Some(Colour::Rgb(1, 2, 3)),
                bold: true,
                underline: true,
                ..Style::default()
            }
        );
        assert!(runs[4].style.inverse && runs[4].style.fg.is_none());
        let json = serde_json::to_string(&frame).unwrap();
        assert!(json.contains(r##""fg":208,"bg":"#010203","b":true,"u":true"##), "{json}");
    }

    #[test]
    fn a_frame_carries_only_the_rows_that_changed_and_none_when_nothing_did() {
        let mut model = ScreenModel::new(4, 20);
        let mut view = View::default();
        model.feed(b"one\r\ntwo\r\nthree");
        view.frame(&mut model).unwrap();
        assert_eq!(view.frame(&mut model), None, "nothing changed");
        model.feed(b"\x1b[2;1Htwo!");
        let frame = view.frame(&mut model).unwrap();
        assert!(!frame.full);
        assert_eq!(frame.lines.len(), 1, "{frame:?}");
        assert_eq!((frame.lines[0].y, text_of(&frame.lines[0]).as_str()), (1, "two!"));
        // Only the cursor moves: a frame without rows.
        model.feed(b"\x1b[4;3H");
        let frame = view.frame(&mut model).unwrap();
        assert!(frame.lines.is_empty());
        assert_eq!(frame.cursor, Cursor { y: 3, x: 2, visible: true });
    }

    #[test]
    fn a_hidden_cursor_is_sent_hidden() {
        let mut model = ScreenModel::new(3, 10);
        let mut view = View::default();
        model.feed(b"\x1b[?25l");
        assert!(!view.frame(&mut model).unwrap().cursor.visible);
        model.feed(b"\x1b[?25h");
        assert!(view.frame(&mut model).unwrap().cursor.visible);
    }

    #[test]
    fn the_alternate_screen_of_a_full_screen_program_comes_and_goes_with_the_shell_screen_kept() {
        let mut model = ScreenModel::new(4, 30);
        let mut view = View::default();
        model.feed(b"$ top\r\n");
        view.frame(&mut model).unwrap();
        // What top and less do: the alternate screen, cleared, drawn at the top.
        model.feed(b"\x1b[?1049h\x1b[H\x1b[2Jtop - load average: 0.00");
        let frame = view.frame(&mut model).unwrap();
        assert!(frame.alternate);
        assert_eq!(text_of(line(&frame, 0)), "top - load average: 0.00");
        assert!(!model.text().contains("$ top"), "the shell's screen is hidden: {}", model.text());
        model.feed(b"\x1b[?1049l");
        let frame = view.frame(&mut model).unwrap();
        assert!(!frame.alternate);
        assert_eq!(text_of(line(&frame, 0)), "$ top", "the shell's screen is back");
    }

    #[test]
    fn a_resize_sends_a_full_frame_of_the_new_size_and_is_bounded() {
        let mut model = ScreenModel::new(4, 20);
        let mut view = View::default();
        model.feed(b"abc");
        view.frame(&mut model).unwrap();
        assert_eq!(model.resize(6, 30), (6, 30));
        let frame = view.frame(&mut model).unwrap();
        assert!(frame.full);
        assert_eq!((frame.rows, frame.cols, frame.lines.len()), (6, 30, 6));
        assert_eq!(text_of(line(&frame, 0)), "abc");
        // Text wraps at the new width.
        model.feed(b"\r\n0123456789012345678901234567890123");
        let frame = view.frame(&mut model).unwrap();
        assert_eq!(text_of(line(&frame, 1)), "012345678901234567890123456789");
        assert_eq!(text_of(line(&frame, 2)), "0123");
        assert_eq!(model.resize(0, u16::MAX), (1, MAX_COLS), "a client cannot ask for any size");
    }

    #[test]
    fn scrolling_back_shows_history_and_hides_the_cursor() {
        let mut model = ScreenModel::new(3, 10);
        let mut view = View::default();
        model.feed(b"l1\r\nl2\r\nl3\r\nl4\r\nl5");
        let frame = view.frame(&mut model).unwrap();
        assert_eq!(text_of(line(&frame, 0)), "l3");
        view.scroll(2);
        let frame = view.frame(&mut model).unwrap();
        assert_eq!((frame.scrollback, frame.cursor.visible), (2, false));
        assert_eq!(text_of(line(&frame, 0)), "l1");
        view.scroll(-100);
        let frame = view.frame(&mut model).unwrap();
        assert_eq!((frame.scrollback, text_of(line(&frame, 0)).as_str()), (0, "l3"));
    }

    #[test]
    fn wide_characters_take_two_cells_and_one_run_text() {
        let mut model = ScreenModel::new(2, 10);
        let mut view = View::default();
        model.feed("a界b".as_bytes());
        let frame = view.frame(&mut model).unwrap();
        assert_eq!(text_of(line(&frame, 0)), "a界b");
        assert_eq!(frame.cursor.x, 4);
    }

    #[test]
    fn modes_the_keys_depend_on_are_read_from_the_program() {
        let mut model = ScreenModel::new(2, 10);
        assert!(!model.application_cursor() && !model.bracketed_paste());
        model.feed(b"\x1b[?1h\x1b[?2004h");
        assert!(model.application_cursor() && model.bracketed_paste());
    }
}

#[cfg(test)]
mod shared_tests {
    use super::*;

    #[test]
    fn two_viewers_of_one_screen_each_get_what_changed_for_them_and_scroll_apart() {
        let mut model = ScreenModel::new(3, 10);
        let (mut student, mut teacher) = (View::default(), View::default());
        model.feed(b"l1\r\nl2\r\nl3\r\nl4");
        assert!(student.frame(&mut model).unwrap().full);
        model.feed(b"!");
        let frame = student.frame(&mut model).unwrap();
        assert_eq!(frame.lines.len(), 1, "the student had the rest");
        // The teacher comes later: everything, with the change in it.
        let frame = teacher.frame(&mut model).unwrap();
        assert!(frame.full);
        assert_eq!(frame.lines[2].runs[0].text, "l4!");
        teacher.scroll(1);
        let frame = teacher.frame(&mut model).unwrap();
        assert_eq!((frame.scrollback, frame.lines[0].runs[0].text.as_str()), (1, "l1"));
        assert_eq!(student.frame(&mut model), None, "the student's view did not move");
        assert_eq!(model.text(), "l2\nl3\nl4!", "the live screen is as it was");
    }
}
