//! What can go wrong while asbuilt checks, builds or finds images.
//!
//! Every message is a lowercase fragment that reads after "failed to" and names the image
//! (or program, or file) it was about, so an admin reading a CI log knows what to look at.

use std::fmt;
use std::path::PathBuf;

/// An error of the images module.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The Docker engine could not be reached, or the API version could not be agreed.
    #[error("connect to the docker engine: {0}")]
    Connect(#[source] bollard::errors::Error),

    /// A request to the Docker engine about one image failed (inspect, tag, remove).
    #[error("{action} {image}: {source}")]
    Docker {
        /// What asbuilt asked the engine to do, e.g. "inspect image".
        action: &'static str,
        /// The image reference it was about.
        image: String,
        #[source]
        source: bollard::errors::Error,
    },

    /// A name given to asbuilt is not one of the images it builds.
    #[error("find the recipe of image '{name}': asbuilt builds {known}")]
    UnknownImage {
        /// The name that was asked for.
        name: String,
        /// The names asbuilt knows, comma-separated.
        known: String,
    },

    /// A node names an image of its own (a custom image) that the engine does not have.
    #[error(
        "find custom image {image}: the docker engine has no such image, and asbuilt does not \
         build custom images; build or load it on this docker host first"
    )]
    CustomImageMissing {
        /// The image reference the topology names.
        image: String,
    },

    /// Images a lab needs are missing and the caller chose not to build them.
    #[error("find images {images}: they are not built yet; run `{command}`")]
    NotBuilt {
        /// The missing references, comma-separated.
        images: String,
        /// The exact command that builds them.
        command: String,
    },

    /// The registry refused a push, or could not be reached.
    #[error("push image {image} to {registry}: {message}")]
    Push {
        /// The reference under the registry prefix.
        image: String,
        /// The registry's host and port.
        registry: String,
        /// What Docker or the registry said.
        message: String,
    },

    /// A step of a Dockerfile failed during a build.
    #[error("build image {image}: {step} failed: {message}{}\nfull log: {}", Tail(.tail), .log.display())]
    BuildStep {
        /// The reference being built.
        image: String,
        /// The failing step as the builder numbers it, e.g. "step 3/7 RUN asbuilt-apt-install frr".
        step: String,
        /// What the builder said about the failure.
        message: String,
        /// The last lines the step printed before it failed.
        tail: Vec<String>,
        /// The build log with the whole output.
        log: PathBuf,
    },

    /// A build failed before or between Dockerfile steps (bad context, engine error).
    #[error("build image {image}: {message}\nfull log: {}", .log.display())]
    Build {
        /// The reference being built.
        image: String,
        /// What went wrong.
        message: String,
        /// The build log.
        log: PathBuf,
    },

    /// debootstrap could not make the Debian root file system.
    #[error(
        "make the debian root file system {image} with debootstrap ({origin}): \
         {reason}{}\nfull log: {}", Tail(.tail), .log.display()
    )]
    Debootstrap {
        /// The rootfs reference being made.
        image: String,
        /// What was installed from where, e.g. `bookworm from http://deb.debian.org/debian`.
        origin: String,
        /// How it failed, e.g. "exit status 1".
        reason: String,
        /// The last lines debootstrap printed.
        tail: Vec<String>,
        /// The build log.
        log: PathBuf,
    },

    /// The root file system could not be imported into the engine.
    #[error("import the debian root file system as {image}: {reason}\nfull log: {}", .log.display())]
    Import {
        /// The rootfs reference being imported.
        image: String,
        /// What went wrong.
        reason: String,
        /// The build log.
        log: PathBuf,
    },

    /// A program asbuilt runs on the Docker host (debootstrap, tar) could not be started.
    #[error("run {program}: {source}{hint}")]
    Program {
        /// The program.
        program: &'static str,
        /// What to do about it, starting with "; " (or empty).
        hint: &'static str,
        #[source]
        source: std::io::Error,
    },

    /// A file or folder under the state directory could not be read or written.
    #[error("{action} {}: {source}", .path.display())]
    Io {
        /// What asbuilt was doing, e.g. "create log folder".
        action: &'static str,
        /// The path.
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// An image was not built because the image it is built from failed.
    #[error("build image {image}: not attempted because {parent} failed")]
    NotAttempted {
        /// The image that was not built.
        image: String,
        /// The parent image that failed.
        parent: String,
    },

    /// Several images failed; each error says which.
    #[error("build {} images:{}", .0.len(), List(.0))]
    Several(Vec<ImageError>),

    /// A recipe file that asbuilt reads itself (rootfs.conf, dpkg-excludes) is malformed.
    #[error("read recipe images/{file} line {line}: {message}")]
    Recipe {
        /// The file, relative to images/.
        file: String,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
}

/// Formats the last lines of a program's output under an error, indented.
struct Tail<'a>(&'a [String]);

impl fmt::Display for Tail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return Ok(());
        }
        f.write_str("\nlast output:")?;
        for line in self.0 {
            write!(f, "\n  {line}")?;
        }
        Ok(())
    }
}

/// Formats several errors one under the other.
struct List<'a>(&'a [ImageError]);

impl fmt::Display for List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for error in self.0 {
            write!(f, "\n- {error}")?;
        }
        Ok(())
    }
}

impl ImageError {
    pub(crate) fn docker(
        action: &'static str,
        image: impl Into<String>,
        source: bollard::errors::Error,
    ) -> ImageError {
        ImageError::Docker { action, image: image.into(), source }
    }

    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> ImageError {
        ImageError::Io { action, path: path.into(), source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_step_names_the_image_the_step_its_output_and_the_log() {
        let error = ImageError::BuildStep {
            image: "asbuilt/router:0123456789ab".into(),
            step: "step 3/7 RUN asbuilt-apt-install frr".into(),
            message: "The command '/bin/sh -c asbuilt-apt-install frr' returned a non-zero code: 100".into(),
            tail: vec!["E: Unable to locate package frr".into()],
            log: PathBuf::from("/var/lib/asbuilt/logs/router-0123456789ab.log"),
        };
        assert_eq!(
            error.to_string(),
            "build image asbuilt/router:0123456789ab: step 3/7 RUN asbuilt-apt-install frr failed: \
             The command '/bin/sh -c asbuilt-apt-install frr' returned a non-zero code: 100\n\
             last output:\n  E: Unable to locate package frr\n\
             full log: /var/lib/asbuilt/logs/router-0123456789ab.log"
        );
    }

    #[test]
    fn a_missing_custom_image_says_asbuilt_does_not_build_it() {
        let error = ImageError::CustomImageMissing { image: "school/ids:1.0".into() };
        let text = error.to_string();
        assert!(text.starts_with("find custom image school/ids:1.0:"), "{text}");
        assert!(text.contains("asbuilt does not build custom images"), "{text}");
    }

    #[test]
    fn several_failures_are_listed_one_a_line() {
        let error = ImageError::Several(vec![
            ImageError::NotAttempted {
                image: "asbuilt/firewall:a".into(),
                parent: "asbuilt/router:b".into(),
            },
            ImageError::UnknownImage { name: "nas".into(), known: "router".into() },
        ]);
        assert_eq!(
            error.to_string(),
            "build 2 images:\n- build image asbuilt/firewall:a: not attempted because asbuilt/router:b \
             failed\n- find the recipe of image 'nas': asbuilt builds router"
        );
    }
}
