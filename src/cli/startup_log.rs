//! `asbuilt startup-log INSTANCE [NODE]`: what the teacher's startup commands did, from
//! the instance's record (out of every student's reach, on the fabric's disk).

use clap::Args;

use super::Outcome;
use super::engine::on_instance;

#[derive(Debug, Args)]
pub struct StartupLogArgs {
    instance: String,
    /// Only this node.
    node: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn startup_log(args: &StartupLogArgs) -> Outcome {
    on_instance(&args.instance, |engine, instance| async move {
        let record = engine.record(&instance).await?;
        let logs: Vec<_> =
            record.startup.iter().filter(|l| args.node.as_ref().is_none_or(|n| *n == l.node)).collect();
        if let Some(node) = &args.node
            && !record.plan.nodes.iter().any(|n| n.name == *node)
        {
            eprintln!("error: {instance} has no node `{node}`");
            return Ok(Outcome::Invalid);
        }
        if args.json {
            println!("{}", serde_json::to_string_pretty(&logs).expect("logs serialize"));
        } else if logs.is_empty() {
            println!("no startup commands");
        }
        if !args.json {
            for log in &logs {
                println!("== {}", log.node);
                for command in &log.commands {
                    let status = match command.status {
                        Some(s) => format!("exit {s}"),
                        None => "did not finish".to_string(),
                    };
                    println!("$ {}    [{status}]", command.command.replace('\n', "\n  "));
                    print!("{}", command.output);
                }
                if let Some(error) = &log.error {
                    println!("error: {error}");
                }
            }
        }
        // A failed command is the lab's business, not a failure of this command.
        Ok(Outcome::Success)
    })
}
