//! DNS queries asbuilt builds and reads itself (RFC 1035, RFC 3596): one question of
//! one type, over UDP, and the answer section read back as text.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::design::RecordKind;

const CLASS_IN: u16 = 1;

/// A query with recursion desired, for `name`'s records of `kind`.
pub fn query(id: u16, name: &str, kind: RecordKind) -> Vec<u8> {
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
    packet.extend_from_slice(&kind.code().to_be_bytes());
    packet.extend_from_slice(&CLASS_IN.to_be_bytes());
    packet
}

/// A response, as far as checks need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// 0 is an answer, 3 is "no such name", 5 "refused".
    pub rcode: u8,
    /// The AA flag: the server is the authority for the name.
    pub authoritative: bool,
    /// The addresses in the answer section (A and AAAA records).
    pub addresses: Vec<IpAddr>,
    /// Every record of the answer section as its type and its data in `dig +short`'s
    /// form, names without the trailing dot: `CNAME web.jansen.local`, `MX 10 mail.x`.
    pub records: Vec<(RecordKind, String)>,
}

/// The response to query `id`; `None` when the packet is not one.
pub fn parse_response(packet: &[u8], id: u16) -> Option<Response> {
    if packet.len() < 12 || u16::from_be_bytes([packet[0], packet[1]]) != id || packet[2] & 0x80 == 0 {
        return None;
    }
    let authoritative = packet[2] & 0x04 != 0;
    let rcode = packet[3] & 0x0f;
    let questions = u16::from_be_bytes([packet[4], packet[5]]);
    let answers = u16::from_be_bytes([packet[6], packet[7]]);
    let mut at = 12;
    for _ in 0..questions {
        at = skip_name(packet, at)? + 4;
    }
    let mut out = Response { rcode, authoritative, addresses: Vec::new(), records: Vec::new() };
    for _ in 0..answers {
        at = skip_name(packet, at)?;
        let code = u16::from_be_bytes([*packet.get(at)?, *packet.get(at + 1)?]);
        let length = usize::from(u16::from_be_bytes([*packet.get(at + 8)?, *packet.get(at + 9)?]));
        let start = at + 10;
        let data = packet.get(start..start + length)?;
        if let Some(kind) = RecordKind::ALL.into_iter().find(|k| k.code() == code)
            && let Some(text) = record_text(packet, start, data, kind)
        {
            if let Ok(address) = text.parse::<IpAddr>()
                && matches!(kind, RecordKind::A | RecordKind::Aaaa)
            {
                out.addresses.push(address);
            }
            out.records.push((kind, text));
        }
        at = start + length;
    }
    Some(out)
}

/// The data of one record as text. `start` is where `data` begins in `packet`, for
/// names compressed with pointers into the rest of the packet.
fn record_text(packet: &[u8], start: usize, data: &[u8], kind: RecordKind) -> Option<String> {
    Some(match kind {
        RecordKind::A => {
            let b: [u8; 4] = data.try_into().ok()?;
            Ipv4Addr::from(b).to_string()
        }
        RecordKind::Aaaa => {
            let b: [u8; 16] = data.try_into().ok()?;
            Ipv6Addr::from(b).to_string()
        }
        RecordKind::Cname | RecordKind::Ns | RecordKind::Ptr => read_name(packet, start)?,
        RecordKind::Mx => {
            let preference = u16::from_be_bytes([*data.first()?, *data.get(1)?]);
            format!("{preference} {}", read_name(packet, start + 2)?)
        }
        RecordKind::Soa => {
            let mname = read_name(packet, start)?;
            let rname = read_name(packet, skip_name(packet, start)?)?;
            format!("{mname} {rname}")
        }
        RecordKind::Txt => {
            // One or more character strings, each with its length first.
            let mut text = String::new();
            let mut rest = data;
            while let Some((&len, tail)) = rest.split_first() {
                let piece = tail.get(..usize::from(len))?;
                text.push_str(&String::from_utf8_lossy(piece));
                rest = &tail[usize::from(len)..];
            }
            text
        }
    })
}

/// A (possibly compressed) name at `at`, lowercased, without the trailing dot.
fn read_name(packet: &[u8], mut at: usize) -> Option<String> {
    let mut labels: Vec<String> = Vec::new();
    // Pointers may only go back; a bound on jumps stops a loop of pointers.
    let mut jumps = 0;
    loop {
        let len = *packet.get(at)?;
        if len == 0 {
            return Some(labels.join("."));
        }
        if len & 0xc0 == 0xc0 {
            jumps += 1;
            if jumps > 32 {
                return None;
            }
            at = usize::from(u16::from_be_bytes([len & 0x3f, *packet.get(at + 1)?]));
            continue;
        }
        let label = packet.get(at + 1..at + 1 + usize::from(len))?;
        labels.push(String::from_utf8_lossy(label).to_lowercase());
        at += 1 + usize::from(len);
    }
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

/// A response a server would send, for tests and for asbuilt's own test responders:
/// the addresses as A or AAAA records, NXDOMAIN without any.
pub fn answer(query: &[u8], addresses: &[IpAddr]) -> Vec<u8> {
    let mut out = query.to_vec();
    out[2] = 0x81; // a response, recursion desired echoed
    out[3] = if addresses.is_empty() { 0x83 } else { 0x80 }; // NXDOMAIN or no error
    out[6..8].copy_from_slice(&(addresses.len() as u16).to_be_bytes());
    for addr in addresses {
        out.extend_from_slice(&[0xc0, 12]); // the name of the question
        let (kind, data): (RecordKind, Vec<u8>) = match addr {
            IpAddr::V4(a) => (RecordKind::A, a.octets().to_vec()),
            IpAddr::V6(a) => (RecordKind::Aaaa, a.octets().to_vec()),
        };
        out.extend_from_slice(&kind.code().to_be_bytes());
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
        let q = query(0xbeef, "www.veenstra.local", RecordKind::A);
        let web: IpAddr = "192.168.50.3".parse().unwrap();
        let r = parse_response(&answer(&q, &[web]), 0xbeef).unwrap();
        assert_eq!((r.rcode, r.addresses), (0, vec![web]));
        assert_eq!(r.records, vec![(RecordKind::A, "192.168.50.3".to_string())]);
        assert!(!r.authoritative);
    }

    #[test]
    fn no_such_name_gives_its_code_and_no_addresses() {
        let q = query(7, "printer.veenstra.local", RecordKind::A);
        let r = parse_response(&answer(&q, &[]), 7).unwrap();
        assert_eq!((r.rcode, r.addresses.len()), (3, 0));
    }

    #[test]
    fn a_response_to_another_query_is_not_ours() {
        let q = query(7, "x.local", RecordKind::A);
        assert_eq!(parse_response(&answer(&q, &[]), 8), None);
        assert_eq!(parse_response(&q, 7), None, "a query is not a response");
    }

    /// A response with one record of `kind` whose data is `data`, AA set.
    fn response_with(kind: RecordKind, data: &[u8]) -> Vec<u8> {
        let mut out = query(9, "jansen.local", kind);
        out[2] = 0x85; // response, authoritative, recursion desired
        out[3] = 0x80;
        out[6..8].copy_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&[0xc0, 12]);
        out.extend_from_slice(&kind.code().to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        out.extend_from_slice(&300u32.to_be_bytes());
        out.extend_from_slice(&(data.len() as u16).to_be_bytes());
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn names_in_records_are_read_through_compression_pointers() {
        // MX 10 mail.<the question's name>: "mail" then a pointer to offset 12.
        let r =
            parse_response(&response_with(RecordKind::Mx, &[0, 10, 4, b'm', b'a', b'i', b'l', 0xc0, 12]), 9)
                .unwrap();
        assert!(r.authoritative);
        assert_eq!(r.records, vec![(RecordKind::Mx, "10 mail.jansen.local".to_string())]);
        let r =
            parse_response(&response_with(RecordKind::Cname, &[3, b'W', b'e', b'b', 0xc0, 12]), 9).unwrap();
        assert_eq!(r.records, vec![(RecordKind::Cname, "web.jansen.local".to_string())]);
    }

    #[test]
    fn text_records_join_their_strings() {
        let r = parse_response(&response_with(RecordKind::Txt, b"\x03v=1\x04 all"), 9).unwrap();
        assert_eq!(r.records, vec![(RecordKind::Txt, "v=1 all".to_string())]);
    }

    #[test]
    fn a_loop_of_pointers_is_not_an_answer() {
        // A name that points at itself.
        let mut packet = response_with(RecordKind::Ns, &[0xc0, 0]);
        let at = packet.len() - 2;
        packet[at + 1] = at as u8;
        let r = parse_response(&packet, 9).unwrap();
        assert!(r.records.is_empty());
    }

    #[test]
    fn reverse_names_are_written_backwards() {
        use crate::design::reverse_name;
        assert_eq!(reverse_name("192.168.0.10".parse().unwrap()), "10.0.168.192.in-addr.arpa");
        assert!(reverse_name("2001:db8::1".parse().unwrap()).starts_with("1.0.0.0."));
        assert!(reverse_name("2001:db8::1".parse().unwrap()).ends_with(".8.b.d.0.1.0.0.2.ip6.arpa"));
    }
}
