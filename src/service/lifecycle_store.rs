//! The lab lifecycle's store over the service's database (`instances`, migration 0003),
//! so a restart or a `kill -9` loses no lab: the manager reads it back at start and
//! reconciles it with what the engine runs.
//!
//! A row is made in two steps. The request handler first `claim`s the name for its
//! owner and assignment (authorization reads those columns); the manager then `save`s
//! its whole record into the row on every change. A `save` of a name nobody claimed is
//! refused, so the database never holds a lab it cannot say whose it is.

use async_trait::async_trait;
use sqlx::SqlitePool;

use super::lifecycle::{LifecycleStore, StoreError, StoredLab};
use super::time::now;
use crate::plan::InstanceId;

/// The lifecycle's store in the service's SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    db: SqlitePool,
}

impl SqliteStore {
    pub fn new(db: SqlitePool) -> SqliteStore {
        SqliteStore { db }
    }
}

/// Records that `instance` is `owner_id`'s lab of `assignment_id`, before the lifecycle
/// stores it. Claiming a name again for the same owner and assignment (a student asking
/// anew for an expired lab) keeps the row and its record. Returns false, and changes
/// nothing, when the name is someone else's or another assignment's: a row never
/// changes hands, so a name that folds like another's cannot take over its lab.
pub async fn claim(
    db: &SqlitePool,
    instance: &InstanceId,
    owner_id: i64,
    assignment_id: i64,
) -> Result<bool, sqlx::Error> {
    let at = now();
    sqlx::query(
        "INSERT INTO instances (name, owner_id, assignment_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(instance.as_str())
    .bind(owner_id)
    .bind(assignment_id)
    .bind(at)
    .bind(at)
    .execute(db)
    .await?;
    let (owner, assignment): (i64, i64) =
        sqlx::query_as("SELECT owner_id, assignment_id FROM instances WHERE name = ?")
            .bind(instance.as_str())
            .fetch_one(db)
            .await?;
    Ok(owner == owner_id && assignment == assignment_id)
}

/// Forgets a claim the lifecycle never stored anything under (a refused request).
pub async fn unclaim(db: &SqlitePool, instance: &InstanceId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM instances WHERE name = ? AND lab IS NULL")
        .bind(instance.as_str())
        .execute(db)
        .await?;
    Ok(())
}

fn failed(doing: impl Into<String>) -> impl FnOnce(sqlx::Error) -> StoreError {
    let doing = doing.into();
    move |e| StoreError { doing, source: Box::new(e) }
}

#[async_trait]
impl LifecycleStore for SqliteStore {
    async fn load(&self) -> Result<Vec<StoredLab>, StoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT name, lab FROM instances WHERE lab IS NOT NULL ORDER BY name")
                .fetch_all(&self.db)
                .await
                .map_err(failed("read the stored instances"))?;
        rows.into_iter()
            .map(|(name, json)| {
                serde_json::from_str(&json).map_err(|e| StoreError {
                    doing: format!("read the stored record of instance {name}"),
                    source: Box::new(e),
                })
            })
            .collect()
    }

    async fn save(&self, lab: &StoredLab) -> Result<(), StoreError> {
        let name = lab.instance().as_str();
        let json = serde_json::to_string(lab).map_err(|e| StoreError {
            doing: format!("encode the record of instance {name}"),
            source: Box::new(e),
        })?;
        let done =
            sqlx::query("UPDATE instances SET state = ?, detail = ?, lab = ?, updated_at = ? WHERE name = ?")
                .bind(lab.state.name())
                .bind(lab.detail.as_deref())
                .bind(json)
                .bind(now())
                .bind(name)
                .execute(&self.db)
                .await
                .map_err(failed(format!("store instance {name}")))?;
        if done.rows_affected() == 0 {
            return Err(StoreError {
                doing: format!("store instance {name}"),
                source: "nobody claimed this instance for an owner and an assignment".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::design::Lab;
    use crate::service::lifecycle::{LabRequest, LabState, Ttl};
    use crate::topology::Source;

    const LAB: &str = "lab: tiny\ntitle: Tiny\ntrains: [B1-K2-W1]\nnodes:\n  pc1: { kind: host }\n  pc2: { kind: host }\nlinks:\n  - pc1:eth1 -- pc2:eth1\ndesign:\n  addresses:\n    pc1:eth1: 192.0.2.1/24\n    pc2:eth1: 192.0.2.2/24\n";

    /// A database with one student (id 2) and one assignment (id 1).
    async fn database(dir: &std::path::Path) -> SqlitePool {
        let db = crate::service::db::open(dir).await.expect("database opens");
        for statement in [
            "INSERT INTO users (id, username, display_name, role, created_at) VALUES (1, 't', 'T', 'teacher', 0)",
            "INSERT INTO users (id, username, display_name, role, created_at) VALUES (2, 's', 'S', 'student', 0)",
            "INSERT INTO classes (id, name, owner_id, created_at) VALUES (1, 'C', 1, 0)",
            "INSERT INTO labs (id, name, owner_id, created_at) VALUES (1, 'tiny', 1, 0)",
            "INSERT INTO lab_versions (id, lab_id, version, source, uploaded_by, uploaded_at) VALUES (1, 1, 1, '', 1, 0)",
            "INSERT INTO assignments (id, class_id, lab_version_id, title, opens_at, deadline, idle_ttl_secs, \
             max_lifetime_secs, created_by, created_at) VALUES (1, 1, 1, 'A', 0, 10, 60, 60, 1, 0)",
        ] {
            sqlx::query(statement).execute(&db).await.expect(statement);
        }
        db
    }

    fn stored(instance: &InstanceId) -> StoredLab {
        let lab = Lab::load(&Source::new("tiny.yml", LAB.to_string())).expect("valid lab");
        let design = lab.design_for(Some("s"));
        let plan = crate::plan::plan(&design, instance.clone());
        let minute = Duration::from_secs(60);
        let request = LabRequest {
            owner: "2".into(),
            instance: instance.clone(),
            plan,
            design,
            ttl: Ttl { idle: minute, lifetime: minute, max_lifetime: minute },
        };
        StoredLab {
            request: Arc::new(request),
            state: LabState::Queued,
            detail: None,
            seq: 3,
            requested_at: SystemTime::now(),
            ready_at: None,
            last_active: SystemTime::now(),
            expires_at: None,
            interrupted: 1,
        }
    }

    #[tokio::test]
    async fn a_claimed_instance_is_stored_and_read_back_whole() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = database(dir.path()).await;
        let store = SqliteStore::new(db.clone());
        let instance = InstanceId::parse("svc-tiny-a1-s").expect("name");
        assert!(claim(&db, &instance, 2, 1).await.expect("claim"));
        assert!(store.load().await.expect("load").is_empty(), "a bare claim is no lab yet");
        // Another account cannot take the name over, not even before anything is stored.
        assert!(!claim(&db, &instance, 1, 1).await.expect("claim"));
        assert!(claim(&db, &instance, 2, 1).await.expect("claim again"));
        let mut lab = stored(&instance);
        store.save(&lab).await.expect("save");
        lab.state = LabState::Ready;
        lab.detail = Some("why not".into());
        store.save(&lab).await.expect("save again");
        let loaded = store.load().await.expect("load");
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].state, LabState::Ready);
        assert_eq!(loaded[0].detail.as_deref(), Some("why not"));
        assert_eq!((loaded[0].seq, loaded[0].interrupted), (3, 1));
        let json = |p: &crate::plan::Plan| serde_json::to_string(p).expect("encodes");
        assert_eq!(json(&loaded[0].request.plan), json(&lab.request.plan));
        let state: String = sqlx::query_scalar("SELECT state FROM instances WHERE name = ?")
            .bind(instance.as_str())
            .fetch_one(&db)
            .await
            .expect("row");
        assert_eq!(state, "ready");
    }

    #[tokio::test]
    async fn an_unclaimed_instance_is_refused_and_a_refused_claim_is_forgotten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = database(dir.path()).await;
        let store = SqliteStore::new(db.clone());
        let instance = InstanceId::parse("svc-tiny-a1-s").expect("name");
        let error = store.save(&stored(&instance)).await.expect_err("nobody claimed it");
        assert!(error.to_string().contains("svc-tiny-a1-s"), "{error}");
        assert!(claim(&db, &instance, 2, 1).await.expect("claim"));
        unclaim(&db, &instance).await.expect("unclaim");
        let rows: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM instances").fetch_one(&db).await.expect("count");
        assert_eq!(rows, 0);
    }
}
