//! The central index: appends, torn lines, rotation, reading every file.

use okstra_core::index::{IndexEvent, IndexRow};
use okstra_core::jsonl::JsonlWarning;
use okstra_core::status::RunStatus;
use okstra_engine::Home;

fn row(n: u32) -> IndexRow {
    IndexRow {
        v: Some(1),
        event: IndexEvent::Started,
        run_id: okstra_core::RunId::generate(),
        project_id: "shop".into(),
        task_group: "g".into(),
        task_id: "i".into(),
        task_type: okstra_core::TaskType::ErrorAnalysis,
        run_seq: n,
        stage: None,
        status: RunStatus::Prepared,
        at: jiff::Timestamp::now(),
        manifest: format!("/p/m{n}.json"),
    }
}

#[test]
fn torn_last_line_is_reported_and_the_next_append_starts_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let home = Home::new(tmp.path());
    home.append_index(&row(1)).unwrap();
    // Simulate a write cut short.
    let live = home.paths().index();
    let mut text = fs_err::read_to_string(&live).unwrap();
    text.push_str("{\"v\":1,\"event\":\"sta");
    fs_err::write(&live, &text).unwrap();
    let read = home.read_index().unwrap();
    assert_eq!(read.rows.len(), 1);
    assert_eq!(read.warnings.len(), 1);
    assert_eq!(read.warnings[0].1, JsonlWarning::TornLastLine { line: 2 });
    home.append_index(&row(2)).unwrap();
    let read = home.read_index().unwrap();
    assert_eq!(read.rows.len(), 2);
    assert!(matches!(
        read.warnings[0].1,
        JsonlWarning::Corrupt { line: 2, .. }
    ));
}

#[test]
fn rotation_keeps_old_rows_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let home = Home::new(tmp.path()).with_rotate_bytes(600);
    for n in 1..=10 {
        home.append_index(&row(n)).unwrap();
    }
    let files = home.index_files().unwrap();
    assert!(files.len() >= 3, "{files:?}");
    assert!(files.last().unwrap().ends_with("index/runs.jsonl"));
    for f in &files[..files.len() - 1] {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("runs-") && name.ends_with(".jsonl"),
            "{name}"
        );
    }
    let read = home.read_index().unwrap();
    let seqs: Vec<u32> = read.rows.iter().map(|r| r.run_seq).collect();
    assert_eq!(seqs, (1..=10).collect::<Vec<_>>());
}

#[test]
fn a_newer_row_version_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let home = Home::new(tmp.path());
    let mut r = row(1);
    r.v = Some(2);
    home.append_index(&r).unwrap();
    let err = home.read_index().unwrap_err();
    assert!(err.to_string().contains("runs.jsonl"), "{err}");
}
