//! Owns the carry repair (SPEC §8 "Carry is the source of truth"): the original okstra's
//! `backfill_done_from_carry`, as a pure fold of the ledger and the carry folder into the
//! `done` rows to append.
//!
//! For every carry file in name order: an unreadable file, or JSON that is not an object, is
//! skipped; its stage comes from `stage` / `stageNumber` / the file name; a stage that already
//! has a `done` row is left alone; a carry whose `status` is a failure, or with no head commit,
//! is skipped; the key is the first key the stage's rows name, else the carry's own
//! `impl_task_key`, else the ledger's last key (none: skipped); the new row is
//! `{impl_task_key, stage, status: done, head_commit, carry_path, source: carry-backfill}`
//! (plus `v`, and the carry's `plan_run_id` and `runId` when it has them). The recovered stage
//! counts as done for the files after it, and keys are looked up in the rows read before, so
//! a second repair adds nothing.
//!
//! Where okstra differs from the seed, it is to refuse what would make the ledger lie: a stage
//! that is no stage number (0, negative, beyond u32) and a head that is not a string (`5`,
//! `true`) are skipped where the original would write them as they are; a non-string key is
//! treated as absent. Plan switches add one rule: once a switch is recorded, a carry of
//! another plan (or of none) is skipped, and only the plan in force's `done` rows count.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use crate::carry::{CarryHead, CarryUnreadable, ProbedCarry};
use crate::ledger::row::{LedgerRow, SOURCE_CARRY_BACKFILL, STATUS_DONE};
use crate::ledger::summary::LedgerSummary;
use crate::ledger::switch::{PlanScope, PlanSwitches};

/// What a repair found: the rows to append, in order, and the carries it could not use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    pub rows: Vec<LedgerRow<'static>>,
    pub skipped: Vec<SkippedCarry>,
}

/// A carry file the repair could not use, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedCarry {
    pub file: String,
    pub reason: SkipReason,
}

/// Why a carry gives no `done` row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    Unreadable(CarryUnreadable),
    /// A switch put another plan in force.
    OtherPlan {
        plan: Option<String>,
        in_force: String,
    },
    NoStage,
    NotAStageNumber(i64),
    /// Its status is a failure.
    Incomplete(String),
    NoHead,
    HeadNotAString(&'static str),
    /// Neither the ledger nor the carry names the task key.
    NoKey,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Unreadable(e) => e.fmt(f),
            SkipReason::OtherPlan { plan, in_force } => write!(
                f,
                "it belongs to {}, and the task switched to plan {in_force}",
                plan.as_deref()
                    .map_or_else(|| "no plan".to_owned(), |p| format!("plan {p}"))
            ),
            SkipReason::NoStage => {
                f.write_str("no stage: neither `stage` nor `stageNumber` is an integer")
            }
            SkipReason::NotAStageNumber(n) => write!(f, "stage {n} is not a stage number"),
            SkipReason::Incomplete(status) => write!(f, "its status is {status:?}"),
            SkipReason::NoHead => f.write_str(
                "no head commit in stageCommitRange.head, head_sha, head_commit, head or commits",
            ),
            SkipReason::HeadNotAString(field) => write!(f, "its {field} is not a commit"),
            SkipReason::NoKey => {
                f.write_str("no impl_task_key in the ledger's rows of the stage or in the carry")
            }
        }
    }
}

/// Returns the `done` rows to recover from `carries` (sorted by name, as `probe_carries`
/// returns them) given the ledger folded into `summary`. `carry_dir` is the carry folder
/// relative to the task root (`runs/implementation/carry`).
///
/// The seed's pass takes its fallback keys from the rows read before it, so a keyless carry
/// can be recovered only by the next call, once an earlier pass appended a keyed row; okstra
/// repeats the pass over the recovered rows until it adds nothing, so one call reaches what
/// repeated calls of the seed reach, and a second call adds nothing.
pub fn repair_from_carry(
    summary: &LedgerSummary,
    carries: &[ProbedCarry],
    switches: &PlanSwitches,
    carry_dir: &str,
) -> Recovery {
    let mut out = seed_pass(summary, carries, switches, carry_dir);
    if out.rows.is_empty() {
        return out;
    }
    let mut folded = summary.clone();
    let mut next = out.rows.clone();
    loop {
        for row in &next {
            folded.push(row);
        }
        let pass = seed_pass(&folded, carries, switches, carry_dir);
        out.skipped = pass.skipped;
        if pass.rows.is_empty() {
            return out;
        }
        out.rows.extend(pass.rows.iter().cloned());
        next = pass.rows;
    }
}

/// One pass of the seed's `backfill_done_from_carry`.
fn seed_pass(
    summary: &LedgerSummary,
    carries: &[ProbedCarry],
    switches: &PlanSwitches,
    carry_dir: &str,
) -> Recovery {
    let scope = PlanScope::new(None, switches);
    let mut done: BTreeSet<u32> = summary
        .done
        .iter()
        .filter(|(plan, _)| scope.counts(plan.as_deref()))
        .map(|(_, stage)| *stage)
        .collect();
    let mut out = Recovery::default();
    for carry in carries {
        let skip = |reason| SkippedCarry {
            file: carry.name.clone(),
            reason,
        };
        let probe = match &carry.facts {
            Ok(facts) => facts,
            Err(e) => {
                out.skipped.push(skip(SkipReason::Unreadable(e.clone())));
                continue;
            }
        };
        if let Some(in_force) = scope.in_force
            && !scope.counts(probe.plan_run_id.as_deref())
        {
            out.skipped.push(skip(SkipReason::OtherPlan {
                plan: probe.plan_run_id.clone(),
                in_force: in_force.to_owned(),
            }));
            continue;
        }
        let Some(number) = probe.stage else {
            out.skipped.push(skip(SkipReason::NoStage));
            continue;
        };
        let Some(stage) = u32::try_from(number).ok().filter(|n| *n > 0) else {
            out.skipped.push(skip(SkipReason::NotAStageNumber(number)));
            continue;
        };
        if done.contains(&stage) {
            continue;
        }
        if let Some(status) = probe.failed_status.clone() {
            out.skipped.push(skip(SkipReason::Incomplete(status)));
            continue;
        }
        let head = match probe.head_lookup() {
            CarryHead::Found { head, .. } => head,
            CarryHead::NotAString { field } => {
                out.skipped.push(skip(SkipReason::HeadNotAString(field)));
                continue;
            }
            CarryHead::Missing => {
                out.skipped.push(skip(SkipReason::NoHead));
                continue;
            }
        };
        let key = summary
            .first_key
            .get(&stage)
            .map(|k| &**k)
            .or_else(|| probe.key())
            .or(summary.last_key.as_deref());
        let Some(key) = key else {
            out.skipped.push(skip(SkipReason::NoKey));
            continue;
        };
        out.rows.push(LedgerRow {
            v: Some(1),
            impl_task_key: Some(Cow::Owned(key.to_owned())),
            stage: Some(stage),
            status: Some(Cow::Borrowed(STATUS_DONE)),
            started_at: None,
            head_commit: Some(Cow::Owned(head)),
            carry_path: Some(Cow::Owned(format!("{carry_dir}/{}", carry.name))),
            source: Some(Cow::Borrowed(SOURCE_CARRY_BACKFILL)),
            plan_run_id: probe.plan_run_id.clone().map(Cow::Owned),
            run_id: probe.run_id.clone().map(Cow::Owned),
        });
        done.insert(stage);
    }
    out
}

#[cfg(test)]
#[path = "repair_tests.rs"]
mod tests;
