//! The small string forms a teacher writes inside values: endpoints (`r1:eth1`), links
//! (`r1:eth1 -- r2:eth1`), arrows (`pc1 -> web:80`), addresses, ports and durations.
//!
//! Parsers here return the byte range of the offending part, so that an error can point
//! inside the string at exactly what is wrong.

use std::net::IpAddr;
use std::ops::Range;

use ipnet::IpNet;

/// A parse failure: what is wrong, and which bytes of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub range: Range<usize>,
}

impl SyntaxError {
    pub fn new(message: impl Into<String>, range: Range<usize>) -> SyntaxError {
        SyntaxError { message: message.into(), range }
    }
}

/// A word of the input and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'a> {
    pub text: &'a str,
    pub range: Range<usize>,
}

/// Splits on whitespace, keeping positions.
pub fn words(input: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in input.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push(Word { text: &input[s..i], range: s..i });
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(Word { text: &input[s..], range: s..input.len() });
    }
    out
}

/// Splits `input` once on `sep` (`--` or `->`), trimming both sides and keeping positions.
pub fn split_arrow<'a>(input: &'a str, sep: &str) -> Result<(Word<'a>, Word<'a>), SyntaxError> {
    let Some(at) = input.find(sep) else {
        return Err(SyntaxError::new(format!("expected `A {sep} B`"), 0..input.len()));
    };
    let left = trimmed(input, 0..at);
    let right = trimmed(input, at + sep.len()..input.len());
    if left.text.is_empty() {
        return Err(SyntaxError::new(format!("nothing before `{sep}`"), at..at + sep.len()));
    }
    if right.text.is_empty() {
        return Err(SyntaxError::new(format!("nothing after `{sep}`"), at..at + sep.len()));
    }
    if right.text.contains(sep) {
        let again = right.range.start + right.text.find(sep).unwrap_or(0);
        return Err(SyntaxError::new(format!("`{sep}` appears twice"), again..again + sep.len()));
    }
    Ok((left, right))
}

/// The trimmed part of `input[range]`, with its own range.
pub fn trimmed(input: &str, range: Range<usize>) -> Word<'_> {
    let raw = &input[range.clone()];
    let lead = raw.len() - raw.trim_start().len();
    let text = raw.trim();
    let start = range.start + lead;
    Word { text, range: start..start + text.len() }
}

/// `node:interface`.
pub fn endpoint(input: &str) -> Result<(&str, &str), String> {
    match input.split_once(':') {
        Some((node, iface)) if !node.is_empty() && !iface.is_empty() && !iface.contains(':') => {
            Ok((node, iface))
        }
        _ => Err(format!("`{input}` is not `node:interface`")),
    }
}

/// What is wrong with a value, and how to write it instead: the message and the help
/// line of a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub message: String,
    pub help: String,
}

impl Invalid {
    pub fn new(message: impl Into<String>, help: impl Into<String>) -> Invalid {
        Invalid { message: message.into(), help: help.into() }
    }
}

/// An address with prefix length: `10.0.12.1/30`, `2001:db8::1/64`.
pub fn address_with_prefix(input: &str) -> Result<IpNet, Invalid> {
    match input.parse::<IpNet>() {
        Ok(net) => Ok(net),
        Err(_) if input.parse::<IpAddr>().is_ok() => Err(Invalid::new(
            format!("`{input}` has no prefix length"),
            format!("write it with the length of its subnet, for example `{input}/24`"),
        )),
        Err(_) => Err(Invalid::new(
            format!("`{input}` is not an address with prefix length"),
            "write it as `192.168.1.10/24`",
        )),
    }
}

/// A subnet: an address with prefix length whose host bits are zero.
pub fn subnet(input: &str) -> Result<IpNet, Invalid> {
    let net = address_with_prefix(input)?;
    if net.addr() != net.network() {
        return Err(Invalid::new(
            format!("`{input}` is not a subnet"),
            format!("did you mean `{}`?", net.trunc()),
        ));
    }
    Ok(net)
}

/// A list of ports and port ranges: `80,443`, `1000-2000`.
pub fn port_list(input: &str) -> Result<Vec<(u16, u16)>, String> {
    input
        .split(',')
        .map(|part| {
            let part = part.trim();
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            let first = port(a.trim())?;
            let last = port(b.trim())?;
            if first > last {
                return Err(format!("port range `{part}` runs backwards"));
            }
            Ok((first, last))
        })
        .collect()
}

/// One port number, 1 to 65535.
pub fn port(input: &str) -> Result<u16, String> {
    match input.parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("`{input}` is not a port number (1 to 65535)")),
        Ok(p) => Ok(p),
    }
}

/// A duration: `30s`, `500ms`, `5m`, `1h`; a bare number is seconds.
pub fn duration_ms(input: &str) -> Result<u64, String> {
    let input = input.trim();
    let split = input.find(|c: char| !c.is_ascii_digit()).unwrap_or(input.len());
    let (number, unit) = input.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("`{input}` is not a duration such as `30s` or `5m`"))?;
    let factor = match unit.trim() {
        "ms" => 1,
        "" | "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => return Err(format!("`{input}` has an unknown unit: use ms, s, m or h")),
    };
    Ok(n * factor)
}

/// Names of nodes, interfaces, zones and users: what Linux and Docker accept everywhere.
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_split_with_positions() {
        let (a, b) = split_arrow("pc1 ->  web:80", "->").unwrap();
        assert_eq!((a.text, a.range.clone()), ("pc1", 0..3));
        assert_eq!((b.text, b.range.clone()), ("web:80", 8..14));
        assert!(split_arrow("pc1 web", "->").is_err());
        assert_eq!(split_arrow(" -> web", "->").unwrap_err().message, "nothing before `->`");
    }

    #[test]
    fn addresses_need_a_prefix_and_subnets_clear_host_bits() {
        assert!(address_with_prefix("10.0.0.1").unwrap_err().message.contains("no prefix length"));
        assert_eq!(address_with_prefix("10.0.0.1/24").unwrap().to_string(), "10.0.0.1/24");
        assert!(subnet("10.0.3.5/24").unwrap_err().help.contains("did you mean `10.0.3.0/24`"));
    }

    #[test]
    fn ports_and_durations() {
        assert_eq!(port_list("80,443").unwrap(), vec![(80, 80), (443, 443)]);
        assert_eq!(port_list("1000-2000").unwrap(), vec![(1000, 2000)]);
        assert!(port_list("0").is_err());
        assert!(port_list("90-80").is_err());
        assert_eq!(duration_ms("5s").unwrap(), 5_000);
        assert_eq!(duration_ms("500ms").unwrap(), 500);
        assert_eq!(duration_ms("2m").unwrap(), 120_000);
        assert!(duration_ms("5 parsecs").is_err());
    }

    #[test]
    fn words_keep_their_positions() {
        let w = words("allow  lan -> dmz");
        assert_eq!(w.iter().map(|w| w.text).collect::<Vec<_>>(), ["allow", "lan", "->", "dmz"]);
        assert_eq!(w[1].range, 7..10);
    }
}
