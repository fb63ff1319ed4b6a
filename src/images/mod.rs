//! Node images, built offline from Debian packages.
//!
//! asbuilt builds its images itself, from the recipes in images/ (compiled into the
//! binary), so a Docker host with no registry access can run every lab:
//!
//! ```text
//! rootfs   debootstrap minbase (or a local debian:<suite>), imported   asbuilt/rootfs:<hash>
//! └─ base  common tools, tini, asbuilt-service, asbuilt-start          asbuilt/base:<hash>
//!    ├─ router ── firewall
//!    ├─ host ──── server
//!    ├─ switch
//!    └─ fabric
//! ```
//!
//! Each tag is a hash of the image's recipe and of its parent's hash ([`recipe`]), so a
//! changed recipe rebuilds that image and everything built on it, and an unchanged one is
//! found by tag and skipped. The engine calls [`image_ref`] to name a kind's image and
//! [`ensure_images`] before a deploy; [`require_custom_image`] checks images that
//! asbuilt does not build.
//!
//! All Docker access goes through bollard. The only host programs run are debootstrap,
//! tar (to stream its tree into Docker's import API) and umount (cleanup).

mod base;
mod build;
mod error;
mod progress;
mod prune;
mod push;
pub mod recipe;
mod source;
mod status;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bollard::Docker;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

pub use error::ImageError;
pub use progress::{BuildEvent, BuildObserver, LiveProgress, PlainProgress, Progress, Silent, seconds};
pub use prune::{Pruned, outdated_images, prune_outdated};
pub use push::push_images;
pub use recipe::{BUILTIN_IMAGES, Builder, ImageSpec, catalog};
pub use source::{ImageSource, RegistryPrefix};
pub use status::{ImageStatus, image_statuses, total_unique_size};

/// The Debian mirror used when none is configured.
pub const DEFAULT_MIRROR: &str = "http://deb.debian.org/debian";

/// How many images build at the same time unless told otherwise.
pub const DEFAULT_JOBS: usize = 3;

/// The state directory used when `ASBUILT_STATE_DIR` is not set.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/asbuilt";

/// How images are built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOptions {
    /// The Debian mirror debootstrap and apt use (inside builds too).
    pub mirror: String,
    /// Where build logs (`logs/`) and debootstrap's work folder (`work/`) go.
    pub state_dir: PathBuf,
    /// Rebuild the requested images even if their tag exists, without Docker's layer
    /// cache (so packages are fetched anew). Images they build on are only built when
    /// missing, unless they are requested too.
    pub force: bool,
    /// How many images may build at the same time. Builds wait mostly on the network and
    /// on dpkg, so a few at once is faster even on two cores.
    pub jobs: usize,
}

impl BuildOptions {
    /// Options from the environment: `ASBUILT_DEBIAN_MIRROR` and `ASBUILT_STATE_DIR`, with
    /// the defaults above.
    pub fn from_env() -> BuildOptions {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
        BuildOptions {
            mirror: var("ASBUILT_DEBIAN_MIRROR").unwrap_or_else(|| DEFAULT_MIRROR.to_string()),
            state_dir: var("ASBUILT_STATE_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| DEFAULT_STATE_DIR.into()),
            force: false,
            jobs: DEFAULT_JOBS,
        }
    }

    /// Where build logs go: `<state_dir>/logs`.
    pub fn log_dir(&self) -> PathBuf {
        self.state_dir.join("logs")
    }
}

/// Connects to the local Docker engine and agrees on an API version it speaks (Docker
/// 20.10 speaks 1.41, older than bollard's default).
pub async fn connect() -> Result<Docker, ImageError> {
    Docker::connect_with_local_defaults()
        .map_err(ImageError::Connect)?
        .negotiate_version()
        .await
        .map_err(ImageError::Connect)
}

/// The tagged reference of a builtin image: `router`, `firewall`, `server`, `host`,
/// `switch` or `fabric` gives `asbuilt/<name>:<recipe-hash>`; any other name gives `None`
/// (a custom image is used by the name the topology gives).
pub fn image_ref(kind_name: &str) -> Option<String> {
    ImageSource::Local.reference(kind_name)
}

/// The exact command that builds the named images, for messages that tell a person what
/// to run.
pub fn build_command(names: &[&str]) -> String {
    let mut command = String::from("asbuilt images build");
    for name in names {
        command.push_str(" --kind ");
        command.push_str(name);
    }
    command
}

/// What happened to one image in [`ensure_images`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It existed with the current recipe hash.
    UpToDate,
    /// It was built, taking this long.
    Built(Duration),
}

/// One image in a [`BuildReport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageOutcome {
    /// Short name: rootfs, base, router, ...
    pub name: &'static str,
    /// The tagged reference.
    pub reference: String,
    /// Found or built.
    pub outcome: Outcome,
}

/// The result of [`ensure_images`]: every image involved, parents included, in build order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildReport {
    /// The images, parents first.
    pub images: Vec<ImageOutcome>,
}

impl BuildReport {
    /// How many images were built (not found up to date).
    pub fn built(&self) -> usize {
        self.images.iter().filter(|image| matches!(image.outcome, Outcome::Built(_))).count()
    }
}

/// Makes sure the named images exist, building whatever is missing: the images
/// themselves and the images they build on (rootfs, base, router for the firewall, host
/// for the server). Names are builtin image names or `base`/`rootfs`.
///
/// Unchanged images are found by their hash tag and skipped, so this is cheap to call
/// before every deploy. Independent images build concurrently (up to `options.jobs`);
/// when one fails, the others still finish, and the error lists every failure.
pub async fn ensure_images(
    docker: &Docker,
    names: &[&str],
    options: &BuildOptions,
    observer: &dyn BuildObserver,
) -> Result<BuildReport, ImageError> {
    let requested: Vec<&'static ImageSpec> =
        names.iter().map(|name| recipe::lookup(name)).collect::<Result<_, _>>()?;

    // Every requested image and its ancestors, in catalog (parents-first) order.
    let mut involved: Vec<&'static ImageSpec> = Vec::new();
    for spec in &requested {
        let mut chain = vec![*spec];
        while let Some(parent) = chain.last().and_then(|spec| spec.parent) {
            chain.push(recipe::lookup(parent)?);
        }
        for spec in chain {
            if !involved.iter().any(|known| known.name == spec.name) {
                involved.push(spec);
            }
        }
    }
    let order = |spec: &&ImageSpec| catalog().iter().position(|known| known.name == spec.name);
    involved.sort_by_key(order);

    let present = status::exist(docker, &involved).await?;
    let mut report = BuildReport { images: Vec::new() };
    let mut to_build: Vec<&'static ImageSpec> = Vec::new();
    for (spec, exists) in involved.iter().zip(present) {
        let forced = options.force && requested.iter().any(|r| r.name == spec.name);
        if exists && !forced {
            observer.on_event(BuildEvent::UpToDate { image: spec.name, reference: &spec.reference() });
            report.images.push(ImageOutcome {
                name: spec.name,
                reference: spec.reference(),
                outcome: Outcome::UpToDate,
            });
        } else {
            to_build.push(spec);
        }
    }

    let mut failures: Vec<ImageError> = Vec::new();
    let mut failed: Vec<&'static str> = Vec::new();
    let mut in_flight: Vec<&'static str> = Vec::new();
    let mut running = FuturesUnordered::new();
    let jobs = options.jobs.max(1);
    loop {
        // Start every image whose parent is ready (built now, or there before), as far
        // as the job limit allows; `to_build` is parents-first, so one pass suffices.
        let pending: Vec<&'static str> = to_build.iter().map(|spec| spec.name).collect();
        let mut waiting = Vec::new();
        for spec in to_build.drain(..) {
            match next_step(spec.parent, &pending, &in_flight, &failed, running.len(), jobs) {
                NextStep::Skip(parent) => {
                    let parent_ref = recipe::lookup(parent)?.reference();
                    let reference = spec.reference();
                    observer.on_event(BuildEvent::NotAttempted {
                        image: spec.name,
                        reference: &reference,
                        parent: &parent_ref,
                    });
                    failures.push(ImageError::NotAttempted { image: reference, parent: parent_ref });
                    failed.push(spec.name);
                }
                NextStep::Wait => waiting.push(spec),
                NextStep::Start => {
                    in_flight.push(spec.name);
                    running.push(build_one(docker, spec, options, observer));
                }
            }
        }
        to_build = waiting;

        let Some((spec, result)) = running.next().await else {
            break;
        };
        in_flight.retain(|name| *name != spec.name);
        match result {
            Ok(elapsed) => report.images.push(ImageOutcome {
                name: spec.name,
                reference: spec.reference(),
                outcome: Outcome::Built(elapsed),
            }),
            Err(error) => {
                failed.push(spec.name);
                failures.push(error);
            }
        }
    }

    report.images.sort_by_key(|image| catalog().iter().position(|spec| spec.name == image.name));
    match failures.len() {
        0 => Ok(report),
        1 => Err(failures.remove(0)),
        _ => Err(ImageError::Several(failures)),
    }
}

/// What the scheduler in [`ensure_images`] does next with an image that is to be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NextStep<'a> {
    /// Build it now.
    Start,
    /// Its parent is still to be built, or every job is taken.
    Wait,
    /// Its parent failed (this names it): it cannot be built.
    Skip(&'a str),
}

/// Decides for an image with `parent`, given the images still waiting (`pending`),
/// building (`in_flight`) and failed, and how many of `jobs` are `running`.
fn next_step<'a>(
    parent: Option<&'a str>,
    pending: &[&str],
    in_flight: &[&str],
    failed: &[&str],
    running: usize,
    jobs: usize,
) -> NextStep<'a> {
    match parent {
        Some(parent) if failed.contains(&parent) => NextStep::Skip(parent),
        Some(parent) if pending.contains(&parent) || in_flight.contains(&parent) => NextStep::Wait,
        _ if running >= jobs => NextStep::Wait,
        _ => NextStep::Start,
    }
}

/// Builds exactly `spec`, whose parent must already exist, and reports its start and end
/// to `observer`. [`ensure_images`] is what callers normally want; this is for a recipe
/// that is not in the catalog (tests build deliberately broken ones with it).
pub async fn build_spec(
    docker: &Docker,
    spec: &ImageSpec,
    options: &BuildOptions,
    observer: &dyn BuildObserver,
) -> Result<Duration, ImageError> {
    build_one(docker, spec, options, observer).await.1
}

/// Builds one image and reports its start and end.
async fn build_one<'a, 's>(
    docker: &'a Docker,
    spec: &'s ImageSpec,
    options: &'a BuildOptions,
    observer: &'a dyn BuildObserver,
) -> (&'s ImageSpec, Result<Duration, ImageError>) {
    let reference = spec.reference();
    observer.on_event(BuildEvent::Started { image: spec.name, reference: &reference });
    let started = Instant::now();
    let result = match spec.builder {
        Builder::Rootfs => base::make_rootfs(docker, spec, options, observer).await,
        Builder::Dockerfile => build::build_dockerfile(docker, spec, options, observer).await,
    };
    let elapsed = started.elapsed();
    match &result {
        Ok(()) => observer.on_event(BuildEvent::Built { image: spec.name, reference: &reference, elapsed }),
        Err(_) => observer.on_event(BuildEvent::Failed { image: spec.name, reference: &reference, elapsed }),
    }
    (spec, result.map(|()| elapsed))
}

/// The builtin images among `names` that are not built yet, as an error that says which
/// command builds them; `Ok` if all exist. For callers that would rather tell a person
/// than build during a deploy.
pub async fn require_images(docker: &Docker, names: &[&str]) -> Result<(), ImageError> {
    let specs: Vec<&'static ImageSpec> =
        names.iter().map(|name| recipe::lookup(name)).collect::<Result<_, _>>()?;
    let present = status::exist(docker, &specs).await?;
    let missing: Vec<&'static ImageSpec> =
        specs.into_iter().zip(present).filter(|(_, exists)| !exists).map(|(spec, _)| spec).collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ImageError::NotBuilt {
        images: missing.iter().map(|spec| spec.reference()).collect::<Vec<_>>().join(", "),
        command: build_command(&missing.iter().map(|spec| spec.name).collect::<Vec<_>>()),
    })
}

/// Checks that a custom image (one a topology names and asbuilt does not build) exists
/// in the engine. A missing one is an error that names it and says asbuilt does not build
/// custom images.
pub async fn require_custom_image(docker: &Docker, image: &str) -> Result<(), ImageError> {
    if status::image_exists(docker, image).await? {
        Ok(())
    } else {
        Err(ImageError::CustomImageMissing { image: image.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_kinds_resolve_to_their_hash_tagged_image() {
        let reference = image_ref("router").unwrap();
        assert_eq!(reference, format!("asbuilt/router:{}", recipe::find("router").unwrap().hash));
        for name in BUILTIN_IMAGES {
            assert!(image_ref(name).unwrap().starts_with(&format!("asbuilt/{name}:")));
        }
    }

    #[test]
    fn custom_and_internal_names_do_not_resolve() {
        assert_eq!(image_ref("custom"), None);
        assert_eq!(image_ref("nginx:latest"), None);
        // base and rootfs are building blocks, not images a node runs.
        assert_eq!(image_ref("base"), None);
        assert_eq!(image_ref("rootfs"), None);
    }

    #[test]
    fn an_image_starts_only_when_its_parent_is_there_and_a_job_is_free() {
        // The parent was there before, or has been built: start, if a job is free.
        assert_eq!(next_step(Some("base"), &[], &[], &[], 0, 3), NextStep::Start);
        assert_eq!(next_step(Some("base"), &[], &[], &[], 3, 3), NextStep::Wait);
        assert_eq!(next_step(None, &[], &[], &[], 2, 3), NextStep::Start);
        // The parent is waiting or building: wait for it.
        assert_eq!(next_step(Some("base"), &["base", "router"], &[], &[], 0, 3), NextStep::Wait);
        assert_eq!(next_step(Some("router"), &[], &["router"], &[], 1, 3), NextStep::Wait);
    }

    #[test]
    fn an_image_whose_parent_failed_is_skipped_naming_the_parent() {
        assert_eq!(next_step(Some("router"), &[], &[], &["router"], 0, 3), NextStep::Skip("router"));
        // Even with every job free, and before waiting on anything else.
        assert_eq!(next_step(Some("host"), &["host"], &[], &["host"], 3, 3), NextStep::Skip("host"));
    }

    #[test]
    fn the_build_command_names_each_kind() {
        assert_eq!(build_command(&["router", "host"]), "asbuilt images build --kind router --kind host");
    }
}
