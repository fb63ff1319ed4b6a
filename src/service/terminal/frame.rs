//! A screen update, as the browser receives it in a text frame:
//!
//! ```json
//! {"type":"screen","rows":24,"cols":80,"full":false,
//!  "lines":[{"y":3,"runs":[{"text":"C>* ","fg":2,"b":true},{"text":"192.0.2.0/24"}]}],
//!  "cursor":{"y":4,"x":7,"visible":true},"alternate":false,"scrollback":0}
//! ```
//!
//! `full` says every row is in `lines` (the first frame, and after a resize); otherwise
//! rows not in `lines` are as they were. A row is a list of runs of cells that look
//! the same; a colour is a palette index (0-255) or `"#rrggbb"`, left out when it is
//! the terminal's default. Style flags are left out when off. `scrollback` is how many
//! rows the view is scrolled back into the history (0: the live screen).

use serde::{Serialize, Serializer};

/// One screen update.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frame {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub rows: u16,
    pub cols: u16,
    pub full: bool,
    pub lines: Vec<Line>,
    pub cursor: Cursor,
    pub alternate: bool,
    pub scrollback: usize,
}

/// A row that changed, whole.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub y: u16,
    pub runs: Vec<Run>,
}

/// Where the cursor is, and whether the program shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cursor {
    pub y: u16,
    pub x: u16,
    pub visible: bool,
}

/// Cells next to each other that look the same: their text and their style. A wide
/// character's text stands for two cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    pub text: String,
    #[serde(flatten)]
    pub style: Style,
}

/// How a cell looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Style {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fg: Option<Colour>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bg: Option<Colour>,
    #[serde(rename = "b", skip_serializing_if = "is_false")]
    pub bold: bool,
    #[serde(rename = "d", skip_serializing_if = "is_false")]
    pub dim: bool,
    #[serde(rename = "i", skip_serializing_if = "is_false")]
    pub italic: bool,
    #[serde(rename = "u", skip_serializing_if = "is_false")]
    pub underline: bool,
    #[serde(rename = "v", skip_serializing_if = "is_false")]
    pub inverse: bool,
}

fn is_false(value: &bool) -> bool {
    !value
}

/// A colour other than the terminal's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// One of the 256 of the palette (0-15 are the theme's, the rest xterm's).
    Palette(u8),
    Rgb(u8, u8, u8),
}

impl Colour {
    pub fn from_vt100(colour: vt100::Color) -> Option<Colour> {
        match colour {
            vt100::Color::Default => None,
            vt100::Color::Idx(index) => Some(Colour::Palette(index)),
            vt100::Color::Rgb(r, g, b) => Some(Colour::Rgb(r, g, b)),
        }
    }
}

/// A palette index as a number, a true colour as `#rrggbb`: what the browser's CSS
/// takes without parsing.
impl Serialize for Colour {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Colour::Palette(index) => serializer.serialize_u8(index),
            Colour::Rgb(r, g, b) => serializer.serialize_str(&format!("#{r:02x}{g:02x}{b:02x}")),
        }
    }
}

impl Style {
    pub fn of(cell: &vt100::Cell) -> Style {
        Style {
            fg: Colour::from_vt100(cell.fgcolor()),
            bg: Colour::from_vt100(cell.bgcolor()),
            bold: cell.bold(),
            dim: cell.dim(),
            italic: cell.italic(),
            underline: cell.underline(),
            inverse: cell.inverse(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_off_flags_are_left_out_and_colours_are_numbers_or_hex() {
        let plain = Run { text: "ab".into(), style: Style::default() };
        assert_eq!(serde_json::to_string(&plain).unwrap(), r#"{"text":"ab"}"#);
        let styled = Run {
            text: "x".into(),
            style: Style {
                fg: Some(Colour::Palette(196)),
                bg: Some(Colour::Rgb(0x12, 0xab, 0xff)),
                bold: true,
                inverse: true,
                ..Style::default()
            },
        };
        assert_eq!(
            serde_json::to_string(&styled).unwrap(),
            r##"{"text":"x","fg":196,"bg":"#12abff","b":true,"v":true}"##
        );
    }
}
