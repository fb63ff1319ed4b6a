//! The OpenAPI document of every endpoint, served at `/api/openapi.json`. A handler
//! missing here is caught by `tests/service_api.rs`, which checks that every route the
//! authorization matrix covers is described.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::routes::{
    assignments, auth, classes, consoles, grading, hand_ins, health, instances, lab_import, labs, rubric,
    tokens, users,
};

/// The document; `paths` lists every handler.
#[derive(OpenApi)]
#[openapi(
    info(title = "asbuilt service", description = "Accounts, classes, labs and assignments of a school's network labs."),
    paths(
        health::healthz,
        auth::login, auth::logout, auth::me, auth::change_password,
        tokens::list, tokens::create, tokens::revoke,
        users::list, users::create, users::update, users::set_password, users::graders,
        classes::list, classes::create, classes::show, classes::students, classes::import, classes::first_passwords, classes::add_grader,
        labs::list, labs::upload, labs::validate_only, labs::show, labs::version, lab_import::import,
        assignments::list, assignments::create, assignments::show,
        grading::check_my_work, grading::start_run, grading::show_run, grading::run_events,
        grading::list_reports, grading::show_report, grading::results, grading::saved_configs,
        consoles::console,
        instances::request, instances::list, instances::show, instances::reset, instances::extend, instances::touch,
        instances::set_link, instances::destroy, instances::events, instances::nodes,
        hand_ins::hand_in, hand_ins::list,
        rubric::show, rubric::score,
        metrics_doc,
    ),
    modifiers(&Security),
    security(("session" = []), ("token" = [])),
    tags(
        (name = "auth", description = "Sessions: a cookie plus X-CSRF-Token for changes; or Authorization: Bearer with an API token"),
        (name = "service", description = "Health and metrics"),
        (name = "consoles", description = "A node's terminal over a WebSocket: binary frames are terminal bytes both ways; a text frame {\"type\":\"resize\",\"cols\":C,\"rows\":R} resizes. With ?screen=true the server keeps the screen and sends JSON frames of the rows that changed; input is JSON text, key, paste, resize and scroll messages (src/service/terminal/session.rs)"),
        (name = "grading", description = "Check my work, grading runs and their progress (server-sent events), reports and results"),
        (name = "instances", description = "Students' lab instances: request, status with queue position, reset, extend, destroy, events"),
    )
)]
pub struct ApiDoc;

/// The two ways to authenticate, as security schemes.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::service::auth::session::COOKIE,
                "Set by login. State-changing requests also send the session's CSRF token in X-CSRF-Token.",
            ))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from POST /api/tokens; no CSRF token needed."))
                    .build(),
            ),
        );
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "service",
    responses((status = 200, description = "text exposition", content_type = "text/plain")))]
#[allow(dead_code)] // Only describes `metrics::serve` to utoipa; the route uses that.
fn metrics_doc() {}

/// `GET /api/openapi.json`.
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
