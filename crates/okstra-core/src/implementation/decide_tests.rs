//! Tests of okstra's decision on a stage: its own evidence wins over the verifier, a PASS needs
//! the verifier's, and every reason is named.

use super::*;
use crate::carry::probe::probe_carry;
use crate::evidence::{DiffFinding, DiffSeverity, TddVerdict};
use crate::implementation::verdict::VerifierFinding;

use crate::carry::sidecar::tests::evidence;

fn pass() -> VerifierOutcome {
    VerifierOutcome::Answered(StageVerdictBlock {
        verdict: Verdict::Pass,
        findings: vec![VerifierFinding {
            at: "src/lib.rs:80".into(),
            rule: "long-function".into(),
            severity: DiffSeverity::Advisory,
            message: String::new(),
            fix: "split it".into(),
        }],
    })
}

fn fail() -> VerifierOutcome {
    VerifierOutcome::Answered(StageVerdictBlock {
        verdict: Verdict::Fail,
        findings: vec![VerifierFinding {
            at: "src/lib.rs:3".into(),
            rule: "plan-discrepancy".into(),
            severity: DiffSeverity::Blocking,
            message: "step 2 is not done".into(),
            fix: "do step 2".into(),
        }],
    })
}

#[test]
fn evidence_that_holds_and_a_verifier_pass_pass() {
    let e = evidence();
    let d = decide_stage(&ExecutorEnd::Completed, Ok(&e), &pass());
    assert_eq!(
        d,
        StageDecision {
            verdict: Verdict::Pass,
            reasons: vec![]
        }
    );
    assert!(d.passed());
    assert!(verifier_needed(&ExecutorEnd::Completed, Ok(&e)));
    assert!(verifier_needed(&ExecutorEnd::Skipped, Ok(&e)));
    let reverified = decide_stage(&ExecutorEnd::Skipped, Ok(&e), &pass());
    assert!(
        reverified.passed(),
        "--reverify passes on the head as it is"
    );
}

#[test]
fn okstras_evidence_failing_is_fail_whatever_the_verifier_says() {
    let mut e = evidence();
    e.tdd_proof.verdict = TddVerdict::RedPassed;
    e.tdd_proof.reason = "the validation passed at the RED commit".into();
    e.findings.push(DiffFinding {
        at: "tests/db.rs:4".into(),
        rule: "real-io-test-in-source-tree".into(),
        severity: DiffSeverity::Blocking,
        message: "opens a TCP socket".into(),
        fix: "move it under qa/".into(),
    });
    assert!(!verifier_needed(&ExecutorEnd::Completed, Ok(&e)));
    let d = decide_stage(&ExecutorEnd::Completed, Ok(&e), &pass());
    assert_eq!(
        d.reasons,
        [
            "TDD proof: the validation passed at the RED commit",
            "tests/db.rs:4 real-io-test-in-source-tree: opens a TCP socket"
        ]
    );
    assert_eq!(d.verdict, Verdict::Fail);
    let not_asked = VerifierOutcome::NotAsked("okstra's own evidence fails the stage".into());
    let d2 = decide_stage(&ExecutorEnd::Completed, Ok(&e), &not_asked);
    assert_eq!(
        d2.reasons, d.reasons,
        "not asking adds no reason of its own"
    );
}

#[test]
fn a_stage_without_commits_fails() {
    let mut e = evidence();
    e.commits.clear();
    e.head.clone_from(&e.base);
    let d = decide_stage(&ExecutorEnd::Completed, Ok(&e), &pass());
    assert_eq!(
        d.reasons[0],
        format!(
            "the stage has no commit: its head is its base {}",
            "b".repeat(12)
        )
    );
}

#[test]
fn the_verifiers_fail_and_silence_fail_the_stage() {
    let e = evidence();
    let d = decide_stage(&ExecutorEnd::Completed, Ok(&e), &fail());
    assert_eq!(
        d.reasons,
        ["the verifier said FAIL: src/lib.rs:3 plan-discrepancy: step 2 is not done"]
    );
    let silent = VerifierOutcome::Failed("error: the answer has no fenced ```json block".into());
    let d = decide_stage(&ExecutorEnd::Completed, Ok(&e), &silent);
    assert_eq!(
        d.reasons,
        ["the verifier gave no verdict: error: the answer has no fenced ```json block"]
    );
    let not_asked = VerifierOutcome::NotAsked("interrupted".into());
    let d = decide_stage(&ExecutorEnd::Completed, Ok(&e), &not_asked);
    assert_eq!(d.reasons, ["the verifier was not asked: interrupted"]);
}

#[test]
fn an_executor_failure_or_missing_evidence_fails_the_stage() {
    let failed = ExecutorEnd::Failed {
        status: WorkerStatus::Timeout,
        reason: "the deadline of 40m passed".into(),
    };
    let e = evidence();
    assert!(!verifier_needed(&failed, Ok(&e)));
    let d = decide_stage(
        &failed,
        Err("the worktree has uncommitted changes"),
        &VerifierOutcome::NotAsked("the executor failed".into()),
    );
    assert_eq!(
        d.reasons,
        [
            "the executor ended `timeout`: the deadline of 40m passed",
            "okstra could not take the stage's evidence: the worktree has uncommitted changes"
        ]
    );
}

#[test]
fn the_carry_holds_the_evidence_the_verdict_and_the_notes() {
    let e = evidence();
    let Some(block) = pass().block().cloned() else {
        unreachable!("an answered verdict")
    };
    let notes = vec!["a note".to_owned()];
    let carry = stage_carry(&CarryInput {
        stage: Stage::new(2).unwrap(),
        impl_task_key: "shop:payments:dev-1",
        plan_run_id: "01JD0000000000000000000000".parse().unwrap(),
        run_id: "01JD0000000000000000000001".parse().unwrap(),
        evidence: &e,
        verifier: &block,
        verifier_worker: "verifier",
        notes: &notes,
        written_at: "2026-11-29T12:00:00Z".parse().unwrap(),
    });
    assert_eq!(carry.stage_commit_range.head, e.head);
    assert_eq!(carry.head_tree, e.head_tree);
    assert_eq!(carry.notes, notes);
    assert_eq!(carry.verifier.verdict, Verdict::Pass);
    assert_eq!(carry.verifier.findings[0].message, "long-function");
    let probe = probe_carry(&carry.to_json().unwrap()).unwrap();
    assert!(probe.is_complete());
    assert_eq!(probe.head_commit().as_deref(), Some(e.head.as_str()));
}
