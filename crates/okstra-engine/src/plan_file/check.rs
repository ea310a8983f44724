//! Owns judging a loaded plan: its rule violations (`okstra plan check`) — a plan with a
//! data.json is checked as report data (positions are JSON pointers), a markdown-only plan as
//! markdown (positions are lines) — its plan body for `plan show`, and every reason it cannot
//! be approved (SPEC §7.5). The rules themselves are `okstra_core::plan`'s.

use std::path::PathBuf;

use okstra_core::plan::{
    MarkdownPlan, PlanBody, Rule, Section1, Violation, approval_blockers, check_report_plan,
    parse_markdown_plan,
};
use okstra_core::report::{Clarification, ReportData};

use super::error::{ApprovalBlocker, PlanFileError};
use super::load::LoadedPlan;

/// The result of checking a plan.
#[derive(Clone, Debug)]
pub struct PlanCheck {
    /// The file checked: the data.json, or the markdown of a plan without one.
    pub path: PathBuf,
    /// Whether the plan was checked as report data (positions are JSON pointers).
    pub as_data: bool,
    /// Every violation, sorted by position then rule.
    pub violations: Vec<Violation>,
    /// How many stages the plan has.
    pub stages: usize,
}

/// A markdown plan's text, checked.
#[derive(Clone, Debug)]
pub struct MarkdownCheck {
    pub violations: Vec<Violation>,
    pub stages: usize,
    /// Its front matter's `approved`, `None` when absent.
    pub approved: Option<bool>,
}

/// Returns every violation of a markdown plan's text, its stage count and its approval.
pub fn check_markdown_text(text: &str) -> MarkdownCheck {
    let plan = parse_markdown_plan(text);
    MarkdownCheck {
        violations: plan.violations(),
        stages: plan.body.stages.len(),
        approved: plan.approved,
    }
}

/// Checks a plan: as report data when it has a data.json, else as markdown.
pub fn check_plan(plan: &LoadedPlan) -> Result<PlanCheck, PlanFileError> {
    if let (Some(path), Some(data)) = (&plan.files.data, &plan.data) {
        return Ok(PlanCheck {
            path: path.clone(),
            as_data: true,
            violations: check_report_plan(data),
            stages: data_body(data).map_or(0, |b| b.stages.len()),
        });
    }
    let (path, text) = markdown_of(plan)?;
    let checked = check_markdown_text(text);
    Ok(PlanCheck {
        path,
        as_data: false,
        violations: checked.violations,
        stages: checked.stages,
    })
}

/// Returns the plan body: the data's structured plan (or its older markdown plan body, read),
/// else the markdown's.
pub fn plan_body(plan: &LoadedPlan) -> Result<PlanBody, PlanFileError> {
    match (&plan.files.data, &plan.data) {
        (Some(path), Some(data)) => {
            data_body(data).ok_or_else(|| PlanFileError::NoPlan { path: path.clone() })
        }
        _ => Ok(parse_markdown_plan(markdown_of(plan)?.1).body),
    }
}

/// Returns the structured plan of report data, or the plan an older okstra wrote into it as
/// markdown, read.
fn data_body(data: &ReportData) -> Option<PlanBody> {
    let narrative = &data.narrative;
    narrative.plan.clone().or_else(|| {
        narrative
            .plan_body
            .as_deref()
            .filter(|md| !md.trim().is_empty())
            .map(|md| parse_markdown_plan(md).body)
    })
}

/// Returns the markdown of a plan without data.
fn markdown_of(plan: &LoadedPlan) -> Result<(PathBuf, &str), PlanFileError> {
    plan.markdown_file()
        .map(|(path, text)| (path.to_path_buf(), text))
        .ok_or_else(|| PlanFileError::NoPlan {
            path: plan.files.main_path().to_path_buf(),
        })
}

/// Returns every reason the plan cannot be approved, in this order: the approval mirror, the
/// gate, open `Blocks=approval` items, then each rule violation (section 1 among them).
pub(crate) fn approval_refusals(plan: &LoadedPlan) -> Result<Vec<ApprovalBlocker>, PlanFileError> {
    let mut reasons = Vec::new();
    match plan.check_mirror() {
        Ok(()) => {}
        Err(e @ (PlanFileError::Mirror { .. } | PlanFileError::Frontmatter { .. })) => {
            reasons.push(ApprovalBlocker::Mirror {
                message: e.to_string(),
            });
        }
        Err(e) => return Err(e),
    }
    if let Some(gate) = plan.gate()
        && gate.result.blocks_approval()
    {
        reasons.push(ApprovalBlocker::Gate {
            result: gate.result.to_string(),
            reason: gate.reason.clone(),
        });
    }
    let items = match &plan.data {
        Some(data) => data.narrative.clarifications.clone(),
        None => match markdown_of(plan).map(|(_, md)| parse_markdown_plan(md)) {
            Ok(MarkdownPlan {
                section_1: Section1::Items(items),
                ..
            }) => items,
            _ => Vec::new(),
        },
    };
    reasons.extend(approval_blockers(&items).into_iter().map(open_item));
    let check = check_plan(plan)?;
    let path = check.path.display().to_string();
    for v in &check.violations {
        let diagnostic = v.display_in(&path);
        reasons.push(if v.rule == Rule::Section1 {
            ApprovalBlocker::Section1 {
                message: diagnostic,
            }
        } else {
            ApprovalBlocker::Rule { diagnostic }
        });
    }
    Ok(reasons)
}

fn open_item(item: &Clarification) -> ApprovalBlocker {
    ApprovalBlocker::OpenItem {
        id: item.id.clone(),
        status: item.status.clone(),
        question: item
            .question
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    }
}
