//! Files into and out of containers, through Docker's archive API.

use bollard::Docker;
use bollard::query_parameters::{DownloadFromContainerOptionsBuilder, UploadToContainerOptionsBuilder};
use futures::TryStreamExt;

use crate::engine::EngineError;
use crate::plan::ConfigFile;

/// Writes files into a container, creating their folders.
pub async fn upload(docker: &Docker, container: &str, files: &[ConfigFile]) -> Result<(), EngineError> {
    if files.is_empty() {
        return Ok(());
    }
    let mut archive = tar::Builder::new(Vec::new());
    for file in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(file.content.len() as u64);
        header.set_mode(file.mode);
        header.set_mtime(0);
        header.set_cksum();
        let path = file.path.trim_start_matches('/');
        archive.append_data(&mut header, path, file.content.as_bytes()).map_err(|source| {
            EngineError::Io { doing: format!("pack {} for {container}", file.path), source }
        })?;
    }
    let bytes = archive.into_inner().expect("writing to memory cannot fail");
    let options = UploadToContainerOptionsBuilder::default().path("/").build();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    docker
        .upload_to_container(container, Some(options), bollard::body_full(bytes.into()))
        .await
        .map_err(EngineError::docker(format!("write {} into {container}", paths.join(", "))))
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
            return Err(EngineError::Docker { doing: format!("read {path} from {container}"), source: e });
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
