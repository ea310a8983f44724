//! Owns the changes okstra makes to a plan: answering a clarification item (`okstra plan
//! answer`) and approving it (`okstra approve`, SPEC §7.5). A plan with a data.json is changed
//! there — the source of truth — and its markdown re-rendered by the one report writer; a
//! markdown-only plan has one line of its markdown replaced (its §1 row, or `approved:` in its
//! front matter). Every write is atomic.

use std::path::{Path, PathBuf};

use okstra_core::plan::{
    PlanEditError, Section1, parse_markdown_plan, set_clarification_answer, set_markdown_approved,
};
use okstra_core::report::ApprovalRecord;

use super::check::approval_refusals;
use super::error::PlanFileError;
use super::load::LoadedPlan;
use crate::fs_atomic::write_text;
use crate::report_file::write_report;

/// A recorded answer.
#[derive(Clone, Debug)]
pub struct Answered {
    /// The item's id as the plan spells it.
    pub id: String,
    /// The plan's main file (its data.json, else its markdown).
    pub plan: PathBuf,
    /// The files written, in order.
    pub written: Vec<PathBuf>,
}

/// What `okstra approve` did.
#[derive(Clone, Debug)]
pub enum Approval {
    /// The plan is now approved; `written` lists the files changed.
    Approved {
        plan: PathBuf,
        written: Vec<PathBuf>,
    },
    /// It already was; nothing changed.
    AlreadyApproved { plan: PathBuf },
}

/// Records `answer` (and `status`: `resolved`, `obsolete` or `open`) for clarification item
/// `id` of a plan.
pub fn answer_clarification(
    plan: &LoadedPlan,
    id: &str,
    answer: &str,
    status: &str,
) -> Result<Answered, PlanFileError> {
    plan.check_mirror()?;
    if let (Some(data_path), Some(data)) = (&plan.files.data, &plan.data) {
        let mut data = data.clone();
        let items = &mut data.narrative.clarifications;
        let wanted = id.trim();
        let index = items
            .iter()
            .position(|c| c.id.trim() == wanted)
            .or_else(|| {
                items
                    .iter()
                    .position(|c| c.id.trim().eq_ignore_ascii_case(wanted))
            })
            .ok_or_else(|| PlanFileError::UnknownClarification {
                path: data_path.clone(),
                id: wanted.to_owned(),
                known: items.iter().map(|c| c.id.clone()).collect(),
            })?;
        let item = &mut items[index];
        item.answer = Some(answer.to_owned());
        status.clone_into(&mut item.status);
        let id = item.id.clone();
        let md = write_report(data_path, &data)?;
        return Ok(Answered {
            id,
            plan: data_path.clone(),
            written: vec![data_path.clone(), md],
        });
    }
    let (path, text) = markdown(plan)?;
    let edited = set_clarification_answer(text, id, answer, Some(status))
        .map_err(|e| edit_error(path, id, e))?;
    write_text(path, &edited)?;
    // The id as the plan spells it (the edit matched it case-insensitively when it had to).
    let spelled = match parse_markdown_plan(&edited).section_1 {
        Section1::Items(items) => items
            .into_iter()
            .map(|c| c.id)
            .find(|known| known.eq_ignore_ascii_case(id.trim())),
        _ => None,
    };
    Ok(Answered {
        id: spelled.unwrap_or_else(|| id.trim().to_owned()),
        plan: path.to_path_buf(),
        written: vec![path.to_path_buf()],
    })
}

/// Approves a plan (SPEC §7.5), or refuses with every reason it cannot be. A plan with a
/// data.json gets `record` (when, through what, which MCP client) beside its `approved`; a
/// markdown-only plan has nowhere to keep it.
pub fn approve_plan(plan: &LoadedPlan, record: ApprovalRecord) -> Result<Approval, PlanFileError> {
    let main = plan.files.main_path().to_path_buf();
    let mirrored = plan.check_mirror().is_ok();
    if mirrored && plan.approved() {
        return Ok(Approval::AlreadyApproved { plan: main });
    }
    let reasons = approval_refusals(plan)?;
    if !reasons.is_empty() {
        return Err(PlanFileError::Unapprovable {
            path: main,
            reasons,
        });
    }
    if let (Some(data_path), Some(data)) = (&plan.files.data, &plan.data) {
        let mut data = data.clone();
        data.frontmatter.approved = Some(true);
        data.approval = Some(record);
        let md = write_report(data_path, &data)?;
        return Ok(Approval::Approved {
            plan: main,
            written: vec![data_path.clone(), md],
        });
    }
    let (path, text) = markdown(plan)?;
    let edited = set_markdown_approved(text, true).map_err(|e| edit_error(path, "", e))?;
    write_text(path, &edited)?;
    Ok(Approval::Approved {
        plan: main,
        written: vec![path.to_path_buf()],
    })
}

/// Returns a markdown plan's text with its approval recorded: as it is when its front matter
/// says `approved`, else with `approved: false` added (an imported plan starts unapproved).
pub(super) fn with_approval_recorded(
    path: &Path,
    text: &str,
    approved: Option<bool>,
) -> Result<String, PlanFileError> {
    match approved {
        Some(_) => Ok(text.to_owned()),
        None => set_markdown_approved(text, false).map_err(|e| edit_error(path, "", e)),
    }
}

/// Returns the markdown of a plan without data.
fn markdown(plan: &LoadedPlan) -> Result<(&Path, &str), PlanFileError> {
    plan.markdown_file().ok_or_else(|| PlanFileError::NoPlan {
        path: plan.files.main_path().to_path_buf(),
    })
}

/// Returns the error of an edit of the markdown plan at `path` that cannot be made.
fn edit_error(path: &Path, id: &str, err: PlanEditError) -> PlanFileError {
    let path = path.to_path_buf();
    match err {
        PlanEditError::UnknownItem { known, .. } => PlanFileError::UnknownClarification {
            path,
            id: id.trim().to_owned(),
            known: known
                .split(", ")
                .filter(|k| *k != "none")
                .map(str::to_owned)
                .collect(),
        },
        source => PlanFileError::Edit { path, source },
    }
}
