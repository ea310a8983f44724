//! The carry sidecar the ledger benches fill their carry folders with: okstra's `carry/v1` of
//! about 2 KB (three commits, a validation command with its output tail, the TDD proof).
//! Included by `okstra-engine`'s `ledger` bench and `okstra-cli`'s `ledger_repair` bench.

use okstra_core::carry::{CarrySidecar, Verdict, VerifierVerdict};
use okstra_core::evidence::{
    CommandEvidence, DbGate, DbGateStatus, StageCommit, StageEvidence, TddProof, TddVerdict,
};
use okstra_core::{RunId, Stage};

/// Returns a 40-hex-digit commit id made from `n`.
pub(crate) fn sha(n: usize) -> String {
    format!("{n:040x}")
}

/// Returns a carry sidecar of about 2 KB.
pub(crate) fn carry(stage: u32, key: &str, plan_run_id: RunId) -> CarrySidecar {
    let n = stage as usize;
    let command = |commit: &str| CommandEvidence {
        command: format!("cargo test -p shop module_{n}"),
        cwd: ".".into(),
        commit: commit.to_owned(),
        exit_code: Some(0),
        duration_ms: 1234,
        output_tail: "test result: ok. 42 passed; 0 failed; 0 ignored\n".repeat(8),
        note: None,
    };
    let evidence = StageEvidence {
        base: sha(n * 10),
        head: sha(n * 10 + 3),
        head_tree: sha(n * 10 + 9),
        commits: (1..=3)
            .map(|i| StageCommit {
                sha: sha(n * 10 + i),
                subject: format!(
                    "{}: module {n} step {i}",
                    ["RED", "GREEN", "REFACTOR"][i - 1]
                ),
            })
            .collect(),
        files_changed: vec![format!("src/module_{n}.rs"), format!("tests/module_{n}.rs")],
        validation: vec![command(&sha(n * 10 + 3))],
        tdd_proof: TddProof {
            verdict: TddVerdict::Proven,
            red_commit: Some(sha(n * 10 + 1)),
            at_red: vec![command(&sha(n * 10 + 1))],
            reason: "RED failed, the head passes".into(),
        },
        db_gate: DbGate {
            status: DbGateStatus::NotApplicable,
            triggers: vec![],
            evidence: None,
        },
        findings: vec![],
    };
    CarrySidecar::from_evidence(
        Stage::new(stage).expect("stage"),
        key.into(),
        plan_run_id,
        RunId::generate(),
        &evidence,
        VerifierVerdict {
            verdict: Verdict::Pass,
            findings: vec![],
            worker: Some("verifier".into()),
        },
        "2026-11-29T12:00:00Z".parse().expect("time"),
    )
}
