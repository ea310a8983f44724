//! Owns the run validator's checks of plan runs (SPEC §7.4): the plan-body gate the report
//! data records equal to the gate of `state/plan-body-verification-<seq>.json` (when either
//! exists), and the Stage Map rules S1–S10 with the option rules — over the report data's
//! structured plan (each failure named by its JSON pointer) or over the markdown of a plan
//! without one (by line). A gate that blocked is a valid record, not a failure: the plan is
//! simply not approvable. An imported plan (no data, no workers) is validated from its
//! markdown alone.
//!
//! The approval mirror and the heading keywords of a rendered plan are checked with the
//! markdown, in the parent module.

use std::path::Path;

use okstra_core::document::parse_versioned;
use okstra_core::plan::{
    PLAN_BODY_VERIFICATION_KIND, PlanBodyVerification, Rule, Violation, check_report_plan,
};
use okstra_core::report::ReportData;
use okstra_core::run_paths::RunPaths;

use super::Checks;
use crate::plan_file::check_markdown_text;

/// The check of the plan-body gate record.
const GATE: &str = "plan-gate";
/// The check of the Stage Map rules.
const RULES: &str = "plan-rules";
/// The check of the heading keywords.
const HEADINGS: &str = "plan-headings";

/// Checks the gate and the rules of a plan run whose report data is `data` (at `data_path`).
pub(super) fn check_plan_data(
    c: &mut Checks,
    paths: &RunPaths,
    data_path: &Path,
    data: &ReportData,
) {
    check_gate(c, paths, data_path, data);
    if data.narrative.plan.is_some() {
        c.check(data_path, RULES);
        for v in check_report_plan(data) {
            c.fail(data_path, RULES, violation(&v));
        }
        return;
    }
    // A plan an older okstra wrote as markdown: its rules are read from the markdown.
    let md_path = paths.report_markdown();
    if let Some(bytes) = c.read(&md_path, RULES) {
        check_markdown(c, &md_path, &String::from_utf8_lossy(&bytes), false);
    }
}

/// Checks an imported plan run: its markdown, with every rule and heading keyword.
pub(super) fn check_imported(c: &mut Checks, paths: &RunPaths) {
    let md_path = paths.report_markdown();
    let Some(bytes) = c.read(&md_path, "report-markdown") else {
        return;
    };
    match String::from_utf8(bytes) {
        Ok(text) => check_markdown(c, &md_path, &text, true),
        Err(_) => c.fail(&md_path, "report-markdown", "not UTF-8 text"),
    }
    let data = paths.report_data();
    if data.exists() {
        c.fail(
            &data,
            "report-data",
            "an imported plan has no report data, but this file exists",
        );
    }
}

/// Checks the rules of a markdown plan; its keyword failures too when `keywords` (a rendered
/// plan has them checked with its markdown already).
fn check_markdown(c: &mut Checks, md_path: &Path, text: &str, keywords: bool) {
    c.check(md_path, RULES);
    if keywords {
        c.check(md_path, HEADINGS);
    }
    for v in check_markdown_text(text).violations {
        if v.rule == Rule::Keyword {
            if keywords {
                c.fail(md_path, HEADINGS, violation(&v));
            }
        } else {
            c.fail(md_path, RULES, violation(&v));
        }
    }
}

/// Checks that the gate the report data records is the one its state file records, when
/// either exists.
fn check_gate(c: &mut Checks, paths: &RunPaths, data_path: &Path, data: &ReportData) {
    let record = paths.plan_body_verification_record();
    if data.plan_gate.is_none() && !record.exists() {
        return;
    }
    let Some(bytes) = c.read(&record, GATE) else {
        return;
    };
    let state: PlanBodyVerification = match parse_versioned(
        &String::from_utf8_lossy(&bytes),
        PLAN_BODY_VERIFICATION_KIND,
    ) {
        Ok(state) => state,
        Err(e) => {
            c.fail(&record, GATE, e.to_string());
            return;
        }
    };
    if state.run_id != data.frontmatter.run_id || state.run_seq != data.frontmatter.run_seq {
        c.fail(
            &record,
            GATE,
            format!(
                "records run {} #{}, the report is of run {} #{}",
                state.run_id, state.run_seq, data.frontmatter.run_id, data.frontmatter.run_seq
            ),
        );
    }
    c.check(data_path, GATE);
    match &data.plan_gate {
        None => c.fail(
            data_path,
            GATE,
            format!(
                "/planGate is missing, but {} records the gate {}",
                record.display(),
                state.gate.result
            ),
        ),
        Some(gate) if *gate != state.gate => c.fail(
            data_path,
            GATE,
            format!(
                "/planGate ({}) differs from the gate {} records ({})",
                gate.result,
                record.display(),
                state.gate.result
            ),
        ),
        Some(_) => {}
    }
}

/// Returns a violation as a validation message: `<line or pointer>: <rule> <message>`.
fn violation(v: &Violation) -> String {
    format!("{}: {} {}", v.at, v.rule, v.message)
}
