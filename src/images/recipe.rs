//! The recipes in images/, compiled into asbuilt, and the hashes that name their images.
//!
//! An installed `asbuilt` carries its recipes, so `asbuilt images build` works without a
//! source tree. Each image is tagged with a hash of its recipe files and of the hash of
//! the image it is built from, so changing any file of a recipe, or of a recipe below it,
//! gives a new tag: the image is rebuilt, and an unchanged one is found by tag and skipped.
//!
//! This module does no I/O: the files are embedded with `include_bytes!`, which also makes
//! cargo rebuild asbuilt whenever a recipe file changes.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use super::error::ImageError;

/// The Docker repository prefix of every image asbuilt builds.
pub const REPOSITORY_PREFIX: &str = "asbuilt/";

/// The images a topology can use: one per node kind, plus the hidden fabric.
pub const BUILTIN_IMAGES: [&str; 6] = ["router", "firewall", "server", "host", "switch", "fabric"];

/// How many hex digits of the recipe hash go into a tag. 48 bits: a collision between two
/// versions of one recipe on one Docker host is not a practical concern.
const TAG_HEX_DIGITS: usize = 12;

/// Bumped whenever asbuilt changes *how* it turns a recipe into an image (for example
/// what it removes from the debootstrapped tree), so such a change rebuilds too.
const PROCEDURE_VERSION: &str = "asbuilt-images-1";

/// One file of a recipe, as the build context will hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecipeFile {
    /// Path inside the recipe folder (and the build context).
    pub path: &'static str,
    /// Unix permissions; scripts are 0755 so COPY installs them executable.
    pub mode: u32,
    /// The file's bytes.
    pub contents: &'static [u8],
}

/// How an image is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builder {
    /// A Debian root file system from debootstrap (or a local `debian:<suite>` image),
    /// described by `rootfs.conf` and trimmed by `dpkg-excludes`.
    Rootfs,
    /// `docker build` of the recipe folder, FROM the parent image.
    Dockerfile,
}

/// A recipe as written in images/, before its hash is known.
#[derive(Debug)]
struct RecipeDef {
    name: &'static str,
    parent: Option<&'static str>,
    builder: Builder,
    /// The folder under images/ whose files these are.
    dir: &'static str,
    files: &'static [RecipeFile],
}

macro_rules! recipe_file {
    ($dir:literal, $name:literal, $mode:literal) => {
        RecipeFile {
            path: $name,
            mode: $mode,
            contents: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/images/", $dir, "/", $name)),
        }
    };
}

/// The packages the host and server images keep in their package repository, for a
/// lab's `packages` (`images/host/packages`: one name a line, `#` comments).
pub fn package_catalog() -> Vec<&'static str> {
    include_str!("../../images/host/packages")
        .lines()
        .filter_map(|line| line.split('#').next())
        .flat_map(str::split_whitespace)
        .collect()
}

/// Every recipe, parents before children. A test checks this against the images/ folder,
/// so a file added there without being listed here fails the build's tests.
static RECIPES: &[RecipeDef] = &[
    RecipeDef {
        name: "rootfs",
        parent: None,
        builder: Builder::Rootfs,
        dir: "base",
        files: &[recipe_file!("base", "rootfs.conf", 0o644), recipe_file!("base", "dpkg-excludes", 0o644)],
    },
    RecipeDef {
        name: "base",
        parent: Some("rootfs"),
        builder: Builder::Dockerfile,
        dir: "base",
        files: &[
            recipe_file!("base", "Dockerfile", 0o644),
            recipe_file!("base", "asbuilt-apt-install", 0o755),
            recipe_file!("base", "asbuilt-install-servers", 0o755),
            recipe_file!("base", "asbuilt-service", 0o755),
            recipe_file!("base", "asbuilt-start", 0o755),
            recipe_file!("base", "bashrc", 0o644),
            recipe_file!("base", "dpkg-excludes", 0o644),
            recipe_file!("base", "policy-rc.d", 0o755),
            recipe_file!("base", "rootfs.conf", 0o644),
            recipe_file!("base", "sshd.conf", 0o644),
            recipe_file!("base", "systemctl", 0o755),
        ],
    },
    RecipeDef {
        name: "router",
        parent: Some("base"),
        builder: Builder::Dockerfile,
        dir: "router",
        files: &[
            recipe_file!("router", "Dockerfile", 0o644),
            recipe_file!("router", "daemons", 0o640),
            recipe_file!("router", "frr.conf", 0o640),
            recipe_file!("router", "services", 0o644),
            recipe_file!("router", "vtysh.conf", 0o640),
        ],
    },
    RecipeDef {
        name: "firewall",
        parent: Some("router"),
        builder: Builder::Dockerfile,
        dir: "firewall",
        files: &[recipe_file!("firewall", "Dockerfile", 0o644)],
    },
    RecipeDef {
        name: "host",
        parent: Some("base"),
        builder: Builder::Dockerfile,
        dir: "host",
        files: &[
            recipe_file!("host", "Dockerfile", 0o644),
            recipe_file!("host", "asbuilt-lab-repository", 0o755),
            recipe_file!("host", "packages", 0o644),
        ],
    },
    RecipeDef {
        name: "server",
        parent: Some("host"),
        builder: Builder::Dockerfile,
        dir: "server",
        files: &[recipe_file!("server", "Dockerfile", 0o644), recipe_file!("server", "services", 0o644)],
    },
    RecipeDef {
        name: "switch",
        parent: Some("base"),
        builder: Builder::Dockerfile,
        dir: "switch",
        files: &[recipe_file!("switch", "Dockerfile", 0o644)],
    },
    RecipeDef {
        name: "fabric",
        parent: Some("base"),
        builder: Builder::Dockerfile,
        dir: "fabric",
        files: &[
            recipe_file!("fabric", "Dockerfile", 0o644),
            recipe_file!("fabric", "asbuilt-impair.c", 0o644),
        ],
    },
];

/// A recipe with its hash: everything needed to build or find its image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSpec {
    /// The image's short name: rootfs, base, router, ...
    pub name: &'static str,
    /// The image it is built from, by short name (`None` for the rootfs).
    pub parent: Option<&'static str>,
    /// How it is made.
    pub builder: Builder,
    /// The folder under images/ that holds its files.
    pub dir: &'static str,
    /// Its recipe files.
    pub files: &'static [RecipeFile],
    /// The recipe hash, which is also the tag.
    pub hash: String,
}

impl ImageSpec {
    /// The repository, e.g. `asbuilt/router`.
    pub fn repository(&self) -> String {
        format!("{REPOSITORY_PREFIX}{}", self.name)
    }

    /// The full reference, e.g. `asbuilt/router:3f2a9c01b7de`.
    pub fn reference(&self) -> String {
        image_reference(self.name, &self.hash)
    }

    /// The file of this recipe with that name, if it has one.
    pub fn file(&self, path: &str) -> Option<&'static RecipeFile> {
        self.files.iter().find(|file| file.path == path)
    }
}

/// The reference of image `name` with recipe hash `hash`.
pub fn image_reference(name: &str, hash: &str) -> String {
    format!("{REPOSITORY_PREFIX}{name}:{hash}")
}

/// Every image asbuilt builds, parents before children.
pub fn catalog() -> &'static [ImageSpec] {
    static CATALOG: OnceLock<Vec<ImageSpec>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut specs: Vec<ImageSpec> = Vec::with_capacity(RECIPES.len());
        for def in RECIPES {
            let parent_hash = def.parent.map(|parent| {
                let spec = specs.iter().find(|spec| spec.name == parent);
                // The table lists parents first; a test checks it, so this is a bug if hit.
                spec.expect("recipe table lists every parent before its children").hash.clone()
            });
            let hash = recipe_hash(def.name, parent_hash.as_deref(), def.files);
            specs.push(ImageSpec {
                name: def.name,
                parent: def.parent,
                builder: def.builder,
                dir: def.dir,
                files: def.files,
                hash,
            });
        }
        specs
    })
}

/// The image named `name` (rootfs, base, or one of [`BUILTIN_IMAGES`]).
pub fn find(name: &str) -> Option<&'static ImageSpec> {
    catalog().iter().find(|spec| spec.name == name)
}

/// Like [`find`], with an error that lists the names asbuilt knows.
pub fn lookup(name: &str) -> Result<&'static ImageSpec, ImageError> {
    find(name).ok_or_else(|| ImageError::UnknownImage {
        name: name.to_string(),
        known: catalog().iter().map(|spec| spec.name).collect::<Vec<_>>().join(", "),
    })
}

/// The hash of a recipe: its name, the hash of the image it builds on, and every file
/// (path, mode and contents), in path order so the table's order does not matter.
pub fn recipe_hash(name: &str, parent_hash: Option<&str>, files: &[RecipeFile]) -> String {
    let mut sorted: Vec<&RecipeFile> = files.iter().collect();
    sorted.sort_by_key(|file| file.path);

    let mut hasher = Sha256::new();
    // Every variable-length field is length-prefixed, so no two different recipes can
    // produce the same byte stream.
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(PROCEDURE_VERSION.as_bytes());
    field(name.as_bytes());
    field(parent_hash.unwrap_or("").as_bytes());
    for file in sorted {
        field(file.path.as_bytes());
        field(&file.mode.to_le_bytes());
        field(file.contents);
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    hex[..TAG_HEX_DIGITS].to_string()
}

/// The build context of a Dockerfile recipe: a tar of its files. Timestamps and owners
/// are fixed, so the same recipe always gives the same bytes and Docker's layer cache
/// sees unchanged files as unchanged.
pub fn context_tar(spec: &ImageSpec) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for file in spec.files {
        let mut header = tar::Header::new_gnu();
        header.set_size(file.contents.len() as u64);
        header.set_mode(file.mode);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        // Writing into a Vec cannot fail, and the paths are short literals from the table.
        builder
            .append_data(&mut header, file.path, file.contents)
            .expect("append a recipe file to an in-memory tar");
    }
    builder.into_inner().expect("finish an in-memory tar")
}

/// What `rootfs.conf` says about the Debian root file system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootfsConfig {
    /// The Debian release, e.g. bookworm.
    pub suite: String,
    /// debootstrap's variant, e.g. minbase.
    pub variant: String,
    /// Extra packages debootstrap installs.
    pub include: Vec<String>,
}

impl RootfsConfig {
    /// Parses `key = value` lines; `#` starts a comment.
    pub fn parse(text: &str) -> Result<RootfsConfig, ImageError> {
        let error = |line: usize, message: String| ImageError::Recipe {
            file: "base/rootfs.conf".into(),
            line,
            message,
        };
        let (mut suite, mut variant, mut include) = (None, None, Vec::new());
        for (index, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(error(index + 1, format!("expected `key = value`, found `{line}`")));
            };
            let value = value.trim();
            let valid = |value: &str| {
                !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "-.+_".contains(c))
            };
            match key.trim() {
                "suite" if valid(value) => suite = Some(value.to_string()),
                "variant" if valid(value) => variant = Some(value.to_string()),
                "include" => {
                    for package in value.split([',', ' ']).filter(|p| !p.is_empty()) {
                        if !valid(package) {
                            return Err(error(index + 1, format!("`{package}` is not a package name")));
                        }
                        include.push(package.to_string());
                    }
                }
                "suite" | "variant" => {
                    return Err(error(index + 1, format!("`{value}` is not a valid {}", key.trim())));
                }
                other => {
                    return Err(error(
                        index + 1,
                        format!("unknown key `{other}` (expected suite, variant or include)"),
                    ));
                }
            }
        }
        Ok(RootfsConfig {
            suite: suite.ok_or_else(|| error(0, "no `suite = ...` line".into()))?,
            variant: variant.ok_or_else(|| error(0, "no `variant = ...` line".into()))?,
            include,
        })
    }
}

/// dpkg's `path-exclude` / `path-include` filter from `dpkg-excludes`, so asbuilt can
/// remove from the debootstrapped tree exactly what dpkg will leave out of later
/// packages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpkgFilter {
    /// (exclude?, glob) in file order; the last rule that matches a path decides, as in dpkg.
    rules: Vec<(bool, String)>,
}

impl DpkgFilter {
    /// Parses `path-exclude=GLOB` and `path-include=GLOB` lines; `#` starts a comment.
    pub fn parse(text: &str) -> Result<DpkgFilter, ImageError> {
        let mut rules = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let rule = if let Some(glob) = line.strip_prefix("path-exclude=") {
                (true, glob)
            } else if let Some(glob) = line.strip_prefix("path-include=") {
                (false, glob)
            } else {
                return Err(ImageError::Recipe {
                    file: "base/dpkg-excludes".into(),
                    line: index + 1,
                    message: format!("expected path-exclude=GLOB or path-include=GLOB, found `{line}`"),
                });
            };
            rules.push((rule.0, rule.1.to_string()));
        }
        Ok(DpkgFilter { rules })
    }

    /// Whether dpkg would leave out the file at `path` (absolute, e.g. /usr/share/man/x).
    pub fn excludes(&self, path: &str) -> bool {
        let mut excluded = false;
        for (exclude, glob) in &self.rules {
            if glob_matches(glob, path) {
                excluded = *exclude;
            }
        }
        excluded
    }
}

/// fnmatch(3) without flags, as dpkg uses it: `*` matches any run of characters,
/// including `/`, and `?` any one character.
fn glob_matches(glob: &str, text: &str) -> bool {
    let (glob, text) = (glob.as_bytes(), text.as_bytes());
    let (mut g, mut t) = (0, 0);
    // Where to resume after the last `*`: the glob position after it, and the text
    // position it has swallowed up to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if g < glob.len() && (glob[g] == b'?' || glob[g] == text[t]) {
            g += 1;
            t += 1;
        } else if g < glob.len() && glob[g] == b'*' {
            star = Some((g + 1, t));
            g += 1;
        } else if let Some((after, swallowed)) = star {
            g = after;
            t = swallowed + 1;
            star = Some((after, swallowed + 1));
        } else {
            return false;
        }
    }
    glob[g..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    use super::*;

    const A: RecipeFile = RecipeFile { path: "Dockerfile", mode: 0o644, contents: b"FROM x\n" };
    const B: RecipeFile = RecipeFile { path: "services", mode: 0o644, contents: b"frr\n" };

    #[test]
    fn the_same_recipe_always_hashes_the_same() {
        assert_eq!(recipe_hash("router", Some("abc"), &[A, B]), recipe_hash("router", Some("abc"), &[A, B]));
        // The table's order is not part of the recipe.
        assert_eq!(recipe_hash("router", Some("abc"), &[A, B]), recipe_hash("router", Some("abc"), &[B, A]));
    }

    #[test]
    fn the_hash_is_pinned_so_an_unchanged_recipe_keeps_its_tag_across_asbuilt_versions() {
        // If this changes, every school rebuilds every image: change it only on purpose.
        assert_eq!(recipe_hash("router", Some("abc"), &[A, B]), "be115d198872");
    }

    #[test]
    fn changing_a_file_its_mode_its_name_or_the_parent_changes_the_hash() {
        let base = recipe_hash("router", Some("abc"), &[A, B]);
        let edited = RecipeFile { contents: b"FROM y\n", ..A };
        let executable = RecipeFile { mode: 0o755, ..A };
        let renamed = RecipeFile { path: "Dockerfile2", ..A };
        for other in [
            recipe_hash("router", Some("abc"), &[edited, B]),
            recipe_hash("router", Some("abc"), &[executable, B]),
            recipe_hash("router", Some("abc"), &[renamed, B]),
            recipe_hash("router", Some("abd"), &[A, B]),
            recipe_hash("router", None, &[A, B]),
            recipe_hash("firewall", Some("abc"), &[A, B]),
            recipe_hash("router", Some("abc"), &[A]),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn moving_bytes_between_fields_changes_the_hash() {
        let one = RecipeFile { path: "ab", mode: 0o644, contents: b"c" };
        let two = RecipeFile { path: "a", mode: 0o644, contents: b"bc" };
        assert_ne!(recipe_hash("x", None, &[one]), recipe_hash("x", None, &[two]));
    }

    #[test]
    fn tags_are_twelve_hex_digits_under_the_asbuilt_repository() {
        for spec in catalog() {
            let reference = spec.reference();
            let (repository, tag) = reference.split_once(':').unwrap();
            assert_eq!(repository, format!("asbuilt/{}", spec.name));
            assert_eq!(tag.len(), 12, "{reference}");
            assert!(tag.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{reference}");
        }
    }

    #[test]
    fn a_base_change_changes_the_tag_of_every_image_built_on_it() {
        // Each hash covers the parent's hash, so the chain rootfs -> base -> kinds holds.
        for spec in catalog() {
            if let Some(parent) = spec.parent {
                let parent = find(parent).unwrap();
                assert_eq!(spec.hash, recipe_hash(spec.name, Some(&parent.hash), spec.files));
                let other = recipe_hash(spec.name, Some("000000000000"), spec.files);
                assert_ne!(spec.hash, other);
            }
        }
    }

    #[test]
    fn the_catalog_lists_parents_first_and_every_builtin_image() {
        let names: Vec<&str> = catalog().iter().map(|spec| spec.name).collect();
        for (index, spec) in catalog().iter().enumerate() {
            if let Some(parent) = spec.parent {
                let at = names.iter().position(|name| *name == parent).unwrap();
                assert!(at < index, "{} is listed before its parent {parent}", spec.name);
            }
        }
        for name in BUILTIN_IMAGES {
            assert!(find(name).is_some(), "{name}");
        }
        for kind in crate::kind::NodeKind::ALL {
            if let Some(image) = kind.builtin_image() {
                assert!(BUILTIN_IMAGES.contains(&image), "{kind}");
            }
        }
    }

    #[test]
    fn the_embedded_recipes_are_exactly_the_files_in_the_images_folder() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("images");
        for spec in catalog().iter().filter(|spec| spec.builder == Builder::Dockerfile) {
            let mut on_disk = BTreeMap::new();
            for entry in std::fs::read_dir(root.join(spec.dir)).unwrap() {
                let entry = entry.unwrap();
                let name = entry.file_name().into_string().unwrap();
                let mode = entry.metadata().unwrap().permissions().mode();
                on_disk.insert(name, (mode & 0o111 != 0, std::fs::read(entry.path()).unwrap()));
            }
            let embedded: BTreeMap<String, (bool, Vec<u8>)> = spec
                .files
                .iter()
                .map(|file| (file.path.to_string(), (file.mode & 0o111 != 0, file.contents.to_vec())))
                .collect();
            let names = |map: &BTreeMap<String, (bool, Vec<u8>)>| map.keys().cloned().collect::<Vec<_>>();
            assert_eq!(names(&embedded), names(&on_disk), "files of images/{}", spec.dir);
            for (name, (executable, _)) in &on_disk {
                assert_eq!(embedded[name].0, *executable, "executable bit of images/{}/{name}", spec.dir);
            }
        }
        let rootfs = find("rootfs").unwrap();
        for file in rootfs.files {
            assert_eq!(Some(file), find("base").unwrap().file(file.path), "{}", file.path);
        }
    }

    #[test]
    fn every_builtin_image_labels_its_kind_and_builds_from_its_parent() {
        for name in BUILTIN_IMAGES.iter().chain(&["base"]) {
            let spec = find(name).unwrap();
            let dockerfile = std::str::from_utf8(spec.file("Dockerfile").unwrap().contents).unwrap();
            assert!(dockerfile.contains(&format!("LABEL org.asbuilt.kind={name}\n")), "{name}");
            assert!(dockerfile.contains("ARG PARENT_IMAGE\nFROM ${PARENT_IMAGE}\n"), "{name}");
        }
    }

    #[test]
    fn the_context_tar_holds_every_file_with_its_mode_and_is_reproducible() {
        let spec = find("base").unwrap();
        let bytes = context_tar(spec);
        assert_eq!(bytes, context_tar(spec));
        let mut archive = tar::Archive::new(bytes.as_slice());
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            let file = spec.file(&path).unwrap();
            assert_eq!(entry.header().mode().unwrap(), file.mode, "{path}");
            seen.push(path);
        }
        assert_eq!(seen.len(), spec.files.len());
    }

    #[test]
    fn the_shipped_rootfs_conf_asks_for_bookworm_minbase() {
        let text =
            std::str::from_utf8(find("rootfs").unwrap().file("rootfs.conf").unwrap().contents).unwrap();
        let config = RootfsConfig::parse(text).unwrap();
        assert_eq!(config.suite, "bookworm");
        assert_eq!(config.variant, "minbase");
        assert_eq!(config.include, vec!["ca-certificates"]);
    }

    #[test]
    fn rootfs_conf_errors_name_the_line() {
        let error = RootfsConfig::parse("suite = bookworm\nvariant = minbase\nmirror = x\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "read recipe images/base/rootfs.conf line 3: unknown key `mirror` (expected suite, variant or include)"
        );
        let error = RootfsConfig::parse("suite = bookworm; rm -rf /\nvariant = minbase\n").unwrap_err();
        assert!(error.to_string().contains("line 1"), "{error}");
        assert!(RootfsConfig::parse("variant = minbase\n").is_err());
    }

    #[test]
    fn the_dpkg_filter_keeps_copyright_files_and_drops_manuals() {
        let text =
            std::str::from_utf8(find("base").unwrap().file("dpkg-excludes").unwrap().contents).unwrap();
        let filter = DpkgFilter::parse(text).unwrap();
        assert!(filter.excludes("/usr/share/man/man1/ls.1.gz"));
        assert!(filter.excludes("/usr/share/doc/bash/README.gz"));
        assert!(!filter.excludes("/usr/share/doc/bash/copyright"));
        assert!(filter.excludes("/usr/share/locale/nl/LC_MESSAGES/coreutils.mo"));
        assert!(!filter.excludes("/usr/share/locale/locale.alias"));
        assert!(!filter.excludes("/usr/bin/ls"));
        assert!(!filter.excludes("/usr/share/man"));
    }

    #[test]
    fn globs_match_like_fnmatch_without_flags() {
        assert!(glob_matches("/usr/share/doc/*", "/usr/share/doc/a/b/c"));
        assert!(glob_matches("/usr/share/doc/*/copyright", "/usr/share/doc/a/copyright"));
        assert!(glob_matches("/usr/share/doc/*/copyright", "/usr/share/doc/a/b/copyright"));
        assert!(!glob_matches("/usr/share/doc/*/copyright", "/usr/share/doc/a/copyright.gz"));
        assert!(glob_matches("a?c", "abc"));
        assert!(!glob_matches("a?c", "ac"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("a**b", "ab"));
        assert!(!glob_matches("/usr/share/doc/*", "/usr/share/doc"));
    }
}
