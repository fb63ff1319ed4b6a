//! A pod's place on the cluster's network, read from inside the pod: the tunnels of
//! `plan::tunnel` run over it. Which interface, address, prefix and gateway a pod has is
//! the CNI's choice (a /24 with a gateway on it, a /32 with a link-local gateway), so
//! it is asked, never assumed.

use std::net::Ipv4Addr;

use crate::plan::tunnel::Underlay;

/// Prints the pod's interface towards the cluster (the one of its default route, or
/// `eth0`), its IPv4 addresses and its default route.
pub const DISCOVER: &str = "dev=$(ip -4 route show default | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' | head -n1); \
    ip -4 -o addr show dev \"${dev:-eth0}\"; echo ---; ip -4 route show default";

/// Reads what [`DISCOVER`] printed.
pub fn parse(printed: &str) -> Result<Underlay, String> {
    let (addresses, routes) = printed.split_once("---").unwrap_or((printed, ""));
    // `2: eth0    inet 10.244.1.5/24 brd 10.244.1.255 scope global eth0`
    let (interface, address, prefix_len) = addresses
        .lines()
        .find_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let at = words.iter().position(|w| *w == "inet")?;
            let (addr, prefix) = words.get(at + 1)?.split_once('/')?;
            let interface = words.get(1)?.trim_end_matches(':').split('@').next()?.to_string();
            Some((interface, addr.parse::<Ipv4Addr>().ok()?, prefix.parse::<u8>().ok()?))
        })
        .ok_or_else(|| format!("the pod shows no IPv4 address: {}", printed.trim()))?;
    // `default via 169.254.1.1 dev eth0`
    let gateway = routes.lines().find_map(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = words.iter().position(|w| *w == "via")?;
        words.get(at + 1)?.parse::<Ipv4Addr>().ok()
    });
    Ok(Underlay { interface, address, prefix_len, gateway })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_on_a_subnet_with_its_gateway() {
        let printed = "2: eth0    inet 10.244.1.5/24 brd 10.244.1.255 scope global eth0\\       valid_lft forever preferred_lft forever\n---\ndefault via 10.244.1.1 dev eth0\n";
        let u = parse(printed).unwrap();
        assert_eq!(u.interface, "eth0");
        assert_eq!(u.address, Ipv4Addr::new(10, 244, 1, 5));
        assert_eq!(u.prefix_len, 24);
        assert_eq!(u.gateway, Some(Ipv4Addr::new(10, 244, 1, 1)));
    }

    #[test]
    fn a_pod_with_a_host_address_and_a_link_local_gateway() {
        // Calico's way: a /32, and a gateway no subnet holds.
        let printed =
            "3: eth0@if12    inet 192.168.33.7/32 scope global eth0\n---\ndefault via 169.254.1.1 dev eth0\n";
        let u = parse(printed).unwrap();
        assert_eq!((u.interface.as_str(), u.prefix_len), ("eth0", 32));
        assert_eq!(u.gateway, Some(Ipv4Addr::new(169, 254, 1, 1)));
    }

    #[test]
    fn a_pod_without_an_address_is_an_error_that_shows_what_it_printed() {
        let err = parse("---\n").unwrap_err();
        assert!(err.contains("no IPv4 address"), "{err}");
    }
}
