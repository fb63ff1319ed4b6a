//! Lab instances: a student asks for their lab of an open assignment and resets,
//! extends or destroys it; teachers (and admins) see and act on the instances of their
//! classes, graders see them. The lifecycle (src/service/lifecycle) does the work; this
//! module checks who may ask, builds the student's variant, and streams the events.

use std::convert::Infallible;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;
use utoipa::ToSchema;

use crate::plan::InstanceId;
use crate::service::auth::{CurrentUser, Role};
use crate::service::authz::{self, Access};
use crate::service::error::{ApiError, ErrorBody};
use crate::service::instances::instance_for;
use crate::service::lifecycle::{LabRequest, LabStatus, Lifecycle, LifecycleError, LifecycleEvent, Ttl};
use crate::service::lifecycle_store;
use crate::service::state::AppState;
use crate::service::time::{format_rfc3339, now};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/assignments/{id}/instance", post(request))
        .route("/api/instances", get(list))
        .route("/api/instances/{name}", get(show).delete(destroy))
        .route("/api/instances/{name}/reset", post(reset))
        .route("/api/instances/{name}/extend", post(extend))
        .route("/api/instances/{name}/touch", post(touch))
        .route("/api/instances/{name}/links", post(set_link))
        .route("/api/instances/{name}/events", get(events))
        .route("/api/instances/{name}/nodes", get(nodes))
}

/// One lab instance and where it is in its life.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InstanceView {
    pub name: String,
    pub owner_id: i64,
    pub assignment_id: i64,
    pub lab: String,
    pub nodes: usize,
    /// `requested`, `queued`, `deploying`, `ready`, `destroying`, `expired`,
    /// `destroyed`, `failed` or `lost` (docs/lifecycle.md).
    pub state: String,
    /// Why it is in this state, when that is worth saying.
    pub detail: Option<String>,
    /// Its place in the queue while queued; 1 deploys next.
    pub position: Option<usize>,
    /// RFC 3339, UTC; the times below too.
    pub requested_at: String,
    pub ready_at: Option<String>,
    /// When its lifetime ends (moved by extend, never past the assignment's maximum).
    pub expires_at: Option<String>,
    /// When it expires if nobody works in it before then.
    pub idle_expires_at: Option<String>,
}

impl InstanceView {
    pub fn new(status: LabStatus, row: &authz::InstanceRow) -> InstanceView {
        InstanceView {
            name: status.instance.to_string(),
            owner_id: row.owner_id,
            assignment_id: row.assignment_id,
            lab: status.lab,
            nodes: status.nodes,
            state: status.state.name().to_string(),
            detail: status.detail,
            position: status.position,
            requested_at: rfc3339(status.requested_at),
            ready_at: status.ready_at.map(rfc3339),
            expires_at: status.expires_at.map(rfc3339),
            idle_expires_at: status.idle_expires_at.map(rfc3339),
        }
    }
}

fn rfc3339(t: SystemTime) -> String {
    format_rfc3339(t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64))
}

/// How much longer a lab should live.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Extension {
    /// Seconds from the lab's current end (default one hour); the assignment's maximum
    /// lifetime caps it.
    pub seconds: Option<u64>,
}

/// The lifecycle, or 503 on a host where the service runs without a lab engine.
fn lifecycle(state: &AppState) -> Result<&Lifecycle, ApiError> {
    state.lifecycle.as_ref().ok_or_else(|| ApiError::Unavailable("no lab engine runs on this server".into()))
}

/// What a lifecycle error means to the client. Refusals say why (more nodes than the
/// server runs, the student's quota); store and engine failures are logged, not sent.
fn api_error(error: LifecycleError) -> ApiError {
    match error {
        LifecycleError::NoSuchInstance(_) => ApiError::NotFound,
        LifecycleError::Refused { .. }
        | LifecycleError::Exists { .. }
        | LifecycleError::WrongState { .. } => ApiError::Conflict(error.to_string()),
        LifecycleError::ShuttingDown { .. } => ApiError::Unavailable(error.to_string()),
        LifecycleError::Store(_) | LifecycleError::Engine(_) => ApiError::Internal(error.to_string()),
    }
}

fn instance_id(row: &authz::InstanceRow) -> Result<InstanceId, ApiError> {
    InstanceId::parse(&row.name).map_err(|e| ApiError::Internal(format!("stored instance name: {e}")))
}

/// Asks for the caller's own lab of an open assignment: their own variant, deployed
/// as soon as the server has room. Answers at once with the queue position.
#[utoipa::path(post, path = "/api/assignments/{id}/instance", tag = "instances",
    params(("id" = i64, Path, description = "assignment id")),
    responses((status = 202, body = InstanceView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "closed, already running, or over a limit"),
        (status = 503, body = ErrorBody)))]
pub async fn request(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<InstanceView>), ApiError> {
    // Labs are per student: staff try a lab with the command line, not a student's slot.
    authz::require_role(&user, &[Role::Student])?;
    let assignment = authz::assignment(&state.db, &user, id, Access::Read).await?;
    if now() >= assignment.deadline {
        return Err(ApiError::Conflict("the assignment's deadline has passed".into()));
    }
    let lifecycle = lifecycle(&state)?;
    let lab = super::labs::stored_lab(&state.db, assignment.lab_version_id).await?;
    // The student number seeds the variant, so it stays the same across requests; the
    // same key names the instance grading and consoles look for.
    let student = crate::service::instances::student_key_of(&state.db, user.id).await?;
    let design = lab.design_for(Some(&student));
    let instance = instance_for(&state.config.lab_prefix, lab.name(), id, &student);
    let plan = crate::plan::plan(&design, instance.clone());
    let secs = |s: i64| Duration::from_secs(s.max(1) as u64);
    // A lab first lives the service's lifetime; "extend" moves that up to the
    // assignment's maximum (a first lifetime of the maximum would leave nothing to extend).
    let max_lifetime = secs(assignment.max_lifetime_secs);
    let ttl = Ttl {
        idle: secs(assignment.idle_ttl_secs),
        lifetime: Duration::from_secs(state.config.lab_lifetime_secs.max(1)).min(max_lifetime),
        max_lifetime,
    };
    if !lifecycle_store::claim(&state.db, &instance, user.id, id).await? {
        // Another account's number folds to this name; the student numbers need fixing.
        tracing::warn!(by = %user.username, %instance, "instance name belongs to another account");
        return Err(ApiError::Conflict(
            "your lab's name is taken by another account; ask your teacher".into(),
        ));
    }
    let request = LabRequest { owner: user.id.to_string(), instance: instance.clone(), plan, design, ttl };
    let status = match lifecycle.request(request).await {
        Ok(status) => status,
        Err(error) => {
            // A refused request leaves no row behind; an earlier lab of the name keeps its.
            lifecycle_store::unclaim(&state.db, &instance).await?;
            return Err(api_error(error));
        }
    };
    tracing::info!(by = %user.username, %instance, assignment = id, "lab requested");
    let row = authz::instance(&state.db, &user, instance.as_str(), Access::Read).await?;
    Ok((StatusCode::ACCEPTED, Json(InstanceView::new(status, &row))))
}

/// The instances the caller may see: a student's own, those of a teacher's or a
/// grader's classes, all for an admin.
#[utoipa::path(get, path = "/api/instances", tag = "instances",
    responses((status = 200, body = Vec<InstanceView>), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<InstanceView>>, ApiError> {
    let rows = authz::visible_instances(&state.db, &user).await?;
    let lifecycle = lifecycle(&state)?;
    let mut out = Vec::new();
    for row in rows {
        match lifecycle.status(&instance_id(&row)?).await {
            Ok(status) => out.push(InstanceView::new(status, &row)),
            // Stored but not the manager's (a name outside its scope): nothing to show.
            Err(LifecycleError::NoSuchInstance(_)) => {}
            Err(error) => return Err(api_error(error)),
        }
    }
    Ok(Json(out))
}

/// One instance, with its queue position while it waits.
#[utoipa::path(get, path = "/api/instances/{name}", tag = "instances",
    params(("name" = String, Path, description = "instance name")),
    responses((status = 200, body = InstanceView), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
) -> Result<Json<InstanceView>, ApiError> {
    let row = authz::instance(&state.db, &user, &name, Access::Read).await?;
    let status = lifecycle(&state)?.status(&instance_id(&row)?).await.map_err(api_error)?;
    Ok(Json(InstanceView::new(status, &row)))
}

/// A clean redeploy of the same lab: what was saved in it is gone. Also brings back a
/// failed or lost lab.
#[utoipa::path(post, path = "/api/instances/{name}/reset", tag = "instances",
    params(("name" = String, Path, description = "instance name")),
    responses((status = 202, body = InstanceView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn reset(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
) -> Result<(StatusCode, Json<InstanceView>), ApiError> {
    let row = authz::instance(&state.db, &user, &name, Access::Write).await?;
    let status = lifecycle(&state)?.reset(&instance_id(&row)?).await.map_err(api_error)?;
    tracing::info!(by = %user.username, instance = %name, "lab reset");
    Ok((StatusCode::ACCEPTED, Json(InstanceView::new(status, &row))))
}

/// Moves the end of a ready lab's lifetime, never past the assignment's maximum.
#[utoipa::path(post, path = "/api/instances/{name}/extend", tag = "instances", request_body = Extension,
    params(("name" = String, Path, description = "instance name")),
    responses((status = 200, body = InstanceView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn extend(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
    Json(extension): Json<Extension>,
) -> Result<Json<InstanceView>, ApiError> {
    let row = authz::instance(&state.db, &user, &name, Access::Write).await?;
    let lifecycle = lifecycle(&state)?;
    let instance = instance_id(&row)?;
    let by = Duration::from_secs(extension.seconds.unwrap_or(3600));
    lifecycle.extend(&instance, by).await.map_err(api_error)?;
    let status = lifecycle.status(&instance).await.map_err(api_error)?;
    Ok(Json(InstanceView::new(status, &row)))
}

/// Says someone works in the lab, so its idle time starts again (a page calls it while
/// the student uses the lab; a console does on its own). Not stored: after a restart
/// every lab's idle time starts again anyway.
#[utoipa::path(post, path = "/api/instances/{name}/touch", tag = "instances",
    params(("name" = String, Path, description = "instance name")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn touch(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    let row = authz::instance(&state.db, &user, &name, Access::Write).await?;
    lifecycle(&state)?.touch(&instance_id(&row)?).await.map_err(api_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new state for one cable end of a lab; what is left out stays as it is.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkChange {
    /// The cable end as `node:interface`, such as `r1:eth1`.
    pub endpoint: String,
    /// `false` pulls the cable, `true` plugs it back in.
    pub up: Option<bool>,
    /// Extra delay in each direction.
    pub delay_ms: Option<u32>,
    /// Share of frames dropped in each direction, 0 to 100.
    pub loss_percent: Option<f64>,
}

/// A cable end's state after a change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LinkView {
    pub endpoint: String,
    pub up: bool,
    pub delay_ms: u32,
    pub loss_percent: f64,
}

/// Pulls a cable in a student's lab, plugs it back in, or makes it slow or lossy
/// (`asbuilt link` for the class's teacher): a fault to find, or one cleared with
/// `{"up": true, "delay_ms": 0, "loss_percent": 0}`.
#[utoipa::path(post, path = "/api/instances/{name}/links", tag = "instances", request_body = LinkChange,
    params(("name" = String, Path, description = "instance name")),
    responses((status = 200, body = LinkView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn set_link(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
    Json(change): Json<LinkChange>,
) -> Result<Json<LinkView>, ApiError> {
    let row = authz::operate_instance(&state.db, &user, &name).await?;
    let Some((node, interface)) = change.endpoint.split_once(':') else {
        return Err(ApiError::BadRequest(format!(
            "{:?} is not a cable end: write node:interface",
            change.endpoint
        )));
    };
    if change.loss_percent.is_some_and(|l| !(0.0..=100.0).contains(&l)) {
        return Err(ApiError::BadRequest("loss_percent is a percentage from 0 to 100".into()));
    }
    let engine = state.engine()?;
    let instance = instance_id(&row)?;
    let record = match engine.record(&instance).await {
        Ok(record) => record,
        Err(crate::engine::EngineError::NoSuchInstance(_)) => {
            return Err(ApiError::Conflict("the lab is not running".into()));
        }
        Err(other) => return Err(other.into()),
    };
    let endpoint = crate::design::Endpoint { node: node.to_string(), interface: interface.to_string() };
    // Only a cable end of the lab's own design: nothing else of the host is touched.
    if record.design.interface(node, interface).is_none() {
        return Err(ApiError::BadRequest(format!("the lab has no cable end {endpoint}")));
    }
    let mut setting = record.link_setting(&endpoint);
    if let Some(up) = change.up {
        setting.up = up;
    }
    if let Some(delay) = change.delay_ms {
        setting.delay_ms = delay;
    }
    if let Some(loss) = change.loss_percent {
        setting.loss_percent = loss;
    }
    engine.set_link(&instance, &endpoint, setting).await?;
    tracing::info!(by = %user.username, instance = %name, %endpoint, up = setting.up, "cable changed");
    Ok(Json(LinkView {
        endpoint: endpoint.to_string(),
        up: setting.up,
        delay_ms: setting.delay_ms,
        loss_percent: setting.loss_percent,
    }))
}

/// Removes the lab (a queued one leaves the queue, a deploy is rolled back); answers
/// once it is gone.
#[utoipa::path(delete, path = "/api/instances/{name}", tag = "instances",
    params(("name" = String, Path, description = "instance name")),
    responses((status = 200, body = InstanceView), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn destroy(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
) -> Result<Json<InstanceView>, ApiError> {
    let row = authz::instance(&state.db, &user, &name, Access::Write).await?;
    let status = lifecycle(&state)?.destroy(&instance_id(&row)?).await.map_err(api_error)?;
    tracing::info!(by = %user.username, instance = %name, "lab destroyed");
    Ok(Json(InstanceView::new(status, &row)))
}

/// One node of a lab as the engine sees it now.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NodeView {
    pub node: String,
    /// `router`, `firewall`, `server`, `host`, `switch` or `custom`; null for a
    /// container the engine cannot place.
    pub kind: Option<String>,
    /// `running`, `starting`, `paused`, `stopped`, `missing` or `unknown`.
    pub state: String,
}

/// The nodes of a deployed lab and whether each runs: what the lifecycle's events do
/// not tell once the lab is ready (a node stopped from inside, a container that died).
/// 409 `no_instance` while nothing is deployed.
#[utoipa::path(get, path = "/api/instances/{name}/nodes", tag = "instances",
    params(("name" = String, Path, description = "instance name")),
    responses((status = 200, body = Vec<NodeView>), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn nodes(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
) -> Result<Json<Vec<NodeView>>, ApiError> {
    let row = authz::instance(&state.db, &user, &name, Access::Read).await?;
    let engine = state.engine()?;
    let nodes = engine.nodes(&instance_id(&row)?).await?;
    Ok(Json(
        nodes
            .into_iter()
            .map(|n| NodeView {
                node: n.node,
                kind: n.kind.map(|k| k.name().to_string()),
                state: n.state.name().to_string(),
            })
            .collect(),
    ))
}

/// Server-sent events of one instance: first its `status`, then every `state`,
/// `position`, `step` and `node` event as it happens (the lifecycle's
/// `LifecycleEvent`s as JSON), until the service stops. A watcher that fell behind
/// gets a `lagged` event and should read the status again.
#[utoipa::path(get, path = "/api/instances/{name}/events", tag = "instances",
    params(("name" = String, Path, description = "instance name")),
    responses((status = 200, description = "an event stream", content_type = "text/event-stream"),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let row = authz::instance(&state.db, &user, &name, Access::Read).await?;
    let lifecycle = lifecycle(&state)?;
    let instance = instance_id(&row)?;
    // Subscribed before the status is read, so nothing falls between the two.
    let receiver = lifecycle.subscribe();
    let status = lifecycle.status(&instance).await.map_err(api_error)?;
    let first = event("status", &InstanceView::new(status, &row));
    let changes = futures::stream::unfold((receiver, instance), |(mut receiver, instance)| async move {
        loop {
            match receiver.recv().await {
                Ok(e) if e.instance() == &instance => {
                    let next = event(kind(&e), &e);
                    return Some((Ok(next), (receiver, instance)));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => {
                    let next = event("lagged", &serde_json::json!({ "missed": missed }));
                    return Some((Ok(next), (receiver, instance)));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    // The stream ends when the service stops, or graceful shutdown would wait on it.
    let stream = futures::stream::once(async move { Ok(first) })
        .chain(changes)
        .take_until(state.shutdown.clone().cancelled_owned());
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

fn kind(e: &LifecycleEvent) -> &'static str {
    match e {
        LifecycleEvent::State { .. } => "state",
        LifecycleEvent::Position { .. } => "position",
        LifecycleEvent::Step { .. } => "step",
        LifecycleEvent::Node { .. } => "node",
    }
}

fn event(name: &str, data: &impl Serialize) -> Event {
    // Our own types always encode; a comment keeps the stream going if one ever did not.
    Event::default()
        .event(name)
        .json_data(data)
        .unwrap_or_else(|_| Event::default().comment("unencodable event"))
}
