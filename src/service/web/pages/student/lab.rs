//! What the lab page shows of the lab itself, made from the student's own design (their
//! variant, placeholders filled in): the task as HTML, the diagram, the nodes that get
//! a console, and the checks "check my work" will run, with their hints.

use serde::Serialize;

use super::markdown;
use crate::checks::derive;
use crate::design::{Design, Lang};
use crate::graph::{self, Format};
use crate::service::error::ApiError;
use crate::service::state::AppState;

/// The design the student's lab is built (and graded) from, as the instance request
/// makes it.
async fn student_design(
    state: &AppState,
    lab_version_id: i64,
    student_key: &str,
) -> Result<Design, ApiError> {
    let lab = crate::service::routes::labs::stored_lab(&state.db, lab_version_id).await?;
    Ok(lab.design_for(Some(student_key)))
}

/// Lab pages' views, by lab version, student and language, made once each.
///
/// Making a view (loading the lab's YAML, the student's variant, the diagram, the
/// derived checks and the Markdown) was nearly all of a lab page's 2.5 ms; with a class
/// polling its pages while labs deploy on two cores, that CPU is what made pages slow.
/// A stored lab version never changes and a variant depends only on the student's key,
/// so a view made once is right for good. Bounded: when full it starts again empty.
#[derive(Default)]
pub struct LabViews {
    views: std::sync::Mutex<std::collections::HashMap<(i64, String, Lang), std::sync::Arc<LabView>>>,
}

/// Views kept at most: a school's classes times their labs, with room to spare.
const MAX_VIEWS: usize = 4096;

impl LabViews {
    pub async fn get(
        &self,
        state: &AppState,
        lab_version_id: i64,
        student_key: &str,
        lang: Lang,
    ) -> Result<std::sync::Arc<LabView>, ApiError> {
        let key = (lab_version_id, student_key.to_string(), lang);
        if let Some(view) = self.lock().get(&key) {
            return Ok(view.clone());
        }
        let design = student_design(state, lab_version_id, student_key).await?;
        let view = std::sync::Arc::new(LabView::new(&design, lang));
        let mut views = self.lock();
        if views.len() >= MAX_VIEWS {
            views.clear();
        }
        views.insert(key, view.clone());
        Ok(view)
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<(i64, String, Lang), std::sync::Arc<LabView>>>
    {
        // A panic while holding it leaves only a cache behind: keep using it.
        self.views.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A node and its kind, for the console list and the diagram's live states.
#[derive(Debug, Serialize)]
pub struct NodeItem {
    pub name: String,
    pub kind: &'static str,
}

/// A check as the student sees it before it ran.
#[derive(Debug, Serialize)]
pub struct CheckItem {
    pub id: String,
    pub title: String,
    /// The hint as HTML: teachers write `code` in hints as in the task.
    pub hint_html: Option<String>,
}

/// The incident a ticket lab starts from, in the page's language.
#[derive(Debug, Serialize)]
pub struct TicketItem {
    pub from: String,
    pub message: String,
}

/// A text the student writes and hands in, and what to write.
#[derive(Debug, Serialize)]
pub struct WritingItem {
    pub id: String,
    pub prompt: String,
}

/// A criterion the teacher scores by hand, as the student reads it before scoring.
#[derive(Debug, Serialize)]
pub struct RubricLine {
    pub id: String,
    pub criterion: String,
    pub points: f64,
}

/// The parts of the lab page that come from the design.
#[derive(Debug, Serialize)]
pub struct LabView {
    pub title: String,
    pub task_html: String,
    pub diagram_svg: String,
    pub nodes: Vec<NodeItem>,
    pub checks: Vec<CheckItem>,
    pub ticket: Option<TicketItem>,
    pub writings: Vec<WritingItem>,
    pub rubric: Vec<RubricLine>,
}

impl LabView {
    pub fn new(design: &Design, lang: Lang) -> LabView {
        let text = |t: &crate::design::Text| t.get(lang).unwrap_or_default().to_string();
        let svg = graph::draw_in(design, Format::Svg, lang);
        // Inline in the page: the XML declaration belongs to a file, not to HTML.
        let diagram_svg = match svg.strip_prefix("<?xml") {
            Some(rest) => {
                rest.split_once("?>").map_or(svg.clone(), |(_, body)| body.trim_start().to_string())
            }
            None => svg,
        };
        let checks = derive::suite(design)
            .checks
            .into_iter()
            .filter(|c| c.graded)
            .map(|c| CheckItem {
                title: text(&c.title),
                hint_html: (!c.hint.is_empty()).then(|| markdown::inline_html(&text(&c.hint))),
                id: c.id,
            })
            .collect();
        LabView {
            title: text(&design.title),
            task_html: markdown::to_html(design.task.get(lang).unwrap_or_default()),
            diagram_svg,
            nodes: design
                .nodes
                .values()
                .map(|n| NodeItem { name: n.name.clone(), kind: n.kind.name() })
                .collect(),
            checks,
            ticket: design
                .ticket
                .as_ref()
                .map(|t| TicketItem { from: text(&t.from), message: text(&t.message) }),
            writings: design
                .hand_in
                .iter()
                .map(|w| WritingItem { id: w.id.clone(), prompt: text(&w.prompt) })
                .collect(),
            rubric: design
                .rubric
                .iter()
                .map(|i| RubricLine { id: i.id.clone(), criterion: text(&i.criterion), points: i.points })
                .collect(),
        }
    }
}
