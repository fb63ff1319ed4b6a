//! Importing another tool's lab into the service: `POST /api/labs/import` with a
//! Kathará lab or a containerlab topology as an archive (zip, tar, tar.gz) or a
//! topology's text, over HTTP on loopback. No Docker needed; `import_docker.rs` deploys
//! and grades what the importers write, and `service_labs.rs` grades an imported lab a
//! student runs.

mod archive_support;
mod service_support;

use std::path::Path;

use archive_support::{entries_of, tar_gz_of, zip_of};
use asbuilt::design::Lab;
use asbuilt::topology::Source;
use reqwest::StatusCode;
use serde_json::{Value, json};
use service_support::{Server, Session};

const PASSWORD: &str = "a long enough password";

/// A teacher's session, and a student's.
async fn teacher_and_student(server: &Server) -> (Session, Session) {
    let admin = server.login("admin", &server.admin_password()).await;
    admin.create_user("jan", "teacher", PASSWORD).await;
    admin.create_user("sam", "student", PASSWORD).await;
    (server.login("jan", PASSWORD).await, server.login("sam", PASSWORD).await)
}

fn fixture(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import").join(path)
}

/// The stored source of an imported lab's version 1, which must load on its own.
async fn stored(jan: &Session, imported: &Value) -> String {
    let (status, version) =
        jan.get(&format!("/api/labs/{}/versions/{}", imported["lab_id"], imported["version"])).await;
    assert_eq!(status, StatusCode::OK, "{version}");
    let source = version["source"].as_str().unwrap().to_string();
    assert!(
        Lab::load(&Source::new("stored.yml", source.clone())).is_ok(),
        "the stored topology loads:\n{source}"
    );
    assert!(!source.contains("from:"), "every file is inline, since a stored lab has no folder:\n{source}");
    source
}

/// The findings of an import's report at `file` whose message says `says`.
fn findings_at<'a>(imported: &'a Value, file: &'a str, says: &'a str) -> impl Iterator<Item = &'a Value> {
    let findings = imported["report"]["findings"].as_array().map_or(&[][..], Vec::as_slice);
    findings
        .iter()
        .filter(move |f| f["file"] == file && f["message"].as_str().is_some_and(|m| m.contains(says)))
}

fn diagnostics(body: &Value) -> Vec<String> {
    body["error"]["diagnostics"]
        .as_array()
        .unwrap_or_else(|| panic!("diagnostics in {body}"))
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{}: {}",
                d["file"].as_str().unwrap_or(""),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
                d["message"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[tokio::test]
async fn a_kathara_lab_one_folder_down_in_a_zip_is_imported_with_its_files_inline_and_its_report_placed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let (jan, sam) = teacher_and_student(&server).await;
    let zip = zip_of(&entries_of(&fixture("kathara/ospf-web-dns"), "labs-main/ospf-web-dns/"));

    // A student may not bring labs in (404, as for every staff endpoint); the teacher may.
    let (status, _) = sam.post_bytes("/api/labs/import?filename=labs-main.zip", zip.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, imported) = jan.post_bytes("/api/labs/import?filename=labs-main.zip", zip.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    assert_eq!(imported["format"], "kathara");
    assert_eq!(imported["path"], "labs-main/ospf-web-dns");
    assert_eq!(imported["version"], 1);
    let findings = imported["report"]["findings"].as_array().unwrap();
    assert!(!findings.is_empty(), "{imported}");
    for f in findings {
        assert!(
            f["file"].as_str().unwrap().starts_with("labs-main/ospf-web-dns/"),
            "placed in the archive: {f}"
        );
    }
    // dns's ulimit is left out: reported at its line and column in lab.conf.
    assert!(
        findings.iter().any(|f| f["file"] == "labs-main/ospf-web-dns/lab.conf"
            && f["line"] == 36
            && f["column"] == 14
            && f["kind"] == "mapped-with-loss"),
        "{imported}"
    );
    assert!(imported["report"]["text"].as_str().unwrap().contains("mapped with loss"));

    // The web server's page and the DNS zone came from files of the archive.
    let source = stored(&jan, &imported).await;
    let page = std::fs::read_to_string(fixture("kathara/ospf-web-dns/web/var/www/html/index.html")).unwrap();
    let first_line = page.lines().find(|l| !l.trim().is_empty()).unwrap().trim();
    assert!(source.contains(first_line), "the page is inline: {first_line}\n{source}");

    // The same archive again is the lab's next version, as an upload would be.
    let (status, again) = jan.post_bytes("/api/labs/import?filename=labs-main.zip", zip).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!((again["lab_id"].clone(), again["version"].clone()), (imported["lab_id"].clone(), json!(2)));
    server.stop().await;
}

#[tokio::test]
async fn a_containerlab_topology_imports_from_a_tar_gz_with_its_binds_and_alone_without_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let (jan, _) = teacher_and_student(&server).await;
    let tgz = tar_gz_of(&entries_of(&fixture("containerlab/frr-lan"), "frr-lan/"), &[]);
    let (status, imported) = jan.post_bytes("/api/labs/import?filename=frr-lan.tar.gz", tgz).await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    assert_eq!(imported["format"], "containerlab");
    assert_eq!(imported["path"], "frr-lan/lab.clab.yml");
    // The vendor node is refused at its line in the topology.
    assert!(
        findings_at(&imported, "frr-lan/lab.clab.yml", "nokia_srlinux").any(|f| f["kind"] == "refused"),
        "{imported}"
    );
    let source = stored(&jan, &imported).await;
    // r1's bound frr.conf became design facts; web's bound page is inline.
    assert!(source.contains("10.0.12.1/30"), "r1's address from its bound frr.conf:\n{source}");
    assert!(source.contains("Served from a containerlab lab"), "web's bound page:\n{source}");

    // The topology alone: its binds find no files, which the report says; --strict
    // refuses it with each loss at its line.
    let text = std::fs::read(fixture("containerlab/frr-lan/lab.clab.yml")).unwrap();
    let (status, alone) = jan.post_bytes("/api/labs/import?filename=frr-lan.clab.yml", text.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{alone}");
    assert!(
        findings_at(&alone, "frr-lan.clab.yml", "r1/frr.conf").any(|f| f["line"].as_u64() > Some(0)),
        "the missing bind is reported at its line: {alone}"
    );
    let (status, refused) =
        jan.post_bytes("/api/labs/import?filename=frr-lan.clab.yml&strict=true", text).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let problems = diagnostics(&refused);
    assert!(
        problems.iter().any(|p| p.starts_with("frr-lan.clab.yml:") && p.contains("nokia_srlinux")),
        "{problems:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn an_archive_that_climbs_out_of_its_folder_is_refused_and_writes_nothing_outside() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let (jan, _) = teacher_and_student(&server).await;
    let lab = entries_of(&fixture("kathara/static-routing"), "lab/");
    let marker = format!("asbuilt-escape-{}", std::process::id());
    let outside = std::env::temp_dir().join(&marker);
    for bad in [format!("../../{marker}"), outside.display().to_string(), format!("lab/..\\..\\..\\{marker}")]
    {
        let mut entries = lab.clone();
        entries.push((bad.clone(), Some(b"escaped".to_vec())));
        let (status, body) = jan.post_bytes("/api/labs/import?filename=evil.zip", zip_of(&entries)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        let problems = diagnostics(&body);
        assert!(
            problems.iter().any(|p| p.contains("outside the lab's folder") && p.starts_with(&bad)),
            "{problems:?}"
        );
        assert!(!outside.exists(), "{bad} wrote {}", outside.display());
    }
    // Positive control: the same lab without the bad entry imports.
    let (status, body) = jan.post_bytes("/api/labs/import?filename=good.zip", zip_of(&lab)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    server.stop().await;
}

#[tokio::test]
async fn a_link_in_an_archive_is_left_out_and_reported_while_a_file_in_its_place_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let (jan, _) = teacher_and_student(&server).await;
    let lab = entries_of(&fixture("kathara/static-routing"), "lab/");
    let with_link = tar_gz_of(&lab, &[("lab/shared/passwd", "/etc/passwd")]);
    let (status, imported) = jan.post_bytes("/api/labs/import?filename=lab.tgz", with_link).await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    assert!(
        findings_at(&imported, "lab/shared/passwd", "symbolic link").any(|f| f["kind"] == "refused"),
        "{imported}"
    );
    let source = stored(&jan, &imported).await;
    assert!(!source.contains("root:x:0:0"), "the host's passwd never arrives");
    // Positive control: a real file at that place is imported into the shared folder.
    let mut with_file = lab.clone();
    with_file
        .push(("lab/shared/passwd".into(), Some(b"student:x:1000:1000::/home/student:/bin/sh\n".to_vec())));
    let (status, imported) =
        jan.post_bytes("/api/labs/import?filename=lab.tgz", tar_gz_of(&with_file, &[])).await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    assert!(stored(&jan, &imported).await.contains("student:x:1000:1000"));
    server.stop().await;
}

#[tokio::test]
async fn archives_that_unpack_to_too_much_are_refused_before_they_fill_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let (jan, _) = teacher_and_student(&server).await;
    let lab = entries_of(&fixture("kathara/static-routing"), "lab/");

    // One file of 100 MiB of zeros in a tar.gz (about 100 KiB sent).
    let mut bomb = lab.clone();
    bomb.push(("lab/shared/zeros".into(), Some(vec![0u8; 100 << 20])));
    let tgz = tar_gz_of(&bomb, &[]);
    assert!(tgz.len() < 1 << 20, "the bomb is small: {}", tgz.len());
    let (status, body) = jan.post_bytes("/api/labs/import?filename=bomb.tgz", tgz).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(diagnostics(&body).iter().any(|p| p.contains("more than 32 MiB")), "{body}");

    // Many files just under the per-file limit in a zip: the total stops it.
    let mut many = lab.clone();
    for i in 0..200 {
        many.push((format!("lab/shared/f{i}"), Some(vec![b'a'; 250 * 1024])));
    }
    let (status, body) = jan.post_bytes("/api/labs/import?filename=many.zip", zip_of(&many)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(diagnostics(&body).iter().any(|p| p.contains("more than 32 MiB")), "{body}");

    // One file over the per-file limit is left out and said so; the lab imports.
    let mut big = lab.clone();
    big.push(("lab/shared/big.txt".into(), Some(vec![b'a'; 300 * 1024])));
    let (status, imported) = jan.post_bytes("/api/labs/import?filename=big.zip", zip_of(&big)).await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    assert!(
        findings_at(&imported, "lab/shared/big.txt", "larger than 256 KiB").next().is_some(),
        "{imported}"
    );

    // More than the service takes in one request: 413 before anything is unpacked.
    let (status, _) = jan.post_bytes("/api/labs/import?filename=huge.zip", vec![b'P'; 17 << 20]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    server.stop().await;
}

#[tokio::test]
async fn what_is_not_a_lab_gets_an_error_that_says_where_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let (jan, _) = teacher_and_student(&server).await;

    // A broken lab.conf: its file, line and column in the archive.
    let broken = zip_of(&entries_of(&fixture("kathara/broken-syntax"), "week3/"));
    let (status, body) = jan.post_bytes("/api/labs/import?filename=week3.zip", broken).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let problems = diagnostics(&body);
    assert!(
        problems.iter().any(|p| p.starts_with("week3/lab.conf:") && !p.starts_with("week3/lab.conf:0")),
        "{problems:?}"
    );

    // Two labs: the error names both, and naming one imports it.
    let mut two = entries_of(&fixture("kathara/static-routing"), "a/");
    two.extend(entries_of(&fixture("containerlab/frr-lan"), "b/"));
    let (status, body) = jan.post_bytes("/api/labs/import?filename=two.zip", zip_of(&two)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(diagnostics(&body).iter().any(|p| p.contains("2 labs (a, b/lab.clab.yml)")), "{body}");
    let (status, body) =
        jan.post_bytes("/api/labs/import?filename=two.zip&lab=b/lab.clab.yml", zip_of(&two)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["format"], "containerlab");

    // No lab at all, and bytes that are no archive and no text.
    let notes = zip_of(&vec![("notes/readme.txt".into(), Some(b"hello".to_vec()))]);
    let (status, body) = jan.post_bytes("/api/labs/import?filename=notes.zip", notes).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(diagnostics(&body).iter().any(|p| p.contains("no Kathará lab")), "{body}");
    let (status, body) = jan.post_bytes("/api/labs/import", vec![0xff, 0xfe, 0x00, 0x01]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(diagnostics(&body).iter().any(|p| p.contains("zip, tar or tar.gz")), "{body}");
    // A damaged zip.
    let mut damaged = zip_of(&entries_of(&fixture("kathara/static-routing"), "lab/"));
    damaged.truncate(damaged.len() / 2);
    let (status, body) = jan.post_bytes("/api/labs/import?filename=d.zip", damaged).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    server.stop().await;
}
