//! Judging a package: installed, or not, as the design says.

use super::verdict;
use crate::checks::derive::texts::t;
use crate::checks::model::ProbeSpec;
use crate::checks::observation::Observation;
use crate::checks::outcome::Outcome;

pub fn judge(probe: &ProbeSpec, seen: &Observation) -> Option<Outcome> {
    let (ProbeSpec::Package { name, installed: wanted, .. }, Observation::Package(result)) = (probe, seen)
    else {
        return None;
    };
    let expected = if *wanted {
        t(format!("{name} is geïnstalleerd"), format!("{name} is installed"))
    } else {
        t(format!("{name} is niet geïnstalleerd"), format!("{name} is not installed"))
    };
    let (installed, observed) = match result {
        Ok(Some(version)) => {
            (true, t(format!("{name} {version} is geïnstalleerd"), format!("{name} {version} is installed")))
        }
        Ok(None) => (false, t(format!("{name} is niet geïnstalleerd"), format!("{name} is not installed"))),
        Err(why) => return Some(verdict(false, 0.0, expected, t(why.clone(), why.clone()))),
    };
    Some(verdict(installed == *wanted, 0.0, expected, observed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passes(wanted: bool, seen: Option<&str>) -> bool {
        let probe = ProbeSpec::Package { node: "pc1".into(), name: "tree".into(), installed: wanted };
        judge(&probe, &Observation::Package(Ok(seen.map(String::from)))).unwrap().is_pass()
    }

    #[test]
    fn a_package_passes_where_it_is_as_designed() {
        assert!(passes(true, Some("2.1.0-2")));
        assert!(!passes(true, None));
        assert!(passes(false, None));
        assert!(!passes(false, Some("0.17-22")));
    }
}
