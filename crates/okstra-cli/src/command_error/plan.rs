//! Owns the blame of plan files (`okstra plan …`, `okstra approve`): every plan given on the
//! command line, and every refusal of a plan, is the user's to fix (exit 2), each with what to
//! do; only okstra's own failures to read or write are internal (exit 1).

use okstra_core::plan::PlanEditError;
use okstra_engine::{ApprovalBlocker, PlanFileError};

use super::CommandError;

/// What a plan argument may be, for hints.
const PLAN_FORMS: &str =
    "name a plan's .md, its final-report-implementation-planning-<seq>.data.json, or its run id";

impl From<PlanFileError> for CommandError {
    fn from(err: PlanFileError) -> Self {
        let err = match err {
            PlanFileError::Report(e) => return e.into(),
            PlanFileError::FindRun(e) => return e.into(),
            PlanFileError::Prepare(e) => return e.into(),
            PlanFileError::Store(e) => return e.into(),
            other => other,
        };
        let hint = match &err {
            PlanFileError::NotFound { .. } | PlanFileError::NotAPlanFile { .. } => {
                PLAN_FORMS.to_owned()
            }
            PlanFileError::NotAPlanRun { .. } | PlanFileError::NotAPlanReport { .. } => {
                "`okstra ctl list` shows each run's task type: plans come from implementation-planning runs"
                    .to_owned()
            }
            PlanFileError::NoReport { run_id, .. } => format!(
                "a run writes its report at its end: `okstra resume {run_id}` finishes an interrupted one"
            ),
            PlanFileError::NoTaskPlan { .. } => "run `okstra run implementation-planning --task <group>/<id>`, \
                 or bring a plan in with `okstra plan import <file.md> --task <group>/<id>`"
                .to_owned(),
            PlanFileError::NotText { .. } => "save the plan as UTF-8 markdown".to_owned(),
            PlanFileError::Frontmatter { .. } => {
                "fix the YAML between the `---` lines at the top of the file".to_owned()
            }
            PlanFileError::Mirror { data, .. } => format!(
                "`okstra render {}` re-renders the markdown from its data; a plan is approved only with `okstra approve`",
                data.display()
            ),
            PlanFileError::NoPlan { .. } => {
                "run implementation-planning again to write a plan".to_owned()
            }
            PlanFileError::UnknownClarification { .. } => {
                "use one of the ids listed; `okstra plan show` names the plan".to_owned()
            }
            PlanFileError::Edit { source, .. } => match source {
                PlanEditError::BadStatus { .. } => {
                    "use --status resolved, obsolete or open".to_owned()
                }
                PlanEditError::UnclosedFrontmatter | PlanEditError::Frontmatter(_) => {
                    "fix the YAML between the `---` lines at the top of the file".to_owned()
                }
                _ => "section 1 is a `Clarification Items` heading with a table \
                      `| id | question | answer | Blocks | Status |`, one row per item"
                    .to_owned(),
            },
            PlanFileError::Failing { .. } => {
                "fix each line named above, then run `okstra plan check` on the file".to_owned()
            }
            PlanFileError::Unapprovable { reasons, .. } => {
                let hints = unapprovable_hints(reasons);
                let mut e = CommandError::user(err);
                e.hints = hints;
                return e;
            }
            // Okstra's own failure to read or write; the others are handled before this match.
            PlanFileError::Io(_)
            | PlanFileError::Report(_)
            | PlanFileError::FindRun(_)
            | PlanFileError::Prepare(_)
            | PlanFileError::Store(_) => return CommandError::internal(err),
        };
        CommandError::user(err).hint(hint)
    }
}

/// Returns what to do about the reasons a plan cannot be approved, each once.
fn unapprovable_hints(reasons: &[ApprovalBlocker]) -> Vec<String> {
    let mut todo: Vec<String> = Vec::new();
    for reason in reasons {
        let what = match reason {
            ApprovalBlocker::OpenItem { .. } => {
                "answer each open item with `okstra plan answer <plan> <C-id> \"<answer>\"`"
            }
            ApprovalBlocker::Gate { .. } => {
                "a plan the gate blocked needs a new `okstra run implementation-planning`"
            }
            ApprovalBlocker::Section1 { .. } => {
                "make section 1 a table `| id | question | answer | Blocks | Status |`"
            }
            ApprovalBlocker::Rule { .. } => "`okstra plan check <plan>` lists the rule failures",
            ApprovalBlocker::Mirror { .. } => {
                "`okstra render <data.json>` re-renders the markdown from its data"
            }
        };
        if !todo.iter().any(|t| t == what) {
            todo.push(what.to_owned());
        }
    }
    todo
}
