//! The report as JUnit XML, which CI systems and school tools read: one test case per
//! check, failures with expected and observed, evidence as system-out.

use std::fmt::Write;

use super::{escape, item_points, label, points, say};
use crate::checks::outcome::Status;
use crate::checks::report::Report;
use crate::design::Lang;

pub fn render(report: &Report, lang: Lang) -> String {
    let c = &report.counts;
    // Rubric items are test cases too: one scored below its points fails, one not
    // scored yet is skipped, so a CI system sees the lab is not done.
    let rubric_short = report.rubric.iter().filter(|i| i.earned.is_some_and(|e| e < i.points)).count();
    let total = report.checks.len() + report.rubric.len();
    let failures = c.fail + rubric_short;
    let skipped = c.skipped + c.pending;
    let seconds = |ms: u64| format!("{:.3}", ms as f64 / 1000.0);
    let time: u64 = report.checks.iter().map(|c| c.duration_ms).sum();
    let suite_name = match &report.student {
        Some(s) => format!("{} ({s})", report.lab),
        None => report.lab.clone(),
    };
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"asbuilt\" tests=\"{total}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{skipped}\" time=\"{}\">",
        c.error,
        seconds(time)
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{total}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{skipped}\" time=\"{}\" timestamp=\"{}\">",
        escape(&suite_name),
        c.error,
        seconds(time),
        escape(&report.timestamp)
    );
    out.push_str("    <properties>\n");
    let mut props = vec![
        ("lab".to_string(), report.lab.clone()),
        ("score.percent".to_string(), report.score.percent.to_string()),
        ("score.earned".to_string(), report.score.earned.to_string()),
        ("score.possible".to_string(), report.score.possible.to_string()),
        ("student-view".to_string(), report.student_view.to_string()),
    ];
    if let Some(s) = &report.student {
        props.push(("student".into(), s.clone()));
    }
    if let Some(s) = &report.seed {
        props.push(("seed".into(), s.clone()));
    }
    for wp in &report.work_processes {
        props.push((format!("score.{}", wp.code), wp.score.percent.to_string()));
    }
    if let Some(r) = &report.regressions {
        props.push(("regressions.guarded".into(), r.guarded.to_string()));
        props.push(("regressions.broken".into(), r.broken.join(",")));
    }
    for (name, value) in props {
        let _ = writeln!(out, "      <property name=\"{}\" value=\"{}\"/>", escape(&name), escape(&value));
    }
    out.push_str("    </properties>\n");
    for check in &report.checks {
        let family = check.id.split('/').next().unwrap_or("check");
        let _ = write!(
            out,
            "    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{}\">",
            escape(&report.lab),
            escape(family),
            escape(&format!("{} — {}", check.id, say(&check.title, lang))),
            seconds(check.duration_ms)
        );
        let expected = check.expected.as_ref().map(|e| say(e, lang)).unwrap_or("");
        let observed = check.observed.as_ref().map(|o| say(o, lang)).unwrap_or("");
        let reason = check.reason.as_ref().map(|r| say(r, lang)).unwrap_or("");
        let hint = check.hint.as_ref().map(|h| say(h, lang)).unwrap_or("");
        match check.status {
            Status::Pass => {}
            Status::Fail => {
                let message = format!(
                    "{}: {expected}; {}: {observed}",
                    label(lang, "verwacht", "expected"),
                    label(lang, "gezien", "observed")
                );
                let _ = write!(
                    out,
                    "\n      <failure message=\"{}\" type=\"fail\">{}</failure>",
                    escape(&message),
                    escape(&format!("{message}\n{}: {hint}", label(lang, "tip", "hint")))
                );
            }
            Status::Error => {
                let _ = write!(out, "\n      <error message=\"{}\" type=\"error\"/>", escape(reason));
            }
            Status::Skipped => {
                let _ = write!(out, "\n      <skipped message=\"{}\"/>", escape(reason));
            }
        }
        if !check.evidence.is_empty() {
            let text: Vec<String> = check
                .evidence
                .iter()
                .map(|e| {
                    format!(
                        "[{}] {}\n{}",
                        serde_json::to_value(e.influence).expect("serializes"),
                        e.method,
                        e.raw
                    )
                })
                .collect();
            let _ = write!(out, "\n      <system-out>{}</system-out>", escape(&text.join("\n\n")));
        }
        if check.status == Status::Pass && check.evidence.is_empty() {
            out.push_str("</testcase>\n");
        } else {
            out.push_str("\n    </testcase>\n");
        }
    }
    for item in &report.rubric {
        let _ = write!(
            out,
            "    <testcase classname=\"{}.rubric\" name=\"{}\" time=\"0.000\">",
            escape(&report.lab),
            escape(&format!("{} — {}", item.id, say(&item.criterion, lang)))
        );
        let comment = item.comment.as_deref().map(|c| format!("; {c}")).unwrap_or_default();
        match item.earned {
            None => {
                let message = label(lang, "nog te beoordelen door de docent", "to be scored by the teacher");
                let _ = write!(out, "\n      <skipped message=\"{}\"/>\n    ", escape(message));
            }
            Some(earned) if earned < item.points => {
                let message = format!("{} {}{comment}", item_points(item), label(lang, "punten", "points"));
                let _ =
                    write!(out, "\n      <failure message=\"{}\" type=\"rubric\"/>\n    ", escape(&message));
            }
            Some(earned) => {
                let message = format!("{} {}{comment}", points(earned), label(lang, "punten", "points"));
                let _ = write!(out, "\n      <system-out>{}</system-out>\n    ", escape(&message));
            }
        }
        out.push_str("</testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
