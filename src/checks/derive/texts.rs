//! Titles and hints of derived checks, in Dutch and English. A title says what is
//! checked (with the expected value only when it may be revealed); a hint says where to
//! look, never what to type.

use crate::design::{ConfigSource, OspfVersion, PortVlans, RecordKind, Text};

/// A text in both languages.
pub fn t(nl: impl Into<String>, en: impl Into<String>) -> Text {
    Text { nl: Some(nl.into()), en: Some(en.into()) }
}

pub fn address(endpoint: &str, expected: Option<&str>) -> (Text, Text) {
    let title = match expected {
        Some(a) => t(format!("{endpoint} heeft {a} en staat aan"), format!("{endpoint} has {a} and is up")),
        None => t(
            format!("{endpoint} heeft het ontworpen adres en staat aan"),
            format!("{endpoint} has its designed address and is up"),
        ),
    };
    let (node, iface) = endpoint.split_once(':').unwrap_or((endpoint, ""));
    let hint = t(
        format!(
            "Kijk op {node} met `ip address show {iface}`: staat de interface UP, en klopt het adres met de tekening, ook de prefixlengte?"
        ),
        format!(
            "On {node}, look with `ip address show {iface}`: is the interface UP, and does the address match the drawing, prefix length included?"
        ),
    );
    (title, hint)
}

pub fn leased(endpoint: &str) -> (Text, Text) {
    let node = endpoint.split(':').next().unwrap_or(endpoint);
    (
        t(
            format!("{endpoint} krijgt een adres van de DHCP-server"),
            format!("{endpoint} gets an address from the DHCP server"),
        ),
        t(
            format!(
                "Vraag op {node} een adres aan met `dhclient` en kijk met `ip address`. Krijg je niets, kijk dan of de DHCP-server draait en deelt uit in dit netwerk."
            ),
            format!(
                "Request an address on {node} with `dhclient` and look with `ip address`. If nothing comes, check that the DHCP server runs and serves this network."
            ),
        ),
    )
}

pub fn gateway(node: &str, via: Option<&str>) -> (Text, Text) {
    let title = match via {
        Some(v) => {
            t(format!("{node} heeft {v} als standaardgateway"), format!("{node} has {v} as default gateway"))
        }
        None => t(
            format!("{node} heeft de ontworpen standaardgateway"),
            format!("{node} has the designed default gateway"),
        ),
    };
    let hint = t(
        format!(
            "Kijk op {node} met `ip route`: is er een regel `default via ...`, en is dat het adres van de router in jouw eigen netwerk?"
        ),
        format!(
            "On {node}, look with `ip route`: is there a `default via ...` line, and is it the address of the router in your own network?"
        ),
    );
    (title, hint)
}

pub fn route(node: &str, to: &str, via: Option<&str>) -> (Text, Text) {
    let title = match via {
        Some(v) => t(
            format!("{node} heeft een route naar {to} via {v}"),
            format!("{node} has a route to {to} via {v}"),
        ),
        None => t(format!("{node} heeft een route naar {to}"), format!("{node} has a route to {to}")),
    };
    let hint = t(
        format!(
            "Bekijk de routetabel van {node} met `ip route`. Welke buurrouter ligt in de richting van dat netwerk?"
        ),
        format!(
            "Look at {node}'s routing table with `ip route`. Which neighbouring router lies towards that network?"
        ),
    );
    (title, hint)
}

pub fn ospf_router_id(node: &str, router_id: &str) -> (Text, Text) {
    (
        t(
            format!("{node} gebruikt router-ID {router_id} in OSPF"),
            format!("{node} uses router ID {router_id} in OSPF"),
        ),
        t(
            format!(
                "Zet op {node} in vtysh: `router ospf` en `ospf router-id {router_id}`; kijk met `show ip ospf`."
            ),
            format!(
                "On {node} in vtysh: `router ospf` and `ospf router-id {router_id}`; look with `show ip ospf`."
            ),
        ),
    )
}

pub fn ospf_neighbour(node: &str, neighbour: &str) -> (Text, Text) {
    (
        t(
            format!("{node} heeft {neighbour} als OSPF-buur"),
            format!("{node} has {neighbour} as OSPF neighbour"),
        ),
        t(
            format!(
                "Kijk met `vtysh -c \"show ip ospf neighbor\"` op {node}. Staan de interfaces naar {neighbour} in OSPF, in dezelfde area, en niet passive?"
            ),
            format!(
                "Look with `vtysh -c \"show ip ospf neighbor\"` on {node}. Are the interfaces towards {neighbour} in OSPF, in the same area, and not passive?"
            ),
        ),
    )
}

pub fn ospf6_neighbour(node: &str, neighbour: &str) -> (Text, Text) {
    (
        t(
            format!("{node} heeft {neighbour} als OSPFv3-buur (IPv6)"),
            format!("{node} has {neighbour} as OSPFv3 neighbour (IPv6)"),
        ),
        t(
            format!(
                "Kijk met `vtysh -c \"show ipv6 ospf6 neighbor\"` op {node}. Staan de interfaces naar {neighbour} in OSPFv3 (`ipv6 ospf6 area ...` onder de interface), in dezelfde area, en niet passive? Heeft `router ospf6` een router-ID?"
            ),
            format!(
                "Look with `vtysh -c \"show ipv6 ospf6 neighbor\"` on {node}. Are the interfaces towards {neighbour} in OSPFv3 (`ipv6 ospf6 area ...` under the interface), in the same area, and not passive? Does `router ospf6` have a router ID?"
            ),
        ),
    )
}

pub fn ospf_route(node: &str, to: &str, version: OspfVersion) -> (Text, Text) {
    let (show, protocol) = match version {
        OspfVersion::V2 => ("show ip route ospf", "OSPF"),
        OspfVersion::V3 => ("show ipv6 route ospf6", "OSPFv3"),
    };
    (
        t(format!("{node} leert {to} via {protocol}"), format!("{node} learns {to} through {protocol}")),
        t(
            format!(
                "Kijk met `vtysh -c \"{show}\"` op {node}. Zit het netwerk in {protocol} op de router waar het aan hangt?"
            ),
            format!(
                "Look with `vtysh -c \"{show}\"` on {node}. Is the network in {protocol} on the router it is attached to?"
            ),
        ),
    )
}

pub fn link(segment: &str, from: &str, to: &str) -> (Text, Text) {
    (
        t(
            format!("De kabel {segment} werkt zonder verlies of vertraging ({from} pingt {to})"),
            format!("The cable {segment} works without loss or delay ({from} pings {to})"),
        ),
        t(
            "Ping een tijdje over deze kabel (`ping -c 20`). Verlies of hoge vertraging die je niet zelf kunt oplossen, meld je bij de docent.",
            "Ping across this cable for a while (`ping -c 20`). Loss or high delay that you cannot fix yourself, report to the teacher.",
        ),
    )
}

pub fn reach(from: &str, to: &str) -> (Text, Text) {
    (
        t(format!("{from} bereikt {to} (ping)"), format!("{from} reaches {to} (ping)")),
        t(
            format!(
                "Werk van onder naar boven: adres, gateway, routes onderweg, firewall. `traceroute` vanaf {from} laat zien waar het stopt."
            ),
            format!(
                "Work bottom-up: address, gateway, routes on the way, firewall. `traceroute` from {from} shows where it stops."
            ),
        ),
    )
}

pub fn blocked(from: &str, to: &str) -> (Text, Text) {
    (
        t(
            format!("{from} kan {to} niet pingen: het beleid staat het niet toe"),
            format!("{from} cannot ping {to}: the policy does not allow it"),
        ),
        t(
            "Lees het firewallbeleid in de opdracht nog eens. Welke regel laat dit verkeer nu toch door?",
            "Read the firewall policy in the task again. Which rule lets this traffic through after all?",
        ),
    )
}

pub fn denied(side: &str, to: &str, from: &str) -> (Text, Text) {
    (
        t(
            format!(
                "Verkeer van {side} komt niet door naar {to}: het beleid staat het niet toe (asbuilt zet het op de kabel bij {from})"
            ),
            format!(
                "Traffic from {side} does not get through to {to}: the policy does not allow it (asbuilt puts it on the cable at {from})"
            ),
        ),
        t(
            "Welke regel laat verkeer van deze kant naar binnen? Kijk ook naar de standaardactie (policy) van de forward-chain.",
            "Which rule lets traffic from this side in? Look at the default action (policy) of the forward chain too.",
        ),
    )
}

pub fn port(from: &str, to: &str, service: &str, open: bool) -> (Text, Text) {
    if open {
        (
            t(format!("{from} bereikt {to} op {service}"), format!("{from} reaches {to} on {service}")),
            t(
                format!(
                    "Kan {from} {to} wel pingen? Laat de firewall {service} van {from} naar {to} door, en draait de dienst?"
                ),
                format!(
                    "Can {from} ping {to} at all? Does the firewall let {service} from {from} to {to} through, and does the service run?"
                ),
            ),
        )
    } else {
        (
            t(
                format!("{from} bereikt {to} niet op {service}: het beleid staat het niet toe"),
                format!("{from} does not reach {to} on {service}: the policy does not allow it"),
            ),
            t(
                "Het beleid staat alleen bepaalde poorten toe. Welke regel is ruimer dan de opdracht vraagt?",
                "The policy allows only some ports. Which rule is wider than the task asks?",
            ),
        )
    }
}

pub fn nat(from: &str, to: &str, source: Option<&str>) -> (Text, Text) {
    let title = match source {
        Some(s) => t(
            format!("Verkeer van {from} naar {to} komt aan met bronadres {s} (NAT)"),
            format!("Traffic from {from} to {to} arrives with source address {s} (NAT)"),
        ),
        None => t(
            format!("Verkeer van {from} naar {to} wordt vertaald (NAT)"),
            format!("Traffic from {from} to {to} is translated (NAT)"),
        ),
    };
    let hint = t(
        "Verstopt de router of firewall naar buiten de interne adressen achter zijn eigen adres (masquerade) op de juiste uitgaande interface?",
        "Does the router or firewall towards the outside hide the inside addresses behind its own (masquerade) on the right outgoing interface?",
    );
    (title, hint)
}

pub fn forward(node: &str, service: &str, to: &str, from: &str) -> (Text, Text) {
    (
        t(
            format!("{service} op {node} wordt doorgestuurd naar {to}, geprobeerd vanaf {from}"),
            format!("{service} on {node} is forwarded to {to}, tried from {from}"),
        ),
        t(
            "Staat er een port forward (dnat) voor deze poort op de juiste interface, en laat het beleid het verkeer erna door?",
            "Is there a port forward (dnat) for this port on the right interface, and does the policy let the traffic through after it?",
        ),
    )
}

pub fn http(node: &str, snippet: &str) -> (Text, Text) {
    (
        t(
            format!(
                "De webserver op {node} antwoordt met de pagina (\"{snippet}\"), gevraagd op {node} zelf"
            ),
            format!("The web server on {node} answers with the page (\"{snippet}\"), asked on {node} itself"),
        ),
        t(
            format!(
                "Draait de webserver op {node} (`asbuilt-service status nginx`)? Test op {node} zelf met `curl http://localhost/`."
            ),
            format!(
                "Does the web server on {node} run (`asbuilt-service status nginx`)? Test on {node} itself with `curl http://localhost/`."
            ),
        ),
    )
}

pub fn dns(node: &str, name: &str, expected: Option<&str>) -> (Text, Text) {
    let title = match expected {
        Some(a) => t(
            format!("De DNS-server op {node} geeft voor {name} het adres {a}, gevraagd op {node} zelf"),
            format!("The DNS server on {node} answers {name} with {a}, asked on {node} itself"),
        ),
        None => t(
            format!("De DNS-server op {node} kent {name}, gevraagd op {node} zelf"),
            format!("The DNS server on {node} knows {name}, asked on {node} itself"),
        ),
    };
    let hint = t(
        format!("Test op {node} met `dig @localhost {name}`. Staat de naam in de zone, met het goede adres?"),
        format!(
            "Test on {node} with `dig @localhost {name}`. Is the name in the zone, with the right address?"
        ),
    );
    (title, hint)
}

pub fn dns_record(node: &str, name: &str, kind: RecordKind, data: &str) -> (Text, Text) {
    let title = t(
        format!(
            "De DNS-server op {node} geeft voor {name} het {kind}-record {data}, gevraagd op {node} zelf"
        ),
        format!(
            "The DNS server on {node} answers {name} with the {kind} record {data}, asked on {node} itself"
        ),
    );
    let hint = t(
        format!(
            "Test op {node} met `dig @localhost {name} {kind}`. Staat het record in de zone, met de goede waarde?"
        ),
        format!(
            "Test on {node} with `dig @localhost {name} {kind}`. Is the record in the zone, with the right value?"
        ),
    );
    (title, hint)
}

pub fn dns_authority(node: &str, domain: &str) -> (Text, Text) {
    let title = t(
        format!("De DNS-server op {node} is de autoriteit voor {domain} (SOA, AA-vlag)"),
        format!("The DNS server on {node} is the authority for {domain} (SOA, AA flag)"),
    );
    let hint = t(
        format!(
            "Test op {node} met `dig @localhost {domain} SOA`: staat `aa` bij de flags? Dan antwoordt de server als autoriteit voor de zone."
        ),
        format!(
            "Test on {node} with `dig @localhost {domain} SOA`: is `aa` among the flags? Then the server answers as the zone's authority."
        ),
    );
    (title, hint)
}

pub fn dhcp(node: &str, client: &str, range: Option<&str>) -> (Text, Text) {
    let title = match range {
        Some(r) => t(
            format!("De DHCP-server op {node} biedt een adres van {r} aan, gevraagd vanaf {client}"),
            format!("The DHCP server on {node} offers an address from {r}, asked from {client}"),
        ),
        None => t(
            format!(
                "De DHCP-server op {node} biedt een adres uit de ontworpen reeks aan, gevraagd vanaf {client}"
            ),
            format!(
                "The DHCP server on {node} offers an address from the designed range, asked from {client}"
            ),
        ),
    };
    let hint = t(
        format!(
            "Draait dnsmasq op {node}, op de goede interface, met de reeks, gateway en DNS-server uit de opdracht?"
        ),
        format!(
            "Does dnsmasq run on {node}, on the right interface, with the range, gateway and DNS server from the task?"
        ),
    );
    (title, hint)
}

pub fn site(node: &str, name: &str, tls: bool, port: u16, snippet: &str) -> (Text, Text) {
    let title = if tls {
        t(
            format!(
                "De webserver op {node} serveert {name} over https (\"{snippet}\"), met een certificaat voor die naam"
            ),
            format!(
                "The web server on {node} serves {name} over https (\"{snippet}\"), with a certificate for that name"
            ),
        )
    } else {
        t(
            format!("De webserver op {node} serveert de site {name} (\"{snippet}\")"),
            format!("The web server on {node} serves the site {name} (\"{snippet}\")"),
        )
    };
    let hint = if tls {
        t(
            format!(
                "Heeft {name} een eigen `server`-blok met `server_name {name}`, `listen {port} ssl` en een certificaat waarvan de subjectAltName {name} noemt? Test op {node} met `curl -k --resolve {name}:{port}:127.0.0.1 https://{name}:{port}/`."
            ),
            format!(
                "Does {name} have a `server` block of its own with `server_name {name}`, `listen {port} ssl` and a certificate whose subjectAltName names {name}? Test on {node} with `curl -k --resolve {name}:{port}:127.0.0.1 https://{name}:{port}/`."
            ),
        )
    } else {
        t(
            format!(
                "Heeft {name} een eigen `server`-blok met `server_name {name}` en een eigen map met de pagina? Test op {node} met `curl -H 'Host: {name}' http://localhost:{port}/`."
            ),
            format!(
                "Does {name} have a `server` block of its own with `server_name {name}` and its own folder with the page? Test on {node} with `curl -H 'Host: {name}' http://localhost:{port}/`."
            ),
        )
    };
    (title, hint)
}

pub fn backup(node: &str, server: &str, file: &str, source: ConfigSource) -> (Text, Text) {
    let (show, save) = match source {
        ConfigSource::Frr => (
            "vtysh -c 'show running-config'".to_string(),
            format!("vtysh -c 'show running-config' | ssh USER@{server} 'cat > {file}'"),
        ),
        ConfigSource::Nftables => {
            ("nft list ruleset".to_string(), format!("nft list ruleset | ssh USER@{server} 'cat > {file}'"))
        }
    };
    (
        t(
            format!(
                "De back-up van {node} op {server} ({file}) is gelijk aan de draaiende configuratie van {node}"
            ),
            format!("The backup of {node} on {server} ({file}) matches the running configuration of {node}"),
        ),
        t(
            format!(
                "Vergelijk `{show}` op {node} met {file} op {server}. Maak de back-up opnieuw na elke wijziging, bijvoorbeeld met `{save}`."
            ),
            format!(
                "Compare `{show}` on {node} with {file} on {server}. Make the backup again after every change, for example with `{save}`."
            ),
        ),
    )
}

pub fn ssh(node: &str, port: u16) -> (Text, Text) {
    (
        t(
            format!("De SSH-server op {node} antwoordt op poort {port}, gevraagd op {node} zelf"),
            format!("The SSH server on {node} answers on port {port}, asked on {node} itself"),
        ),
        t(
            format!("Draait de SSH-server op {node} (`asbuilt-service status ssh`), op de goede poort?"),
            format!("Does the SSH server on {node} run (`asbuilt-service status ssh`), on the right port?"),
        ),
    )
}

pub fn account(node: &str, user: &str, groups: &[String], absent: bool) -> (Text, Text) {
    if absent {
        return (
            t(
                format!("Het account {user} bestaat niet meer op {node}"),
                format!("The account {user} no longer exists on {node}"),
            ),
            t(
                format!(
                    "Verwijder het account met `userdel --remove {user}` op {node}; `id {user}` moet daarna een fout geven."
                ),
                format!(
                    "Remove the account with `userdel --remove {user}` on {node}; `id {user}` must then fail."
                ),
            ),
        );
    }
    let list = groups.join(", ");
    let title = if groups.is_empty() {
        t(format!("Het account {user} bestaat op {node}"), format!("The account {user} exists on {node}"))
    } else {
        t(
            format!("Het account {user} bestaat op {node} en is lid van {list}"),
            format!("The account {user} exists on {node} and is a member of {list}"),
        )
    };
    let hint = t(
        format!(
            "Maak het account met `useradd --create-home {user}` en zet het in de groepen met `usermod -aG`; controleer met `id {user}`."
        ),
        format!(
            "Create the account with `useradd --create-home {user}` and add it to the groups with `usermod -aG`; check with `id {user}`."
        ),
    );
    (title, hint)
}

pub fn key_login(node: &str, user: &str, client: &str, client_user: &str) -> (Text, Text) {
    (
        t(
            format!(
                "{client_user} op {client} logt met een SSH-sleutel in als {user} op {node}, zonder wachtwoord"
            ),
            format!(
                "{client_user} on {client} logs in as {user} on {node} with an SSH key, without a password"
            ),
        ),
        t(
            format!(
                "Heeft {client_user} op {client} een sleutelpaar (`ssh-keygen`), en staat de publieke sleutel in `~{user}/.ssh/authorized_keys` op {node} (`ssh-copy-id {user}@{node}`), met de rechten 700 en 600? Test op {client} als {client_user} met `ssh -o BatchMode=yes {user}@{node} true`."
            ),
            format!(
                "Does {client_user} on {client} have a key pair (`ssh-keygen`), and is its public key in `~{user}/.ssh/authorized_keys` on {node} (`ssh-copy-id {user}@{node}`), with modes 700 and 600? Test on {client} as {client_user} with `ssh -o BatchMode=yes {user}@{node} true`."
            ),
        ),
    )
}

pub fn login(node: &str, user: &str) -> (Text, Text) {
    (
        t(
            format!("{user} logt op {node} met het wachtwoord in via SSH"),
            format!("{user} logs in on {node} with the password over SSH"),
        ),
        t(
            format!(
                "Heeft {user} het wachtwoord uit de opdracht (`passwd {user}`), een shell, en staat de SSH-server wachtwoorden toe? Test met `ssh {user}@{node}`."
            ),
            format!(
                "Does {user} have the password from the task (`passwd {user}`), a shell, and does the SSH server allow passwords? Test with `ssh {user}@{node}`."
            ),
        ),
    )
}

pub fn sudo(node: &str, user: &str, allowed: bool) -> (Text, Text) {
    if allowed {
        (
            t(
                format!("{user} mag op {node} alles als root met sudo"),
                format!("{user} may run everything as root with sudo on {node}"),
            ),
            t(
                format!(
                    "Geef {user} sudo-rechten met een bestand in /etc/sudoers.d/ (met `visudo -f`) of de groep sudo; controleer met `sudo -l -U {user}`."
                ),
                format!(
                    "Give {user} sudo rights with a file in /etc/sudoers.d/ (with `visudo -f`) or the group sudo; check with `sudo -l -U {user}`."
                ),
            ),
        )
    } else {
        (
            t(
                format!("{user} mag op {node} geen sudo gebruiken"),
                format!("{user} may not use sudo on {node}"),
            ),
            t(
                format!(
                    "Kijk met `sudo -l -U {user}` welke regels {user} heeft: uit de groep sudo, of een bestand in /etc/sudoers.d/?"
                ),
                format!(
                    "See with `sudo -l -U {user}` which rules {user} has: from the group sudo, or a file in /etc/sudoers.d/?"
                ),
            ),
        )
    }
}

pub fn syslog(node: &str, server: &str) -> (Text, Text) {
    (
        t(
            format!("{node} stuurt zijn logmeldingen naar de logserver {server}"),
            format!("{node} sends its log messages to the log server {server}"),
        ),
        t(
            format!(
                "Stuurt rsyslog op {node} alles door naar {server} (`*.* @adres:514` in /etc/rsyslog.d/), en ontvangt rsyslog op {server} via UDP (imudp)? Herstart met `asbuilt-service restart rsyslog` en test met `logger test`."
            ),
            format!(
                "Does rsyslog on {node} forward everything to {server} (`*.* @address:514` in /etc/rsyslog.d/), and does rsyslog on {server} receive over UDP (imudp)? Restart with `asbuilt-service restart rsyslog` and test with `logger test`."
            ),
        ),
    )
}

pub fn ntp_server(node: &str) -> (Text, Text) {
    (
        t(
            format!("{node} geeft de tijd via NTP, gevraagd op {node} zelf"),
            format!("{node} serves the time over NTP, asked on {node} itself"),
        ),
        t(
            format!(
                "Draait chrony op {node} (`asbuilt-service status chrony`), met `allow` voor het lab en `local stratum` in /etc/chrony/chrony.conf?"
            ),
            format!(
                "Does chrony run on {node} (`asbuilt-service status chrony`), with `allow` for the lab and `local stratum` in /etc/chrony/chrony.conf?"
            ),
        ),
    )
}

pub fn ntp_follows(node: &str, server: &str) -> (Text, Text) {
    (
        t(format!("{node} haalt zijn tijd bij {server}"), format!("{node} takes its time from {server}")),
        t(
            format!(
                "Staat `server <adres van {server}> iburst` in /etc/chrony/chrony.conf op {node}, draait chrony, en komt {node} bij {server}? Kijk met `chronyc sources`."
            ),
            format!(
                "Is `server <address of {server}> iburst` in /etc/chrony/chrony.conf on {node}, does chrony run, and does {node} reach {server}? Look with `chronyc sources`."
            ),
        ),
    )
}

pub fn snmp(node: &str, community: &str) -> (Text, Text) {
    (
        t(
            format!("De SNMP-agent op {node} antwoordt op community `{community}` en niet op `public`"),
            format!("The SNMP agent on {node} answers community `{community}` and not `public`"),
        ),
        t(
            format!(
                "Luistert snmpd op {node} op alle adressen (`agentAddress udp:161`), met alleen `rocommunity {community}` in /etc/snmp/snmpd.conf? Herstart met `asbuilt-service restart snmpd`."
            ),
            format!(
                "Does snmpd on {node} listen on every address (`agentAddress udp:161`), with only `rocommunity {community}` in /etc/snmp/snmpd.conf? Restart with `asbuilt-service restart snmpd`."
            ),
        ),
    )
}

pub fn vlan(switch: &str, port: &str, expected: Option<&PortVlans>) -> (Text, Text) {
    let title = match expected {
        Some(PortVlans::Access(v)) => t(
            format!("Poort {port} van {switch} is een access-poort in VLAN {v}"),
            format!("Port {port} of {switch} is an access port in VLAN {v}"),
        ),
        Some(PortVlans::Trunk(vs)) => {
            let list: Vec<String> = vs.iter().map(u16::to_string).collect();
            let list = list.join(", ");
            t(
                format!("Poort {port} van {switch} is een trunk voor VLAN {list}"),
                format!("Port {port} of {switch} is a trunk for VLANs {list}"),
            )
        }
        None => t(
            format!("Poort {port} van {switch} zit in de ontworpen VLAN's"),
            format!("Port {port} of {switch} is in the designed VLANs"),
        ),
    };
    let hint = t(
        format!(
            "Kijk op {switch} met `bridge vlan show dev {port}`. Access-poort of trunk? Welke VLAN's, getagd of niet?"
        ),
        format!(
            "On {switch}, look with `bridge vlan show dev {port}`. Access port or trunk? Which VLANs, tagged or not?"
        ),
    );
    (title, hint)
}

pub fn boot(node: &str, service: &str, enabled: bool) -> (Text, Text) {
    if enabled {
        (
            t(
                format!("{service} start op {node} bij het opstarten, en draait nu"),
                format!("{service} starts at boot on {node}, and runs now"),
            ),
            t(
                format!(
                    "Zet {service} aan met `systemctl enable --now {service}`; controleer met `systemctl is-enabled {service}` en `systemctl status {service}`."
                ),
                format!(
                    "Turn {service} on with `systemctl enable --now {service}`; check with `systemctl is-enabled {service}` and `systemctl status {service}`."
                ),
            ),
        )
    } else {
        (
            t(
                format!("{service} start niet op {node} bij het opstarten, en draait niet"),
                format!("{service} does not start at boot on {node}, and does not run"),
            ),
            t(
                format!(
                    "Een dienst die niet nodig is, is een deur die openstaat: `systemctl disable --now {service}`; controleer met `systemctl is-enabled {service}`."
                ),
                format!(
                    "A service nobody needs is a door left open: `systemctl disable --now {service}`; check with `systemctl is-enabled {service}`."
                ),
            ),
        )
    }
}

pub fn package(node: &str, name: &str, installed: bool) -> (Text, Text) {
    if installed {
        (
            t(format!("{name} is geïnstalleerd op {node}"), format!("{name} is installed on {node}")),
            t(
                format!("Installeer het met `apt install {name}`; controleer met `dpkg -l {name}`."),
                format!("Install it with `apt install {name}`; check with `dpkg -l {name}`."),
            ),
        )
    } else {
        (
            t(
                format!("{name} is niet geïnstalleerd op {node}"),
                format!("{name} is not installed on {node}"),
            ),
            t(
                format!("Verwijder het met `apt purge {name}`; controleer met `dpkg -l {name}`."),
                format!("Remove it with `apt purge {name}`; check with `dpkg -l {name}`."),
            ),
        )
    }
}
