//! Importing a lab written for another tool: a teacher sends a Kathará lab's folder or
//! a containerlab topology with the files it binds, as one archive (zip, tar or
//! tar.gz), or a containerlab topology's text alone. The archive is unpacked into a
//! private folder that is gone when the request ends, imported as `asbuilt import`
//! does on the command line with every file inline, and stored as the next version of
//! the teacher's lab of that name, like an upload.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::labs::{self, DiagnosticView};
use crate::import::archive::{self, ArchiveError};
use crate::import::found::{self, Format};
use crate::import::{FindingKind, ImportError, Imported, Report};
use crate::service::auth::CurrentUser;
use crate::service::authz;
use crate::service::error::{ApiError, ErrorBody};
use crate::service::state::AppState;

/// The largest archive accepted, as sent (it may unpack to [`archive::MAX_UNPACKED`]).
pub const MAX_ARCHIVE: usize = 16 << 20;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/labs/import", post(import)).layer(DefaultBodyLimit::max(MAX_ARCHIVE))
}

/// How to read what was sent.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The name of the file sent (`ospf-lab.zip`): a Kathará lab at the top of the
    /// archive, whose lab.conf names no lab, is named after it.
    pub filename: Option<String>,
    /// Which lab of the archive to import, when it holds several: a Kathará lab's
    /// folder or a containerlab topology, by its path in the archive.
    pub lab: Option<String>,
    /// Refuse the import (422) when anything was mapped with loss or refused.
    #[serde(default)]
    pub strict: bool,
}

/// An imported lab, stored.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportedLab {
    pub lab_id: i64,
    pub name: String,
    pub version: i64,
    /// `kathara` or `containerlab`.
    pub format: String,
    /// Where the lab was in the archive (`""`: at its top).
    pub path: String,
    pub report: ReportView,
    /// Warnings about the imported topology, which do not stop the import.
    pub warnings: Vec<DiagnosticView>,
}

/// The import report: what was not carried over exactly, each at its place in the
/// sent files.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportView {
    /// Node names as the lab had them, and the names they got.
    pub renamed: Vec<Renamed>,
    /// Per node: `design` (graded from its facts) or `passthrough` (runs as it is).
    pub nodes: Vec<NodeMode>,
    pub findings: Vec<FindingView>,
    /// The report as `asbuilt import` prints it.
    pub text: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Renamed {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NodeMode {
    pub node: String,
    pub mode: String,
}

/// One construct and what became of it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FindingView {
    /// The file, by its path in the archive.
    pub file: String,
    /// Absent for a file as a whole.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// `mapped-with-loss`, `refused` or `passthrough`.
    pub kind: String,
    pub message: String,
}

/// Imports a Kathará lab or a containerlab topology. The body is a zip, tar or tar.gz
/// archive of the lab's folder (it may be one folder down, as in a repository's
/// download), or a containerlab topology's YAML text. Errors answer 422 with every
/// problem at its file, line and column.
#[utoipa::path(post, path = "/api/labs/import", tag = "labs", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "a zip, tar or tar.gz archive, or a *.clab.yml file's text"),
    responses((status = 201, body = ImportedLab), (status = 403, body = ErrorBody),
        (status = 413, description = "the archive is larger than 16 MiB", body = ErrorBody),
        (status = 422, description = "the lab cannot be imported; `error.diagnostics` says where and why", body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ImportQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<ImportedLab>), ApiError> {
    authz::create_teaching_material(&user)?;
    // Unpacking and importing are bounded CPU and disk work: off the async workers.
    let done = tokio::task::spawn_blocking(move || import_sent(&body, &query))
        .await
        .map_err(|e| ApiError::Internal(format!("import: {e}")))??;
    let (lab_id, version) = labs::store(&state, &user, &done.name, &done.source).await?;
    tracing::info!(by = %user.username, lab = %done.name, version, format = ?done.format, "imported lab");
    Ok((
        StatusCode::CREATED,
        Json(ImportedLab {
            lab_id,
            name: done.name,
            version,
            format: done.format.name().into(),
            path: done.path,
            report: report_view(&done.report),
            warnings: done.warnings,
        }),
    ))
}

/// A lab imported and validated, ready to store.
struct Done {
    name: String,
    source: String,
    format: Format,
    path: String,
    report: Report,
    warnings: Vec<DiagnosticView>,
}

/// Where the files sent go: a private folder (mode 0700) removed when this ends.
fn import_sent(body: &[u8], query: &ImportQuery) -> Result<Done, ApiError> {
    let scratch = tempfile::Builder::new()
        .prefix("asbuilt-import-")
        .tempdir()
        .map_err(|e| ApiError::Internal(format!("import folder: {e}")))?;
    // The folder is named after the file sent, which a lab at the archive's top (whose
    // lab.conf names none) is then named after, as a lab's folder names it on disk.
    let root = scratch.path().join(folder_name(query.filename.as_deref()));
    std::fs::create_dir(&root).map_err(|e| ApiError::Internal(format!("import folder: {e}")))?;
    let skipped = unpack(body, &root, query.filename.as_deref())?;
    let chosen = found::choose(found::find(&root), query.lab.as_deref()).map_err(|m| invalid(None, m))?;
    let Imported { yaml, mut report } = found::import(&root, &chosen)
        .map_err(|errors| ApiError::InvalidTopology(errors.iter().map(placed).collect()))?;
    for (name, why) in skipped {
        report.add(crate::import::Place::file(name), FindingKind::Refused, why);
    }
    if query.strict && report.dropped_anything() {
        let dropped = report
            .findings
            .iter()
            .filter(|f| f.kind != FindingKind::Passthrough)
            .map(|f| placed(&ImportError { place: f.place.clone(), message: f.message.clone() }))
            .collect();
        return Err(ApiError::InvalidTopology(dropped));
    }
    // The topology must be one an upload would be: the same validation, its problems
    // placed in the topology the import wrote.
    let (name, warnings, source) = labs::validate(yaml).map_err(|errors| {
        ApiError::InvalidTopology(errors.into_iter().map(|d| in_written(d, &chosen)).collect())
    })?;
    let warnings = warnings.into_iter().map(|d| in_written(d, &chosen)).collect();
    Ok(Done { name, source, format: chosen.format, path: chosen.path, report, warnings })
}

/// Unpacks an archive into `root`, or writes a containerlab topology sent as text
/// there: what was left out of the archive, by name.
fn unpack(
    body: &[u8],
    root: &std::path::Path,
    filename: Option<&str>,
) -> Result<Vec<(String, String)>, ApiError> {
    if archive::Format::sniff(body).is_some() {
        return archive::unpack(body, root).map(|u| u.skipped).map_err(|e| {
            let file = match &e {
                ArchiveError::Escapes(name) => Some(name.clone()),
                _ => None,
            };
            invalid(file, e.to_string())
        });
    }
    if std::str::from_utf8(body).is_err() {
        return Err(invalid(
            None,
            "send a zip, tar or tar.gz archive of the lab, or a containerlab topology's text".into(),
        ));
    }
    // Named as sent, so the report's places name the teacher's file.
    let file = format!("{}.clab.yml", folder_name(filename));
    std::fs::write(root.join(file), body).map_err(|e| ApiError::Internal(format!("import folder: {e}")))?;
    Ok(Vec::new())
}

/// `ospf-lab.zip` → `ospf-lab`: a folder name of letters, digits, `-` and `_`.
fn folder_name(filename: Option<&str>) -> String {
    let base = filename.unwrap_or("lab").rsplit(['/', '\\']).next().unwrap_or("lab");
    let stem = [".tar.gz", ".tgz", ".tar", ".zip", ".clab.yml", ".clab.yaml", ".yml", ".yaml"]
        .iter()
        .find_map(|ext| base.to_lowercase().ends_with(ext).then(|| &base[..base.len() - ext.len()]))
        .unwrap_or(base);
    let name: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .take(60)
        .collect();
    let name = name.trim_matches('-').to_string();
    if name.is_empty() { "lab".into() } else { name }
}

/// The whole upload refused for one reason (no lab, a damaged archive...), named at a
/// file of the archive where there is one.
fn invalid(file: Option<String>, message: String) -> ApiError {
    ApiError::InvalidTopology(vec![import_problem(file, 0, 0, message)])
}

/// An import error at its file, line and column in the archive.
fn placed(error: &ImportError) -> DiagnosticView {
    let place = &error.place;
    import_problem(Some(place.file.clone()), place.line, place.column, error.message.clone())
}

/// A line or column of a place, where 0 means the file as a whole.
fn at(n: usize) -> Option<usize> {
    (n > 0).then_some(n)
}

/// One problem of an import (line and column 0: the file as a whole).
fn import_problem(file: Option<String>, line: usize, column: usize, message: String) -> DiagnosticView {
    DiagnosticView {
        file,
        severity: "error".into(),
        code: "import".into(),
        message,
        line: at(line),
        column: at(column),
        end_line: None,
        end_column: None,
        help: None,
    }
}

/// A problem of the topology the import wrote (which the teacher sees in the editor
/// once stored), named as that file.
fn in_written(mut diagnostic: DiagnosticView, chosen: &found::Found) -> DiagnosticView {
    let lab = if chosen.path.is_empty() { "the lab" } else { chosen.path.as_str() };
    diagnostic.file = Some(format!("the topology imported from {lab}"));
    diagnostic
}

fn report_view(report: &Report) -> ReportView {
    let mut findings: Vec<_> = report.findings.iter().collect();
    findings.sort_by(|a, b| a.place.cmp(&b.place));
    ReportView {
        renamed: report
            .renamed
            .iter()
            .map(|(from, to)| Renamed { from: from.clone(), to: to.clone() })
            .collect(),
        nodes: report
            .modes
            .iter()
            .map(|(node, mode)| NodeMode { node: node.clone(), mode: mode.clone() })
            .collect(),
        findings: findings
            .into_iter()
            .map(|f| FindingView {
                file: f.place.file.clone(),
                line: at(f.place.line),
                column: at(f.place.column),
                kind: f.kind.name().into(),
                message: f.message.clone(),
            })
            .collect(),
        text: report.render(),
    }
}

#[cfg(test)]
mod tests {
    use super::folder_name;

    #[test]
    fn the_folder_is_named_after_the_file_sent() {
        assert_eq!(folder_name(Some("ospf-lab.zip")), "ospf-lab");
        assert_eq!(folder_name(Some("C:\\labs\\Week 3.tar.gz")), "Week-3");
        assert_eq!(folder_name(Some("../../etc.tgz")), "etc");
        assert_eq!(folder_name(Some("...zip")), "lab");
        assert_eq!(folder_name(None), "lab");
    }
}
