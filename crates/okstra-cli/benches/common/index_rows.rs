//! The central index the list benches read: 100,000 of okstra's own index rows (`IndexRow`,
//! 50,000 runs, a `started` and a `done` row each) of 20 projects, 50 groups, 700 task ids and
//! every task type, with absolute manifest paths as a real home has (about 370 bytes a row),
//! written as okstra writes them (rotated at 16 MiB). Included by `ctl_list` and
//! `mcp_list_runs` with `#[path]`.

#![allow(dead_code, reason = "each bench uses part of it")]

use std::path::Path;

use jiff::Timestamp;
use okstra_core::RunId;
use okstra_core::index::{IndexEvent, IndexRow};
use okstra_core::jsonl::encode_line;
use okstra_core::status::RunStatus;
use okstra_core::task_type::TaskType;
use ulid::Ulid;

/// The runs in the index.
pub(crate) const RUNS: usize = 50_000;
const ROTATE: usize = 16 * 1024 * 1024;

const TYPES: [TaskType; 6] = [
    TaskType::RequirementsDiscovery,
    TaskType::ErrorAnalysis,
    TaskType::ImplementationPlanning,
    TaskType::Implementation,
    TaskType::FinalVerification,
    TaskType::ReleaseHandoff,
];
const ENDS: [RunStatus; 4] = [
    RunStatus::Completed,
    RunStatus::Completed,
    RunStatus::Failed,
    RunStatus::Interrupted,
];

/// Returns the rows.
pub(crate) fn index_rows() -> Vec<IndexRow> {
    let start: Timestamp = "2026-06-01T00:00:00Z".parse().expect("time");
    let mut rows = Vec::with_capacity(RUNS * 2);
    for i in 0..RUNS {
        let n = i as u64;
        let at = start
            .checked_add(jiff::SignedDuration::from_secs(
                i64::try_from(n * 300).expect("n"),
            ))
            .expect("time");
        let run_id = RunId::from_ulid(Ulid::from_parts(
            at.as_millisecond().cast_unsigned(),
            u128::from(n),
        ));
        let project = format!("proj-{}", i % 20);
        let (group, task) = (format!("group-{}", i % 50), format!("dev-{}", i % 700));
        let task_type = TYPES[i % TYPES.len()];
        let seq = u32::try_from(i % 40 + 1).expect("seq");
        let stage = (task_type == TaskType::Implementation)
            .then(|| u32::try_from(i % 7 + 1).expect("stage"));
        let manifest = format!(
            "/home/someone/src/{project}/.okstra/tasks/{group}/{task}/runs/{}/manifests/run-manifest-{}-{seq}.json",
            task_type.as_str(),
            task_type.as_str()
        );
        let row = |event, status, at| IndexRow {
            v: Some(1),
            event,
            run_id,
            project_id: project.clone(),
            task_group: group.clone(),
            task_id: task.clone(),
            task_type,
            run_seq: seq,
            stage,
            status,
            at,
            manifest: manifest.clone(),
        };
        rows.push(row(IndexEvent::Started, RunStatus::Running, at));
        let end = at
            .checked_add(jiff::SignedDuration::from_secs(240))
            .expect("time");
        rows.push(row(IndexEvent::Done, ENDS[i % ENDS.len()], end));
    }
    rows
}

/// Writes the rows as okstra would: `runs.jsonl` rotated to `runs-<stamp>.jsonl` at 16 MiB.
pub(crate) fn write_index(home: &Path, rows: &[IndexRow]) -> usize {
    let dir = home.join("index");
    fs_err::create_dir_all(&dir).expect("mkdir");
    let mut files: Vec<String> = vec![String::new()];
    let mut bytes = 0;
    for row in rows {
        let line = encode_line(row).expect("encode");
        bytes += line.len();
        if files.last().is_some_and(|f| f.len() >= ROTATE) {
            files.push(String::new());
        }
        if let Some(f) = files.last_mut() {
            f.push_str(&line);
        }
    }
    let last = files.len() - 1;
    for (i, text) in files.iter().enumerate() {
        let name = if i == last {
            "runs.jsonl".to_owned()
        } else {
            format!("runs-20261101T00000{i}Z.jsonl")
        };
        fs_err::write(dir.join(name), text).expect("write index");
    }
    eprintln!(
        "{} index rows in {} files, {:.1} MB ({} bytes a row)",
        rows.len(),
        files.len(),
        bytes as f64 / 1e6,
        bytes / rows.len()
    );
    bytes
}
