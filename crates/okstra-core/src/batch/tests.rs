//! Unit tests of batches: the selector's choice, the seqs a batch hands out, the file's
//! fields and the printed headline.

use super::*;

fn run(n: u64, task: &str, task_type: TaskType, status: RunStatus) -> IndexedRun {
    let (group, id) = task.split_once('/').unwrap();
    IndexedRun {
        run_id: RunId::from_ulid(ulid::Ulid::from_parts(n, 0)),
        project_id: "shop".to_owned(),
        task_group: group.to_owned(),
        task_id: id.to_owned(),
        task_type,
        run_seq: 1,
        stage: None,
        status,
        started_at: Some(Timestamp::from_second(i64::try_from(n).unwrap()).unwrap()),
        finished_at: None,
        manifest: String::new(),
    }
}

fn ids(runs: &[&IndexedRun]) -> Vec<RunId> {
    runs.iter().map(|r| r.run_id).collect()
}

#[test]
fn failed_takes_each_task_types_latest_run_when_it_failed() {
    let runs = [
        run(1, "a/x", TaskType::ErrorAnalysis, RunStatus::Failed),
        run(2, "a/x", TaskType::ErrorAnalysis, RunStatus::Completed),
        run(3, "a/y", TaskType::ErrorAnalysis, RunStatus::Failed),
        run(4, "a/x", TaskType::RequirementsDiscovery, RunStatus::Failed),
    ];
    let chosen = select_runs(&runs, &Selector::Failed).unwrap();
    assert_eq!(ids(&chosen), [runs[2].run_id, runs[3].run_id]);
    let none = [run(1, "a/x", TaskType::ErrorAnalysis, RunStatus::Completed)];
    assert!(matches!(
        select_runs(&none, &Selector::Failed),
        Err(SelectError::Empty { .. })
    ));
}

#[test]
fn last_and_task_and_run_ids() {
    let runs = [
        run(1, "Pay/Dev-1", TaskType::ErrorAnalysis, RunStatus::Failed),
        run(
            2,
            "pay/dev-1",
            TaskType::ErrorAnalysis,
            RunStatus::Completed,
        ),
        run(
            3,
            "pay/dev-1",
            TaskType::RequirementsDiscovery,
            RunStatus::Completed,
        ),
        run(
            4,
            "pay/dev-2",
            TaskType::ErrorAnalysis,
            RunStatus::Completed,
        ),
    ];
    assert_eq!(
        ids(&select_runs(&runs, &Selector::Last).unwrap()),
        [runs[3].run_id]
    );
    let task = Selector::Task {
        group: "pay".into(),
        id: "DEV-1".into(),
        project: None,
    };
    assert_eq!(
        ids(&select_runs(&runs, &task).unwrap()),
        [runs[1].run_id, runs[2].run_id]
    );
    let words = vec![
        runs[2].run_id.to_string(),
        runs[0].run_id.to_string()[..26].to_owned(),
    ];
    assert_eq!(
        ids(&select_runs(&runs, &Selector::Runs(words)).unwrap()),
        [runs[0].run_id, runs[2].run_id],
        "index order, each once"
    );
    assert!(matches!(
        select_runs(&runs, &Selector::Runs(vec!["ZZZ".into()])),
        Err(SelectError::Ref(_))
    ));
    let mut other = run(5, "pay/dev-1", TaskType::ErrorAnalysis, RunStatus::Failed);
    other.project_id = "bank".into();
    let runs = [runs[0].clone(), other];
    assert!(matches!(
        select_runs(&runs, &task),
        Err(SelectError::ManyProjects { .. })
    ));
}

#[test]
fn a_batch_hands_out_distinct_seqs_per_task_type() {
    let mut seqs = SeqReservations::default();
    assert_eq!(seqs.next("a", 3), 4);
    assert_eq!(seqs.next("a", 3), 5);
    assert_eq!(seqs.next("b", 0), 1);
    assert_eq!(
        seqs.next("a", 7),
        8,
        "a run written meanwhile raises the floor"
    );
}

#[test]
fn the_file_has_the_spec_fields_and_the_headline_its_counts() {
    let original = RunId::from_ulid(ulid::Ulid::from_parts(1, 1));
    let items = vec![
        BatchItem::not_started(original, BatchItemStatus::Rejected, "stage-isolated".into()),
        BatchItem::not_started(original, BatchItemStatus::Skipped, "max-spawn 0".into()),
    ];
    let batch = BatchFile::new(
        "b1".into(),
        Timestamp::UNIX_EPOCH,
        "failed".into(),
        Some(0),
        false,
        items,
    );
    assert_eq!(
        batch.headline(),
        "batch b1 spawned: 0 skipped: 1 rejected: 1"
    );
    let v = serde_json::to_value(&batch).unwrap();
    assert_eq!(v["schemaVersion"], "batch/v1");
    assert_eq!(v["selectorRaw"], "failed");
    assert_eq!(v["maxSpawn"], 0);
    assert_eq!(
        v["summary"],
        serde_json::json!({"total": 2, "spawned": 0, "skipped": 1, "rejected": 1})
    );
    let item = v["items"][0].as_object().unwrap();
    let keys: Vec<&str> = item.keys().map(String::as_str).collect();
    assert_eq!(
        keys.len(),
        7,
        "{keys:?}: originalRunId, newRunId, newRunSeq, sessionName, status, spawnedAt, skipReason"
    );
    assert_eq!(v["items"][0]["newRunId"], serde_json::Value::Null);
    assert_eq!(v["items"][0]["status"], "rejected");
    let back = BatchFile::parse(&serde_json::to_string(&batch).unwrap()).unwrap();
    assert_eq!(back, batch);
    let dry = BatchFile::new(
        "b2".into(),
        Timestamp::UNIX_EPOCH,
        "last".into(),
        None,
        true,
        vec![BatchItem {
            status: BatchItemStatus::DryRun,
            new_run_seq: Some(2),
            skip_reason: None,
            ..BatchItem::not_started(original, BatchItemStatus::DryRun, String::new())
        }],
    );
    assert_eq!(dry.headline(), "batch b2 dry-run: 1 skipped: 0 rejected: 0");
    assert_eq!(
        serde_json::to_value(&dry).unwrap()["items"][0]["status"],
        "dry-run"
    );
}
