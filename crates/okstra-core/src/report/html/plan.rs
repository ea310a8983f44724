//! Owns the parts of a page about a plan: the Stage Map as a DAG, the plan-body verification
//! gate (the result, then each `P-` item with its verdicts), and the clarification items with
//! their status.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::plan::model::Stage;
use crate::report::data::ReportData;
use crate::report::html::dag;
use crate::report::html::escape::esc;
use crate::report::html::labels::Labels;

/// The Stage Map, with each stage's state when known.
pub(crate) fn stage_map(
    stages: &[Stage],
    states: &BTreeMap<u32, String>,
    l: &Labels,
    out: &mut String,
) {
    if stages.is_empty() {
        return;
    }
    let _ = write!(out, "<section id=\"stage-map\"><h2>{}</h2>", l.stage_map);
    if !states.is_empty() {
        out.push_str("<div class=\"legend\">");
        for word in ["done", "started", "ready", "blocked", "stale"] {
            let n = states.values().filter(|s| *s == word).count();
            let _ = write!(out, "<span class=\"chip st-{word}\">{word} {n}</span>");
        }
        out.push_str("</div>");
    }
    let _ = write!(
        out,
        "<div class=\"scroll\">{}</div></section>",
        dag::render(stages, states, l.stage_map)
    );
}

/// The plan-body verification gate.
pub(crate) fn gate(data: &ReportData, l: &Labels, out: &mut String) {
    let Some(gate) = &data.plan_gate else { return };
    let r = gate.result.as_str();
    let _ = write!(
        out,
        "<section id=\"gate\"><h2>{}</h2><p><span class=\"chip r-{r}\">{r}</span> {}</p>",
        l.gate,
        esc(&gate.reason)
    );
    if !gate.items.is_empty() {
        out.push_str("<div class=\"scroll\"><table><thead><tr><th>id</th><th></th><th>AGREE</th><th>DISAGREE</th><th>UNSURE</th><th>—</th></tr></thead><tbody>");
        for item in &gate.items {
            let _ = write!(
                out,
                "<tr><td class=\"id\"><b>{}</b></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&item.id),
                esc(&item.title),
                who(&item.agreed_by, "agree"),
                who(&item.disagreed_by, "disagree"),
                who(&item.unsure_by, "unsure"),
                who(&item.missing, "none"),
            );
        }
        out.push_str("</tbody></table></div>");
    }
    out.push_str("</section>");
}

fn who(names: &[String], class: &str) -> String {
    names
        .iter()
        .map(|n| format!("<span class=\"chip v-{class}\">{}</span>", esc(n)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The clarification items.
pub(crate) fn clarifications(data: &ReportData, l: &Labels, out: &mut String) {
    let items = &data.narrative.clarifications;
    if items.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<section id=\"clarifications\"><h2>{}</h2><div class=\"scroll\"><table><tbody>",
        l.clarifications
    );
    for c in items {
        let class = match c.status.as_str() {
            "resolved" => "x-ok",
            "open" => "x-bad",
            _ => "v-none",
        };
        let _ = write!(
            out,
            "<tr><td class=\"id\"><b>{}</b></td><td><span class=\"chip {class}\">{}</span></td><td>{}<br><i>{}</i></td><td>{}</td></tr>",
            esc(&c.id),
            esc(&c.status),
            esc(&c.question),
            esc(c.answer.as_deref().unwrap_or("—")),
            esc(&c.blocks)
        );
    }
    out.push_str("</tbody></table></div></section>");
}
