//! `asbuilt doctor`: which confinement is active on this host, proven by a self-test.

use clap::Args;

use super::Outcome;
use super::engine::with_docker;
use crate::engine::docker::doctor::{self, Verdict};

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Only look; do not deploy the one-router lab that proves the confinement.
    #[arg(long)]
    no_self_test: bool,
}

pub fn doctor(args: &DoctorArgs) -> Outcome {
    with_docker(|engine| async move {
        let findings = doctor::examine(&engine, !args.no_self_test).await;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&findings).expect("findings serialize"));
        } else {
            for f in &findings {
                let mark = match f.verdict {
                    Verdict::Ok => "ok     ",
                    Verdict::Advice => "advice ",
                    Verdict::Problem => "PROBLEM",
                };
                println!("{mark} {:<12} {:<56} {}", f.area, f.what, f.detail);
            }
        }
        let problems = findings.iter().filter(|f| f.verdict == Verdict::Problem).count();
        if problems > 0 {
            eprintln!(
                "asbuilt doctor: {problems} problem(s): labs are not safe to run here until they are fixed"
            );
            return Ok(Outcome::Failed);
        }
        Ok(Outcome::Success)
    })
}
