//! A console's terminal kept on the server: the node's output runs through one
//! `vt100` parser here, and the browser gets the screen it draws, row by row, instead
//! of the raw bytes. So the browser needs no terminal emulator of its own (only
//! `web/static/terminal.js`, which draws cells), and everything a terminal means
//! (colours, the cursor, the alternate screen of `top` and `less`, which keys send
//! which bytes, bracketed paste) is decided in Rust, where it is tested.
//!
//! - `frame.rs`: a screen update as the browser receives it (rows of styled runs, the
//!   cursor, the modes), in JSON.
//! - `screen.rs`: the parser and what was last sent, so each frame holds only the rows
//!   that changed.
//! - `keys.rs`: a key the browser names (`ArrowUp`, `F5`, Ctrl+C) into the bytes the
//!   terminal sends for it, in the mode the program asked for.
//! - `shared.rs`: one terminal and screen per node of a lab, shared by everyone who
//!   looks at it (the student, a watching teacher), while someone does.
//! - `session.rs`: one viewer's WebSocket in screen mode: frames out (coalesced, so a
//!   busy program does not flood the browser), keys, paste, resize and scrolling in.

pub mod frame;
pub mod keys;
pub mod screen;
pub mod session;
pub mod shared;
