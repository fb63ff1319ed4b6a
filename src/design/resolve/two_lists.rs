//! What the design entries that keep two lists of names apart share (services enabled
//! and disabled at boot, packages installed and absent): each name valid for its list
//! and named once over both; and the refusal of a teacher's image, where only asbuilt's
//! images hold what such an entry needs.

use super::Resolver;
use crate::diagnostic::{Diagnostic, Loc};
use crate::topology::de::OneOrMany;
use crate::topology::locate::Seg;

/// How a second mention of a name is reported.
pub(super) struct Duplicate {
    pub code: &'static str,
    pub help: &'static str,
}

impl Resolver<'_> {
    /// Whether `node` runs asbuilt's image; otherwise reports why the entry at `at`
    /// needs it (`because`), and what to do instead.
    pub(super) fn asbuilt_image(&mut self, node: &str, at: &[Seg], because: &str, help: &str) -> bool {
        let Some(image) = &self.nodes[node].image else { return true };
        self.report(
            Diagnostic::error("needs-asbuilt-image", format!("`{node}` runs the image `{image}`; {because}"))
                .at(Loc::key(at.to_vec()))
                .help(help),
        );
        false
    }

    /// The names of both lists under `at`, in the order written, or `None` when one was
    /// reported: `valid` reports a name that does not belong in its list (given by its
    /// key) and says whether it does.
    pub(super) fn two_lists(
        &mut self,
        at: &[Seg],
        lists: [(&str, &OneOrMany<String>); 2],
        duplicate: Duplicate,
        mut valid: impl FnMut(&mut Self, &str, &str, Loc) -> bool,
    ) -> Option<[Vec<String>; 2]> {
        let mut kept: [Vec<String>; 2] = Default::default();
        let mut ok = true;
        for (side, (list, names)) in lists.into_iter().enumerate() {
            for (i, name) in names.iter().enumerate() {
                let mut path = at.to_vec();
                path.extend([Seg::from(list), Seg::from(i)]);
                let loc = Loc::value(path);
                // Only a valid name is kept, so a second mention of one is the duplicate.
                if kept.iter().flatten().any(|seen| seen == name) {
                    self.report(
                        Diagnostic::error(duplicate.code, format!("`{name}` is named twice"))
                            .at(loc)
                            .label("a second time")
                            .help(duplicate.help),
                    );
                    ok = false;
                } else if !valid(self, list, name, loc) {
                    ok = false;
                } else {
                    kept[side].push(name.clone());
                }
            }
        }
        ok.then_some(kept)
    }
}
