//! Just enough SNMP (version 2c, RFC 3416) for a check to ask an agent for its
//! `sysName.0` itself: a GetRequest, and the value out of the Response. asbuilt asks with
//! its own packets, so no tool in the node can answer in the agent's place.

/// `SNMPv2-MIB::sysName.0`: the name the agent gives its node.
const SYS_NAME: &[u8] = &[0x2b, 6, 1, 2, 1, 1, 5, 0];

const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;
const NULL: u8 = 0x05;
const SEQUENCE: u8 = 0x30;
const GET_REQUEST: u8 = 0xa0;
const RESPONSE: u8 = 0xa2;
/// SNMPv2c's version field (0 is version 1).
const VERSION_2C: u8 = 1;

/// An agent's answer to a GET of sysName.0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The agent's error-status: 0 is none.
    pub error_status: i64,
    /// The name, when the value is a string (not `noSuchObject` or the like).
    pub name: Option<String>,
}

/// A GetRequest for sysName.0 with `community` and request id `id`.
pub fn get_sys_name(community: &str, id: u32) -> Vec<u8> {
    let varbind = tlv(SEQUENCE, &[tlv(OID, SYS_NAME), tlv(NULL, &[])].concat());
    let pdu =
        tlv(GET_REQUEST, &[integer(i64::from(id)), integer(0), integer(0), tlv(SEQUENCE, &varbind)].concat());
    tlv(SEQUENCE, &[integer(i64::from(VERSION_2C)), tlv(OCTET_STRING, community.as_bytes()), pdu].concat())
}

/// The answer in `packet` when it is a Response to request `id`; `None` for anything
/// else (another request's answer, or bytes that are not SNMP).
pub fn parse_answer(packet: &[u8], id: u32) -> Option<Answer> {
    let (tag, message, _) = read(packet)?;
    if tag != SEQUENCE {
        return None;
    }
    let (_, _version, rest) = read(message)?;
    let (_, _community, rest) = read(rest)?;
    let (tag, pdu, _) = read(rest)?;
    if tag != RESPONSE {
        return None;
    }
    let (_, request_id, rest) = read(pdu)?;
    if to_integer(request_id)? != i64::from(id) {
        return None;
    }
    let (_, error_status, rest) = read(rest)?;
    let (_, _error_index, rest) = read(rest)?;
    let (_, varbinds, _) = read(rest)?;
    let (_, varbind, _) = read(varbinds)?;
    let (_, _oid, rest) = read(varbind)?;
    let (value_tag, value, _) = read(rest)?;
    let name = (value_tag == OCTET_STRING).then(|| String::from_utf8_lossy(value).into_owned());
    Some(Answer { error_status: to_integer(error_status)?, name })
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A BER INTEGER in the fewest bytes, two's complement.
fn integer(value: i64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        let redundant = (b == 0x00 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0);
        if !redundant {
            break;
        }
        start += 1;
    }
    tlv(INTEGER, &bytes[start..])
}

fn to_integer(content: &[u8]) -> Option<i64> {
    if content.is_empty() || content.len() > 8 {
        return None;
    }
    let negative = content[0] & 0x80 != 0;
    let mut value: i64 = if negative { -1 } else { 0 };
    for b in content {
        value = (value << 8) | i64::from(*b);
    }
    Some(value)
}

/// One TLV: its tag, its content and what follows it.
fn read(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = data.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[count..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_get_request_is_laid_out_as_rfc_3416_says() {
        // What `snmpget -v2c -c public HOST 1.3.6.1.2.1.1.5.0` sends, with request id
        // 0x1234, laid out by hand from RFC 3416. (tests/monitoring_docker.rs shows that
        // a real snmpd answers it.)
        let expected = [
            0x30, 0x27, 0x02, 0x01, 0x01, 0x04, 0x06, b'p', b'u', b'b', b'l', b'i', b'c', 0xa0, 0x1a, 0x02,
            0x02, 0x12, 0x34, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b,
            0x06, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00, 0x05, 0x00,
        ];
        assert_eq!(get_sys_name("public", 0x1234), expected);
    }

    #[test]
    fn a_response_gives_the_name_and_another_requests_answer_is_ignored() {
        let response = |id: u32, value: Vec<u8>| {
            let varbind = tlv(SEQUENCE, &[tlv(OID, SYS_NAME), value].concat());
            let pdu = tlv(
                RESPONSE,
                &[integer(i64::from(id)), integer(0), integer(0), tlv(SEQUENCE, &varbind)].concat(),
            );
            tlv(SEQUENCE, &[integer(1), tlv(OCTET_STRING, b"beheer-ro"), pdu].concat())
        };
        let packet = response(40_000, tlv(OCTET_STRING, b"r1"));
        assert_eq!(parse_answer(&packet, 40_000), Some(Answer { error_status: 0, name: Some("r1".into()) }));
        assert_eq!(parse_answer(&packet, 40_001), None);
        // noSuchObject: an answer, but no name.
        let missing = response(7, vec![0x80, 0x00]);
        assert_eq!(parse_answer(&missing, 7), Some(Answer { error_status: 0, name: None }));
        assert_eq!(parse_answer(&get_sys_name("x", 7), 7), None, "a request is not an answer");
        assert_eq!(parse_answer(&[0x30, 0x05, 0x02], 7), None);
    }

    #[test]
    fn integers_and_long_lengths_round_trip() {
        for value in [0i64, 1, 127, 128, 255, 256, 40_000, 2_147_483_647, -1, -129] {
            let encoded = integer(value);
            let (tag, content, rest) = read(&encoded).unwrap();
            assert_eq!((tag, to_integer(content), rest.len()), (INTEGER, Some(value), 0), "{value}");
        }
        let long = tlv(OCTET_STRING, &[7u8; 300]);
        assert_eq!(&long[..4], &[OCTET_STRING, 0x82, 0x01, 0x2c]);
        assert_eq!(read(&long).unwrap().1.len(), 300);
    }
}
