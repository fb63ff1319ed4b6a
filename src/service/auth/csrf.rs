//! CSRF protection for cookie-authenticated requests: a synchronizer token.
//!
//! Each session has its own random CSRF token, stored with the session. Login returns
//! it in the JSON body and also sets it in the readable cookie `asbuilt_csrf`, so a page
//! can read it. A state-changing request (anything but GET, HEAD, OPTIONS) that is
//! authenticated by the session cookie must send it back in `X-CSRF-Token`. Another
//! site can make a browser send the cookie, but can neither read the token nor set a
//! custom header on a cross-site request, so it cannot forge one.
//!
//! Chosen over an Origin check because it does not depend on the browser sending
//! `Origin` or on the service knowing its public address behind a proxy. Requests with
//! a bearer token need no CSRF token: browsers never attach one on their own.
//!
//! Login itself has no session yet. It takes only `application/json`, which a
//! cross-site form cannot send and a cross-site script cannot send without a CORS
//! preflight the service does not answer, so another site cannot log a browser into
//! an account of its choosing.

use axum::http::{HeaderMap, Method};

use super::secret::constant_time_eq;

/// The header a state-changing, cookie-authenticated request must carry.
pub const HEADER: &str = "x-csrf-token";
/// The readable cookie holding the token for pages.
pub const COOKIE: &str = "asbuilt_csrf";

/// Whether a request with this method changes state and so needs the token.
pub fn needs_token(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the request carries the session's token.
pub fn token_matches(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|sent| constant_time_eq(sent.as_bytes(), expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_needs_no_token_and_changing_does() {
        assert!(!needs_token(&Method::GET));
        assert!(needs_token(&Method::POST));
        assert!(needs_token(&Method::DELETE));
    }

    #[test]
    fn only_the_sessions_own_token_matches() {
        let mut headers = HeaderMap::new();
        assert!(!token_matches(&headers, "abc"));
        headers.insert(HEADER, "abd".parse().expect("header"));
        assert!(!token_matches(&headers, "abc"));
        headers.insert(HEADER, "abc".parse().expect("header"));
        assert!(token_matches(&headers, "abc"));
    }
}
