//! Owns where each stage of an approved plan stands (SPEC §8, issue 11): `done` (its latest
//! counted row is `done`), `stale` (done, but its stage branch now points at another tree
//! than the one its carry's evidence was taken on), `started` (by which run), `reserved` (held
//! in the registry with no row yet), `ready` (every `depends-on` stage done, and not done,
//! started or reserved) or `blocked` by the stages it waits on. A stale dependency blocks: its
//! evidence no longer describes its branch.
//!
//! Only rows and carries that count for the plan are read (`switch::PlanScope`). The engine
//! supplies the registry's reservations and the stage branches' current trees.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::carry::ProbedCarry;
use crate::ledger::summary::{LatestRow, LedgerSummary};
use crate::ledger::switch::{PlanScope, PlanSwitches};
use crate::plan::model::PlanBody;

/// What a stage's state is computed from, beside its plan.
#[derive(Clone, Copy, Debug)]
pub struct StageInputs<'a> {
    pub summary: &'a LedgerSummary,
    pub carries: &'a [ProbedCarry],
    pub switches: &'a PlanSwitches,
    /// The plan's run id (`None` for a plan with no run: every row counts).
    pub plan_run_id: Option<&'a str>,
    /// Stages reserved in the registry.
    pub reserved: &'a BTreeSet<u32>,
    /// The tree each stage branch points at now (a stage without a branch is absent).
    pub current_trees: &'a BTreeMap<u32, String>,
}

/// A done stage, from its `done` row and its carry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DoneStage {
    pub head: Option<String>,
    /// Relative to the task root.
    pub carry_path: Option<String>,
    pub run_id: Option<String>,
    /// `carry-backfill` for a row the repair recovered.
    pub source: Option<String>,
    /// The tree the carry's evidence was taken on (the original's carries have none).
    pub recorded_tree: Option<String>,
}

/// Where a stage stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StageState {
    Done(DoneStage),
    Stale {
        done: DoneStage,
        current_tree: String,
    },
    Started {
        run_id: Option<String>,
        /// The stage's base (the `started` row's `head_commit`).
        base: Option<String>,
        started_at: Option<String>,
    },
    Reserved,
    Ready,
    Blocked {
        by: Vec<u32>,
    },
}

impl StageState {
    /// Returns the state's one word.
    pub fn word(&self) -> &'static str {
        match self {
            StageState::Done(_) => "done",
            StageState::Stale { .. } => "stale",
            StageState::Started { .. } => "started",
            StageState::Reserved => "reserved",
            StageState::Ready => "ready",
            StageState::Blocked { .. } => "blocked",
        }
    }

    /// Returns whether the stage is done and its evidence still describes its branch.
    pub fn is_done(&self) -> bool {
        matches!(self, StageState::Done(_))
    }
}

impl fmt::Display for StageState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StageState::Started {
                run_id: Some(run), ..
            } => write!(f, "started (run {run})"),
            StageState::Blocked { by } => write!(f, "blocked by {}", stage_list(by)),
            other => f.write_str(other.word()),
        }
    }
}

/// Returns `stage 3` or `stages 1, 2`.
pub fn stage_list(stages: &[u32]) -> String {
    let list = stages
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if stages.len() == 1 {
        format!("stage {list}")
    } else {
        format!("stages {list}")
    }
}

/// One stage of the plan and its state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageEntry {
    pub stage: u32,
    pub title: String,
    pub depends_on: Vec<u32>,
    pub state: StageState,
}

/// Why the plan's stages cannot be worked on as they stand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanConflict {
    /// `okstra approve --supersede` switched the task to another plan.
    NotInForce { in_force: String },
    /// Stages of other plans are started or done, and no switch to this plan is recorded.
    OtherPlanStages { plans: BTreeMap<String, Vec<u32>> },
}

impl fmt::Display for PlanConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanConflict::NotInForce { in_force } => write!(
                f,
                "the task's stages belong to plan {in_force} (`okstra approve --supersede` switched to it)"
            ),
            PlanConflict::OtherPlanStages { plans } => {
                let parts: Vec<String> = plans
                    .iter()
                    .map(|(plan, stages)| format!("{} of plan {plan}", stage_list(stages)))
                    .collect();
                write!(f, "{} started or done", parts.join(", "))
            }
        }
    }
}

/// Every stage of a plan with its state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageBook {
    pub plan_run_id: Option<String>,
    pub stages: Vec<StageEntry>,
    pub conflict: Option<PlanConflict>,
}

impl StageBook {
    /// Returns a stage's entry.
    pub fn stage(&self, number: u32) -> Option<&StageEntry> {
        self.stages.iter().find(|s| s.stage == number)
    }

    /// Returns the stages in each state word, e.g. for `plan show`'s started and done sets.
    pub fn numbers_where(&self, keep: impl Fn(&StageState) -> bool) -> BTreeSet<u32> {
        self.stages
            .iter()
            .filter(|s| keep(&s.state))
            .map(|s| s.stage)
            .collect()
    }
}

/// Returns every stage of `plan` with its state.
pub fn stage_book(plan: &PlanBody, inputs: &StageInputs<'_>) -> StageBook {
    let scope = PlanScope::new(inputs.plan_run_id, inputs.switches);
    let superseded_by = scope.superseded_by();
    let mut latest: BTreeMap<u32, &LatestRow> = BTreeMap::new();
    let mut others: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    if superseded_by.is_none() {
        for ((owner, stage), row) in &inputs.summary.latest {
            if scope.counts(owner.as_deref()) {
                let newer = latest.get(stage).is_none_or(|l| row.seq > l.seq);
                if newer {
                    latest.insert(*stage, row);
                }
            } else if let Some(owner) = owner
                && scope.in_force.is_none()
            {
                others.entry(owner.to_string()).or_default().insert(*stage);
            }
        }
    }
    let trees = carry_trees(inputs, &scope);
    let mut states: BTreeMap<u32, StageState> = BTreeMap::new();
    for stage in &plan.stages {
        let n = stage.number;
        let state = match latest.get(&n) {
            Some(l) if l.done => {
                let done = DoneStage {
                    head: l.head_commit.clone(),
                    carry_path: l.carry_path.clone(),
                    run_id: l.run_id.clone(),
                    source: l.source.clone(),
                    recorded_tree: trees.get(&n).cloned(),
                };
                match (&done.recorded_tree, inputs.current_trees.get(&n)) {
                    (Some(recorded), Some(current)) if recorded != current => StageState::Stale {
                        done,
                        current_tree: current.clone(),
                    },
                    _ => StageState::Done(done),
                }
            }
            Some(l) => StageState::Started {
                run_id: l.run_id.clone(),
                base: l.head_commit.clone(),
                started_at: l.started_at.clone(),
            },
            None if inputs.reserved.contains(&n) => StageState::Reserved,
            None => StageState::Ready,
        };
        states.insert(n, state);
    }
    let stages = plan
        .stages
        .iter()
        .map(|stage| {
            let mut state = states[&stage.number].clone();
            if state == StageState::Ready {
                let mut by: Vec<u32> = stage
                    .depends_on
                    .iter()
                    .copied()
                    .filter(|d| !states.get(d).is_some_and(StageState::is_done))
                    .collect();
                by.sort_unstable();
                by.dedup();
                if !by.is_empty() {
                    state = StageState::Blocked { by };
                }
            }
            StageEntry {
                stage: stage.number,
                title: stage.title.clone(),
                depends_on: stage.depends_on.clone(),
                state,
            }
        })
        .collect();
    let conflict = match superseded_by {
        Some(in_force) => Some(PlanConflict::NotInForce {
            in_force: in_force.to_owned(),
        }),
        None if !others.is_empty() => Some(PlanConflict::OtherPlanStages {
            plans: others
                .into_iter()
                .map(|(plan, stages)| (plan, stages.into_iter().collect()))
                .collect(),
        }),
        None => None,
    };
    StageBook {
        plan_run_id: inputs.plan_run_id.map(str::to_owned),
        stages,
        conflict,
    }
}

/// Returns the recorded tree of each stage's carry that counts for the plan: the first
/// complete one in name order (the one the repair reads).
fn carry_trees(inputs: &StageInputs<'_>, scope: &PlanScope<'_>) -> BTreeMap<u32, String> {
    let mut trees = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for carry in inputs.carries {
        let Ok(probe) = &carry.facts else { continue };
        if !probe.is_complete() || !scope.counts(probe.plan_run_id.as_deref()) {
            continue;
        }
        let Some(stage) = carry.stage().and_then(|n| u32::try_from(n).ok()) else {
            continue;
        };
        if seen.insert(stage)
            && let Some(tree) = &probe.head_tree
        {
            trees.insert(stage, tree.clone());
        }
    }
    trees
}

#[cfg(test)]
#[path = "book_tests.rs"]
pub(crate) mod tests;
