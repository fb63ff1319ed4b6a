//! DNS queries asbuilt builds and reads itself (RFC 1035): one question for an A or
//! AAAA record, over UDP.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const TYPE_A: u16 = 1;
const TYPE_AAAA: u16 = 28;
const CLASS_IN: u16 = 1;

/// A query with recursion desired, for `name`'s IPv4 (or IPv6) addresses.
pub fn query(id: u16, name: &str, ipv6: bool) -> Vec<u8> {
    let mut packet = Vec::with_capacity(32 + name.len());
    packet.extend_from_slice(&id.to_be_bytes());
    packet.extend_from_slice(&[0x01, 0x00]); // standard query, recursion desired
    packet.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // one question
    for label in name.trim_end_matches('.').split('.').filter(|l| !l.is_empty()) {
        let bytes = label.as_bytes();
        packet.push(bytes.len().min(63) as u8);
        packet.extend_from_slice(&bytes[..bytes.len().min(63)]);
    }
    packet.push(0);
    packet.extend_from_slice(&(if ipv6 { TYPE_AAAA } else { TYPE_A }).to_be_bytes());
    packet.extend_from_slice(&CLASS_IN.to_be_bytes());
    packet
}

/// The response code and the addresses of a response to query `id`; `None` when it
/// is not one.
pub fn parse_answer(packet: &[u8], id: u16) -> Option<(u8, Vec<IpAddr>)> {
    if packet.len() < 12 || u16::from_be_bytes([packet[0], packet[1]]) != id || packet[2] & 0x80 == 0 {
        return None;
    }
    let rcode = packet[3] & 0x0f;
    let questions = u16::from_be_bytes([packet[4], packet[5]]);
    let answers = u16::from_be_bytes([packet[6], packet[7]]);
    let mut at = 12;
    for _ in 0..questions {
        at = skip_name(packet, at)? + 4;
    }
    let mut out = Vec::new();
    for _ in 0..answers {
        at = skip_name(packet, at)?;
        let kind = u16::from_be_bytes([*packet.get(at)?, *packet.get(at + 1)?]);
        let length = usize::from(u16::from_be_bytes([*packet.get(at + 8)?, *packet.get(at + 9)?]));
        let data = packet.get(at + 10..at + 10 + length)?;
        match (kind, length) {
            (TYPE_A, 4) => out.push(IpAddr::V4(Ipv4Addr::new(data[0], data[1], data[2], data[3]))),
            (TYPE_AAAA, 16) => {
                let bytes: [u8; 16] = data.try_into().ok()?;
                out.push(IpAddr::V6(Ipv6Addr::from(bytes)));
            }
            _ => {}
        }
        at += 10 + length;
    }
    Some((rcode, out))
}

/// The offset just past a (possibly compressed) name.
fn skip_name(packet: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let len = *packet.get(at)?;
        if len == 0 {
            return Some(at + 1);
        }
        if len & 0xc0 == 0xc0 {
            return Some(at + 2);
        }
        at += 1 + usize::from(len);
    }
}

/// A response a server would send, for tests and for asbuilt's own test responders.
pub fn answer(query: &[u8], addresses: &[IpAddr]) -> Vec<u8> {
    let mut out = query.to_vec();
    out[2] = 0x81; // a response, recursion desired echoed
    out[3] = if addresses.is_empty() { 0x83 } else { 0x80 }; // NXDOMAIN or no error
    out[6..8].copy_from_slice(&(addresses.len() as u16).to_be_bytes());
    for addr in addresses {
        out.extend_from_slice(&[0xc0, 12]); // the name of the question
        let (kind, data): (u16, Vec<u8>) = match addr {
            IpAddr::V4(a) => (TYPE_A, a.octets().to_vec()),
            IpAddr::V6(a) => (TYPE_AAAA, a.octets().to_vec()),
        };
        out.extend_from_slice(&kind.to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        out.extend_from_slice(&300u32.to_be_bytes());
        out.extend_from_slice(&(data.len() as u16).to_be_bytes());
        out.extend_from_slice(&data);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_to_our_query_gives_its_addresses() {
        let q = query(0xbeef, "www.veenstra.local", false);
        let web: IpAddr = "192.168.50.3".parse().unwrap();
        assert_eq!(parse_answer(&answer(&q, &[web]), 0xbeef), Some((0, vec![web])));
    }

    #[test]
    fn no_such_name_gives_its_code_and_no_addresses() {
        let q = query(7, "printer.veenstra.local", false);
        assert_eq!(parse_answer(&answer(&q, &[]), 7), Some((3, vec![])));
    }

    #[test]
    fn a_response_to_another_query_is_not_ours() {
        let q = query(7, "x.local", false);
        assert_eq!(parse_answer(&answer(&q, &[]), 8), None);
        assert_eq!(parse_answer(&q, 7), None, "a query is not a response");
    }
}
