//! Run preparation: seqs, manifests, brief history, timeline, index rows.

use okstra_core::TaskType;
use okstra_core::index::IndexEvent;
use okstra_core::manifest::RunManifest;
use okstra_core::timeline::Timeline;
use okstra_engine::{PrepareError, PreparedRun, RunError};

use crate::common::{Ask, Fixture};

/// Prepares an error-analysis run of `task` from `main`.
fn prepare(
    fx: &Fixture,
    task: &str,
    brief: Option<&str>,
    seq: Option<u32>,
) -> Result<PreparedRun, RunError> {
    fx.prepare_with(
        task,
        TaskType::ErrorAnalysis,
        &Ask {
            base_ref: Some("main"),
            brief,
            seq,
        },
    )
}

#[test]
fn seqs_count_per_task_type_and_files_agree() {
    let fx = Fixture::git();
    let a = prepare(&fx, "g/i", Some("# one\n"), None).unwrap();
    let b = prepare(&fx, "G/I", None, None).unwrap();
    assert_eq!(a.manifest.run_seq.get(), 1);
    assert_eq!(b.manifest.run_seq.get(), 2);
    // Raw spellings that slug alike are the same task; the key keeps the first spelling.
    assert_eq!(b.task_key.to_string(), "shop:g:i");
    let text = fs_err::read_to_string(b.paths.manifest()).unwrap();
    let m = RunManifest::parse(&text).unwrap();
    assert_eq!(m, b.manifest);
    assert_eq!(m.schema_version.as_deref(), Some("run-manifest/v1"));
    assert_eq!(m.brief.as_deref(), Some(".okstra/tasks/g/i/brief.md"));
    assert_eq!(m.run_dir(), ".okstra/tasks/g/i/runs/error-analysis");
    for dir in b.paths.directories() {
        assert!(dir.is_dir(), "{}", dir.display());
    }
    let timeline =
        Timeline::parse(&fs_err::read_to_string(b.paths.task().timeline()).unwrap()).unwrap();
    assert_eq!(timeline.entries.len(), 2);
    assert_eq!(
        timeline.entries[1].manifest,
        ".okstra/tasks/g/i/runs/error-analysis/manifests/run-manifest-error-analysis-2.json"
    );
    let index = fx.home.read_index().unwrap();
    assert_eq!(index.rows.len(), 2);
    assert!(index.rows.iter().all(|r| r.event == IndexEvent::Started));
    assert_eq!(
        index.rows[1].manifest,
        b.paths.manifest().display().to_string()
    );
}

#[test]
fn seq_override_is_used_once() {
    let fx = Fixture::git();
    let run = prepare(&fx, "g/i", None, Some(7)).unwrap();
    assert_eq!(run.manifest.run_seq.get(), 7);
    let err = prepare(&fx, "g/i", None, Some(7)).unwrap_err();
    assert!(
        matches!(
            err,
            RunError::Prepare(PrepareError::SeqExists { seq: 7, .. })
        ),
        "{err:?}"
    );
    let next = prepare(&fx, "g/i", None, None).unwrap();
    assert_eq!(next.manifest.run_seq.get(), 8);
}

#[test]
fn a_different_brief_moves_the_old_one_to_history() {
    let fx = Fixture::git();
    prepare(&fx, "g/i", Some("# one\n"), None).unwrap();
    let same = prepare(&fx, "g/i", Some("# one\n"), None).unwrap();
    assert_eq!(same.brief_archived, None);
    let changed = prepare(&fx, "g/i", Some("# two\n"), None).unwrap();
    let archived = changed.brief_archived.unwrap();
    assert!(archived.ends_with(".okstra/tasks/g/i/history/brief-3.md"));
    assert_eq!(fs_err::read_to_string(&archived).unwrap(), "# one\n");
    assert_eq!(
        fs_err::read_to_string(changed.paths.task().brief()).unwrap(),
        "# two\n"
    );
}

#[test]
fn project_meta_lists_the_root_once() {
    let fx = Fixture::git();
    prepare(&fx, "g/i", None, None).unwrap();
    prepare(&fx, "g/j", None, None).unwrap();
    let meta = fx
        .home
        .project_meta(&fx.project.project_id)
        .unwrap()
        .unwrap();
    assert_eq!(meta.roots.len(), 1);
    assert_eq!(meta.roots[0].path, fx.root().display().to_string());
}
