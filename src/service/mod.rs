//! `asbuilt serve`: the service a school talks to (accounts, classes, labs and
//! assignments) over a JSON API, with its state in SQLite.
//!
//! This module never prints: it logs with `tracing`, and hands the one thing a person
//! must see at start-up (the first admin's password) back to the CLI as a value.
//!
//! - `config.rs`: the configuration file and its environment overrides.
//! - `db.rs`: opening the database (WAL, foreign keys) and running the migrations.
//! - `error.rs`: `ApiError`, the one error every handler returns, rendered as JSON.
//! - `auth/`: passwords, sessions and API tokens, CSRF, login throttling, and the
//!   `CurrentUser` extractor.
//! - `authz.rs`: the one place that decides who may see and change what.
//! - `routes/`: one module per resource, each exporting `router()`.
//! - `csv_import.rs`: reading a school administration's class list.
//! - `instances.rs`: the one function naming a student's instance of an assignment.
//! - `grading/`: "check my work", grading runs, stored reports, exports and the
//!   deadline run.
//! - `routes/consoles.rs`: a node's terminal over a WebSocket; `terminal/`: its
//!   screen kept on the server for the web console (screen mode).
//! - `metrics.rs`: the Prometheus exposition.
//! - `openapi.rs`: the OpenAPI document.
//! - `server.rs`: `Service`, which opens everything and serves the router.
//! - `web/`: the pages people use, rendered on the server (tera), with their static
//!   files and texts embedded from `web/`.
//! - `lifecycle/`: each student's lab from request to expiry: the queue, admission,
//!   TTL and reconciling with the engine (docs/lifecycle.md).
//! - `lifecycle_store.rs`: the lifecycle's store in the database; `lab_runtime.rs`:
//!   starting the lifecycle on the engine (recover, reconcile, metrics).

pub mod auth;
pub mod authz;
pub mod bootstrap;
pub mod config;
pub mod csv_import;
pub mod db;
pub mod error;
pub mod grading;
pub mod instances;
pub mod lab_runtime;
pub mod lifecycle;
pub mod lifecycle_store;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod server;
pub mod state;
pub mod terminal;
pub mod time;
pub mod web;

pub use config::Config;
pub use error::ApiError;
pub use server::{FirstAdmin, Service, StartError};
pub use state::AppState;
