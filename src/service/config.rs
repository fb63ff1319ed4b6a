//! The service's configuration: defaults, then a TOML file, then environment variables.
//!
//! Every key is documented in docs/operations.md; keep the two in step.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Where the service keeps its database when nothing says otherwise.
pub const DEFAULT_DATA_DIR: &str = "/var/lib/asbuilt/service";

/// Everything the service reads at start-up.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Config {
    /// The address and port to listen on.
    pub listen: SocketAddr,
    /// The folder holding the database.
    pub data_dir: PathBuf,
    /// Mark the session cookie `Secure` on every response, not only on requests that
    /// came over TLS.
    pub secure_cookies: bool,
    /// Believe `X-Forwarded-For` and `X-Forwarded-Proto`: only behind a reverse proxy
    /// that sets them, or any client could choose its own address for the throttle.
    pub trust_proxy: bool,
    /// How long a session lasts after login, in seconds.
    pub session_ttl_secs: i64,
    /// Failed logins for one account within the window before it is refused for a while.
    pub login_failures_per_account: u32,
    /// Failed logins from one client address within the window before it is refused.
    pub login_failures_per_address: u32,
    /// The window of the login throttle, in seconds.
    pub login_window_secs: u64,
    /// How long a student waits between two "check my work" requests, in seconds.
    pub check_interval_secs: u64,
    /// Instances a grading run (a class's, the deadline's) grades at the same time.
    pub grading_workers: usize,
    /// Labs that deploy at the same time; more wait in the queue (docs/capacity.md).
    pub lab_deploys: usize,
    /// Nodes (containers) all labs together may run on this server.
    pub lab_nodes: usize,
    /// Live labs (waiting, deploying or running) one student may have.
    pub lab_instances_per_student: usize,
    /// How often expired labs are looked for, in seconds.
    pub lab_reap_secs: u64,
    /// How long a lab lives after it first became ready, in seconds, before the student
    /// extends it; never longer than the assignment's maximum lifetime, which is what
    /// extending can reach.
    pub lab_lifetime_secs: u64,
    /// Every lab the service runs is named with this prefix, and at start it removes
    /// only strays with it: labs an operator deploys from the command line are safe.
    /// Lowercase letters, digits and dashes.
    pub lab_prefix: String,
    /// Which engine runs the labs (`[engine]` in the file): Docker on this server, or a
    /// Kubernetes cluster.
    pub engine: crate::engine::choice::EngineConfig,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            secure_cookies: false,
            trust_proxy: false,
            session_ttl_secs: 12 * 3600,
            login_failures_per_account: 5,
            login_failures_per_address: 20,
            login_window_secs: 15 * 60,
            check_interval_secs: 60,
            grading_workers: 4,
            // The lifecycle's own defaults, sized for the 2-core school server.
            lab_deploys: 2,
            lab_nodes: 180,
            lab_instances_per_student: 1,
            lab_reap_secs: 30,
            // A double lesson; a student still working extends it.
            lab_lifetime_secs: 2 * 3600,
            lab_prefix: crate::service::instances::SERVICE_PREFIX.to_string(),
            engine: crate::engine::choice::EngineConfig::default(),
        }
    }
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("failed to read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    /// The file is not valid TOML or has an unknown key or a wrong value.
    #[error("config file {path} is invalid: {message}")]
    Parse { path: PathBuf, message: String },
    /// The settings do not fit together, or cannot work.
    #[error("configuration key {key} is invalid: {why}")]
    Invalid { key: &'static str, why: String },
    /// An environment variable holds a value that does not fit its key.
    #[error("environment variable {name}={value:?} is invalid: {why}")]
    Env { name: &'static str, value: String, why: String },
}

impl Config {
    /// Reads the file (if any) over the defaults, then the environment over that.
    /// `env` looks a variable up; the CLI passes `std::env::var`, tests a map.
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut config = match file {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        config.apply_env(env)?;
        config
            .engine
            .check()
            .map_err(|why| ConfigError::Invalid { key: "[engine] namespace-prefix", why })?;
        Ok(config)
    }

    fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.into(), source })?;
        // toml's message carries the line and column of the problem.
        toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.into(), message: e.to_string() })
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(value) = env("ASBUILT_LISTEN") {
            self.listen = parse_env("ASBUILT_LISTEN", value)?;
        }
        if let Some(value) = env("ASBUILT_DATA_DIR") {
            self.data_dir = PathBuf::from(value);
        }
        if let Some(value) = env("ASBUILT_SECURE_COOKIES") {
            self.secure_cookies = parse_env("ASBUILT_SECURE_COOKIES", value)?;
        }
        if let Some(value) = env("ASBUILT_TRUST_PROXY") {
            self.trust_proxy = parse_env("ASBUILT_TRUST_PROXY", value)?;
        }
        if let Some(value) = env("ASBUILT_SESSION_TTL_SECS") {
            self.session_ttl_secs = parse_env("ASBUILT_SESSION_TTL_SECS", value)?;
        }
        if let Some(value) = env("ASBUILT_LOGIN_FAILURES_PER_ACCOUNT") {
            self.login_failures_per_account = parse_env("ASBUILT_LOGIN_FAILURES_PER_ACCOUNT", value)?;
        }
        if let Some(value) = env("ASBUILT_LOGIN_FAILURES_PER_ADDRESS") {
            self.login_failures_per_address = parse_env("ASBUILT_LOGIN_FAILURES_PER_ADDRESS", value)?;
        }
        if let Some(value) = env("ASBUILT_LOGIN_WINDOW_SECS") {
            self.login_window_secs = parse_env("ASBUILT_LOGIN_WINDOW_SECS", value)?;
        }
        if let Some(value) = env("ASBUILT_CHECK_INTERVAL_SECS") {
            self.check_interval_secs = parse_env("ASBUILT_CHECK_INTERVAL_SECS", value)?;
        }
        if let Some(value) = env("ASBUILT_GRADING_WORKERS") {
            self.grading_workers = parse_env("ASBUILT_GRADING_WORKERS", value)?;
        }
        if let Some(value) = env("ASBUILT_LAB_DEPLOYS") {
            self.lab_deploys = parse_env("ASBUILT_LAB_DEPLOYS", value)?;
        }
        if let Some(value) = env("ASBUILT_LAB_NODES") {
            self.lab_nodes = parse_env("ASBUILT_LAB_NODES", value)?;
        }
        if let Some(value) = env("ASBUILT_LAB_INSTANCES_PER_STUDENT") {
            self.lab_instances_per_student = parse_env("ASBUILT_LAB_INSTANCES_PER_STUDENT", value)?;
        }
        if let Some(value) = env("ASBUILT_LAB_PREFIX") {
            self.lab_prefix = value;
        }
        if let Some(value) = env("ASBUILT_LAB_REAP_SECS") {
            self.lab_reap_secs = parse_env("ASBUILT_LAB_REAP_SECS", value)?;
        }
        if let Some(value) = env("ASBUILT_LAB_LIFETIME_SECS") {
            self.lab_lifetime_secs = parse_env("ASBUILT_LAB_LIFETIME_SECS", value)?;
        }
        self.engine.apply_env(&env).map_err(|(name, value, why)| ConfigError::Env { name, value, why })?;
        Ok(())
    }
}

fn parse_env<T>(name: &'static str, value: String) -> Result<T, ConfigError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value.trim().parse().map_err(|e: T::Err| ConfigError::Env { name, value, why: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_overrides_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("asbuilt.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\ndata-dir = \"/srv/a\"\n").expect("write");
        let config =
            Config::load(Some(&path), |name| (name == "ASBUILT_DATA_DIR").then(|| "/srv/b".to_string()))
                .expect("valid config");
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.data_dir, PathBuf::from("/srv/b"));
    }

    #[test]
    fn the_engine_is_a_table_of_its_own() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("asbuilt.toml");
        let text = "[engine]\nkind = \"kubernetes\"\ncontext = \"school\"\npull-from = \"registry.school.nl/labs\"\n";
        std::fs::write(&path, text).expect("write");
        let config = Config::load(Some(&path), |_| None).expect("valid config");
        assert_eq!(config.engine.kind, crate::engine::choice::EngineKind::Kubernetes);
        assert_eq!(config.engine.context.as_deref(), Some("school"));
        assert_eq!(Config::default().engine.kind, crate::engine::choice::EngineKind::Docker);
        std::fs::write(&path, "[engine]\nkind = \"podman\"\n").expect("write");
        let error = Config::load(Some(&path), |_| None).expect_err("unknown engine");
        assert!(error.to_string().contains("podman"), "{error}");
    }

    #[test]
    fn an_unknown_key_is_refused_with_its_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("asbuilt.toml");
        std::fs::write(&path, "listn = \"127.0.0.1:9000\"\n").expect("write");
        let error = Config::load(Some(&path), |_| None).expect_err("unknown key");
        assert!(error.to_string().contains("listn"), "{error}");
    }

    #[test]
    fn a_malformed_environment_value_names_the_variable() {
        let error = Config::load(None, |name| (name == "ASBUILT_LISTEN").then(|| "nowhere".into()))
            .expect_err("bad address");
        assert!(error.to_string().contains("ASBUILT_LISTEN"), "{error}");
    }
}
