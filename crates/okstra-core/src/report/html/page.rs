//! Owns one report page: the document around the sections (charset, viewport, the
//! `okstra-data-sha256` meta the validator compares with the data.json, the stylesheet), the
//! header, and which sections a task type shows, in order. A pure function of its input:
//! the same data gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::final_verification::FinalVerificationRecord;
use crate::plan::model::Stage;
use crate::report::data::ReportData;
use crate::report::html::escape::esc;
use crate::report::html::labels::labels;
use crate::report::html::style::CSS;
use crate::report::html::{findings, plan, stage, workers};
use crate::task_type::TaskType;
use crate::team_state::TeamState;

/// The name of the meta element holding the data.json's SHA-256.
pub const DATA_SHA256_META: &str = "okstra-data-sha256";

/// What a report page is made from.
pub struct HtmlInput<'a> {
    pub data: &'a ReportData,
    /// SHA-256 of the data.json the page shows.
    pub data_sha256: &'a str,
    /// The run's team state, for the worker timeline.
    pub team: Option<&'a TeamState>,
    /// The final verification a hand-off rests on (a final verification's own is in its data),
    /// for the verdict and the evidence table.
    pub verification: Option<&'a FinalVerificationRecord>,
    /// The task's Stage Map and each stage's state word, for final verification and hand-off
    /// pages (a plan page draws its own plan's).
    pub stage_map: Option<(&'a [Stage], &'a BTreeMap<u32, String>)>,
}

/// Returns the page.
pub fn render_html(input: &HtmlInput<'_>) -> String {
    let data = input.data;
    let fm = &data.frontmatter;
    let l = labels(fm.language);
    let mut out = String::with_capacity(64 * 1024);
    let title = format!(
        "{} · {} #{}",
        fm.task_key,
        fm.task_type.as_str(),
        fm.run_seq
    );
    let stage = fm
        .stage
        .map(|s| format!("<dt>{}</dt><dd>{s}</dd>", l.stage))
        .unwrap_or_default();
    open_page(
        &mut out,
        fm.language.as_str(),
        &title,
        Some(input.data_sha256),
    );
    let _ = write!(
        out,
        "<dl class=\"meta\"><dt>{run}</dt><dd><code>{run_id}</code></dd><dt>{task}</dt><dd>{task_key}</dd>{stage}<dt>{gen}</dt><dd>{at}</dd></dl>",
        run = l.run,
        run_id = esc(&fm.run_id),
        task = l.task,
        task_key = esc(&fm.task_key),
        gen = l.generated,
        at = fm
            .generated_at
            .round(jiff::Unit::Second)
            .unwrap_or(fm.generated_at),
    );
    if fm.replay {
        let _ = write!(out, "<p class=\"replay\">{}</p>", l.replay);
    }
    out.push_str("</header>");
    findings::narrative(data, l, &mut out);
    match fm.task_type {
        TaskType::ImplementationPlanning => {
            if let Some(body) = &data.narrative.plan {
                plan::stage_map(&body.stages, &BTreeMap::new(), l, &mut out);
            }
            plan::gate(data, l, &mut out);
            plan::clarifications(data, l, &mut out);
        }
        TaskType::Implementation => stage::implementation(data, l, &mut out),
        TaskType::FinalVerification | TaskType::ReleaseHandoff => {
            let record = data.final_verification.as_ref().or(input.verification);
            if let Some(record) = record {
                stage::final_verification(record, l, &mut out);
            }
            stage::handoff(data, l, &mut out);
            if let Some((stages, states)) = input.stage_map {
                plan::stage_map(stages, states, l, &mut out);
            }
        }
        TaskType::RequirementsDiscovery | TaskType::ErrorAnalysis => {
            plan::clarifications(data, l, &mut out);
        }
    }
    findings::findings(data, l, &mut out);
    findings::matrix(data, l, &mut out);
    workers::timeline(input.team, l, &mut out);
    workers::tokens(data, l, &mut out);
    if !data.notes.is_empty() {
        let _ = write!(out, "<section id=\"notes\"><h2>{}</h2><ul>", l.notes);
        for n in &data.notes {
            let _ = write!(out, "<li>{}</li>", esc(n));
        }
        out.push_str("</ul></section>");
    }
    close_page(out)
}

/// Starts a page: the document head (charset, viewport, the data hash when given, the
/// stylesheet), then `<main><header><h1>title</h1>`; the caller closes the header.
pub(crate) fn open_page(out: &mut String, lang: &str, title: &str, data_sha256: Option<&str>) {
    let sha = data_sha256
        .map(|sha| {
            format!(
                "<meta name=\"{DATA_SHA256_META}\" content=\"{}\">",
                esc(sha)
            )
        })
        .unwrap_or_default();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{sha}<meta name=\"generator\" content=\"okstra\"><title>{t}</title><style>{CSS}</style></head><body><main><header><h1>{t}</h1>",
        t = esc(title),
    );
}

/// Ends a page; one section per line keeps diffs of pages readable.
pub(crate) fn close_page(mut out: String) -> String {
    out.push_str("</main></body></html>\n");
    out.replace("</section>", "</section>\n")
}

/// Returns the data.json SHA-256 a page records, if it has one.
pub fn html_data_sha256(html: &str) -> Option<&str> {
    let key = format!("<meta name=\"{DATA_SHA256_META}\" content=\"");
    let start = html.find(&key)? + key.len();
    let len = html[start..].find('"')?;
    Some(&html[start..start + len])
}
