//! Files into and out of containers, through Docker's archive API.

use bollard::Docker;
use bollard::query_parameters::{DownloadFromContainerOptionsBuilder, UploadToContainerOptionsBuilder};
use futures::TryStreamExt;

use crate::confine;
use crate::engine::EngineError;
use crate::plan::ConfigFile;

/// Writes files into a container, creating their folders.
///
/// Root file systems are read-only, so Docker takes archives only into the writable
/// folders: the files go in one archive per folder they fall in.
pub async fn upload(docker: &Docker, container: &str, files: &[ConfigFile]) -> Result<(), EngineError> {
    let mut by_folder: Vec<(&str, Vec<&ConfigFile>)> = Vec::new();
    for file in files {
        let Some(folder) = writable_folder(&file.path) else {
            return Err(EngineError::Io {
                doing: format!("write {} into {container}", file.path),
                source: std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "it is not in a folder a node may write (see confine::WRITABLE_DIRS)",
                ),
            });
        };
        match by_folder.iter_mut().find(|(f, _)| *f == folder) {
            Some((_, list)) => list.push(file),
            None => by_folder.push((folder, vec![file])),
        }
    }
    for (folder, files) in by_folder {
        upload_into(docker, container, folder, &files).await?;
    }
    Ok(())
}

/// The writable folder a path lies in.
fn writable_folder(path: &str) -> Option<&'static str> {
    confine::WRITABLE_DIRS
        .iter()
        .chain(confine::FABRIC_WRITABLE_DIRS)
        .find(|dir| path.strip_prefix(**dir).is_some_and(|rest| rest.starts_with('/')))
        .copied()
}

async fn upload_into(
    docker: &Docker,
    container: &str,
    folder: &str,
    files: &[&ConfigFile],
) -> Result<(), EngineError> {
    let mut archive = tar::Builder::new(Vec::new());
    for file in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(file.content.len() as u64);
        header.set_mode(file.mode);
        header.set_mtime(0);
        header.set_cksum();
        let path = file.path[folder.len()..].trim_start_matches('/');
        archive.append_data(&mut header, path, file.content.as_bytes()).map_err(|source| {
            EngineError::Io { doing: format!("pack {} for {container}", file.path), source }
        })?;
    }
    let bytes = archive.into_inner().expect("writing to memory cannot fail");
    let options = UploadToContainerOptionsBuilder::default().path(folder).build();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    docker
        .upload_to_container(container, Some(options), bollard::body_full(bytes.into()))
        .await
        .map_err(EngineError::backend(format!("write {} into {container}", paths.join(", "))))
}

/// Reads one file from a container; `None` when it does not exist.
pub async fn download(docker: &Docker, container: &str, path: &str) -> Result<Option<Vec<u8>>, EngineError> {
    let options = DownloadFromContainerOptionsBuilder::default().path(path).build();
    let chunks: Result<Vec<bytes::Bytes>, _> =
        docker.download_from_container(container, Some(options)).try_collect().await;
    let bytes: Vec<u8> = match chunks {
        Ok(chunks) => chunks.concat(),
        Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => return Ok(None),
        Err(e) => {
            return Err(EngineError::backend(format!("read {path} from {container}"))(e));
        }
    };
    let mut archive = tar::Archive::new(bytes.as_slice());
    let read =
        |source: std::io::Error| EngineError::Io { doing: format!("unpack {path} from {container}"), source };
    let Some(entry) = archive.entries().map_err(read)?.next() else { return Ok(None) };
    let mut entry = entry.map_err(read)?;
    let mut content = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut content).map_err(read)?;
    Ok(Some(content))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_go_into_the_writable_folder_they_lie_in() {
        assert_eq!(writable_folder("/etc/frr/frr.conf"), Some("/etc"));
        assert_eq!(writable_folder("/var/www/html/index.html"), Some("/var"));
        assert_eq!(writable_folder("/etcetera/x"), None);
        assert_eq!(writable_folder("/usr/bin/x"), None);
    }
}
