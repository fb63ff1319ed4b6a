//! `asbuilt images build`, `list`, `prune` and `push`.

use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Subcommand};

use crate::images::{self, BuildOptions, ImageError, Progress};

/// Node images, built on this Docker host from Debian packages.
#[derive(Debug, Args)]
pub struct ImagesArgs {
    #[command(subcommand)]
    command: ImagesCommand,
}

#[derive(Debug, Subcommand)]
enum ImagesCommand {
    /// Build the images that are missing or whose recipe changed.
    ///
    /// Nothing is pulled from a registry: the Debian base is made with debootstrap from
    /// the Debian mirror, and every image from Debian packages. Images whose recipe is
    /// unchanged are skipped. Build logs go to $ASBUILT_STATE_DIR/logs
    /// (default /var/lib/asbuilt/logs).
    Build(BuildArgs),
    /// List asbuilt's images: name, tag, size, built or missing.
    List(ListArgs),
    /// Remove images that older recipes built (a container still using one keeps it).
    Prune,
    /// Push the images to a registry a Kubernetes cluster pulls from, building missing
    /// ones first. Each keeps its tag (its recipe hash) under the prefix:
    /// REGISTRY/asbuilt/router:<hash>. A registry that wants an account gets
    /// $ASBUILT_REGISTRY_USER and $ASBUILT_REGISTRY_PASSWORD.
    Push(PushArgs),
    /// Print the seccomp profile every container of a lab runs under (JSON), for a
    /// Kubernetes cluster's machines: /var/lib/kubelet/seccomp/asbuilt/seccomp.json
    /// (docs/kubernetes.md).
    SeccompProfile,
}

#[derive(Debug, Args)]
struct PushArgs {
    /// The registry and path to push under: host[:port][/path].
    #[arg(long, value_name = "PREFIX")]
    registry: crate::images::RegistryPrefix,

    /// Push only this kind's image. Repeat for several. Default: every node image and
    /// the fabric.
    #[arg(long = "kind", value_name = "KIND", value_parser = clap::builder::PossibleValuesParser::new(images::BUILTIN_IMAGES))]
    kinds: Vec<String>,
}

#[derive(Debug, Args)]
struct BuildArgs {
    /// Build only this kind's image (and what it builds on). Repeat for several.
    #[arg(long = "kind", value_name = "KIND", value_parser = clap::builder::PossibleValuesParser::new(images::BUILTIN_IMAGES))]
    kinds: Vec<String>,

    /// Rebuild even if the image exists, without Docker's layer cache. Without --kind,
    /// this rebuilds everything, starting with debootstrap.
    #[arg(long)]
    force: bool,

    /// The Debian mirror to install from [default: $ASBUILT_DEBIAN_MIRROR, or
    /// http://deb.debian.org/debian].
    #[arg(long, value_name = "URL")]
    mirror: Option<String>,

    /// How many images may build at the same time [default: 3].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=16))]
    jobs: Option<u16>,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs an `images` subcommand. Exit codes: 0 done, 2 could not do the work.
pub fn run(args: ImagesArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&format!("start the async runtime: {error}")),
    };
    let result = runtime.block_on(async {
        match args.command {
            ImagesCommand::Build(args) => build(args).await,
            ImagesCommand::List(args) => list(args).await,
            ImagesCommand::Prune => prune().await,
            ImagesCommand::Push(args) => push(args).await,
            ImagesCommand::SeccompProfile => {
                let profile = crate::confine::seccomp::profile();
                println!("{}", serde_json::to_string_pretty(&profile).expect("JSON serialises"));
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error.to_string()),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("asbuilt: failed to {message}");
    ExitCode::from(2)
}

async fn build(args: BuildArgs) -> Result<(), ImageError> {
    let started = Instant::now();
    let mut options = BuildOptions::from_env();
    if let Some(mirror) = args.mirror {
        options.mirror = mirror;
    }
    options.force = args.force;
    if let Some(jobs) = args.jobs {
        options.jobs = usize::from(jobs);
    }

    // Without --kind, every image, rootfs and base included, so --force rebuilds all.
    let names: Vec<&str> = if args.kinds.is_empty() {
        images::catalog().iter().map(|spec| spec.name).collect()
    } else {
        args.kinds.iter().map(String::as_str).collect()
    };
    let docker = images::connect().await?;
    let progress = Progress::for_stderr();
    let report = images::ensure_images(&docker, &names, &options, &progress).await?;
    let built = report.built();
    println!(
        "{} images ready ({} built, {} up to date) in {}",
        report.images.len(),
        built,
        report.images.len() - built,
        images::seconds(started.elapsed())
    );
    Ok(())
}

async fn list(args: ListArgs) -> Result<(), ImageError> {
    let docker = images::connect().await?;
    let specs: Vec<&images::ImageSpec> = images::catalog().iter().collect();
    let statuses = images::image_statuses(&docker, &specs).await?;
    let total = images::total_unique_size(&statuses);
    if args.json {
        let json = serde_json::json!({ "images": statuses, "total_unique_bytes": total });
        println!("{}", serde_json::to_string_pretty(&json).expect("image statuses serialize"));
        return Ok(());
    }
    println!("{:<10} {:<14} {:>10} {:>10}  STATUS", "IMAGE", "TAG", "SIZE", "OWN");
    for status in &statuses {
        println!(
            "{:<10} {:<14} {:>10} {:>10}  {}",
            status.name,
            status.tag,
            status.size_bytes.map(megabytes).unwrap_or_else(|| "-".into()),
            status.own_bytes.map(megabytes).unwrap_or_else(|| "-".into()),
            if status.built { "built" } else { "missing" },
        );
    }
    println!("\nSIZE includes the images it is built on; OWN is what it adds.");
    println!("Disk used by all built images, shared layers counted once: {}", megabytes(total));
    if statuses.iter().any(|status| !status.built) {
        println!("Build the missing ones with: asbuilt images build");
    }
    let outdated = images::outdated_images(&docker).await?;
    if !outdated.is_empty() {
        println!(
            "{} images from older recipes remain; remove them with: asbuilt images prune",
            outdated.len()
        );
    }
    Ok(())
}

async fn prune() -> Result<(), ImageError> {
    let docker = images::connect().await?;
    let pruned = images::prune_outdated(&docker).await?;
    for reference in &pruned.removed {
        println!("removed {reference}");
    }
    for (reference, reason) in &pruned.kept {
        println!("kept {reference}: {reason}");
    }
    println!(
        "{} removed, {} kept, {} untagged build leftovers removed",
        pruned.removed.len(),
        pruned.kept.len(),
        pruned.leftovers
    );
    Ok(())
}

async fn push(args: PushArgs) -> Result<(), ImageError> {
    let started = Instant::now();
    let names: Vec<&str> = if args.kinds.is_empty() {
        images::BUILTIN_IMAGES.to_vec()
    } else {
        args.kinds.iter().map(String::as_str).collect()
    };
    let docker = images::connect().await?;
    let progress = Progress::for_stderr();
    let pushed =
        images::push_images(&docker, &names, &args.registry, &BuildOptions::from_env(), &progress).await?;
    for reference in &pushed {
        println!("pushed {reference}");
    }
    println!("{} images pushed to {} in {}", pushed.len(), args.registry, images::seconds(started.elapsed()));
    Ok(())
}

/// Bytes in decimal megabytes, as `docker images` shows sizes.
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}
