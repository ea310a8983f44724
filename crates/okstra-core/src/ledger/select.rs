//! Owns stage selection for an implementation run (SPEC §8): `auto` takes the lowest-numbered
//! ready stage; `N` takes stage N or says why not — done, stale, started by which run,
//! reserved, blocked by which stage, no such stage — and a plan whose stages do not count
//! (another plan is in force, or another plan's stages are started or done) is refused first.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use crate::ledger::book::{PlanConflict, StageBook, StageState, stage_list};

/// What `--stage` asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StageChoice {
    #[default]
    Auto,
    Stage(u32),
}

/// A `--stage` value that is neither `auto` nor a stage number.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{value:?} is not a stage: use `auto` or a stage number from 1")]
pub struct StageChoiceError {
    pub value: String,
}

impl FromStr for StageChoice {
    type Err = StageChoiceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("auto") {
            return Ok(StageChoice::Auto);
        }
        match t.parse::<u32>() {
            Ok(n) if n > 0 => Ok(StageChoice::Stage(n)),
            _ => Err(StageChoiceError {
                value: s.to_owned(),
            }),
        }
    }
}

impl fmt::Display for StageChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StageChoice::Auto => f.write_str("auto"),
            StageChoice::Stage(n) => n.fmt(f),
        }
    }
}

/// The selected stage and the `done` heads of the stages it depends on (its base comes from
/// them: the one head, or their merge; none: the implementation base).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selected {
    pub stage: u32,
    /// `(stage, head_commit)` of each dependency, in order.
    pub dependency_heads: Vec<(u32, String)>,
}

/// Why no stage can be selected.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum SelectError {
    #[error("plan {plan} is not the task's plan: {conflict}")]
    Conflict {
        plan: String,
        conflict: PlanConflict,
    },
    #[error("the plan has no stage {stage} (its stages are {})", range(*count))]
    NoSuchStage { stage: u32, count: usize },
    #[error("stage {stage} is done{}", head.as_deref().map(|h| format!(" (head {})", short(h))).unwrap_or_default())]
    Done { stage: u32, head: Option<String> },
    #[error(
        "stage {stage} is stale: its branch points at tree {current_tree}, its evidence was taken on {recorded_tree}"
    )]
    Stale {
        stage: u32,
        recorded_tree: String,
        current_tree: String,
    },
    #[error("stage {stage} is started{}", run_id.as_deref().map(|r| format!(" by run {r}")).unwrap_or_default())]
    Started { stage: u32, run_id: Option<String> },
    #[error("stage {stage} is reserved by another run")]
    Reserved { stage: u32 },
    #[error("stage {stage} is blocked by {}", stage_list(by))]
    Blocked { stage: u32, by: Vec<u32> },
    #[error("no stage is ready: {summary}")]
    NoneReady { summary: String },
    #[error("a stage's dependency {dependency} is done with no head commit in the ledger")]
    NoDependencyHead { dependency: u32 },
}

fn range(count: usize) -> String {
    match count {
        0 => "none".to_owned(),
        1 => "1".to_owned(),
        n => format!("1-{n}"),
    }
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// Selects a stage of the plan in `book`.
pub fn select_stage(book: &StageBook, choice: StageChoice) -> Result<Selected, SelectError> {
    if let Some(conflict) = &book.conflict {
        return Err(SelectError::Conflict {
            plan: book
                .plan_run_id
                .clone()
                .unwrap_or_else(|| "(no run)".into()),
            conflict: conflict.clone(),
        });
    }
    let entry = match choice {
        StageChoice::Auto => book
            .stages
            .iter()
            .filter(|s| s.state == StageState::Ready)
            .min_by_key(|s| s.stage)
            .ok_or_else(|| SelectError::NoneReady {
                summary: none_ready_summary(book),
            })?,
        StageChoice::Stage(n) => book.stage(n).ok_or(SelectError::NoSuchStage {
            stage: n,
            count: book.stages.len(),
        })?,
    };
    let stage = entry.stage;
    match &entry.state {
        StageState::Ready => {}
        StageState::Done(done) => {
            return Err(SelectError::Done {
                stage,
                head: done.head.clone(),
            });
        }
        StageState::Stale { done, current_tree } => {
            return Err(SelectError::Stale {
                stage,
                recorded_tree: done.recorded_tree.clone().unwrap_or_default(),
                current_tree: current_tree.clone(),
            });
        }
        StageState::Started { run_id, .. } => {
            return Err(SelectError::Started {
                stage,
                run_id: run_id.clone(),
            });
        }
        StageState::Reserved => return Err(SelectError::Reserved { stage }),
        StageState::Blocked { by } => {
            return Err(SelectError::Blocked {
                stage,
                by: by.clone(),
            });
        }
    }
    let mut dependency_heads = Vec::new();
    let mut deps = entry.depends_on.clone();
    deps.sort_unstable();
    deps.dedup();
    for dep in deps {
        let head = book
            .stage(dep)
            .and_then(|d| match &d.state {
                StageState::Done(done) => done.head.clone(),
                _ => None,
            })
            .ok_or(SelectError::NoDependencyHead { dependency: dep })?;
        dependency_heads.push((dep, head));
    }
    Ok(Selected {
        stage,
        dependency_heads,
    })
}

/// Returns what the stages are when none is ready: `3 done, 1 started (4), 2 blocked (5, 6)`.
fn none_ready_summary(book: &StageBook) -> String {
    if book.stages.is_empty() {
        return "the plan has no stages".to_owned();
    }
    let mut parts = Vec::new();
    for word in ["done", "stale", "started", "reserved", "blocked"] {
        let stages: Vec<String> = book
            .stages
            .iter()
            .filter(|s| s.state.word() == word)
            .map(|s| s.stage.to_string())
            .collect();
        match (word, stages.len()) {
            (_, 0) => {}
            ("done", n) => parts.push(format!("{n} done")),
            (_, n) => parts.push(format!("{n} {word} ({})", stages.join(", "))),
        }
    }
    parts.join(", ")
}

#[cfg(test)]
#[path = "select_tests.rs"]
mod tests;
