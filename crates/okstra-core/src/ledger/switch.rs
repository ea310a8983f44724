//! Owns which plan a task's stage state belongs to (SPEC §8: "stage state belongs to one
//! approved plan; a newer plan replaces it only through `okstra approve --supersede`").
//!
//! The record of switches lives in a small task-level file beside the ledger,
//! `runs/implementation-planning/plan-switches.json` (`plan-switches/v1`), not in the ledger:
//! the ledger is derived data that `ledger repair` can rebuild from carry alone, and a switch
//! cannot be rebuilt from anything, so it must survive the ledger being deleted; and the
//! original's readers of `consumers.jsonl` never see a row kind they do not know.
//!
//! Rules. With no switch recorded, a row or carry counts for a plan when it names that plan or
//! names none (the original's rows, which count for the task's current plan). Once a switch is
//! recorded, only the plan switched to counts, and only what names it: the original's rows
//! and the replaced plan's belong to the plan before the switch. A switch moves the replaced
//! plan's carry sidecars to `carry/superseded-<k>/` (kept for audit, out of the repair's
//! `stage-*.json`, and out of the way of the new plan's carries of the same stage numbers).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::errors::DocumentError;
use crate::ledger::summary::LedgerSummary;

/// The `schemaVersion` kind of the switch record.
pub const PLAN_SWITCHES_KIND: &str = "plan-switches";

/// The switch record's file name, in `runs/implementation-planning/`.
pub const PLAN_SWITCHES_FILE: &str = "plan-switches.json";

/// The task's record of plan switches.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanSwitches {
    #[serde(default)]
    pub schema_version: Option<String>,
    /// The plan whose stages count: the last switch's `to`.
    #[serde(default)]
    pub current: Option<String>,
    #[serde(default)]
    pub switches: Vec<PlanSwitch>,
}

/// One switch of the task's plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanSwitch {
    /// The plan in force before (`None`: the original's rows, which name no plan).
    pub from: Option<String>,
    pub to: String,
    pub at: Timestamp,
    /// The replaced plan's stages that were started, and done, at the switch.
    pub started: Vec<u32>,
    pub done: Vec<u32>,
    /// Where its carry sidecars were moved, relative to the task root.
    #[serde(default)]
    pub carry_archive: Option<String>,
    /// The carry files moved there.
    #[serde(default)]
    pub archived: Vec<String>,
}

impl PlanSwitches {
    /// Parses the record (a newer major is refused).
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        crate::document::parse_versioned(text, PLAN_SWITCHES_KIND)
    }

    /// Returns the plan in force, when a switch was recorded.
    pub fn in_force(&self) -> Option<&str> {
        self.current.as_deref()
    }

    /// Returns the record with `switch` added and in force.
    pub fn with_switch(mut self, switch: PlanSwitch) -> Self {
        self.schema_version = Some(crate::version::schema_version(PLAN_SWITCHES_KIND));
        self.current = Some(switch.to.clone());
        self.switches.push(switch);
        self
    }

    /// Returns the folder the next switch moves carries into: `superseded-<k>`.
    pub fn next_archive_name(&self) -> String {
        format!("superseded-{}", self.switches.len() + 1)
    }
}

/// Which rows and carries count for a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanScope<'a> {
    /// The plan looked at (`None`: any, as the repair looks).
    pub plan: Option<&'a str>,
    /// The plan a switch put in force.
    pub in_force: Option<&'a str>,
}

impl<'a> PlanScope<'a> {
    /// Returns the scope of `plan` given the task's switches.
    pub fn new(plan: Option<&'a str>, switches: &'a PlanSwitches) -> Self {
        Self {
            plan,
            in_force: switches.in_force(),
        }
    }

    /// Returns whether a row or carry naming `owner` counts.
    pub fn counts(&self, owner: Option<&str>) -> bool {
        match self.in_force {
            Some(current) => self.plan.is_none_or(|p| p == current) && owner == Some(current),
            None => owner.is_none() || self.plan.is_none() || owner == self.plan,
        }
    }

    /// Returns the plan in force when it is not the plan looked at.
    pub fn superseded_by(&self) -> Option<&'a str> {
        let current = self.in_force?;
        self.plan.filter(|p| *p != current).map(|_| current)
    }
}

/// What approving a plan does to the task's stage state: the plan it replaces and that plan's
/// started and done stages (both empty: a switch to record with nothing left behind).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupersedeNeed {
    pub from: Option<String>,
    pub started: Vec<u32>,
    pub done: Vec<u32>,
}

impl SupersedeNeed {
    /// Returns whether stages of the replaced plan are started or done: approving then needs
    /// `--supersede`.
    pub fn has_stages(&self) -> bool {
        !(self.started.is_empty() && self.done.is_empty())
    }
}

/// Returns what approving `plan` needs: `None` when its stages already count (it is in force,
/// or no other plan has a started or done stage).
pub fn supersede_need(
    summary: &LedgerSummary,
    switches: &PlanSwitches,
    plan: &str,
) -> Option<SupersedeNeed> {
    let current = switches.in_force();
    if current == Some(plan) {
        return None;
    }
    // The replaced plan's rows: the plan in force's, else every row that is not this plan's.
    let replaced = |owner: Option<&str>| match current {
        Some(current) => owner == Some(current),
        None => owner != Some(plan),
    };
    let mut need = SupersedeNeed {
        from: current.map(str::to_owned),
        started: Vec::new(),
        done: Vec::new(),
    };
    let mut last_seq = None;
    for ((owner, stage), latest) in &summary.latest {
        if !replaced(owner.as_deref()) {
            continue;
        }
        if latest.done {
            need.done.push(*stage);
        } else {
            need.started.push(*stage);
        }
        if current.is_none() && last_seq.is_none_or(|s| latest.seq > s) {
            last_seq = Some(latest.seq);
            need.from = owner.as_deref().map(str::to_owned);
        }
    }
    for list in [&mut need.started, &mut need.done] {
        list.sort_unstable();
        list.dedup();
    }
    (current.is_some() || need.has_stages()).then_some(need)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::decode::decode_ledger;

    fn summary(text: &str) -> LedgerSummary {
        LedgerSummary::fold(&decode_ledger(text).unwrap().rows)
    }

    fn switch_to(to: &str) -> PlanSwitches {
        PlanSwitches::default().with_switch(PlanSwitch {
            from: Some("A".into()),
            to: to.into(),
            at: "2026-11-29T12:00:00Z".parse().unwrap(),
            started: vec![],
            done: vec![1],
            carry_archive: Some("runs/implementation/carry/superseded-1".into()),
            archived: vec!["stage-1.json".into()],
        })
    }

    #[test]
    fn without_a_switch_rows_of_the_plan_and_the_originals_count() {
        let none = PlanSwitches::default();
        let scope = PlanScope::new(Some("B"), &none);
        assert!(scope.counts(Some("B")));
        assert!(scope.counts(None));
        assert!(!scope.counts(Some("A")));
        assert!(PlanScope::new(None, &none).counts(Some("A")));
        assert_eq!(scope.superseded_by(), None);
    }

    #[test]
    fn after_a_switch_only_the_plan_in_force_counts() {
        let switches = switch_to("B");
        let b = PlanScope::new(Some("B"), &switches);
        assert!(b.counts(Some("B")));
        assert!(!b.counts(None));
        assert!(!b.counts(Some("A")));
        let a = PlanScope::new(Some("A"), &switches);
        assert!(!a.counts(Some("A")));
        assert_eq!(a.superseded_by(), Some("B"));
        let any = PlanScope::new(None, &switches);
        assert!(any.counts(Some("B")) && !any.counts(None));
    }

    #[test]
    fn approving_over_another_plans_stages_needs_a_supersede() {
        let none = PlanSwitches::default();
        let rows = "{\"stage\":1,\"status\":\"done\",\"plan_run_id\":\"A\"}\n\
                    {\"stage\":2,\"status\":\"started\",\"plan_run_id\":\"A\"}\n";
        let need = supersede_need(&summary(rows), &none, "B").unwrap();
        assert_eq!(
            need,
            SupersedeNeed {
                from: Some("A".into()),
                started: vec![2],
                done: vec![1]
            }
        );
        assert!(need.has_stages());
        // The plan's own rows, and an empty ledger, need nothing.
        assert_eq!(supersede_need(&summary(rows), &none, "A"), None);
        assert_eq!(supersede_need(&summary(""), &none, "B"), None);
        // The original's rows belong to the plan before.
        let original = "{\"stage\":1,\"status\":\"done\"}\n";
        let need = supersede_need(&summary(original), &none, "B").unwrap();
        assert_eq!((need.from, need.done), (None, vec![1]));
    }

    #[test]
    fn after_a_switch_another_plan_records_one_even_with_no_stages() {
        let switches = switch_to("B");
        assert_eq!(supersede_need(&summary(""), &switches, "B"), None);
        let need = supersede_need(&summary(""), &switches, "C").unwrap();
        assert!(!need.has_stages());
        assert_eq!(need.from.as_deref(), Some("B"));
        let rows = "{\"stage\":3,\"status\":\"started\",\"plan_run_id\":\"B\"}\n\
                    {\"stage\":1,\"status\":\"done\",\"plan_run_id\":\"A\"}\n";
        let need = supersede_need(&summary(rows), &switches, "C").unwrap();
        assert_eq!((need.started, need.done), (vec![3], vec![]));
    }

    #[test]
    fn the_record_round_trips_with_its_version() {
        let switches = switch_to("B");
        let text = serde_json::to_string_pretty(&switches).unwrap();
        assert!(
            text.contains("\"schemaVersion\": \"plan-switches/v1\""),
            "{text}"
        );
        assert_eq!(PlanSwitches::parse(&text).unwrap(), switches);
        assert_eq!(switches.next_archive_name(), "superseded-2");
        let newer = text.replace("plan-switches/v1", "plan-switches/v2");
        assert!(PlanSwitches::parse(&newer).is_err());
    }
}
