//! Configuration of server daemons: nginx pages, dnsmasq DNS and DHCP, SSH users.

use std::fmt::Write;
use std::net::IpAddr;

use ipnet::IpNet;

use super::script::{Script, quote};
use crate::design::{Dhcp, Dns, Http, RecordData, Site, Ssh};

/// Where the page of a name-based site lives.
pub fn site_root(site: &Site) -> String {
    format!("/var/www/sites/{}", site.name)
}

/// Where the certificate and key of an https site live: nginx's own folder, which a
/// student finds beside the site's configuration.
pub fn site_certificate(site: &Site) -> (String, String) {
    (format!("/etc/nginx/tls/{}.crt", site.name), format!("/etc/nginx/tls/{}.key", site.name))
}

/// The nginx configuration: the default server answering every name on the designed
/// port, and a server per name-based site; an https site's name on the plain port is
/// redirected to https.
pub fn nginx_site(http: &Http, ipv6: bool) -> String {
    let mut out = String::from("# asbuilt: the web server of this lab's design.\n");
    server_block(&mut out, http.port, ipv6, "_", "default_server", "/var/www/html", None);
    for site in &http.sites {
        let root = site_root(site);
        if !site.tls {
            server_block(&mut out, http.port, ipv6, &site.name, "", &root, None);
            continue;
        }
        let (certificate, key) = site_certificate(site);
        server_block(&mut out, http.tls_port, ipv6, &site.name, "ssl", &root, Some((&certificate, &key)));
        let _ = writeln!(out, "server {{");
        listen(&mut out, http.port, ipv6, "");
        let _ = writeln!(out, "\tserver_name {};", site.name);
        let port = if http.tls_port == 443 { String::new() } else { format!(":{}", http.tls_port) };
        let _ = writeln!(out, "\treturn 301 https://{}{port}$request_uri;\n}}", site.name);
    }
    out
}

fn listen(out: &mut String, port: u16, ipv6: bool, options: &str) {
    let options = if options.is_empty() { String::new() } else { format!(" {options}") };
    let _ = writeln!(out, "\tlisten {port}{options};");
    if ipv6 {
        let _ = writeln!(out, "\tlisten [::]:{port}{options};");
    }
}

fn server_block(
    out: &mut String,
    port: u16,
    ipv6: bool,
    name: &str,
    options: &str,
    root: &str,
    tls: Option<(&str, &str)>,
) {
    out.push_str("server {\n");
    listen(out, port, ipv6, options);
    let _ = writeln!(out, "\tserver_name {name};");
    if let Some((certificate, key)) = tls {
        let _ = writeln!(out, "\tssl_certificate {certificate};\n\tssl_certificate_key {key};");
    }
    let _ = writeln!(out, "\troot {root};\n\tindex index.html;");
    out.push_str("\tlocation / {\n\t\ttry_files $uri $uri/ =404;\n\t}\n}\n");
}

/// The commands that make a self-signed certificate for an https site: an ECDSA P-256
/// key and a certificate naming the site in its subjectAltName, as browsers require.
pub fn make_certificate(site: &Site) -> Vec<String> {
    let (certificate, key) = site_certificate(site);
    [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "825",
        "-subj",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([
        format!("/CN={}", site.name),
        "-addext".into(),
        format!("subjectAltName=DNS:{}", site.name),
        "-keyout".into(),
        key,
        "-out".into(),
        certificate,
    ])
    .collect()
}

/// dnsmasq's authoritative mode for `domain`: questions to the node's own addresses
/// about the zone get answers with the AA flag, an SOA and the zone's NS records (the
/// first named server is the primary).
fn zone_authority(out: &mut String, dns: &Dns, domain: &str, addresses: &[IpAddr]) {
    let servers: Vec<&str> = dns
        .other_records
        .iter()
        .filter_map(|r| match &r.data {
            RecordData::Ns { host } if r.name == domain => Some(host.as_str()),
            _ => None,
        })
        .collect();
    let Some((primary, others)) = servers.split_first() else { return };
    let _ = writeln!(out, "auth-zone={domain}");
    let listen: Vec<String> = addresses.iter().map(IpAddr::to_string).collect();
    let _ = writeln!(out, "auth-server={primary},{}", listen.join(","));
    if !others.is_empty() {
        let _ = writeln!(out, "auth-sec-servers={}", others.join(","));
    }
    let _ = writeln!(out, "auth-soa=1,hostmaster.{domain}");
}

/// A front page: the teacher's content, in a minimal HTML page unless it is HTML.
pub fn index_page(content: &str, title: &str) -> String {
    let content = content.trim_end();
    if content.trim_start().starts_with('<') {
        return format!("{content}\n");
    }
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body><p>{}</p></body></html>\n",
        escape(title),
        escape(content).replace('\n', "<br>\n")
    )
}

/// `/etc/dnsmasq.d/asbuilt.conf`: DNS records and/or a DHCP range. Without DNS in the
/// design, dnsmasq's DNS is switched off so it answers nothing it was not asked to.
/// `addresses`: the node's own, where an authoritative server answers as the authority.
pub fn dnsmasq(dns: Option<&Dns>, dhcp: Option<&Dhcp>, addresses: &[IpAddr]) -> String {
    let mut out = String::from("# asbuilt: DNS and DHCP of this lab's design.\n");
    match dns {
        Some(dns) => {
            // The lab has no internet: answer from the records, ask nobody else.
            out.push_str("no-resolv\nno-hosts\n");
            if let Some(domain) = &dns.domain {
                let _ = writeln!(out, "domain={domain}");
                if dns.authoritative {
                    zone_authority(&mut out, dns, domain, addresses);
                } else {
                    let _ = writeln!(out, "local=/{domain}/");
                }
            }
            for record in &dns.records {
                let _ = writeln!(out, "host-record={},{}", record.name, record.address);
            }
            for record in &dns.other_records {
                let name = &record.name;
                let _ = match &record.data {
                    RecordData::Cname { target } => writeln!(out, "cname={name},{target}"),
                    RecordData::Mx { preference, host } => {
                        writeln!(out, "mx-host={name},{host},{preference}")
                    }
                    // The zone's name servers are said by auth-server above.
                    RecordData::Ns { .. } => Ok(()),
                    RecordData::Txt { text } => {
                        writeln!(out, "txt-record={name},\"{}\"", text.replace('"', ""))
                    }
                    RecordData::Ptr { address, host } => {
                        writeln!(out, "ptr-record={},{host}", crate::design::reverse_name(*address))
                    }
                };
            }
        }
        None => out.push_str("port=0\n"),
    }
    if let Some(dhcp) = dhcp {
        let mask = match dhcp.subnet {
            IpNet::V4(v4) => v4.netmask().to_string(),
            IpNet::V6(_) => String::new(),
        };
        let _ = writeln!(out, "interface={}\ndhcp-authoritative", dhcp.interface);
        let _ = writeln!(out, "dhcp-range={},{},{mask},{}s", dhcp.first, dhcp.last, dhcp.lease_seconds);
        if let Some(gw) = dhcp.gateway {
            let _ = writeln!(out, "dhcp-option=option:router,{gw}");
        }
        let dns_servers: Vec<String> =
            dhcp.dns.iter().filter(|a| a.is_ipv4()).map(IpAddr::to_string).collect();
        if !dns_servers.is_empty() {
            let _ = writeln!(out, "dhcp-option=option:dns-server,{}", dns_servers.join(","));
        }
        if let Some(domain) = dns.and_then(|d| d.domain.as_ref()) {
            let _ = writeln!(out, "dhcp-option=option:domain-name,{domain}");
        }
    }
    out
}

/// SSH: the port, and the users with their passwords. The passwords are hashed by
/// chpasswd inside the node; the script itself is fed on stdin and never stored.
pub fn ssh(ssh: &Ssh, script: &mut Script) -> String {
    for user in &ssh.users {
        script.raw(format!(
            "id -u {0} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash {0}",
            quote(&user.name)
        ));
        script
            .raw(format!("printf '%s\\n' {} | chpasswd", quote(&format!("{}:{}", user.name, user.password))));
    }
    format!(
        "# asbuilt: the SSH server of this lab's design.\nPort {}\nPasswordAuthentication yes\nPermitRootLogin no\n",
        ssh.port
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_site_gets_a_server_and_an_https_site_a_certificate_and_a_redirect() {
        let mut http = Http::single(80, "Welkom");
        http.sites = vec![
            Site { name: "www.jansen.nl".into(), content: "Winkel".into(), tls: true },
            Site { name: "intranet.jansen.nl".into(), content: "Intranet".into(), tls: false },
        ];
        let conf = nginx_site(&http, false);
        assert!(
            conf.contains("listen 80 default_server;\n\tserver_name _;\n\troot /var/www/html;"),
            "{conf}"
        );
        assert!(
            conf.contains(
                "listen 443 ssl;\n\tserver_name www.jansen.nl;\n\tssl_certificate /etc/nginx/tls/www.jansen.nl.crt;\n\tssl_certificate_key /etc/nginx/tls/www.jansen.nl.key;\n\troot /var/www/sites/www.jansen.nl;"
            ),
            "{conf}"
        );
        assert!(
            conf.contains("server_name www.jansen.nl;\n\treturn 301 https://www.jansen.nl$request_uri;"),
            "{conf}"
        );
        assert!(conf.contains(
            "listen 80;\n\tserver_name intranet.jansen.nl;\n\troot /var/www/sites/intranet.jansen.nl;"
        ));
        assert_eq!(conf.matches("server {").count(), 4);
        let made = make_certificate(&http.sites[0]).join(" ");
        assert!(made.contains("-subj /CN=www.jansen.nl -addext subjectAltName=DNS:www.jansen.nl"), "{made}");
        assert!(
            made.ends_with("-keyout /etc/nginx/tls/www.jansen.nl.key -out /etc/nginx/tls/www.jansen.nl.crt")
        );
    }

    #[test]
    fn https_on_another_port_redirects_there_and_listens_on_ipv6_too() {
        let mut http = Http::single(8080, "Welkom");
        http.tls_port = 8443;
        http.sites = vec![Site { name: "a.nl".into(), content: "A".into(), tls: true }];
        let conf = nginx_site(&http, true);
        assert!(conf.contains("listen [::]:8443 ssl;"), "{conf}");
        assert!(conf.contains("return 301 https://a.nl:8443$request_uri;"), "{conf}");
    }
}
