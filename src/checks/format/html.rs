//! The report as one standalone HTML page a teacher can archive or upload: inline
//! CSS, no scripts, no external resources, every text escaped.

use std::fmt::Write;

use super::{
    counts_sentence, escape, item_points, label, points, regression_sentence, say, settling_sentence,
};
use crate::checks::model::Influence;
use crate::checks::outcome::Status;
use crate::checks::report::Report;
use crate::design::Lang;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#222;padding:0 1rem}\
h1{font-size:1.4rem;margin-bottom:.2rem}.meta{color:#666;margin-top:0}\
.score{font-size:2rem;font-weight:bold}table{border-collapse:collapse;width:100%;margin:1rem 0}\
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}\
th{background:#f4f4f4}.pass{color:#17702e}.fail{color:#b3261e}.error{color:#7b1fa2}.skipped{color:#9a6700}\
.status{font-weight:bold;white-space:nowrap}.id{font-family:monospace;font-size:.85rem;color:#555}\
.detail{font-size:.9rem;margin:.2rem 0}.hint{color:#555;font-style:italic}\
details pre{white-space:pre-wrap;background:#f7f7f7;padding:.5rem;font-size:.8rem}\
.bar{background:#eee;height:.6rem;border-radius:.3rem;overflow:hidden;min-width:6rem}\
.bar span{display:block;height:100%;background:#17702e}";

fn status_word(status: Status, lang: Lang) -> &'static str {
    match status {
        Status::Pass => label(lang, "goed", "pass"),
        Status::Fail => label(lang, "fout", "fail"),
        Status::Error => label(lang, "mislukt", "error"),
        Status::Skipped => label(lang, "overgeslagen", "skipped"),
    }
}

pub fn render(report: &Report, lang: Lang) -> String {
    let lang_code = match lang {
        Lang::Nl => "nl",
        Lang::En => "en",
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang_code}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&report.lab),
        escape(say(&report.title, lang))
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(say(&report.title, lang)));
    let mut meta = vec![format!("lab {}", escape(&report.lab))];
    if let Some(s) = &report.student {
        meta.push(format!("student {}", escape(s)));
    }
    if let Some(s) = &report.seed {
        meta.push(format!("{} {}", label(lang, "variant", "variant"), escape(s)));
    }
    meta.push(escape(&report.timestamp));
    if report.student_view {
        meta.push(label(lang, "leerlingweergave", "student view").to_string());
    }
    let _ = writeln!(out, "<p class=\"meta\">{}</p>", meta.join(" · "));
    let _ = writeln!(
        out,
        "<p><span class=\"score\">{}%</span> — {} / {} {}</p>",
        report.score.percent,
        points(report.score.earned),
        points(report.score.possible),
        label(lang, "punten", "points")
    );
    let _ = writeln!(out, "<p>{}</p>", escape(&counts_sentence(report, lang)));
    if let Some(settling) = settling_sentence(report, lang) {
        let _ = writeln!(out, "<p>{}</p>", escape(&settling));
    }
    if let Some(regressions) = regression_sentence(report, lang) {
        let broken = report.regressions.as_ref().is_some_and(|r| !r.broken.is_empty());
        let _ = writeln!(
            out,
            "<p class=\"{}\">{}</p>",
            if broken { "fail" } else { "pass" },
            escape(&regressions)
        );
    }
    if !report.work_processes.is_empty() {
        let _ = writeln!(
            out,
            "<h2>{}</h2>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th></th></tr>",
            label(lang, "Per werkproces", "Per work process"),
            label(lang, "code", "code"),
            label(lang, "werkproces", "work process"),
            label(lang, "punten", "points")
        );
        for wp in &report.work_processes {
            let _ = writeln!(
                out,
                "<tr><td class=\"id\">{}</td><td>{}</td><td>{} / {} ({}%)</td><td><div class=\"bar\"><span style=\"width:{}%\"></span></div></td></tr>",
                escape(&wp.code),
                escape(say(&wp.name, lang)),
                points(wp.score.earned),
                points(wp.score.possible),
                wp.score.percent,
                wp.score.percent.clamp(0.0, 100.0)
            );
        }
        out.push_str("</table>\n");
    }
    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th></tr>",
        label(lang, "Controles", "Checks"),
        label(lang, "uitslag", "result"),
        label(lang, "controle", "check"),
        label(lang, "punten", "points")
    );
    for check in &report.checks {
        let class = check.status.name();
        let _ = write!(
            out,
            "<tr><td class=\"status {class}\">{}</td><td>{}<div class=\"id\">{}</div>",
            status_word(check.status, lang),
            escape(say(&check.title, lang)),
            escape(&check.id)
        );
        let mut line = |name: &str, text: &str, class: &str| {
            let _ = write!(out, "<div class=\"detail {class}\">{}: {}</div>", escape(name), escape(text));
        };
        if check.status != Status::Pass {
            if check.worked_at_start {
                line(
                    label(lang, "regressie", "regression"),
                    label(
                        lang,
                        "was goed bij de start, sindsdien stukgemaakt",
                        "passed at the start, broken since",
                    ),
                    "fail",
                );
            }
            if let Some(e) = &check.expected {
                line(label(lang, "verwacht", "expected"), say(e, lang), "");
            }
            if let Some(o) = &check.observed {
                line(label(lang, "gezien", "observed"), say(o, lang), "");
            }
            if let Some(r) = &check.reason {
                line(label(lang, "reden", "reason"), say(r, lang), "");
            }
            if let Some(h) = &check.hint {
                line(label(lang, "tip", "hint"), say(h, lang), "hint");
            }
        } else if let Some(o) = &check.observed {
            line(label(lang, "gezien", "observed"), say(o, lang), "");
        }
        if !check.evidence.is_empty() {
            let _ = write!(out, "<details><summary>{}</summary>", label(lang, "bewijs", "evidence"));
            for e in &check.evidence {
                let who = match e.influence {
                    Influence::Asbuilt => label(lang, "door asbuilt zelf", "by asbuilt itself"),
                    Influence::NodeTools => {
                        label(lang, "met de programma's van de node", "with the node's own programs")
                    }
                };
                let _ = write!(
                    out,
                    "<div class=\"detail\">{} ({who})</div><pre>{}</pre>",
                    escape(&e.method),
                    escape(&e.raw)
                );
            }
            out.push_str("</details>");
        }
        let _ = writeln!(out, "</td><td>{} / {}</td></tr>", points(check.earned), points(check.weight));
    }
    out.push_str("</table>\n");
    if !report.rubric.is_empty() {
        let _ = writeln!(
            out,
            "<h2>{}</h2>\n<table>\n<tr><th>{}</th><th>{}</th></tr>",
            label(lang, "Beoordeeld door de docent", "Scored by the teacher"),
            label(lang, "criterium", "criterion"),
            label(lang, "punten", "points")
        );
        for item in &report.rubric {
            let _ = write!(
                out,
                "<tr><td>{}<div class=\"id\">{}</div>",
                escape(say(&item.criterion, lang)),
                escape(&item.id)
            );
            if let Some(about) = &item.about {
                let _ = write!(
                    out,
                    "<div class=\"detail\">{}: {}</div>",
                    label(lang, "over", "about"),
                    escape(about)
                );
            }
            if let Some(comment) = &item.comment {
                let _ = write!(
                    out,
                    "<div class=\"detail\">{}: {}</div>",
                    label(lang, "opmerking", "comment"),
                    escape(comment)
                );
            }
            if item.earned.is_none() {
                let _ = write!(
                    out,
                    "<div class=\"detail skipped\">{}</div>",
                    label(lang, "nog te beoordelen", "to be scored")
                );
            }
            let _ = writeln!(out, "</td><td>{}</td></tr>", item_points(item));
        }
        out.push_str("</table>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}
