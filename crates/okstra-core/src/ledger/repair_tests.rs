//! Tests of the carry repair: every case the original's `backfill_done_from_carry` handles —
//! each stage source, each head field, each failed status, the key fallbacks, unreadable and
//! non-object files, name order, stages recovered once — and that a second repair adds nothing.

use super::*;
use crate::carry::{CarryFile, probe_carries};
use crate::ledger::decode::decode_ledger;
use crate::ledger::switch::PlanSwitch;

const DIR: &str = "runs/implementation/carry";

fn files(list: &[(&str, &str)]) -> Vec<ProbedCarry> {
    probe_carries(
        list.iter()
            .map(|(name, text)| CarryFile {
                name: (*name).to_owned(),
                text: Ok((*text).to_owned()),
            })
            .collect(),
    )
}

fn repair_with(rows: &str, carries: &[(&str, &str)], switches: &PlanSwitches) -> Recovery {
    let decoded = decode_ledger(rows).unwrap();
    let summary = LedgerSummary::fold(&decoded.rows);
    repair_from_carry(&summary, &files(carries), switches, DIR)
}

fn repair(rows: &str, carries: &[(&str, &str)]) -> Recovery {
    repair_with(rows, carries, &PlanSwitches::default())
}

/// The recovered rows as JSON lines.
fn lines(recovery: &Recovery) -> Vec<String> {
    recovery
        .rows
        .iter()
        .map(|r| r.encode().unwrap().trim_end().to_owned())
        .collect()
}

fn reasons(recovery: &Recovery) -> Vec<(String, SkipReason)> {
    recovery
        .skipped
        .iter()
        .map(|s| (s.file.clone(), s.reason.clone()))
        .collect()
}

const KEYED: &str = "{\"impl_task_key\":\"shop:p:t\",\"stage\":1,\"status\":\"started\"}\n";

#[test]
fn a_complete_carry_without_a_done_row_gives_one() {
    let r = repair(
        KEYED,
        &[(
            "stage-1.json",
            r#"{"stage": 1, "stageCommitRange": {"head": "abc"}}"#,
        )],
    );
    assert_eq!(
        lines(&r),
        [
            r#"{"v":1,"impl_task_key":"shop:p:t","stage":1,"status":"done","head_commit":"abc","carry_path":"runs/implementation/carry/stage-1.json","source":"carry-backfill"}"#
        ]
    );
    assert!(r.skipped.is_empty());
}

#[test]
fn nothing_to_repair_without_carries() {
    assert_eq!(repair(KEYED, &[]), Recovery::default());
    assert_eq!(repair("", &[]), Recovery::default());
}

#[test]
fn the_stage_comes_from_stage_stage_number_or_the_file_name() {
    let r = repair(
        KEYED,
        &[
            ("stage-7.json", r#"{"stage": 2, "head": "a"}"#),
            ("stage-8.json", r#"{"stageNumber": 3, "head": "b"}"#),
            ("stage-4.json", r#"{"stage": "9", "head": "c"}"#),
            ("stage-.json", r#"{"head": "d"}"#),
        ],
    );
    let stages: Vec<_> = r.rows.iter().map(|r| r.stage.unwrap()).collect();
    assert_eq!(
        stages,
        [4, 2, 3],
        "name order: stage-.json, stage-4, stage-7, stage-8"
    );
    assert_eq!(reasons(&r), [("stage-.json".into(), SkipReason::NoStage)]);
    assert_eq!(
        r.rows[0].carry_path.as_deref(),
        Some("runs/implementation/carry/stage-4.json")
    );
}

#[test]
fn a_boolean_stage_is_an_integer_as_in_python_and_stage_numbers_start_at_1() {
    let r = repair(
        KEYED.replace("\"stage\":1", "\"stage\":5").as_str(),
        &[
            ("stage-6.json", r#"{"stage": true, "head": "a"}"#),
            ("stage-7.json", r#"{"stage": false, "head": "b"}"#),
            ("stage-8.json", r#"{"stage": -3, "head": "c"}"#),
        ],
    );
    assert_eq!(r.rows.len(), 1);
    assert_eq!(r.rows[0].stage, Some(1));
    assert_eq!(
        reasons(&r),
        [
            ("stage-7.json".into(), SkipReason::NotAStageNumber(0)),
            ("stage-8.json".into(), SkipReason::NotAStageNumber(-3)),
        ]
    );
}

#[test]
fn a_stage_with_a_done_row_is_left_alone() {
    let rows = format!("{KEYED}{{\"impl_task_key\":\"k\",\"stage\":1,\"status\":\"done\"}}\n");
    assert_eq!(
        repair(&rows, &[("stage-1.json", r#"{"head": "a"}"#)]),
        Recovery::default()
    );
    // Only `status == "done"` counts, exactly; a started row does not.
    let capital = KEYED.replace("started", "Done");
    assert_eq!(
        repair(&capital, &[("stage-1.json", r#"{"head": "a"}"#)])
            .rows
            .len(),
        1
    );
    assert_eq!(
        repair(KEYED, &[("stage-1.json", r#"{"head": "a"}"#)])
            .rows
            .len(),
        1
    );
    // A done row whose stage is 1.0 or true is stage 1, as Python compares it.
    for stage in ["1.0", "true"] {
        let rows = format!("{{\"stage\":{stage},\"status\":\"done\"}}\n");
        assert_eq!(
            repair(&rows, &[("stage-1.json", r#"{"head": "a"}"#)]).rows,
            []
        );
    }
}

#[test]
fn a_carry_with_a_failed_status_in_any_case_is_skipped() {
    for status in ["fail", "failed", "BLOCKED", "Error", "aborted"] {
        let carry = format!(r#"{{"status": "{status}", "head": "a"}}"#);
        let r = repair(KEYED, &[("stage-1.json", &carry)]);
        assert_eq!(r.rows, [], "{status}");
        assert_eq!(
            reasons(&r),
            [("stage-1.json".into(), SkipReason::Incomplete(status.into()))]
        );
    }
    for status in ["\"done\"", "\"PASS\"", "null", "0"] {
        let carry = format!(r#"{{"status": {status}, "head": "a"}}"#);
        assert_eq!(
            repair(KEYED, &[("stage-1.json", &carry)]).rows.len(),
            1,
            "{status}"
        );
    }
}

#[test]
fn each_head_field_is_read_in_the_seed_order() {
    let head = |carry: &str| {
        let r = repair(KEYED, &[("stage-1.json", carry)]);
        r.rows
            .first()
            .and_then(|r| r.head_commit.as_deref().map(str::to_owned))
    };
    assert_eq!(
        head(r#"{"stageCommitRange": {"base": "b", "head": "r"}, "head_sha": "s"}"#).as_deref(),
        Some("r")
    );
    assert_eq!(
        head(r#"{"stageCommitRange": {"head": ""}, "head_sha": "s"}"#).as_deref(),
        Some("s")
    );
    assert_eq!(
        head(r#"{"head_commit": "c", "head": "h"}"#).as_deref(),
        Some("c")
    );
    assert_eq!(
        head(r#"{"head": "h", "commits": [{"sha": "x"}]}"#).as_deref(),
        Some("h")
    );
    assert_eq!(
        head(r#"{"commits": [{"sha": "x"}, {"sha": "y"}]}"#).as_deref(),
        Some("y")
    );
    let r = repair(KEYED, &[("stage-1.json", r#"{"commits": []}"#)]);
    assert_eq!(reasons(&r), [("stage-1.json".into(), SkipReason::NoHead)]);
    let r = repair(KEYED, &[("stage-1.json", r#"{"head_sha": 12}"#)]);
    assert_eq!(
        reasons(&r),
        [(
            "stage-1.json".into(),
            SkipReason::HeadNotAString("head_sha")
        )]
    );
}

#[test]
fn the_key_comes_from_the_stages_rows_then_the_carry_then_the_last_key() {
    let rows = "{\"impl_task_key\":\"first\",\"stage\":2,\"status\":\"started\"}\n\
                {\"impl_task_key\":\"second\",\"stage\":2,\"status\":\"started\"}\n\
                {\"impl_task_key\":\"\",\"stage\":3,\"status\":\"started\"}\n\
                {\"impl_task_key\":\"last\",\"stage\":9,\"status\":\"other\"}\n";
    let r = repair(
        rows,
        &[
            ("stage-2.json", r#"{"impl_task_key": "own", "head": "a"}"#),
            ("stage-3.json", r#"{"impl_task_key": "own", "head": "b"}"#),
            ("stage-4.json", r#"{"head": "c"}"#),
        ],
    );
    let keys: Vec<_> = r.rows.iter().map(|r| r.key().unwrap().to_owned()).collect();
    assert_eq!(keys, ["first", "own", "last"]);
    // No key anywhere: skipped.
    let r = repair("", &[("stage-1.json", r#"{"head": "a"}"#)]);
    assert_eq!(reasons(&r), [("stage-1.json".into(), SkipReason::NoKey)]);
    // The carry's own key is enough.
    let r = repair(
        "",
        &[("stage-1.json", r#"{"head": "a", "impl_task_key": "own"}"#)],
    );
    assert_eq!(r.rows[0].key(), Some("own"));
}

#[test]
fn unreadable_and_non_object_files_are_skipped() {
    let mut carries = files(&[("stage-1.json", "{not json"), ("stage-2.json", "[1]")]);
    carries.extend(probe_carries(vec![CarryFile {
        name: "stage-3.json".into(),
        text: Err("Is a directory (os error 21)".into()),
    }]));
    let summary = LedgerSummary::fold(&decode_ledger(KEYED).unwrap().rows);
    let r = repair_from_carry(&summary, &carries, &PlanSwitches::default(), DIR);
    assert_eq!(r.rows, []);
    let shown: Vec<String> = r
        .skipped
        .iter()
        .map(|s| format!("{}: {}", s.file, s.reason))
        .collect();
    assert!(
        shown[0].starts_with("stage-1.json: not JSON ("),
        "{shown:?}"
    );
    assert_eq!(shown[1], "stage-2.json: not a JSON object");
    assert_eq!(
        shown[2],
        "stage-3.json: unreadable (Is a directory (os error 21))"
    );
}

#[test]
fn two_carries_of_one_stage_recover_it_once_in_name_order() {
    let r = repair(
        KEYED,
        &[
            ("stage-3.json", r#"{"head": "from-3"}"#),
            ("stage-2.json", r#"{"stage": 3, "head": "from-2"}"#),
        ],
    );
    assert_eq!(lines(&r).len(), 1);
    assert_eq!(r.rows[0].head_commit.as_deref(), Some("from-2"));
}

#[test]
fn a_second_repair_adds_nothing() {
    let carries = [
        (
            "stage-1.json",
            r#"{"head": "a", "plan_run_id": "P", "runId": "R"}"#,
        ),
        (
            "stage-2.json",
            r#"{"stageNumber": 2, "commits": [{"sha": "b"}]}"#,
        ),
    ];
    let first = repair(KEYED, &carries);
    assert_eq!(first.rows.len(), 2);
    assert_eq!(first.rows[0].plan_run_id.as_deref(), Some("P"));
    assert_eq!(first.rows[0].run_id.as_deref(), Some("R"));
    let mut text = KEYED.to_owned();
    for row in &first.rows {
        text.push_str(&row.encode().unwrap());
    }
    assert_eq!(repair(&text, &carries), Recovery::default());
}

#[test]
fn after_a_switch_only_the_plan_in_forces_carries_and_done_rows_count() {
    let switches = PlanSwitches::default().with_switch(PlanSwitch {
        from: Some("A".into()),
        to: "B".into(),
        at: "2026-11-29T12:00:00Z".parse().unwrap(),
        started: vec![],
        done: vec![1],
        carry_archive: None,
        archived: vec![],
    });
    // Stage 1 is done for plan A only: plan B's carry of stage 1 is recovered.
    let rows = format!("{KEYED}{{\"stage\":1,\"status\":\"done\",\"plan_run_id\":\"A\"}}\n");
    let r = repair_with(
        &rows,
        &[
            ("stage-1.json", r#"{"head": "b1", "plan_run_id": "B"}"#),
            ("stage-2.json", r#"{"head": "a2", "plan_run_id": "A"}"#),
            ("stage-3.json", r#"{"head": "x3"}"#),
        ],
        &switches,
    );
    assert_eq!(r.rows.len(), 1);
    assert_eq!(r.rows[0].plan_run_id.as_deref(), Some("B"));
    assert_eq!(r.skipped.len(), 2);
    assert_eq!(
        r.skipped[1].reason.to_string(),
        "it belongs to no plan, and the task switched to plan B"
    );
}

#[test]
fn a_keyless_carry_takes_the_key_of_a_row_recovered_before_it_in_the_same_call() {
    // The seed would need a second call for stage-3.json (its fallback key comes from rows
    // read before the pass); okstra repeats the pass, so one call recovers both, in order.
    let carries = [
        ("stage-3.json", r#"{"head": "h3"}"#),
        ("stage-4.json", r#"{"head": "h4", "impl_task_key": "own"}"#),
    ];
    let first = repair("", &carries);
    let got: Vec<_> = first
        .rows
        .iter()
        .map(|r| (r.stage.unwrap(), r.key().unwrap().to_owned()))
        .collect();
    assert_eq!(got, [(4, "own".to_owned()), (3, "own".to_owned())]);
    assert!(first.skipped.is_empty());
    let mut text = String::new();
    for row in &first.rows {
        text.push_str(&row.encode().unwrap());
    }
    assert_eq!(repair(&text, &carries), Recovery::default());
}
