//! A minimal HTTP/1.1 request over a connection asbuilt opened itself (plain, or TLS
//! from [`super::tls`]): enough to read a status and a page, without trusting the
//! node's curl.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::checks::observation::HttpFacts;

/// Pages larger than this are cut: a check looks for a phrase, not a download.
const MAX_BODY: usize = 1 << 20;

/// Sends `method path` with `host` and an empty body, and reads the answer until the
/// server closes.
pub async fn request<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    method: &str,
    host: &str,
    path: &str,
    timeout: Duration,
) -> io::Result<HttpFacts> {
    // A body length on every method but GET and HEAD: servers refuse a POST without one.
    let length = if matches!(method, "GET" | "HEAD") { "" } else { "Content-Length: 0\r\n" };
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: asbuilt-check\r\nAccept: */*\r\n{length}Connection: close\r\n\r\n"
    );
    let exchange = async {
        stream.write_all(request.as_bytes()).await?;
        let mut raw = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            let n = stream.read(&mut chunk).await?;
            if n == 0 || raw.len() > MAX_BODY {
                break;
            }
            raw.extend_from_slice(&chunk[..n]);
        }
        Ok::<_, io::Error>(raw)
    };
    let raw = tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no complete answer in time"))??;
    parse_response(&raw).ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an HTTP answer"))
}

/// Splits an HTTP/1.x response into status and body (chunked bodies decoded).
pub fn parse_response(raw: &[u8]) -> Option<HttpFacts> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let body = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let mut parts = status_line.split_whitespace();
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status: u16 = parts.next()?.parse().ok()?;
    let chunked = lines.any(|l| {
        let lower = l.to_ascii_lowercase();
        lower.starts_with("transfer-encoding:") && lower.contains("chunked")
    });
    let body = if chunked { dechunk(body)? } else { body.to_vec() };
    Some(HttpFacts { status, body: String::from_utf8_lossy(&body).into_owned() })
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..).unwrap_or(&[]);
    }
}

/// The path part of a URL (`/` when there is none).
pub fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) => rest[i..].split('#').next().unwrap_or("/").to_string(),
        None => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_response_gives_status_and_body() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(parse_response(raw), Some(HttpFacts { status: 200, body: "hello".into() }));
    }

    #[test]
    fn a_chunked_body_is_put_back_together() {
        let raw =
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWelk\r\n3\r\nom!\r\n0\r\n\r\n";
        assert_eq!(parse_response(raw), Some(HttpFacts { status: 404, body: "Welkom!".into() }));
    }

    #[test]
    fn something_else_is_not_http() {
        assert_eq!(parse_response(b"SSH-2.0-OpenSSH_9.2\r\n\r\n"), None);
    }

    #[test]
    fn url_paths_default_to_the_root() {
        assert_eq!(url_path("http://10.0.0.5"), "/");
        assert_eq!(url_path("http://10.0.0.5:8080/a/b?c=1#x"), "/a/b?c=1");
    }
}
