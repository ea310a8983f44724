//! Owns the run validator's checks of release-handoff runs (SPEC §7.4): the report data has
//! its hand-off; the PR body file is where the data says, with the bytes and hash it records;
//! and the final-verification record it rests on exists, is `accepted`, and is about the head
//! and branch handed off (its hash, kept in the report's integrity, is checked with the other
//! state files by the parent module).

use std::path::Path;

use okstra_core::TaskType;
use okstra_core::final_verification::FinalVerdict;
use okstra_core::ids::RunSeq;
use okstra_core::report::{ReportData, sha256_hex};
use okstra_core::run_paths::{RunPaths, relative_to};

use super::Checks;
use crate::final_verification::parse_record;

/// The check of the PR body.
const BODY: &str = "pr-body";
/// The check of the final verification the hand-off rests on.
const RECORD: &str = "handoff-verification";

/// Checks a release-handoff run's hand-off against its files.
pub(super) fn check_handoff(c: &mut Checks, paths: &RunPaths, data_path: &Path, data: &ReportData) {
    c.check(data_path, BODY);
    let Some(h) = &data.handoff else {
        c.fail(
            data_path,
            BODY,
            "the report data has no hand-off (`handoff`)",
        );
        return;
    };
    let body_path = paths.pr_body();
    let root = paths.task().project_root();
    let rel = relative_to(&body_path, root).display().to_string();
    if h.pr_body_path != rel {
        c.fail(
            data_path,
            BODY,
            format!(
                "handoff.prBodyPath is {}, the run's PR body is {rel}",
                h.pr_body_path
            ),
        );
    }
    if let Some(bytes) = c.read(&body_path, BODY) {
        if sha256_hex(&bytes) != h.pr_body_sha256 {
            c.fail(
                &body_path,
                BODY,
                "changed after the report was written (its hash differs from the report's record)",
            );
        } else if String::from_utf8_lossy(&bytes) != h.pr_body {
            c.fail(
                &body_path,
                BODY,
                "differs from the body the report data holds",
            );
        }
    }
    let Ok(seq) = RunSeq::new(h.final_verification_seq) else {
        c.fail(
            data_path,
            RECORD,
            format!(
                "handoff.finalVerificationSeq {} is no run seq",
                h.final_verification_seq
            ),
        );
        return;
    };
    let record_path = paths
        .task()
        .run(TaskType::FinalVerification, seq, None)
        .final_verification_record();
    c.check(&record_path, RECORD);
    let Some(bytes) = c.read(&record_path, RECORD) else {
        return;
    };
    let record = match parse_record(&String::from_utf8_lossy(&bytes)) {
        Ok(record) => record,
        Err(e) => {
            c.fail(&record_path, RECORD, e.to_string());
            return;
        }
    };
    if record.verdict != FinalVerdict::Accepted {
        c.fail(
            &record_path,
            RECORD,
            format!(
                "the verdict is {}, not accepted: nothing should have been handed off",
                record.verdict
            ),
        );
    }
    if record.run_id != h.final_verification_run_id {
        c.fail(
            &record_path,
            RECORD,
            format!(
                "names run {}, the hand-off says {}",
                record.run_id, h.final_verification_run_id
            ),
        );
    }
    if record.verified_head != h.head || record.task_branch != h.task_branch {
        c.fail(
            &record_path,
            RECORD,
            format!(
                "verified {} at {}, the hand-off handed off {} at {}",
                record.task_branch, record.verified_head, h.task_branch, h.head
            ),
        );
    }
}
