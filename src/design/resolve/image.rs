//! `image:` is an image reference as Docker reads it, and never one of asbuilt's own.
//!
//! The grammar is Docker's (distribution/reference), written out here rather than taken
//! from a crate: `[host[:port]/]path[:tag][@sha256:digest]`, where the path is
//! lowercase components joined by `/`, each letters and digits with `.`, `_`, `__` or
//! dashes between them. A reference that is not one would only fail at deploy, far from
//! the file; one that names `asbuilt/fabric` would give a node the fabric's program.

use std::net::Ipv6Addr;
use std::ops::Range;

use super::Resolver;
use crate::diagnostic::{Diagnostic, Loc};
use crate::kind::NodeKind;
use crate::path;

/// Characters in a whole reference, tag and digest included.
const MAX_LENGTH: usize = 255;

/// Characters in a tag.
const MAX_TAG: usize = 128;

/// The repository namespace of the images asbuilt builds (`asbuilt/router:<hash>`).
const OWN_NAMESPACE: &str = "asbuilt";

/// What is wrong with a reference, and where in it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wrong {
    message: String,
    at: Range<usize>,
    help: &'static str,
}

impl Wrong {
    fn new(message: impl Into<String>, at: Range<usize>, help: &'static str) -> Wrong {
        Wrong { message: message.into(), at, help }
    }
}

/// The parts of a valid reference.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference<'a> {
    /// The registry, with its port: `registry.school.nl:5000`.
    domain: Option<&'a str>,
    /// The repository path: `netlab/web`.
    path: &'a str,
    /// Where the path starts in the reference.
    path_start: usize,
}

const NAME_HELP: &str = "an image name is lowercase letters and digits, with `.`, `_`, `__` or `-` between them \
                         and `/` between parts: `registry.school.nl/netlab/web:1.2`";
const TAG_HELP: &str =
    "a tag is up to 128 letters, digits, `_`, `.` and `-`, and starts with a letter, digit or `_`";
const DIGEST_HELP: &str = "a digest is `@sha256:` and 64 lowercase hexadecimal digits";
const HOST_HELP: &str =
    "a registry is a host name or address with an optional port: `registry.school.nl:5000/`";

fn parse(text: &str) -> Result<Reference<'_>, Wrong> {
    if text.is_empty() {
        return Err(Wrong::new("the image name is empty", 0..0, NAME_HELP));
    }
    if text.len() > MAX_LENGTH {
        return Err(Wrong::new(
            format!(
                "the image reference is {} characters long; at most {MAX_LENGTH} are allowed",
                text.len()
            ),
            0..text.len(),
            "Docker refuses longer names; choose a shorter repository or tag",
        ));
    }
    let (rest, digest) = match text.split_once('@') {
        Some((rest, digest)) => (rest, Some((digest, rest.len() + 1))),
        None => (text, None),
    };
    if let Some((digest, start)) = digest {
        check_digest(digest, start)?;
    }
    // A colon after the last slash starts the tag; one before it belongs to a port.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].find(':') {
        Some(colon) => {
            let colon = last_slash + colon;
            (&rest[..colon], Some((&rest[colon + 1..], colon + 1)))
        }
        None => (rest, None),
    };
    if let Some((tag, start)) = tag {
        check_tag(tag, start)?;
    }
    // Docker reads the first part as a registry when it looks like a host: it has a dot
    // or a port, is `localhost`, or has capitals (a path never does).
    let (domain, path_start) = match name.split_once('/') {
        Some((first, _))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            check_domain(first)?;
            (Some(first), first.len() + 1)
        }
        _ => (None, 0),
    };
    let path = &name[path_start..];
    check_path(path, path_start)?;
    Ok(Reference { domain, path, path_start })
}

fn check_digest(digest: &str, start: usize) -> Result<(), Wrong> {
    let at = start - 1..start + digest.len();
    let hex = digest
        .strip_prefix("sha256:")
        .ok_or_else(|| Wrong::new(format!("`@{digest}` is not a sha256 digest"), at.clone(), DIGEST_HELP))?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(Wrong::new(
            format!("`@{digest}` is not a digest: it needs 64 lowercase hexadecimal digits"),
            at,
            DIGEST_HELP,
        ));
    }
    Ok(())
}

fn check_tag(tag: &str, start: usize) -> Result<(), Wrong> {
    let at = start - 1..start + tag.len();
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let fine =
        tag.len() <= MAX_TAG && tag.starts_with(word) && tag.chars().all(|c| word(c) || c == '.' || c == '-');
    if fine { Ok(()) } else { Err(Wrong::new(format!("`:{tag}` is not a valid tag"), at, TAG_HELP)) }
}

fn check_domain(domain: &str) -> Result<(), Wrong> {
    let wrong = || Wrong::new(format!("`{domain}` is not a registry"), 0..domain.len(), HOST_HELP);
    let (host, port) = match domain.strip_prefix('[') {
        Some(bracketed) => {
            let (v6, after) = bracketed.split_once(']').ok_or_else(wrong)?;
            v6.parse::<Ipv6Addr>().map_err(|_| wrong())?;
            (None, if after.is_empty() { None } else { Some(after.strip_prefix(':').ok_or_else(wrong)?) })
        }
        None => match domain.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(domain), None),
        },
    };
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(wrong());
    }
    if let Some(host) = host {
        // Host name parts: letters and digits, dashes only inside.
        let part = |p: &str| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !p.starts_with('-')
                && !p.ends_with('-')
        };
        if !host.split('.').all(part) {
            return Err(wrong());
        }
    }
    Ok(())
}

fn check_path(path: &str, start: usize) -> Result<(), Wrong> {
    let mut offset = start;
    for component in path.split('/') {
        let at = offset..offset + component.len();
        offset += component.len() + 1;
        if component.is_empty() {
            let at = at.start.saturating_sub(1)..at.start.max(1);
            return Err(Wrong::new("the image name has an empty part between slashes", at, NAME_HELP));
        }
        if component.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(Wrong::new(
                format!("`{component}` has capitals; image names are lowercase"),
                at,
                NAME_HELP,
            ));
        }
        if let Some((i, c)) = component
            .char_indices()
            .find(|&(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')))
        {
            let at = at.start + i..at.start + i + c.len_utf8();
            let shown = if c.is_whitespace() { "a space".to_string() } else { format!("`{c}`") };
            return Err(Wrong::new(format!("{shown} cannot be in an image name"), at, NAME_HELP));
        }
        if !separators_fit(component) {
            return Err(Wrong::new(
                format!(
                    "`{component}` does not have letters or digits on both sides of each `.`, `_` or `-`"
                ),
                at,
                NAME_HELP,
            ));
        }
    }
    Ok(())
}

/// Letters and digits, with one `.`, one `_`, two `_`, or any number of `-` between them.
fn separators_fit(component: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !component.starts_with(alnum) || !component.ends_with(alnum) {
        return false;
    }
    component
        .split(alnum)
        .filter(|run| !run.is_empty())
        .all(|run| matches!(run, "." | "_" | "__") || run.chars().all(|c| c == '-'))
}

impl Reference<'_> {
    /// Whether the reference names one of asbuilt's own images: a repository under
    /// `asbuilt/` on the local engine or Docker Hub, which is where those images live.
    fn is_asbuilts_own(&self) -> bool {
        let local = matches!(self.domain, None | Some("docker.io") | Some("index.docker.io"));
        local && self.path.split('/').next() == Some(OWN_NAMESPACE) && self.path.contains('/')
    }
}

impl Resolver<'_> {
    /// Checks a node's `image`; `false` when it cannot be used.
    pub(super) fn image(&mut self, name: &str, kind: NodeKind, image: &str) -> bool {
        let at = path!["nodes", name, "image"];
        let reference = match parse(image) {
            Ok(reference) => reference,
            Err(wrong) => {
                let at = if wrong.at.is_empty() { Loc::value(at) } else { Loc::within(at, wrong.at) };
                self.report(
                    Diagnostic::error(
                        "invalid-image",
                        format!(
                            "node `{name}` names an image that is not a valid reference: {}",
                            wrong.message
                        ),
                    )
                    .at(at)
                    .label("not a valid image reference")
                    .help(wrong.help),
                );
                return false;
            }
        };
        if reference.is_asbuilts_own() {
            let repository = reference.path;
            let help = match kind {
                NodeKind::Custom => "the built-in kinds use their own image automatically: leave out `image` and give `kind: router`, `firewall`, `server`, `host` or `switch`".to_string(),
                builtin => format!("a {builtin} runs asbuilt's {builtin} image automatically: leave out `image`"),
            };
            self.report(
                Diagnostic::error(
                    "internal-image",
                    format!("node `{name}` names `{repository}`, one of asbuilt's own images"),
                )
                .at(Loc::within(at, reference.path_start..reference.path_start + repository.len()))
                .label("asbuilt's own image")
                .help(help),
            );
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrong(text: &str) -> Wrong {
        parse(text).expect_err(text)
    }

    #[test]
    fn references_docker_accepts_are_accepted() {
        for text in [
            "nginx",
            "nginx:1.27",
            "library/nginx:latest",
            "registry.school.nl/netlab/web:1.2",
            "registry.school.nl:5000/netlab/web",
            "localhost/ids",
            "localhost:5000/ids:v2_rc-1",
            "10.0.0.5:5000/a/b/c",
            "[2001:db8::1]:5000/web",
            "my_image__x.y-z---w",
            "Registry.School.NL/web",
            "web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "web:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(parse(text).is_ok(), "{text}: {:?}", parse(text));
        }
    }

    #[test]
    fn capitals_in_the_path_are_pointed_at() {
        let w = wrong("school/Web:1");
        assert_eq!(w.message, "`Web` has capitals; image names are lowercase");
        assert_eq!(w.at, 7..10);
    }

    #[test]
    fn a_character_that_cannot_be_in_a_name_is_pointed_at() {
        let w = wrong("web server");
        assert_eq!((w.message.as_str(), w.at), ("a space cannot be in an image name", 3..4));
        assert_eq!(wrong("web;rm -rf").at, 3..4);
        assert_eq!(wrong("wéb").at, 1..3);
    }

    #[test]
    fn separators_need_letters_or_digits_on_both_sides() {
        for text in ["-web", "web-", "we..b", "we___b", "we._b", ".web", "a/_b"] {
            assert!(parse(text).is_err(), "{text}");
        }
        assert_eq!(wrong("a//b").message, "the image name has an empty part between slashes");
        assert!(parse("web/").is_err());
    }

    #[test]
    fn tags_follow_dockers_rules() {
        assert_eq!(wrong("web:.1").at, 3..6);
        assert!(parse("web:-1").is_err());
        assert!(parse("web:").is_err());
        assert!(parse(&format!("web:{}", "a".repeat(128))).is_ok());
        assert!(parse(&format!("web:{}", "a".repeat(129))).is_err());
    }

    #[test]
    fn digests_are_sha256_with_64_hex_digits() {
        assert_eq!(wrong("web@sha256:abc").at, 3..14);
        assert!(parse(&format!("web@md5:{}", "0".repeat(64))).is_err());
        assert!(parse(&format!("web@sha256:{}", "A".repeat(64))).is_err());
    }

    #[test]
    fn registries_are_hosts_with_an_optional_port() {
        assert!(parse("registry.school.nl:port/web").is_err());
        assert!(parse("-bad.nl/web").is_err());
        assert!(parse("[not:an:address]:5000/web").is_err());
    }

    #[test]
    fn references_longer_than_255_characters_are_refused() {
        let long = format!("school/{}", "a".repeat(249));
        assert_eq!(long.len(), 256);
        assert!(wrong(&long).message.starts_with("the image reference is 256 characters long"));
        assert!(parse(&long[..255]).is_ok());
    }

    #[test]
    fn asbuilts_own_images_are_recognised_wherever_docker_would_find_them() {
        for text in [
            "asbuilt/fabric",
            "asbuilt/router:3f2a9c01b7de",
            "docker.io/asbuilt/host",
            "asbuilt/anything/else",
        ] {
            assert!(parse(text).unwrap().is_asbuilts_own(), "{text}");
        }
        for text in ["asbuilt", "registry.school.nl/asbuilt/router", "school/asbuilt", "asbuilt-tools/x"] {
            assert!(!parse(text).unwrap().is_asbuilts_own(), "{text}");
        }
    }

    #[test]
    fn the_namespace_is_the_one_images_are_built_under() {
        assert_eq!(format!("{OWN_NAMESPACE}/"), crate::images::recipe::REPOSITORY_PREFIX);
    }
}
