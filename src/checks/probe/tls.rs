//! An https request over a connection asbuilt opened itself, with its own TLS client:
//! the page, and the certificate the server presented for the name asked. The client
//! trusts no authority (a lab's certificates sign themselves) but checks that the
//! server holds the certificate's key; whether the certificate names the site, and is
//! within its dates, is reported for the judge.

use std::io;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::http;
use crate::checks::observation::{CertificateFacts, SiteFacts};

/// GETs `path` from `name` over TLS on `stream` (the name goes in the handshake and the
/// Host header).
pub async fn request(stream: TcpStream, name: &str, path: &str, timeout: Duration) -> io::Result<SiteFacts> {
    let server = ServerName::try_from(name.to_string())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, format!("`{name}` is not a host name")))?;
    let connector = TlsConnector::from(client()?);
    let tls = tokio::time::timeout(timeout, connector.connect(server, stream))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no TLS handshake in time"))?
        .map_err(|e| io::Error::other(format!("TLS handshake failed: {e}")))?;
    let presented = tls.get_ref().1.peer_certificates().and_then(|c| c.first()).map(|c| c.to_vec());
    let page = http::request(tls, "GET", name, path, timeout).await?;
    let certificate = presented.map(|der| read_certificate(&der, name));
    Ok(SiteFacts { page, certificate })
}

/// The client's configuration, made once for every check of the process.
fn client() -> io::Result<Arc<rustls::ClientConfig>> {
    static CLIENT: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    let made = CLIENT.get_or_init(|| {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = Arc::new(AnyCertificate { algorithms: provider.signature_verification_algorithms });
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Arc::new(config))
    });
    made.clone().map_err(io::Error::other)
}

/// Takes any certificate (the judge looks at it afterwards) but still checks the
/// handshake's signature against it, so a server must hold the certificate's key.
#[derive(Debug)]
struct AnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// What a certificate says about `name` and its dates.
pub fn read_certificate(der: &[u8], name: &str) -> CertificateFacts {
    let cert_der = CertificateDer::from(der);
    let parsed = webpki::EndEntityCert::try_from(&cert_der);
    let (names, for_name) = match (&parsed, ServerName::try_from(name)) {
        (Ok(cert), Ok(asked)) => (
            cert.valid_dns_names().map(str::to_string).collect(),
            cert.verify_is_valid_for_subject_name(&asked).is_ok(),
        ),
        (Ok(cert), Err(_)) => (cert.valid_dns_names().map(str::to_string).collect(), false),
        (Err(_), _) => (Vec::new(), false),
    };
    let period = validity(der);
    let now = SystemTime::now();
    let current = period.is_some_and(|(from, until)| from <= now && now <= until);
    CertificateFacts {
        names,
        for_name,
        not_before: period.map(|(from, _)| shown(from)),
        not_after: period.map(|(_, until)| shown(until)),
        current,
    }
}

/// A certificate's validity period: the fifth field of its
/// TBSCertificate (after the optional version, the serial number, the signature
/// algorithm and the issuer), two times (RFC 5280, 4.1.2.5).
fn validity(der: &[u8]) -> Option<(SystemTime, SystemTime)> {
    let (_, certificate, _) = tlv(der)?;
    let (_, mut tbs, _) = tlv(certificate)?;
    let (tag, _, rest) = tlv(tbs)?;
    if tag == 0xa0 {
        tbs = rest; // the explicit version
    }
    for _ in 0..3 {
        tbs = tlv(tbs)?.2; // serial number, signature algorithm, issuer
    }
    let (_, period, _) = tlv(tbs)?;
    let (from_tag, from, rest) = tlv(period)?;
    let (until_tag, until, _) = tlv(rest)?;
    Some((time(from_tag, from)?, time(until_tag, until)?))
}

/// One DER element: its tag, its contents and what follows it.
fn tlv(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let length = if first < 0x80 {
        first as usize
    } else {
        let count = (first & 0x7f) as usize;
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let length = rest[..count].iter().fold(0usize, |n, b| (n << 8) | *b as usize);
        rest = &rest[count..];
        length
    };
    (rest.len() >= length).then(|| (tag, &rest[..length], &rest[length..]))
}

/// UTCTime (`YYMMDDHHMMSSZ`, tag 0x17) or GeneralizedTime (`YYYYMMDDHHMMSSZ`, tag 0x18),
/// read through its RFC 3339 form.
fn time(tag: u8, bytes: &[u8]) -> Option<SystemTime> {
    let text = std::str::from_utf8(bytes).ok()?.strip_suffix('Z')?;
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let full = match tag {
        // RFC 5280: two-digit years from 50 are 19xx, below 50 are 20xx.
        0x17 if text.len() == 12 => format!("{}{text}", if &text[..2] >= "50" { "19" } else { "20" }),
        0x18 if text.len() == 14 => text.to_string(),
        _ => return None,
    };
    let f = |range: std::ops::Range<usize>| &full[range];
    let rfc3339 = format!("{}-{}-{}T{}:{}:{}Z", f(0..4), f(4..6), f(6..8), f(8..10), f(10..12), f(12..14));
    humantime::parse_rfc3339(&rfc3339).ok()
}

/// A time as the report shows it: RFC 3339, in UTC.
fn shown(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    fn at(rfc3339: &str) -> SystemTime {
        humantime::parse_rfc3339(rfc3339).unwrap()
    }

    #[test]
    fn times_read_both_encodings() {
        assert_eq!(time(0x17, b"700101000000Z"), Some(UNIX_EPOCH));
        assert_eq!(time(0x17, b"491231235959Z"), Some(at("2049-12-31T23:59:59Z")));
        assert_eq!(time(0x18, b"20500101000000Z"), Some(at("2050-01-01T00:00:00Z")));
        assert_eq!(time(0x18, b"20240229010101Z").map(shown).as_deref(), Some("2024-02-29T01:01:01Z"));
        assert_eq!(time(0x17, b"7001010000Z"), None);
        assert_eq!(time(0x18, b"20500101000000"), None);
    }

    #[test]
    fn the_validity_is_the_fifth_field_of_the_signed_part() {
        // A TBSCertificate laid out by hand: version, serial, algorithm, issuer, validity.
        let element = |tag: u8, body: &[u8]| [&[tag, body.len() as u8][..], body].concat();
        let period = [element(0x17, b"261203000000Z"), element(0x18, b"20290101120000Z")].concat();
        let tbs = [
            element(0xa0, &element(0x02, &[2])),
            element(0x02, &[1]),
            element(0x30, &element(0x06, &[1, 2])),
            element(0x30, &[]),
            element(0x30, &period),
            element(0x30, &[]),
        ]
        .concat();
        let certificate = element(0x30, &[element(0x30, &tbs), element(0x30, &[])].concat());
        let (from, until) = validity(&certificate).unwrap();
        assert_eq!(shown(from), "2026-12-03T00:00:00Z");
        assert_eq!(shown(until), "2029-01-01T12:00:00Z");
        assert_eq!(validity(&certificate[..certificate.len() - 3]), None);
    }
}
