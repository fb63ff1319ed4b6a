//! Keys the browser names, into the bytes a terminal (xterm, which is what `TERM`
//! says the node has) sends for them. The browser sends `KeyboardEvent.key` and the
//! modifiers; the bytes depend on modes only the server's parser knows (application
//! cursor mode), so they are decided here.

use serde::Deserialize;

/// A key press the browser could not send as plain text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct KeyPress {
    /// `KeyboardEvent.key`: `ArrowUp`, `F5`, `Enter`, or one character with Ctrl or Alt.
    pub key: String,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// The bytes for a key press; `None` for a key a terminal has no bytes for.
pub fn bytes(press: &KeyPress, application_cursor: bool) -> Option<Vec<u8>> {
    // xterm's modifier parameter: 1 + Shift 1 + Alt 2 + Ctrl 4.
    let modifier = 1 + u8::from(press.shift) + 2 * u8::from(press.alt) + 4 * u8::from(press.ctrl);
    let modified = modifier > 1;
    // Cursor keys and Home/End: `CSI x`, or `SS3 x` in application mode, or
    // `CSI 1;m x` with modifiers.
    let cursor = |final_byte: char| {
        Some(if modified {
            format!("\x1b[1;{modifier}{final_byte}").into_bytes()
        } else if application_cursor {
            format!("\x1bO{final_byte}").into_bytes()
        } else {
            format!("\x1b[{final_byte}").into_bytes()
        })
    };
    // Keys sent as `CSI n ~` (`CSI n;m ~` with modifiers).
    let tilde = |number: u8| {
        Some(
            if modified { format!("\x1b[{number};{modifier}~") } else { format!("\x1b[{number}~") }
                .into_bytes(),
        )
    };
    // F1-F4: `SS3 x`, or `CSI 1;m x` with modifiers.
    let function = |final_byte: char| {
        Some(
            if modified { format!("\x1b[1;{modifier}{final_byte}") } else { format!("\x1bO{final_byte}") }
                .into_bytes(),
        )
    };
    let alt = |bytes: Vec<u8>| if press.alt { [b"\x1b".as_slice(), &bytes].concat() } else { bytes };
    match press.key.as_str() {
        "ArrowUp" => cursor('A'),
        "ArrowDown" => cursor('B'),
        "ArrowRight" => cursor('C'),
        "ArrowLeft" => cursor('D'),
        "Home" => cursor('H'),
        "End" => cursor('F'),
        "Insert" => tilde(2),
        "Delete" => tilde(3),
        "PageUp" => tilde(5),
        "PageDown" => tilde(6),
        "F1" => function('P'),
        "F2" => function('Q'),
        "F3" => function('R'),
        "F4" => function('S'),
        "F5" => tilde(15),
        "F6" => tilde(17),
        "F7" => tilde(18),
        "F8" => tilde(19),
        "F9" => tilde(20),
        "F10" => tilde(21),
        "F11" => tilde(23),
        "F12" => tilde(24),
        "Enter" => Some(alt(b"\r".to_vec())),
        "Tab" if press.shift => Some(b"\x1b[Z".to_vec()),
        "Tab" => Some(alt(b"\t".to_vec())),
        "Escape" => Some(b"\x1b".to_vec()),
        // DEL, as Linux consoles send it; Ctrl+Backspace erases a word in some programs.
        "Backspace" if press.ctrl => Some(alt(b"\x08".to_vec())),
        "Backspace" => Some(alt(b"\x7f".to_vec())),
        key => {
            let mut chars = key.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else { return None };
            let plain = if press.ctrl { control(c)? } else { c.to_string().into_bytes() };
            Some(alt(plain))
        }
    }
}

/// Ctrl with a character: the C0 control code a terminal sends for it.
fn control(c: char) -> Option<Vec<u8>> {
    let code = match c.to_ascii_lowercase() {
        letter @ 'a'..='z' => letter as u8 - b'a' + 1,
        '@' | ' ' | '2' => 0,
        '[' | '3' => 0x1b,
        '\\' | '4' => 0x1c,
        ']' | '5' => 0x1d,
        '^' | '6' => 0x1e,
        '_' | '/' | '7' | '-' => 0x1f,
        '?' | '8' => 0x7f,
        _ => return None,
    };
    Some(vec![code])
}

/// Pasted text as the program gets it: between the bracketed-paste markers when the
/// program asked for them (so a shell does not run pasted lines one by one, and the
/// markers inside the text cannot end the paste early), with line ends as Enter sends
/// them.
pub fn paste(text: &str, bracketed: bool) -> Vec<u8> {
    let text = text.replace("\r\n", "\r").replace('\n', "\r");
    if bracketed {
        let inner = text.replace("\x1b[200~", "").replace("\x1b[201~", "");
        format!("\x1b[200~{inner}\x1b[201~").into_bytes()
    } else {
        text.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> KeyPress {
        KeyPress { key: name.into(), ..KeyPress::default() }
    }

    fn with(name: &str, ctrl: bool, alt: bool, shift: bool) -> KeyPress {
        KeyPress { key: name.into(), ctrl, alt, shift }
    }

    fn sent(press: &KeyPress) -> Vec<u8> {
        bytes(press, false).unwrap_or_else(|| panic!("no bytes for {press:?}"))
    }

    #[test]
    fn arrows_follow_the_programs_cursor_mode() {
        assert_eq!(sent(&key("ArrowUp")), b"\x1b[A");
        assert_eq!(sent(&key("ArrowLeft")), b"\x1b[D");
        assert_eq!(bytes(&key("ArrowUp"), true).unwrap(), b"\x1bOA", "less and vim ask for SS3");
        assert_eq!(bytes(&key("Home"), true).unwrap(), b"\x1bOH");
        assert_eq!(sent(&key("End")), b"\x1b[F");
        assert_eq!(sent(&with("ArrowRight", true, false, false)), b"\x1b[1;5C", "Ctrl+Right: a word on");
        assert_eq!(bytes(&with("ArrowUp", false, false, true), true).unwrap(), b"\x1b[1;2A");
    }

    #[test]
    fn editing_and_paging_keys_and_all_function_keys() {
        assert_eq!(sent(&key("Delete")), b"\x1b[3~");
        assert_eq!(sent(&key("PageUp")), b"\x1b[5~");
        assert_eq!(sent(&key("PageDown")), b"\x1b[6~");
        assert_eq!(sent(&key("Insert")), b"\x1b[2~");
        let expected: [&[u8]; 12] = [
            b"\x1bOP",
            b"\x1bOQ",
            b"\x1bOR",
            b"\x1bOS",
            b"\x1b[15~",
            b"\x1b[17~",
            b"\x1b[18~",
            b"\x1b[19~",
            b"\x1b[20~",
            b"\x1b[21~",
            b"\x1b[23~",
            b"\x1b[24~",
        ];
        for (n, wanted) in expected.iter().enumerate() {
            assert_eq!(sent(&key(&format!("F{}", n + 1))), *wanted, "F{}", n + 1);
        }
        assert_eq!(sent(&with("F5", true, false, false)), b"\x1b[15;5~");
        assert_eq!(sent(&with("F1", false, false, true)), b"\x1b[1;2P");
        assert_eq!(sent(&with("Delete", false, true, false)), b"\x1b[3;3~");
    }

    #[test]
    fn enter_tab_escape_and_backspace() {
        assert_eq!(sent(&key("Enter")), b"\r");
        assert_eq!(sent(&key("Tab")), b"\t");
        assert_eq!(sent(&with("Tab", false, false, true)), b"\x1b[Z");
        assert_eq!(sent(&key("Escape")), b"\x1b");
        assert_eq!(sent(&key("Backspace")), b"\x7f");
        assert_eq!(sent(&with("Backspace", true, false, false)), b"\x08");
    }

    #[test]
    fn ctrl_letters_are_control_codes_and_alt_is_an_escape_before() {
        assert_eq!(sent(&with("c", true, false, false)), [3]);
        assert_eq!(sent(&with("C", true, false, true)), [3], "Shift does not change Ctrl+C");
        assert_eq!(sent(&with("x", true, false, false)), [0x18], "nano's exit");
        assert_eq!(sent(&with("[", true, false, false)), [0x1b]);
        assert_eq!(sent(&with(" ", true, false, false)), [0]);
        assert_eq!(sent(&with("b", false, true, false)), b"\x1bb", "Alt+B: a word back in bash");
        assert_eq!(sent(&with("f", true, true, false)), b"\x1b\x06");
        assert_eq!(sent(&with("é", false, true, false)), "\x1bé".as_bytes());
        assert_eq!(bytes(&with("é", true, false, false), false), None, "no control code for it");
        assert_eq!(bytes(&key("Unidentified"), false), None);
        assert_eq!(bytes(&key("Shift"), false), None);
    }

    #[test]
    fn paste_is_bracketed_only_when_asked_and_cannot_end_early() {
        assert_eq!(paste("a\nb", false), b"a\rb");
        assert_eq!(paste("a\r\nb", true), b"\x1b[200~a\rb\x1b[201~");
        assert_eq!(paste("x\x1b[201~rm -rf /\n", true), b"\x1b[200~xrm -rf /\r\x1b[201~");
    }
}
