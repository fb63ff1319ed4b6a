//! Netlink in the host's namespace: the veth pairs that become a lab's cables.
//!
//! A pair is made in the host namespace under a temporary name, and each end is then
//! moved into its namespace (a node's, or the fabric's) with its final name and state in
//! one request: the kernel renames and raises it on arrival. Temporary names start with
//! [`TEMP_PREFIX`] and a hash of the instance, so ends stranded by a crash between the
//! two steps are found and removed by `destroy`.

use std::sync::atomic::{AtomicU32, Ordering};

use futures::TryStreamExt;
use rtnetlink::packet_route::link::{LinkAttribute, LinkMessage};
use rtnetlink::{Handle, LinkUnspec, LinkVeth};
use sha2::{Digest, Sha256};

/// Every temporary veth name starts with this.
pub const TEMP_PREFIX: &str = "asb";
/// Prefix, five hex digits of the instance, five of a counter, and `a` or `b`.
const TEMP_NAME_LEN: usize = 14;

/// What went wrong in a netlink request.
#[derive(Debug, thiserror::Error)]
pub enum NetlinkError {
    /// The netlink socket could not be opened (asbuilt must run as root on the host).
    #[error("open a netlink socket: {0}")]
    Socket(#[source] std::io::Error),
    /// The kernel refused a request.
    #[error("{what}: {source}")]
    Request {
        what: String,
        #[source]
        source: rtnetlink::Error,
    },
    /// A link that should exist does not.
    #[error("{0}: no such link")]
    Missing(String),
}

/// A netlink connection in asbuilt's own (the host's) namespace.
#[derive(Clone)]
pub struct HostLinks {
    handle: Handle,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl HostLinks {
    /// Opens the connection; must be called inside a tokio runtime.
    pub fn connect() -> Result<HostLinks, NetlinkError> {
        let (connection, handle, _) = rtnetlink::new_connection().map_err(NetlinkError::Socket)?;
        tokio::spawn(connection);
        Ok(HostLinks { handle })
    }

    /// Two fresh temporary names for a veth pair of `instance`.
    pub fn temp_names(instance: &str) -> (String, String) {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed) ^ (std::process::id() << 12);
        let base = format!("{}{:05x}", Self::temp_prefix(instance), n & 0xfffff);
        (format!("{base}a"), format!("{base}b"))
    }

    /// How every temporary veth name of `instance` starts: what a crash of its deploy
    /// can strand in the host namespace.
    pub fn temp_prefix(instance: &str) -> String {
        format!("{TEMP_PREFIX}{}", instance_tag(instance))
    }

    /// Creates a veth pair in the host namespace.
    pub async fn create_veth(&self, a: &str, b: &str) -> Result<(), NetlinkError> {
        self.handle
            .link()
            .add(LinkVeth::new(a, b).build())
            .execute()
            .await
            .map_err(|source| NetlinkError::Request { what: format!("create veth pair {a}/{b}"), source })
    }

    /// Moves link `name` into the network namespace of process `pid`, renamed to
    /// `new_name`, and brings it up there when `up`.
    pub async fn move_into(
        &self,
        name: &str,
        pid: u32,
        new_name: &str,
        up: bool,
    ) -> Result<(), NetlinkError> {
        let index = self.index_of(name).await?;
        let mut builder = LinkUnspec::new_with_index(index).setns_by_pid(pid).name(new_name.to_string());
        if up {
            builder = builder.up();
        }
        self.handle.link().set(builder.build()).execute().await.map_err(|source| NetlinkError::Request {
            what: format!("move {name} into the namespace of process {pid} as {new_name}"),
            source,
        })
    }

    /// The index of one link, asked for by name: on a server running many labs the host
    /// has thousands of links, and a deploy asks twice per cable end.
    async fn index_of(&self, name: &str) -> Result<u32, NetlinkError> {
        let found: Result<Vec<LinkMessage>, _> =
            self.handle.link().get().match_name(name).execute().try_collect().await;
        match found {
            Ok(links) => {
                links.first().map(|l| l.header.index).ok_or_else(|| NetlinkError::Missing(name.to_string()))
            }
            // The kernel answers a lookup of an unknown name with ENODEV.
            Err(rtnetlink::Error::NetlinkError(e)) if e.raw_code() == -libc::ENODEV => {
                Err(NetlinkError::Missing(name.to_string()))
            }
            Err(source) => Err(NetlinkError::Request { what: format!("find link {name}"), source }),
        }
    }

    /// Every link in the host namespace.
    async fn links(&self) -> Result<Vec<LinkMessage>, NetlinkError> {
        self.handle
            .link()
            .get()
            .execute()
            .try_collect()
            .await
            .map_err(|source| NetlinkError::Request { what: "list links".into(), source })
    }

    /// Temporary links left in the host namespace, of one instance or of all.
    pub async fn stranded(&self, instance: Option<&str>) -> Result<Vec<(u32, String)>, NetlinkError> {
        let prefix = match instance {
            Some(i) => format!("{TEMP_PREFIX}{}", instance_tag(i)),
            None => TEMP_PREFIX.to_string(),
        };
        Ok(self
            .links()
            .await?
            .iter()
            .filter_map(|l| link_name(l).map(|n| (l.header.index, n.to_string())))
            .filter(|(_, n)| n.starts_with(&prefix) && n.len() == TEMP_NAME_LEN)
            .collect())
    }

    /// Deletes a link (for a veth, both ends).
    pub async fn delete(&self, index: u32, name: &str) -> Result<(), NetlinkError> {
        self.handle
            .link()
            .del(index)
            .execute()
            .await
            .map_err(|source| NetlinkError::Request { what: format!("delete stranded link {name}"), source })
    }
}

fn link_name(link: &LinkMessage) -> Option<&str> {
    link.attributes.iter().find_map(|a| match a {
        LinkAttribute::IfName(name) => Some(name.as_str()),
        _ => None,
    })
}

/// Five hex digits standing for an instance in temporary link names.
fn instance_tag(instance: &str) -> String {
    let digest = Sha256::digest(instance.as_bytes());
    format!("{:02x}{:02x}{:x}", digest[0], digest[1], digest[2] >> 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_fit_linux_and_carry_the_instance() {
        let (a, b) = HostLinks::temp_names("dmz-basis-s123");
        assert!(a.len() <= 15 && b.len() <= 15, "{a} {b}");
        assert_eq!(a.len(), TEMP_NAME_LEN);
        assert_eq!(&a[..8], &b[..8]);
        assert!(a.starts_with(&format!("{TEMP_PREFIX}{}", instance_tag("dmz-basis-s123"))));
        assert_ne!(HostLinks::temp_names("x").0, HostLinks::temp_names("x").0);
    }
}
