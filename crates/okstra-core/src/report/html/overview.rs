//! Owns a task's overview page (`.okstra/tasks/<g>/<id>/overview.html`): every run of the task
//! in order with its status and a link to its page, the latest report of each task type, and
//! the Stage Map of the task's plan coloured by where each stage stands.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::config::Language;
use crate::plan::model::Stage;
use crate::report::html::escape::esc;
use crate::report::html::labels::labels;
use crate::report::html::page::{close_page, open_page};
use crate::report::html::plan;
use crate::task_type::TaskType;

/// One run of the task, as the overview lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OverviewRun {
    pub run_id: String,
    pub task_type: TaskType,
    pub run_seq: u32,
    pub stage: Option<u32>,
    /// The run's status word (`completed`, `failed` …).
    pub status: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// The run's report page, relative to the overview page, once it has one.
    pub page: Option<String>,
}

/// What an overview page is made from.
pub struct OverviewInput<'a> {
    /// `<projectId>:<group>:<id>`.
    pub task_key: &'a str,
    pub language: Language,
    /// Every run, oldest first.
    pub runs: &'a [OverviewRun],
    /// The plan's stages and each stage's state word, when the task has a plan.
    pub stage_map: Option<(&'a [Stage], &'a BTreeMap<u32, String>)>,
}

/// Returns the latest run of each task type that has a page, in task-type order.
pub fn latest_pages(runs: &[OverviewRun]) -> Vec<&OverviewRun> {
    TaskType::ALL
        .iter()
        .filter_map(|t| {
            runs.iter()
                .rev()
                .find(|r| r.task_type == *t && r.page.is_some())
        })
        .collect()
}

/// Returns the overview page.
pub fn render_overview(input: &OverviewInput<'_>) -> String {
    let l = labels(input.language);
    let mut out = String::with_capacity(32 * 1024);
    open_page(&mut out, input.language.as_str(), input.task_key, None);
    out.push_str("</header>");
    let latest = latest_pages(input.runs);
    if !latest.is_empty() {
        let _ = write!(out, "<section id=\"latest\"><h2>{}</h2><ul>", l.latest);
        for r in latest {
            let _ = write!(
                out,
                "<li><a href=\"{href}\">{name}</a> <span class=\"chip s-{st}\">{st}</span></li>",
                href = esc(r.page.as_deref().unwrap_or_default()),
                name = esc(&run_name(r, l.stage)),
                st = esc(&r.status),
            );
        }
        out.push_str("</ul></section>");
    }
    if let Some((stages, states)) = input.stage_map {
        plan::stage_map(stages, states, l, &mut out);
    }
    let _ = write!(
        out,
        "<section id=\"runs\"><h2>{}</h2><div class=\"scroll\"><table><tbody>",
        l.runs
    );
    for r in input.runs {
        let name = format!(
            "{} #{}{}",
            r.task_type.as_str(),
            r.run_seq,
            r.stage
                .map(|s| format!(" · {} {s}", l.stage))
                .unwrap_or_default()
        );
        let link = match &r.page {
            Some(page) => format!("<a href=\"{}\">{}</a>", esc(page), esc(&name)),
            None => esc(&name),
        };
        let _ = write!(
            out,
            "<tr><td>{link}</td><td><span class=\"chip s-{st}\">{st}</span></td><td class=\"mono\">{started}</td><td class=\"mono\">{finished}</td><td><code>{id}</code></td></tr>",
            st = esc(&r.status),
            started = esc(&r.started_at),
            finished = esc(r.finished_at.as_deref().unwrap_or("—")),
            id = esc(&r.run_id),
        );
    }
    out.push_str("</tbody></table></div></section>");
    close_page(out)
}

/// `implementation #1 · Stage 2`.
fn run_name(r: &OverviewRun, stage_word: &str) -> String {
    format!(
        "{} #{}{}",
        r.task_type.as_str(),
        r.run_seq,
        r.stage
            .map(|s| format!(" · {stage_word} {s}"))
            .unwrap_or_default()
    )
}
