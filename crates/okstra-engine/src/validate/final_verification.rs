//! Owns the run validator's checks of final-verification runs (SPEC §7.4, issue 12): the
//! verdict record `state/final-verification-<seq>.json` present, readable and of this run;
//! the report's verdict equal to it; its verdict, reasons and warnings recomputed from what it
//! records (the commands, the verifiers) and the report's converged findings; the verifiers
//! that answered equal to convergence's; and a run that completed only on an accepted verdict.
//!
//! Read-only.

use std::path::Path;

use okstra_core::final_verification::{
    FinalVerdict, FinalVerificationRecord, VerdictInputs, WeighedFinding, decide_final_verdict,
};
use okstra_core::findings::converge::ConvergenceState;
use okstra_core::manifest::RunManifest;
use okstra_core::report::ReportData;
use okstra_core::run_paths::RunPaths;
use okstra_core::status::RunStatus;

use super::Checks;
use crate::final_verification::parse_record;

const RECORD: &str = "final-verification-record";
const REPORT: &str = "final-verification-report";
const VERDICT: &str = "final-verification-verdict";

/// Checks a final-verification run whose report data is `data` (at `data_path`).
pub(super) fn check_final_verification(
    c: &mut Checks,
    paths: &RunPaths,
    manifest: &RunManifest,
    data_path: &Path,
    data: &ReportData,
) {
    let path = paths.final_verification_record();
    if data.final_verification.is_none() && !path.exists() {
        // A final verification of an older okstra: an analysis run with no verdict record.
        return;
    }
    let Some(bytes) = c.read(&path, RECORD) else {
        return;
    };
    let record = match parse_record(&String::from_utf8_lossy(&bytes)) {
        Ok(record) => record,
        Err(e) => {
            c.fail(&path, RECORD, e.to_string());
            return;
        }
    };
    if record.run_id != manifest.run_id.to_string() || record.run_seq != manifest.run_seq.get() {
        c.fail(
            &path,
            RECORD,
            format!(
                "it is the record of run {} (seq {}), not of this run",
                record.run_id, record.run_seq
            ),
        );
    }
    c.check(data_path, REPORT);
    if data.final_verification.as_ref() != Some(&record) {
        c.fail(
            data_path,
            REPORT,
            "its finalVerification differs from the run's final-verification record",
        );
    }
    check_verdict(c, paths, &path, &record, data);
    if manifest.status == RunStatus::Completed && record.verdict != FinalVerdict::Accepted {
        c.fail(
            &path,
            VERDICT,
            format!(
                "the run completed, but its verdict is {} (only an accepted task completes)",
                record.verdict
            ),
        );
    }
}

/// Checks the record's verdict against the one its own facts and the report's findings give.
fn check_verdict(
    c: &mut Checks,
    paths: &RunPaths,
    path: &Path,
    record: &FinalVerificationRecord,
    data: &ReportData,
) {
    c.check(path, VERDICT);
    if record.verifiers_asked.is_empty() {
        // A stage that did not merge: nothing was asked or run, and the run is rejected.
        let merged_nothing = record.commands.is_empty() && record.verifiers_answered.is_empty();
        if record.verdict != FinalVerdict::Rejected || !merged_nothing {
            c.fail(
                path,
                VERDICT,
                "no verifier was asked, so the verdict must be a rejection with nothing run",
            );
        }
        return;
    }
    if let Ok(text) = fs_err::read_to_string(paths.convergence())
        && let Ok(state) = ConvergenceState::parse(&text)
        && state.analysers != record.verifiers_answered
    {
        c.fail(
            path,
            VERDICT,
            format!(
                "verifiersAnswered is {:?}, but the convergence record's analysers are {:?}",
                record.verifiers_answered, state.analysers
            ),
        );
    }
    let findings: Vec<WeighedFinding<'_>> = data
        .findings
        .iter()
        .map(|f| WeighedFinding {
            id: &f.id,
            title: &f.title,
            severity: f.severity,
            class: f.class,
        })
        .collect();
    let expected = decide_final_verdict(&VerdictInputs {
        conflict: None,
        asked: &record.verifiers_asked,
        answered: &record.verifiers_answered,
        commands: &record.commands,
        findings: &findings,
    });
    if expected.verdict != record.verdict {
        c.fail(
            path,
            VERDICT,
            format!(
                "the verdict is {}, but its commands, verifiers and the report's findings give {}",
                record.verdict, expected.verdict
            ),
        );
    }
    if expected.reasons != record.reasons || expected.warnings != record.warnings {
        c.fail(
            path,
            VERDICT,
            "its reasons or warnings differ from those its commands, verifiers and the report's \
             findings give",
        );
    }
}
