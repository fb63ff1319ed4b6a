//! `asbuilt serve`: runs the service (src/service) until SIGTERM or SIGINT.

use std::path::PathBuf;

use clap::Args;

use super::Outcome;
use crate::images::Silent;
use crate::service::{Config, Service};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A TOML configuration file (docs/operations.md lists every key).
    #[arg(long, short = 'c', value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where the database lives (overrides the file and ASBUILT_DATA_DIR).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Address and port to listen on (overrides the file and ASBUILT_LISTEN).
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<std::net::SocketAddr>,
}

pub fn serve(args: &ServeArgs) -> Outcome {
    // Logs go to standard error; ASBUILT_LOG (or RUST_LOG) filters them, e.g. `debug`.
    let filter = tracing_subscriber::EnvFilter::try_from_env("ASBUILT_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colour).init();

    let mut config = match Config::load(args.config.as_deref(), |name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return Outcome::Invalid;
        }
    };
    if let Some(dir) = &args.data_dir {
        config.data_dir = dir.clone();
    }
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: failed to start the async runtime: {error}");
            return Outcome::Failed;
        }
    };
    let engine_config = config.engine.clone();
    let result = runtime.block_on(async {
        let (mut service, first_admin) = Service::open(config).await?;
        if let Some(admin) = first_admin {
            // The only time this password exists outside its hash: it is not logged.
            println!("First start: created the admin account.");
            println!("  username: {}", admin.username);
            println!("  password: {}", admin.password);
            println!("Write it down now; it is not shown again. Change it after logging in.");
        }
        // Without its engine the service still serves accounts, classes and assignments;
        // only lab actions answer 503, so a broken daemon does not lock teachers out.
        // The engine is connected once: grading, consoles and the deadline runs use it
        // directly, the lab lifecycle deploys and removes through it.
        match engine_config.connect(Box::new(Silent)).await {
            Ok(engine) => {
                service.state.engine = Some(engine.clone());
                service.start_labs(engine).await?;
            }
            Err(error) => tracing::warn!(%error, "the lab engine is not reachable: lab actions answer 503"),
        }
        let listener = service.bind().await?;
        service.serve(listener, stop_signal()).await
    });
    match result {
        Ok(()) => Outcome::Success,
        Err(error) => {
            eprintln!("error: {error}");
            Outcome::Failed
        }
    }
}

/// Completes on SIGTERM (systemd stopping the service) or SIGINT (Ctrl-C).
///
/// The handlers are installed here, when called, not when the future is first polled:
/// a SIGTERM that came after the service said it was serving but before the future
/// ran would otherwise take the default action and kill the process mid-start.
fn stop_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate()).ok();
    let interrupt = signal(SignalKind::interrupt()).ok();
    async move {
        // A handler that could not be installed waits forever; the other still works,
        // and without either the default action (exit) still stops the service.
        let term = async {
            match term {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        let interrupt = async {
            match interrupt {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = term => {}
            _ = interrupt => {}
        }
    }
}
