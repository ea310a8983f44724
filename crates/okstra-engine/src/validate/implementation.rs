//! Owns the run validator's checks of implementation runs (SPEC §7.4, §8): the report's stage
//! part against the evidence record okstra wrote (`state/evidence-<seq>.json`); okstra's
//! decision recomputed from that evidence, the execution record and the verifier's own result
//! file, against the report's; the carry written if and only if the stage passed (bound to the
//! evidence's head, tree and commits); and the ledger's rows consistent with both — the
//! `started` row of the run at the stage's base, a `done` row at the head for a PASS and none
//! of this run for a FAIL. The bookkeeping every report gets (workers, tokens, notes) is
//! checked against team state with no convergence record: an implementation run has none.
//!
//! Read-only: the ledger is decoded as it is on disk, never repaired here.

use std::path::Path;

use okstra_core::carry::{CarrySidecar, Verdict};
use okstra_core::findings::converge::ConvergenceState;
use okstra_core::implementation::{
    EvidenceRecord, ExecutionRecord, ExecutorEnd, VerifierOutcome, check_stage_verdict_answer,
    decide_stage,
};
use okstra_core::ledger::decode_ledger;
use okstra_core::manifest::RunManifest;
use okstra_core::report::{ReportData, StageReport, bookkeeping_differences};
use okstra_core::result_header::parse_result;
use okstra_core::run_paths::{RoundTag, RunPaths};
use okstra_core::status::WorkerStatus;
use okstra_core::team_state::TeamState;
use okstra_core::worker_name::Role;

use super::Checks;

const REPORT: &str = "stage-report";
const EVIDENCE: &str = "stage-evidence";
const DECISION: &str = "stage-decision";
const CARRY: &str = "stage-carry";
const LEDGER: &str = "stage-ledger";

/// Checks an implementation run whose report data is `data` (at `data_path`).
pub(super) fn check_stage(
    c: &mut Checks,
    paths: &RunPaths,
    manifest: &RunManifest,
    data_path: &Path,
    data: &ReportData,
    team: Option<&TeamState>,
) {
    if let Some(team) = team {
        let empty = ConvergenceState::new(manifest.run_id.to_string(), 0, Vec::new(), Vec::new());
        c.check(data_path, "bookkeeping");
        for d in bookkeeping_differences(data, manifest, &empty, team) {
            c.fail(
                data_path,
                "bookkeeping",
                format!(
                    "{} is {} in the report, but the run's state files give {}",
                    d.pointer, d.found, d.expected
                ),
            );
        }
    }
    c.check(data_path, REPORT);
    let Some(stage) = &data.implementation else {
        c.fail(
            data_path,
            REPORT,
            "the report of an implementation run has no stage part",
        );
        return;
    };
    if manifest.stage.map(okstra_core::Stage::get) != Some(stage.stage) {
        c.fail(
            data_path,
            REPORT,
            format!(
                "is about stage {}, the run's is {:?}",
                stage.stage, manifest.stage
            ),
        );
    }
    let evidence_path = paths.evidence();
    let Some(bytes) = c.read(&evidence_path, EVIDENCE) else {
        return;
    };
    let record = match EvidenceRecord::parse(&String::from_utf8_lossy(&bytes)) {
        Ok(r) => r,
        Err(e) => {
            c.fail(&evidence_path, EVIDENCE, e.to_string());
            return;
        }
    };
    check_evidence(c, data_path, stage, &record);
    check_decision(c, paths, manifest, data_path, stage, &record, team);
    check_carry_and_ledger(c, paths, manifest, stage, &record);
}

/// The report's evidence fields equal the record's.
fn check_evidence(c: &mut Checks, data_path: &Path, stage: &StageReport, record: &EvidenceRecord) {
    c.check(data_path, EVIDENCE);
    let Ok(e) = record.taken() else {
        if stage.evidence_error.is_none() {
            c.fail(
                data_path,
                EVIDENCE,
                "the record holds no evidence, the report shows some",
            );
        }
        return;
    };
    let commits: Vec<(&str, &str)> = e
        .commits
        .iter()
        .map(|c| (c.sha.as_str(), c.subject.as_str()))
        .collect();
    let shown: Vec<(&str, &str)> = stage
        .commits
        .iter()
        .map(|c| (c.sha.as_str(), c.subject.as_str()))
        .collect();
    let pairs = [
        ("head", stage.head.as_deref() == Some(e.head.as_str())),
        ("base", stage.base.as_deref() == Some(e.base.as_str())),
        (
            "headTree",
            stage.head_tree.as_deref() == Some(e.head_tree.as_str()),
        ),
        ("commits", shown == commits),
        ("filesChanged", stage.files_changed == e.files_changed),
        ("validation", stage.validation == e.validation),
        ("tddProof", stage.tdd_proof.as_ref() == Some(&e.tdd_proof)),
        ("dbGate", stage.db_gate.as_ref() == Some(&e.db_gate)),
        ("okstraFindings", stage.okstra_findings == e.findings),
    ];
    for (field, same) in pairs {
        if !same {
            c.fail(
                data_path,
                EVIDENCE,
                format!("/implementation/{field} differs from the evidence record"),
            );
        }
    }
}

/// okstra's decision recomputed from the run's records equals the report's.
fn check_decision(
    c: &mut Checks,
    paths: &RunPaths,
    manifest: &RunManifest,
    data_path: &Path,
    stage: &StageReport,
    record: &EvidenceRecord,
    team: Option<&TeamState>,
) {
    c.check(data_path, DECISION);
    let root = Path::new(&manifest.project_root);
    let execution = fs_err::read_to_string(paths.execution())
        .ok()
        .and_then(|t| ExecutionRecord::parse(&t).ok());
    let row = |role: Role| team.and_then(|t| t.workers.iter().rev().find(|w| w.role == role));
    let executor = match &execution {
        Some(x) if x.skipped.is_some() => ExecutorEnd::Skipped,
        Some(x) => match x
            .invocations
            .iter()
            .find(|i| i.status != Some(WorkerStatus::Completed))
        {
            Some(i) => ExecutorEnd::Failed {
                status: i.status.unwrap_or(WorkerStatus::Error),
                reason: team
                    .and_then(|t| {
                        t.workers
                            .iter()
                            .find(|w| w.role == Role::Executor && round_key(w.round) == i.key)
                    })
                    .and_then(|w| w.reason().map(str::to_owned))
                    .unwrap_or_else(|| "no reason recorded".to_owned()),
            },
            None => match &x.stopped {
                Some(reason) => ExecutorEnd::Failed {
                    status: WorkerStatus::NotRun,
                    reason: reason.clone(),
                },
                None => ExecutorEnd::Completed,
            },
        },
        None => {
            c.fail(
                &paths.execution(),
                DECISION,
                "the run has no execution record",
            );
            return;
        }
    };
    let verifier = match row(Role::Verifier) {
        Some(w) if w.status() == WorkerStatus::Completed => {
            let text = w
                .attempts
                .last()
                .and_then(|a| a.result_path.as_ref())
                .and_then(|rel| fs_err::read_to_string(root.join(rel)).ok());
            match text.as_deref().map(parse_result) {
                Some(Ok((_, body))) => match check_stage_verdict_answer(body) {
                    Ok(block) => VerifierOutcome::Answered(block),
                    Err(e) => VerifierOutcome::Failed(e.to_string()),
                },
                _ => VerifierOutcome::Failed("its result file cannot be read".to_owned()),
            }
        }
        Some(w) => VerifierOutcome::Failed(format!(
            "{}: {}",
            w.status(),
            w.reason().unwrap_or("no answer")
        )),
        None => VerifierOutcome::NotAsked(stage.verifier.reason.clone().unwrap_or_default()),
    };
    let decision = decide_stage(&executor, record.taken(), &verifier);
    if decision.verdict != stage.outcome {
        c.fail(
            data_path,
            DECISION,
            format!(
                "the report says {}, the run's records give {} ({})",
                stage.outcome,
                decision.verdict,
                decision.reasons.join("; ")
            ),
        );
    } else if decision.reasons != stage.reasons {
        c.fail(
            data_path,
            DECISION,
            "/implementation/reasons differ from the run's records",
        );
    }
    if let Some(block) = verifier.block()
        && (stage.verifier.verdict != Some(block.verdict)
            || stage.verifier.findings.len() != block.findings.len())
    {
        c.fail(
            data_path,
            DECISION,
            "/implementation/verifier differs from the verifier's result file",
        );
    }
}

/// The carry exists if and only if the stage passed, bound to the evidence; the ledger holds
/// the run's `started` row and, for a PASS only, its `done` row at the head.
fn check_carry_and_ledger(
    c: &mut Checks,
    paths: &RunPaths,
    manifest: &RunManifest,
    stage: &StageReport,
    record: &EvidenceRecord,
) {
    let run_id = manifest.run_id.to_string();
    let Some(n) = manifest.stage else { return };
    let carry_path = paths.task().carry(n);
    c.check(&carry_path, CARRY);
    let carry = fs_err::read_to_string(&carry_path)
        .ok()
        .and_then(|t| CarrySidecar::parse(&t).ok());
    let ours = carry.as_ref().filter(|c| c.run_id == manifest.run_id);
    let ledger_path = paths.task().consumers_ledger();
    let text = fs_err::read_to_string(&ledger_path).unwrap_or_default();
    c.check(&ledger_path, LEDGER);
    let rows = match decode_ledger(&text) {
        Ok(d) => d.rows,
        Err(e) => {
            c.fail(&ledger_path, LEDGER, e.to_string());
            return;
        }
    };
    let mine = |status: &str| {
        rows.iter()
            .find(|r| {
                r.stage == Some(n.get())
                    && r.status.as_deref() == Some(status)
                    && r.run_id.as_deref() == Some(run_id.as_str())
            })
            .cloned()
    };
    let base = manifest.stage_run.as_ref().and_then(|s| s.base.clone());
    match mine("started") {
        None => c.fail(
            &ledger_path,
            LEDGER,
            format!("no `started` row of run {run_id} for stage {n}"),
        ),
        Some(row) if base.is_some() && row.head_commit.as_deref() != base.as_deref() => c.fail(
            &ledger_path,
            LEDGER,
            format!(
                "the `started` row's head_commit is not the stage's base {}",
                base.unwrap_or_default()
            ),
        ),
        Some(_) => {}
    }
    let done = mine("done");
    match stage.outcome {
        Verdict::Pass => {
            let Ok(e) = record.taken() else { return };
            match ours {
                Some(carry)
                    if carry.stage_commit_range.head != e.head
                        || carry.head_tree != e.head_tree
                        || carry.commits != e.commits =>
                {
                    c.fail(
                        &carry_path,
                        CARRY,
                        "is not bound to the run's evidence (head, tree or commits differ)",
                    );
                }
                None if done.is_none() => c.fail(
                    &carry_path,
                    CARRY,
                    "the stage passed but no carry of this run exists",
                ),
                // Ours and bound to the evidence; or replaced since by a later run of the
                // stage, or archived by a plan switch (its `done` row remains).
                Some(_) | None => {}
            }
            let backfilled = rows.iter().any(|r| {
                r.stage == Some(n.get())
                    && r.is_done()
                    && r.source.as_deref() == Some(okstra_core::ledger::SOURCE_CARRY_BACKFILL)
                    && r.head_commit.as_deref() == Some(e.head.as_str())
            });
            match done {
                Some(row) if row.head_commit.as_deref() != Some(e.head.as_str()) => c.fail(
                    &ledger_path,
                    LEDGER,
                    format!(
                        "the `done` row of run {run_id} is not at the stage's head {}",
                        e.head
                    ),
                ),
                Some(_) => {}
                None if backfilled => {}
                None => c.fail(
                    &ledger_path,
                    LEDGER,
                    format!("the stage passed but no `done` row of run {run_id} exists"),
                ),
            }
        }
        Verdict::Fail => {
            if ours.is_some() {
                c.fail(
                    &carry_path,
                    CARRY,
                    "the stage failed but a carry of this run exists",
                );
            }
            if done.is_some() {
                c.fail(
                    &ledger_path,
                    LEDGER,
                    format!("the stage failed but run {run_id} has a `done` row"),
                );
            }
        }
    }
}

/// Returns the execution record's key of an executor round.
fn round_key(round: RoundTag) -> String {
    match round {
        RoundTag::Step(n) => okstra_core::replay::step_key(n),
        _ => okstra_core::implementation::WHOLE_STAGE_KEY.to_owned(),
    }
}
