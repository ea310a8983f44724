//! Tests of stage state: each state, which rows count for a plan, stale trees, conflicts.

use super::*;
use crate::carry::{CarryFile, probe_carries};
use crate::ledger::decode::decode_ledger;
use crate::ledger::switch::PlanSwitch;
use crate::plan::model::Stage;

/// Stages 1..=5: 2 and 3 depend on 1, 4 on 2 and 3, 5 on nothing.
pub(crate) fn plan() -> PlanBody {
    let stage = |number: u32, depends_on: Vec<u32>| Stage {
        number,
        title: format!("Stage {number}"),
        depends_on,
        ..Stage::default()
    };
    PlanBody {
        stages: vec![
            stage(1, vec![]),
            stage(2, vec![1]),
            stage(3, vec![1]),
            stage(4, vec![3, 2]),
            stage(5, vec![]),
        ],
        ..PlanBody::default()
    }
}

pub(crate) struct Fixture {
    pub(crate) rows: String,
    pub(crate) carries: Vec<(&'static str, String)>,
    pub(crate) switches: PlanSwitches,
    pub(crate) reserved: BTreeSet<u32>,
    pub(crate) trees: BTreeMap<u32, String>,
}

impl Fixture {
    pub(crate) fn new(rows: &str) -> Self {
        Self {
            rows: rows.to_owned(),
            carries: vec![],
            switches: PlanSwitches::default(),
            reserved: BTreeSet::new(),
            trees: BTreeMap::new(),
        }
    }

    pub(crate) fn book(&self, plan_run_id: Option<&str>) -> StageBook {
        let decoded = decode_ledger(&self.rows).unwrap();
        let summary = LedgerSummary::fold(&decoded.rows);
        let carries = probe_carries(
            self.carries
                .iter()
                .map(|(name, text)| CarryFile {
                    name: (*name).to_owned(),
                    text: Ok(text.clone()),
                })
                .collect(),
        );
        stage_book(
            &plan(),
            &StageInputs {
                summary: &summary,
                carries: &carries,
                switches: &self.switches,
                plan_run_id,
                reserved: &self.reserved,
                current_trees: &self.trees,
            },
        )
    }
}

pub(crate) fn words(book: &StageBook) -> Vec<String> {
    book.stages.iter().map(|s| s.state.to_string()).collect()
}

const ROWS: &str = "\
{\"v\":1,\"stage\":1,\"status\":\"started\",\"run_id\":\"R1\",\"plan_run_id\":\"P\"}
{\"v\":1,\"stage\":1,\"status\":\"done\",\"head_commit\":\"h1\",\"run_id\":\"R1\",\"plan_run_id\":\"P\",\"carry_path\":\"runs/implementation/carry/stage-1.json\"}
{\"v\":1,\"stage\":2,\"status\":\"started\",\"run_id\":\"R2\",\"head_commit\":\"h1\",\"plan_run_id\":\"P\"}
";

#[test]
fn each_stage_is_done_started_reserved_ready_or_blocked() {
    let mut f = Fixture::new(ROWS);
    f.reserved.insert(3);
    let book = f.book(Some("P"));
    assert_eq!(
        words(&book),
        [
            "done",
            "started (run R2)",
            "reserved",
            "blocked by stages 2, 3",
            "ready"
        ]
    );
    assert_eq!(book.conflict, None);
    let StageState::Done(done) = &book.stages[0].state else {
        panic!()
    };
    assert_eq!(done.head.as_deref(), Some("h1"));
    assert_eq!(
        done.carry_path.as_deref(),
        Some("runs/implementation/carry/stage-1.json")
    );
    let StageState::Started { base, .. } = &book.stages[1].state else {
        panic!()
    };
    assert_eq!(base.as_deref(), Some("h1"));
}

#[test]
fn the_latest_row_decides_so_a_reopened_stage_is_started_again() {
    let redo = format!(
        "{ROWS}{{\"v\":1,\"stage\":1,\"status\":\"started\",\"run_id\":\"R9\",\"plan_run_id\":\"P\"}}\n"
    );
    assert_eq!(
        words(&Fixture::new(&redo).book(Some("P")))[0],
        "started (run R9)"
    );
}

#[test]
fn the_originals_rows_count_for_the_plan_and_other_plans_rows_conflict() {
    let original = "{\"stage\":1,\"status\":\"done\",\"head_commit\":\"h\"}\n";
    let book = Fixture::new(original).book(Some("P"));
    assert_eq!(words(&book)[..3], ["done", "ready", "ready"]);
    assert_eq!(book.conflict, None);
    // Plan Q's view: P's rows do not count, and they are a conflict.
    let book = Fixture::new(ROWS).book(Some("Q"));
    assert_eq!(words(&book)[..2], ["ready", "blocked by stage 1"]);
    assert_eq!(
        book.conflict.as_ref().unwrap().to_string(),
        "stages 1, 2 of plan P started or done"
    );
    // A plan with no run sees every row.
    assert_eq!(words(&Fixture::new(ROWS).book(None))[0], "done");
}

#[test]
fn after_a_switch_only_the_plan_in_force_counts() {
    let mut f = Fixture::new(ROWS);
    f.switches = PlanSwitches::default().with_switch(PlanSwitch {
        from: Some("P".into()),
        to: "Q".into(),
        at: "2026-11-29T12:00:00Z".parse().unwrap(),
        started: vec![2],
        done: vec![1],
        carry_archive: None,
        archived: vec![],
    });
    f.rows.push_str(
        "{\"v\":1,\"stage\":5,\"status\":\"started\",\"plan_run_id\":\"Q\",\"run_id\":\"R5\"}\n",
    );
    let q = f.book(Some("Q"));
    assert_eq!(
        words(&q),
        [
            "ready",
            "blocked by stage 1",
            "blocked by stage 1",
            "blocked by stages 2, 3",
            "started (run R5)"
        ]
    );
    assert_eq!(q.conflict, None);
    let p = f.book(Some("P"));
    assert_eq!(
        p.conflict,
        Some(PlanConflict::NotInForce {
            in_force: "Q".into()
        })
    );
    assert_eq!(
        words(&p)[0],
        "ready",
        "nothing counts for a superseded plan"
    );
}

#[test]
fn a_done_stage_whose_branch_moved_to_another_tree_is_stale_and_blocks() {
    let mut f = Fixture::new(ROWS);
    f.carries.push((
        "stage-1.json",
        r#"{"stage": 1, "head": "h1", "headTree": "T1", "plan_run_id": "P"}"#.into(),
    ));
    assert_eq!(
        words(&f.book(Some("P")))[0],
        "done",
        "no current tree: not judged"
    );
    f.trees.insert(1, "T1".into());
    assert_eq!(words(&f.book(Some("P")))[0], "done");
    f.trees.insert(1, "T2".into());
    let book = f.book(Some("P"));
    assert_eq!(
        words(&book)[..3],
        ["stale", "started (run R2)", "blocked by stage 1"]
    );
    let StageState::Stale { done, current_tree } = &book.stages[0].state else {
        panic!()
    };
    assert_eq!(
        (done.recorded_tree.as_deref(), current_tree.as_str()),
        (Some("T1"), "T2")
    );
    // A carry without a tree (the original's) is never stale.
    f.carries[0].1 = r#"{"stage": 1, "head": "h1"}"#.into();
    assert_eq!(words(&f.book(Some("P")))[0], "done");
}
