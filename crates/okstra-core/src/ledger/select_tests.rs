//! Tests of stage selection: auto takes the lowest ready stage, N says why it cannot.

use super::*;
use crate::ledger::book::tests::{Fixture, words};
use crate::ledger::switch::{PlanSwitch, PlanSwitches};

const ROWS: &str = "\
{\"v\":1,\"stage\":1,\"status\":\"done\",\"head_commit\":\"h1\",\"plan_run_id\":\"P\"}
{\"v\":1,\"stage\":2,\"status\":\"started\",\"run_id\":\"R2\",\"plan_run_id\":\"P\"}
";

fn select(f: &Fixture, choice: &str) -> Result<Selected, SelectError> {
    select_stage(&f.book(Some("P")), choice.parse().unwrap())
}

#[test]
fn auto_takes_the_lowest_ready_stage_with_its_dependency_heads() {
    let f = Fixture::new(ROWS);
    assert_eq!(words(&f.book(Some("P")))[2], "ready");
    assert_eq!(
        select(&f, "auto").unwrap(),
        Selected {
            stage: 3,
            dependency_heads: vec![(1, "h1".into())]
        }
    );
    let empty = Fixture::new("");
    assert_eq!(
        select(&empty, "auto").unwrap(),
        Selected {
            stage: 1,
            dependency_heads: vec![]
        }
    );
}

#[test]
fn a_named_stage_is_taken_or_refused_with_the_reason() {
    let mut f = Fixture::new(ROWS);
    f.reserved.insert(5);
    assert_eq!(select(&f, "3").unwrap().stage, 3);
    let message = |f: &Fixture, choice: &str| select(f, choice).unwrap_err().to_string();
    assert_eq!(message(&f, "1"), "stage 1 is done (head h1)");
    assert_eq!(message(&f, "2"), "stage 2 is started by run R2");
    assert_eq!(message(&f, "5"), "stage 5 is reserved by another run");
    assert_eq!(message(&f, "4"), "stage 4 is blocked by stages 2, 3");
    assert_eq!(
        message(&f, "9"),
        "the plan has no stage 9 (its stages are 1-5)"
    );
    f.trees.insert(1, "T2".into());
    f.carries
        .push(("stage-1.json", r#"{"headTree": "T1", "head": "h1"}"#.into()));
    assert_eq!(
        message(&f, "1"),
        "stage 1 is stale: its branch points at tree T2, its evidence was taken on T1"
    );
    assert_eq!(message(&f, "3"), "stage 3 is blocked by stage 1");
}

#[test]
fn when_nothing_is_ready_auto_says_where_each_stage_stands() {
    let rows = format!(
        "{ROWS}{{\"stage\":3,\"status\":\"started\",\"plan_run_id\":\"P\"}}\n\
         {{\"stage\":5,\"status\":\"done\",\"head_commit\":\"h5\",\"plan_run_id\":\"P\"}}\n"
    );
    let f = Fixture::new(&rows);
    assert_eq!(
        select(&f, "auto").unwrap_err().to_string(),
        "no stage is ready: 2 done, 2 started (2, 3), 1 blocked (4)"
    );
}

#[test]
fn a_plan_whose_stages_do_not_count_is_refused_first() {
    let f = Fixture::new(ROWS);
    let err = select_stage(&f.book(Some("Q")), StageChoice::Auto).unwrap_err();
    assert_eq!(
        err.to_string(),
        "plan Q is not the task's plan: stages 1, 2 of plan P started or done"
    );
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
    assert!(matches!(
        select(&f, "auto"),
        Err(SelectError::Conflict { .. })
    ));
    assert_eq!(
        select_stage(&f.book(Some("Q")), StageChoice::Auto)
            .unwrap()
            .stage,
        1
    );
}

#[test]
fn stage_choices_parse() {
    assert_eq!("auto".parse(), Ok(StageChoice::Auto));
    assert_eq!(" AUTO ".parse(), Ok(StageChoice::Auto));
    assert_eq!("4".parse(), Ok(StageChoice::Stage(4)));
    for bad in ["0", "-1", "x", ""] {
        assert!(bad.parse::<StageChoice>().is_err(), "{bad}");
    }
}
