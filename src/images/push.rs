//! Putting asbuilt's images into a registry a cluster pulls from.
//!
//! A cluster cannot build: its nodes pull. `asbuilt images push` builds what is missing
//! here, tags each image under the registry prefix with its own recipe hash, pushes it
//! through the Docker engine, and removes the extra tag again, so this host's images
//! stay as they were. The engine does not read `docker login`'s file; a registry that
//! wants an account gets the one in `ASBUILT_REGISTRY_USER` and
//! `ASBUILT_REGISTRY_PASSWORD`.

use bollard::Docker;
use bollard::auth::DockerCredentials;
use bollard::query_parameters::{PushImageOptionsBuilder, RemoveImageOptionsBuilder, TagImageOptionsBuilder};
use futures_util::StreamExt;

use super::source::{ImageSource, RegistryPrefix};
use super::{BuildObserver, BuildOptions, ImageError, ensure_images};

/// Pushes the images of `names` (builtin image names) to `prefix`, building missing
/// ones first. Returns the references pushed, in order.
pub async fn push_images(
    docker: &Docker,
    names: &[&str],
    prefix: &RegistryPrefix,
    options: &BuildOptions,
    observer: &dyn BuildObserver,
) -> Result<Vec<String>, ImageError> {
    ensure_images(docker, names, options, observer).await?;
    let remote = ImageSource::Registry(prefix.clone());
    let mut pushed = Vec::new();
    for name in names {
        let (Some(local), Some(target)) = (ImageSource::Local.reference(name), remote.reference(name)) else {
            continue;
        };
        let (repository, tag) = target.rsplit_once(':').expect("asbuilt's references have a tag");
        let tagging = TagImageOptionsBuilder::new().repo(repository).tag(tag).build();
        docker.tag_image(&local, Some(tagging)).await.map_err(|source| ImageError::Docker {
            action: "tag image",
            image: local.clone(),
            source,
        })?;
        let result = push_one(docker, repository, tag, credentials(prefix)).await;
        // The extra name goes whatever the push did: the host's images stay as they were.
        let untag = RemoveImageOptionsBuilder::new().noprune(true).build();
        let _ = docker.remove_image(&target, Some(untag), None).await;
        result.map_err(|message| ImageError::Push {
            image: target.clone(),
            registry: prefix.registry().to_string(),
            message,
        })?;
        pushed.push(target);
    }
    Ok(pushed)
}

/// Follows one push to its end; the registry's or Docker's complaint on failure.
async fn push_one(
    docker: &Docker,
    repository: &str,
    tag: &str,
    credentials: Option<DockerCredentials>,
) -> Result<(), String> {
    let options = PushImageOptionsBuilder::new().tag(tag).build();
    let mut progress = docker.push_image(repository, Some(options), credentials);
    while let Some(step) = progress.next().await {
        match step {
            Ok(info) => {
                if let Some(error) = info.error_detail.and_then(|d| d.message) {
                    return Err(error);
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

/// The registry account from the environment, if one is set.
fn credentials(prefix: &RegistryPrefix) -> Option<DockerCredentials> {
    let username = std::env::var("ASBUILT_REGISTRY_USER").ok().filter(|u| !u.is_empty())?;
    Some(DockerCredentials {
        username: Some(username),
        password: std::env::var("ASBUILT_REGISTRY_PASSWORD").ok(),
        serveraddress: Some(prefix.registry().to_string()),
        ..Default::default()
    })
}
