//! Who is calling: passwords, session cookies and API tokens, CSRF, and the login
//! throttle.
//!
//! A request is authenticated by either
//! - the session cookie set at login (a browser); then every state-changing request must
//!   also carry the session's CSRF token in `X-CSRF-Token` (see `csrf.rs`), or
//! - `Authorization: Bearer <token>` with an API token (a script); no CSRF token, since a
//!   browser never sends one by itself.
//!
//! Handlers take a [`CurrentUser`] argument; extracting it does all of the above.

pub mod csrf;
pub mod current;
pub mod password;
pub mod secret;
pub mod session;
pub mod throttle;

pub use current::{CurrentUser, Role};
