//! A web server's design: its default page and its name-based sites, each told apart
//! from the others by the phrase its check looks for.

use std::net::IpAddr;

use super::Resolver;
use super::dns::valid_dns_name;
use crate::checks::content;
use crate::design::model::{Http, Site};
use crate::diagnostic::{Diagnostic, Loc};
use crate::path;
use crate::topology::locate::Path;
use crate::topology::wire::HttpWire;

impl Resolver<'_> {
    /// A web server: its default page and its name-based sites. Every page must be
    /// told apart from the others by the phrase its check looks for, or a server that
    /// serves one page for every name would pass every site's check.
    pub(super) fn http(&mut self, node: &str, wire: &HttpWire) -> Option<Http> {
        let mut http = Http::single(
            wire.port.unwrap_or(80),
            wire.content.clone().unwrap_or_else(|| format!("{node}\n")),
        );
        http.tls_port = wire.tls_port.unwrap_or(443);
        let mut ok = true;
        for (name, site) in &wire.sites {
            let lower = name.trim_end_matches('.').to_ascii_lowercase();
            let loc = Loc::key(path!["design", "services", node, "http", "sites", name]);
            if !valid_dns_name(&lower) || lower.parse::<IpAddr>().is_ok() {
                self.report(
                    Diagnostic::error("invalid-value", format!("`{name}` is not a host name"))
                        .at(loc)
                        .label("not a host name")
                        .help("name a site as a browser would ask for it, such as `www.jansen.nl`"),
                );
                ok = false;
                continue;
            }
            if http.sites.iter().any(|s| s.name == lower) {
                self.report(
                    Diagnostic::error("duplicate-site", format!("`{name}` is already a site of `{node}`"))
                        .at(loc)
                        .label("a second time")
                        .help("host names are not case-sensitive: give each site once"),
                );
                ok = false;
                continue;
            }
            let content = site.content.clone().unwrap_or_else(|| format!("{lower}\n"));
            http.sites.push(Site { name: lower, content, tls: site.tls.unwrap_or(false) });
        }
        if http.has_tls() && http.tls_port == http.port {
            self.report(
                Diagnostic::error(
                    "port-conflict",
                    format!("http and https cannot share port {} on `{node}`", http.port),
                )
                .at(Loc::value(path!["design", "services", node, "http", "tls-port"]))
                .help("serve https on its own port, such as 443"),
            );
            ok = false;
        }
        // Told apart only once every site is in: the sites then line up with the file's.
        ok = ok && self.pages_told_apart(node, wire, &http);
        ok.then_some(http)
    }

    /// Reports a page whose check phrase another page of the server also contains.
    fn pages_told_apart(&mut self, node: &str, wire: &HttpWire, http: &Http) -> bool {
        let default_at = match wire.content {
            Some(_) => path!["design", "services", node, "http", "content"],
            None => path!["design", "services", node, "http"],
        };
        let mut pages: Vec<(Path, String, &str)> =
            vec![(default_at, "the default page".into(), &http.content)];
        for (key, site) in wire.sites.keys().zip(&http.sites) {
            let at = path!["design", "services", node, "http", "sites", key];
            pages.push((at, format!("the page of `{}`", site.name), &site.content));
        }
        for (i, (at, whose, content)) in pages.iter().enumerate() {
            let phrase = content::snippet(content);
            if phrase.is_empty() {
                self.report(
                    Diagnostic::error("pages-alike", format!("{whose} has no text a check can look for"))
                        .at(Loc::key(at.clone()))
                        .label("no visible text")
                        .help("give every page a first line of visible text: a check finds a page by it"),
                );
                return false;
            }
            let alike = pages
                .iter()
                .enumerate()
                .find(|(j, (_, _, other))| *j != i && content::contains(other, &phrase));
            let Some((_, (_, other, _))) = alike else { continue };
            self.report(
                Diagnostic::error(
                    "pages-alike",
                    format!("{other} contains `{phrase}`, the phrase a check looks for in {whose}"),
                )
                .at(Loc::key(at.clone()))
                .label("not told apart")
                .help("give every page a first line of its own: a check finds a page by it"),
            );
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::design::Lab;
    use crate::design::resolve::codes;
    use crate::topology::Source;

    fn web(http: &str) -> Result<Lab, Vec<crate::diagnostic::Diagnostic>> {
        let yaml = format!(
            r#"
lab: t
title: T
trains: [B1-K3-W1]
nodes:
  web: {{ kind: server }}
  pc1: {{ kind: host }}
links:
  - web:eth1 -- pc1:eth1
design:
  addresses:
    web:eth1: 10.0.0.80/24
    pc1:eth1: 10.0.0.10/24
  services:
    web:
      http: {http}
"#
        );
        Lab::load(&Source::new("web.yml", yaml))
    }

    #[test]
    fn sites_are_lowercase_with_their_own_pages_and_https_where_asked() {
        let lab = web(
            "{ content: Welkom, sites: { WWW.Jansen.nl: { content: Webwinkel, tls: true }, intranet.jansen.nl: {} } }",
        )
        .unwrap();
        let http = lab.design_for(None).nodes["web"].services.http.clone().unwrap();
        let sites: Vec<(&str, &str, bool)> =
            http.sites.iter().map(|s| (s.name.as_str(), s.content.as_str(), s.tls)).collect();
        assert_eq!(
            sites,
            [("www.jansen.nl", "Webwinkel", true), ("intranet.jansen.nl", "intranet.jansen.nl\n", false)]
        );
        assert_eq!((http.port, http.tls_port), (80, 443));
        assert_eq!(http.page_for("www.jansen.nl", 443), Some("Webwinkel"));
        assert_eq!(http.page_for("www.jansen.nl", 80), None, "redirected to https");
        assert_eq!(http.page_for("intranet.jansen.nl", 80), Some("intranet.jansen.nl\n"));
        assert_eq!(http.page_for("10.0.0.80", 80), Some("Welkom"));
        assert!(http.listens(443) && http.listens(80) && !http.listens(8443));
    }

    #[test]
    fn a_site_needs_a_host_name_given_once() {
        assert_eq!(codes(&web("{ sites: { 'www jansen': {} } }").unwrap_err()), ["invalid-value"]);
        assert_eq!(codes(&web("{ sites: { 10.0.0.80: {} } }").unwrap_err()), ["invalid-value"]);
        let errors = web("{ sites: { www.jansen.nl: {}, WWW.jansen.nl: {} } }").unwrap_err();
        assert_eq!(codes(&errors), ["duplicate-site"]);
    }

    #[test]
    fn pages_a_check_could_not_tell_apart_are_an_error() {
        // The default page is the node's name, which the site's page contains.
        let errors = web("{ sites: { www.jansen.nl: { content: 'Welkom op web' } } }").unwrap_err();
        assert_eq!(codes(&errors), ["pages-alike"]);
        assert!(errors[0].message.contains("`web`"), "{errors:?}");
        let errors =
            web("{ content: Welkom, sites: { a.nl: { content: Jansen }, b.nl: { content: Jansen BV } } }")
                .unwrap_err();
        assert_eq!(codes(&errors), ["pages-alike"]);
        let errors = web("{ content: Welkom, sites: { a.nl: { content: '<img src=a.png>' } } }").unwrap_err();
        assert!(errors[0].message.contains("has no text a check can look for"), "{errors:?}");
        assert!(
            web("{ content: Welkom, sites: { a.nl: { content: Jansen }, b.nl: { content: Pietersen } } }")
                .is_ok()
        );
    }

    #[test]
    fn http_and_https_need_their_own_ports() {
        let errors = web("{ content: Welkom, port: 443, sites: { a.nl: { tls: true } } }").unwrap_err();
        assert_eq!(codes(&errors), ["port-conflict"]);
        // Without an https site the https port is never opened.
        assert!(web("{ content: Welkom, port: 443, sites: { a.nl: {} } }").is_ok());
    }
}
