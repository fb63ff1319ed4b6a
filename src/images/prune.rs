//! Removing images that older recipes built.
//!
//! A changed recipe gets a new tag, and the image under the old tag stays: a running lab
//! may still use it. `asbuilt images prune` removes the old tags of asbuilt's own images,
//! never forcing, so an image a container still uses is kept and reported.

use std::collections::HashMap;

use bollard::Docker;
use bollard::query_parameters::{ListImagesOptionsBuilder, RemoveImageOptionsBuilder};

use super::error::ImageError;
use super::recipe::{ImageSpec, REPOSITORY_PREFIX, catalog};

/// What [`prune_outdated`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    /// References removed.
    pub removed: Vec<String>,
    /// References kept, with the engine's reason (usually: a container uses it).
    pub kept: Vec<(String, String)>,
    /// Untagged images left by failed or replaced builds that were removed.
    pub leftovers: usize,
}

/// The references among `tags` that name an image of the catalog with another recipe
/// hash than the current one. Other repositories, even under asbuilt/, are left alone:
/// they may be an admin's own.
pub fn outdated<'a>(tags: impl IntoIterator<Item = &'a str>, specs: &[ImageSpec]) -> Vec<String> {
    let current: HashMap<&str, &str> = specs.iter().map(|spec| (spec.name, spec.hash.as_str())).collect();
    let mut found: Vec<String> = tags
        .into_iter()
        .filter(|reference| {
            let Some((repository, tag)) = reference.rsplit_once(':') else {
                return false;
            };
            let Some(name) = repository.strip_prefix(REPOSITORY_PREFIX) else {
                return false;
            };
            current.get(name).is_some_and(|hash| *hash != tag)
        })
        .map(str::to_string)
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The outdated references the engine has now.
pub async fn outdated_images(docker: &Docker) -> Result<Vec<String>, ImageError> {
    let filters = HashMap::from([("reference", vec![format!("{REPOSITORY_PREFIX}*")])]);
    let options = ListImagesOptionsBuilder::default().filters(&filters).build();
    let images = docker
        .list_images(Some(options))
        .await
        .map_err(|e| ImageError::docker("list images", format!("{REPOSITORY_PREFIX}*"), e))?;
    Ok(outdated(images.iter().flat_map(|image| image.repo_tags.iter().map(String::as_str)), catalog()))
}

/// Removes every outdated reference that no container uses. Keeps going after a refusal,
/// so one image in use does not stop the rest.
pub async fn prune_outdated(docker: &Docker) -> Result<Pruned, ImageError> {
    let mut pruned = Pruned::default();
    for reference in outdated_images(docker).await? {
        let options = RemoveImageOptionsBuilder::default().force(false).build();
        match docker.remove_image(&reference, Some(options), None).await {
            Ok(_) => pruned.removed.push(reference),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 409, message }) => {
                pruned.kept.push((reference, message));
            }
            Err(error) => return Err(ImageError::docker("remove image", reference, error)),
        }
    }
    // A failed build leaves the layers of the steps before the failure as untagged
    // images (the builder keeps them as cache). They carry the labels asbuilt's base
    // stamps, so only asbuilt's own leftovers match.
    let filters = HashMap::from([
        ("dangling", vec!["true".to_string()]),
        ("label", vec!["org.asbuilt.image".to_string()]),
    ]);
    let options = ListImagesOptionsBuilder::default().filters(&filters).build();
    let leftovers = docker
        .list_images(Some(options))
        .await
        .map_err(|e| ImageError::docker("list images", "(untagged asbuilt build leftovers)", e))?;
    for image in leftovers {
        let options = RemoveImageOptionsBuilder::default().force(false).build();
        if docker.remove_image(&image.id, Some(options), None).await.is_ok() {
            pruned.leftovers += 1;
        }
    }
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_older_tags_of_asbuilts_own_images_are_outdated() {
        let router = catalog().iter().find(|spec| spec.name == "router").unwrap();
        let current = router.reference();
        let tags = [
            current.as_str(),
            "asbuilt/router:000000000000",
            "asbuilt/router:000000000000",
            "asbuilt/school-ids:1.0",
            "debian:bookworm",
            "registry.example:5000/asbuilt/router:1",
            "asbuilt/base:111111111111",
        ];
        assert_eq!(
            outdated(tags, catalog()),
            vec!["asbuilt/base:111111111111".to_string(), "asbuilt/router:000000000000".to_string()]
        );
    }
}
