//! Tests of an implementation run's stage report: the commits' actions and authors, the
//! notes, and okstra's narrative.

use super::*;
use crate::evidence::DiffSeverity;
use crate::implementation::{ExecutorEnd, StageVerdictBlock, decide_stage};
use crate::report::stage_narrative::{MAX_ACCOUNT_CHARS, stage_narrative};

fn evidence() -> StageEvidence {
    StageEvidence {
        base: "b".repeat(40),
        head: "e".repeat(40),
        head_tree: "t".repeat(40),
        commits: vec![
            StageCommit {
                sha: "c".repeat(40),
                subject: "RED: a test".into(),
            },
            StageCommit {
                sha: "d".repeat(40),
                subject: "wip".into(),
            },
            StageCommit {
                sha: "e".repeat(40),
                subject: LEFTOVER_SUBJECT.into(),
            },
        ],
        files_changed: vec!["db/q.sql".into()],
        validation: vec![],
        tdd_proof: TddProof {
            verdict: crate::evidence::TddVerdict::NoRedCommit,
            red_commit: None,
            at_red: vec![],
            reason: "no RED: commit in base..head".into(),
        },
        db_gate: DbGate {
            status: DbGateStatus::Unverified,
            triggers: vec!["db/q.sql (*.sql)".into()],
            evidence: None,
        },
        findings: vec![],
    }
}

fn input<'a>(
    evidence: Result<&'a StageEvidence, &'a str>,
    okstra: &'a [StageCommit],
    verifier: &'a VerifierOutcome,
    decision: &'a StageDecision,
) -> StageReportInput<'a> {
    StageReportInput {
        stage: 3,
        title: "Totals ",
        plan: "p.data.json",
        plan_run_id: "R",
        mode: "retry",
        executor: "claude",
        execution: "whole-stage",
        execution_reason: None,
        branch: None,
        evidence,
        okstra_commits: okstra,
        verifier,
        decision,
        carry: None,
    }
}

#[test]
fn commits_carry_their_action_and_author_and_notes_follow() {
    let e = evidence();
    let okstra = [e.commits[2].clone()];
    let verifier = VerifierOutcome::NotAsked("okstra's own evidence fails the stage".into());
    let decision = decide_stage(&ExecutorEnd::Completed, Ok(&e), &verifier);
    let report = stage_report(&input(Ok(&e), &okstra, &verifier, &decision));
    let actions: Vec<_> = report
        .commits
        .iter()
        .map(|c| (c.action.as_deref(), c.by_okstra))
        .collect();
    assert_eq!(actions, [(Some("RED"), false), (None, false), (None, true)]);
    assert_eq!(report.outcome, Verdict::Fail);
    assert_eq!(report.verifier.status, "not-asked");
    let notes = report.notes();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[0].contains("the DB part of this stage is unverified"));
    assert!(
        notes[1].starts_with("okstra committed what the executor left uncommitted: eeeeeeeeeeee")
    );
    let narrative = stage_narrative(&report, None);
    assert_eq!(
        narrative.summary,
        "Stage 3 (Totals) failed. 3 commits, TDD proof failed (no RED commit), verifier \
         not-asked. Failures: TDD proof: no RED: commit in base..head."
    );
    assert_eq!(
        narrative.analysis,
        "The executor gave no account of its own."
    );
}

#[test]
fn a_passing_stage_quotes_the_executor_and_lists_advice() {
    let mut e = evidence();
    e.tdd_proof.verdict = crate::evidence::TddVerdict::Proven;
    e.db_gate.status = DbGateStatus::NotApplicable;
    let verifier = VerifierOutcome::Answered(StageVerdictBlock {
        verdict: Verdict::Pass,
        findings: vec![crate::implementation::VerifierFinding {
            at: "src/a.rs:9".into(),
            rule: "weak-name".into(),
            severity: DiffSeverity::Advisory,
            message: String::new(),
            fix: "call it total".into(),
        }],
    });
    let decision = decide_stage(&ExecutorEnd::Completed, Ok(&e), &verifier);
    assert!(decision.passed(), "{decision:?}");
    let report = stage_report(&input(Ok(&e), &[], &verifier, &decision));
    assert!(report.notes().is_empty());
    let long = "x".repeat(MAX_ACCOUNT_CHARS + 5);
    let narrative = stage_narrative(&report, Some(&long));
    assert!(
        narrative
            .summary
            .starts_with("Stage 3 (Totals) passed. 3 commits, TDD proof proven, verifier PASS.")
    );
    assert!(
        narrative
            .analysis
            .ends_with("(cut: the executor's whole account is its result file)")
    );
    assert_eq!(
        narrative.recommendations,
        ["src/a.rs:9 weak-name: call it total"]
    );
}

#[test]
fn without_evidence_the_report_says_why() {
    let verifier = VerifierOutcome::NotAsked("the executor failed".into());
    let failed = ExecutorEnd::Failed {
        status: crate::status::WorkerStatus::Error,
        reason: "boom".into(),
    };
    let decision = decide_stage(&failed, Err("no worktree"), &verifier);
    let report = stage_report(&input(Err("no worktree"), &[], &verifier, &decision));
    assert_eq!(report.evidence_error.as_deref(), Some("no worktree"));
    assert!(report.commits.is_empty() && report.tdd_proof.is_none() && report.head.is_none());
    assert_eq!(report.reasons.len(), 2);
}
