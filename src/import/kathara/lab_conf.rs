//! `lab.conf`: the lab's metadata, each device's interfaces (`pc1[0]="A"`, with a MAC
//! `pc1[0]="A/02:42:ac:11:00:02"`) and its options (`pc1[image]="kathara/base"`), and
//! `lab.dep`, the order devices start in.

use indexmap::IndexMap;

use crate::import::report::{ImportError, Place};

/// The lab's metadata lines.
pub const METADATA: [&str; 6] =
    ["LAB_NAME", "LAB_DESCRIPTION", "LAB_VERSION", "LAB_AUTHOR", "LAB_EMAIL", "LAB_WEB"];

/// Every device option of Kathará 3.8.
pub const OPTIONS: [&str; 14] = [
    "image",
    "mem",
    "cpus",
    "ipv6",
    "sysctl",
    "exec",
    "env",
    "port",
    "bridged",
    "volume",
    "ulimit",
    "privileged",
    "shell",
    "num_terms",
];

/// A value as written, and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub text: String,
    pub place: Place,
}

/// One interface: `pc1[0]="A/02:42:ac:11:00:02"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iface {
    pub number: u32,
    pub domain: String,
    pub mac: Option<String>,
    pub place: Place,
}

/// One device as lab.conf has it, in the order it first appears.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Device {
    pub interfaces: Vec<Iface>,
    /// Options in the order written; `exec`, `sysctl` and `env` may be given often.
    pub options: Vec<(String, Value)>,
    /// Where the device is first named.
    pub place: Option<Place>,
}

impl Device {
    pub fn option(&self, key: &str) -> Option<&Value> {
        self.options.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn all(&self, key: &str) -> impl Iterator<Item = &Value> {
        self.options.iter().filter(move |(k, _)| k == key).map(|(_, v)| v)
    }
}

/// lab.conf, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabConf {
    pub metadata: IndexMap<String, Value>,
    pub devices: IndexMap<String, Device>,
}

/// Reads lab.conf; every line that is not a comment, metadata, an interface or a known
/// option is an error, and all of them are returned.
pub fn parse(text: &str, file: &str) -> Result<LabConf, Vec<ImportError>> {
    let mut conf = LabConf::default();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let indent = raw.len() - raw.trim_start().len();
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |col: usize| Place::new(file, line_no, col + 1);
        let err = |col: usize, message: String| ImportError { place: at(col), message };
        let Some(eq) = line.find('=') else {
            errors.push(err(indent, format!("`{line}` is neither `device[interface]=\"domain\"`, `device[option]=\"value\"` nor metadata such as LAB_NAME=\"...\"")));
            continue;
        };
        let (key, rest) = (&line[..eq], &line[eq + 1..]);
        let value_col = indent + eq + 1;
        let value = match unquote(rest) {
            Ok(v) => v,
            Err(offset) => {
                errors.push(err(value_col + offset, "a quoted value is not closed with `\"`".into()));
                continue;
            }
        };
        let value_col = value_col
            + usize::from(rest.trim_start().starts_with('"'))
            + (rest.len() - rest.trim_start().len());
        if METADATA.contains(&key) {
            conf.metadata.insert(key.to_string(), Value { text: value, place: at(value_col) });
            continue;
        }
        let (Some(open), true) = (key.find('['), key.ends_with(']')) else {
            errors.push(err(
                indent,
                format!("`{key}` is not metadata ({}) nor `device[...]`", METADATA.join(", ")),
            ));
            continue;
        };
        let device = &key[..open];
        let arg = &key[open + 1..key.len() - 1];
        if device.is_empty() || !device.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            errors
                .push(err(indent, format!("`{device}` is not a device name: letters, digits, `_` and `-`")));
            continue;
        }
        let entry = conf.devices.entry(device.to_string()).or_default();
        entry.place.get_or_insert_with(|| at(indent));
        if let Ok(number) = arg.parse::<u32>() {
            let arg_col = indent + open + 1;
            if let Some(first) = entry.interfaces.iter().find(|i| i.number == number) {
                errors.push(err(
                    arg_col,
                    format!("interface {number} of `{device}` is given twice (first at {})", first.place),
                ));
                continue;
            }
            let (domain, mac) = match value.split_once('/') {
                Some((d, m)) => (d.to_string(), Some(m.to_string())),
                None => (value.clone(), None),
            };
            if domain.is_empty() || !domain.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)) {
                errors.push(err(value_col, format!("`{domain}` is not a collision domain name")));
                continue;
            }
            if let Some(mac) = &mac
                && !valid_mac(mac)
            {
                errors.push(err(
                    value_col + domain.len() + 1,
                    format!("`{mac}` is not a MAC address such as 02:42:ac:11:00:02"),
                ));
                continue;
            }
            entry.interfaces.push(Iface { number, domain, mac, place: at(indent) });
        } else if OPTIONS.contains(&arg) {
            entry.options.push((arg.to_string(), Value { text: value, place: at(value_col) }));
        } else {
            let hint = crate::diagnostic::closest(arg, OPTIONS.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            errors.push(err(
                indent + open + 1,
                format!("`{arg}` is not an interface number nor a device option of Kathará{hint}"),
            ));
        }
    }
    for device in conf.devices.values_mut() {
        device.interfaces.sort_by_key(|i| i.number);
    }
    if errors.is_empty() { Ok(conf) } else { Err(errors) }
}

/// The value without its quotes; `Err(offset)` of an opening quote never closed.
fn unquote(rest: &str) -> Result<String, usize> {
    let lead = rest.len() - rest.trim_start().len();
    let v = rest.trim();
    if let Some(inner) = v.strip_prefix('"') {
        match inner.find('"') {
            Some(end)
                if inner[end + 1..].trim().is_empty() || inner[end + 1..].trim_start().starts_with('#') =>
            {
                Ok(inner[..end].to_string())
            }
            Some(_) => Ok(inner.trim_end_matches('"').to_string()),
            None => Err(lead),
        }
    } else if let Some(inner) = v.strip_prefix('\'') {
        inner.strip_suffix('\'').map(str::to_string).ok_or(lead)
    } else {
        Ok(v.split(" #").next().unwrap_or(v).trim().to_string())
    }
}

pub fn valid_mac(mac: &str) -> bool {
    let parts: Vec<&str> = mac.split(':').collect();
    parts.len() == 6 && parts.iter().all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// One line of lab.dep: a device, the devices it starts after, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    pub device: String,
    pub after: Vec<String>,
    pub place: Place,
}

/// lab.dep: `r2: r1 pc1` says r2 starts after r1 and pc1.
pub fn parse_dep(text: &str, file: &str) -> Result<Vec<Dep>, Vec<ImportError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let indent = raw.len() - raw.trim_start().len();
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let place = Place::new(file, i + 1, indent + 1);
        match line.split_once(':') {
            Some((dev, after)) if !dev.trim().is_empty() && !dev.trim().contains(' ') => {
                out.push(Dep {
                    device: dev.trim().to_string(),
                    after: after.split_whitespace().map(str::to_string).collect(),
                    place,
                });
            }
            _ => errors.push(ImportError { place, message: format!("`{line}` is not `device: device...`") }),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interfaces_options_and_metadata_are_read_with_their_places() {
        let text = "LAB_NAME=\"OSPF\"\n# a comment\nr1[0]=\"A\"\nr1[1]=B/02:42:ac:11:00:02\nr1[image]=\"kathara/frr\"\nr1[exec]=\"echo a\"\nr1[exec]=\"echo b\"\n\npc1[0]=A\n";
        let conf = parse(text, "lab.conf").unwrap();
        assert_eq!(conf.metadata["LAB_NAME"].text, "OSPF");
        let r1 = &conf.devices["r1"];
        assert_eq!(r1.interfaces.len(), 2);
        assert_eq!(r1.interfaces[1].mac.as_deref(), Some("02:42:ac:11:00:02"));
        assert_eq!(r1.option("image").unwrap().text, "kathara/frr");
        assert_eq!(r1.option("image").unwrap().place, Place::new("lab.conf", 5, 12));
        assert_eq!(r1.all("exec").count(), 2);
        assert_eq!(conf.devices.keys().collect::<Vec<_>>(), ["r1", "pc1"]);
    }

    #[test]
    fn broken_lines_are_errors_at_their_line_and_column() {
        let text = "r1[0]=\"A\"\nr1[imgae]=\"x\"\nthis is wrong\nr1[0]=B\npc1[1]=\"A/02:42\"\nr2[0]=\"A\n";
        let errors = parse(text, "lab.conf").unwrap_err();
        let places: Vec<String> = errors.iter().map(|e| e.place.to_string()).collect();
        assert_eq!(places, ["lab.conf:2:4", "lab.conf:3:1", "lab.conf:4:4", "lab.conf:5:11", "lab.conf:6:7"]);
        assert!(errors[0].message.contains("did you mean `image`"), "{}", errors[0].message);
    }

    #[test]
    fn lab_dep_lists_what_each_device_waits_for() {
        let deps = parse_dep("r2: r1 pc1\n\nbad line\n", "lab.dep").unwrap_err();
        assert_eq!(deps[0].place.to_string(), "lab.dep:3:1");
        let deps = parse_dep("r2: r1 pc1\n", "lab.dep").unwrap();
        assert_eq!(deps[0].after, ["r1", "pc1"]);
    }
}
