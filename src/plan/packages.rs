//! Software from the package repository in the host and server images, installed with
//! apt at deploy (a lab has no network; the repository is apt's only source there).
//!
//! Where asbuilt builds the part, the packages the design wants are installed. Where
//! the student builds it, the node starts the other way round: what the design wants is
//! not there yet, and what it wants gone is installed, for the student to find and
//! remove.

use super::script::Script;
use crate::design::{Builder, Node, Part};

pub fn configure(node: &Node, script: &mut Script) {
    let Some(packages) = &node.packages else { return };
    let install =
        if node.builds(Part::Packages) == Builder::Asbuilt { &packages.installed } else { &packages.absent };
    if install.is_empty() {
        return;
    }
    script.step("install software from the lab's package repository");
    let mut argv = vec![
        "env",
        "DEBIAN_FRONTEND=noninteractive",
        "apt-get",
        "install",
        "-y",
        "-q",
        "--no-install-recommends",
    ];
    argv.extend(install.iter().map(String::as_str));
    script.run(&argv);
}
