//! Which images exist, and how much disk they take once shared layers are counted once.

use bollard::Docker;
use bollard::models::ImageInspect;

use super::error::ImageError;
use super::recipe::ImageSpec;

/// One image as the engine has it (or not).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImageStatus {
    /// Short name: rootfs, base, router, ...
    pub name: &'static str,
    /// The reference the current recipe builds, e.g. asbuilt/router:3f2a9c01b7de.
    pub reference: String,
    /// The tag (the recipe hash).
    pub tag: String,
    /// Whether the engine has an image under that reference.
    pub built: bool,
    /// The image's size in bytes, its parents' layers included (what `docker images` shows).
    pub size_bytes: Option<u64>,
    /// The bytes only this image adds on top of its parent: its share of the disk.
    pub own_bytes: Option<u64>,
}

/// Whether an image with this reference exists in the engine.
pub(crate) async fn image_exists(docker: &Docker, reference: &str) -> Result<bool, ImageError> {
    Ok(inspect(docker, reference).await?.is_some())
}

/// Whether each spec's image exists, in the same order. Asked concurrently, so checking
/// every image before a deploy costs one round trip, not eight.
pub(crate) async fn exist(docker: &Docker, specs: &[&ImageSpec]) -> Result<Vec<bool>, ImageError> {
    let checks = specs.iter().map(|spec| async move { image_exists(docker, &spec.reference()).await });
    futures_util::future::try_join_all(checks).await
}

async fn inspect(docker: &Docker, reference: &str) -> Result<Option<ImageInspect>, ImageError> {
    match docker.inspect_image(reference).await {
        Ok(image) => Ok(Some(image)),
        Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(None),
        Err(error) => Err(ImageError::docker("inspect image", reference, error)),
    }
}

/// The status of each of `specs` (parents must come before children for `own_bytes`).
pub async fn image_statuses(docker: &Docker, specs: &[&ImageSpec]) -> Result<Vec<ImageStatus>, ImageError> {
    let inspections = futures_util::future::try_join_all(
        specs.iter().map(|spec| async move { inspect(docker, &spec.reference()).await }),
    )
    .await?;
    let mut statuses: Vec<ImageStatus> = Vec::with_capacity(specs.len());
    for (index, (spec, image)) in specs.iter().zip(&inspections).enumerate() {
        let size = image.as_ref().and_then(|image| image.size).and_then(|size| u64::try_from(size).ok());
        // An image's own share is what it adds to its parent's layers. That holds only
        // if it really was built on the parent image that exists now (its layer list
        // starts with the parent's); otherwise its whole size is its own.
        let parent = spec
            .parent
            .and_then(|parent| specs[..index].iter().position(|known| known.name == parent))
            .and_then(|at| inspections[at].as_ref());
        let own = match (image, parent) {
            (Some(image), Some(parent)) if layers(image).starts_with(layers(parent)) => {
                size.zip(parent.size.and_then(|s| u64::try_from(s).ok())).map(|(a, b)| a.saturating_sub(b))
            }
            (Some(_), _) => size,
            (None, _) => None,
        };
        statuses.push(ImageStatus {
            name: spec.name,
            reference: spec.reference(),
            tag: spec.hash.clone(),
            built: image.is_some(),
            size_bytes: size,
            own_bytes: own,
        });
    }
    Ok(statuses)
}

fn layers(image: &ImageInspect) -> &[String] {
    image.root_fs.as_ref().and_then(|root| root.layers.as_deref()).unwrap_or(&[])
}

/// The disk all the built images take together, shared layers counted once.
pub fn total_unique_size(statuses: &[ImageStatus]) -> u64 {
    statuses.iter().filter_map(|status| status.own_bytes).sum()
}
