//! Random secrets (session tokens, API tokens, CSRF tokens, first passwords) and the
//! hashes the database keeps instead of them.

use sha2::{Digest, Sha256};

/// A fresh random secret: 32 bytes from the operating system, as 64 hex digits.
pub fn random_token() -> String {
    hex(&random_bytes::<32>())
}

/// `N` bytes from the operating system's random source.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // Without a random source no secret could be made safely; that is not recoverable.
    getrandom::getrandom(&mut bytes).expect("the operating system's random source works");
    bytes
}

/// The SHA-256 of a token, which is what the database stores: a stolen database then
/// gives no usable session or API token. Tokens are random and long, so a fast hash is
/// enough (unlike passwords).
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_tokens_differ() {
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 64);
    }

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
