//! Owns finding a task's latest final-verification record: the highest seq of
//! `runs/final-verification/state/final-verification-<seq>.json`. It does not judge the record
//! (release-handoff asks `FinalVerificationRecord::accepts_head`).

use std::path::Path;

use okstra_core::errors::DocumentError;
use okstra_core::final_verification::FinalVerificationRecord;
use okstra_core::ids::RunSeq;
use okstra_core::run_paths::{RunPaths, TaskPaths};
use okstra_core::task_type::TaskType;

use crate::errors::{PathError, StoreError};
use crate::fs_atomic::read_optional;

const PREFIX: &str = "final-verification-";

/// Returns the latest final-verification run's paths and record (highest seq with a record
/// under `runs/final-verification/state/`), or `None` when the task has none.
///
/// A record that cannot be parsed, or whose version is newer than this okstra, is an error
/// naming its path (it is never skipped for an older one: that would hand off on a stale
/// verdict).
pub fn latest_final_verification(
    task: &TaskPaths,
) -> Result<Option<(RunPaths, FinalVerificationRecord)>, StoreError> {
    let state_dir = task
        .run(TaskType::FinalVerification, RunSeq::FIRST, None)
        .state_dir();
    let Some(seq) = record_seqs(&state_dir)?.into_iter().max() else {
        return Ok(None);
    };
    let paths = task.run(TaskType::FinalVerification, seq, None);
    let path = paths.final_verification_record();
    let Some(text) = read_optional(&path)? else {
        return Ok(None);
    };
    let record = parse_record(&text).map_err(|source| StoreError::Invalid {
        path: path.clone(),
        source,
    })?;
    Ok(Some((paths, record)))
}

/// Parses a record and checks its version.
pub(crate) fn parse_record(text: &str) -> Result<FinalVerificationRecord, DocumentError> {
    if text.trim().is_empty() {
        return Err(DocumentError::Empty);
    }
    let record: FinalVerificationRecord =
        serde_json::from_str(text).map_err(|e| DocumentError::from_json(&e))?;
    record.check_version()?;
    Ok(record)
}

/// Returns the seqs of the records in `dir` (none when it is missing), in seq order.
fn record_seqs(dir: &Path) -> Result<Vec<RunSeq>, PathError> {
    Ok(crate::seq_files::numbered_files(dir, PREFIX, ".json")?
        .into_iter()
        .filter_map(|(n, _)| RunSeq::new(n).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use okstra_core::final_verification::{FinalVerdict, MergedStage};
    use okstra_core::run_paths::ProjectPaths;
    use okstra_core::segment::Segment;

    use super::*;
    use crate::fs_atomic::write_json;

    fn record(seq: u32, verdict: FinalVerdict) -> FinalVerificationRecord {
        FinalVerificationRecord {
            schema_version: FinalVerificationRecord::current_schema_version(),
            run_id: format!("R{seq}"),
            run_seq: seq,
            plan_run_id: "P".into(),
            task_branch: "okstra/feat/g-id".into(),
            anchor: "a".into(),
            verified_head: format!("h{seq}"),
            verdict,
            reasons: vec![],
            warnings: vec![],
            stages: vec![MergedStage {
                stage: 1,
                branch: "okstra/feat/g-id-stage-1".into(),
                head: "s".into(),
                merge_commit: None,
            }],
            commands: vec![],
            verifiers_asked: vec!["claude".into(), "codex".into()],
            verifiers_answered: vec!["claude".into(), "codex".into()],
        }
    }

    fn task(root: &Path) -> TaskPaths {
        let group = Segment::parse("g").unwrap();
        let id = Segment::parse("id").unwrap();
        ProjectPaths::new(root).task(&group, &id)
    }

    #[test]
    fn no_record_is_none_and_the_highest_seq_wins() {
        let dir = tempfile::tempdir().unwrap();
        let task = task(dir.path());
        assert!(latest_final_verification(&task).unwrap().is_none());
        for (seq, verdict) in [
            (2, FinalVerdict::Rejected),
            (10, FinalVerdict::Accepted),
            (9, FinalVerdict::Rejected),
        ] {
            let paths = task.run(TaskType::FinalVerification, RunSeq::new(seq).unwrap(), None);
            write_json(&paths.final_verification_record(), &record(seq, verdict)).unwrap();
        }
        let (paths, found) = latest_final_verification(&task).unwrap().unwrap();
        assert_eq!(paths.seq().get(), 10);
        assert_eq!(found.verdict, FinalVerdict::Accepted);
        assert_eq!(found.verified_head, "h10");
    }

    #[test]
    fn a_broken_latest_record_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let task = task(dir.path());
        let good = task.run(TaskType::FinalVerification, RunSeq::FIRST, None);
        write_json(
            &good.final_verification_record(),
            &record(1, FinalVerdict::Accepted),
        )
        .unwrap();
        let bad = task.run(TaskType::FinalVerification, RunSeq::new(2).unwrap(), None);
        crate::fs_atomic::write_text(&bad.final_verification_record(), "{").unwrap();
        let err = latest_final_verification(&task).unwrap_err().to_string();
        assert!(err.contains("final-verification-2.json"), "{err}");
    }
}
