//! Owns folding index text straight into runs, for `ctl list` on a large index: each line is
//! decoded into a row that borrows its strings from the text, rows of runs the filter cannot
//! keep are dropped before anything is allocated, and a run's strings are copied once, when it
//! is first seen. A text can be folded in parts (one per core) and the parts merged in order;
//! the result is what `fold_index` gives for the same rows.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use jiff::Timestamp;
use serde::Deserialize;

use crate::errors::JsonlLineError;
use crate::ids::RunId;
use crate::index::{INDEX_KIND, IndexEvent, IndexRow, IndexedRun};
use crate::jsonl::{JsonlWarning, decode_jsonl};
use crate::run_filter::RunFilter;
use crate::status::RunStatus;
use crate::task_type::TaskType;
use crate::version::check_row_version;

/// An index row whose strings borrow from the line when they hold no escape.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RowRef<'a> {
    #[serde(default)]
    v: Option<u32>,
    event: IndexEvent,
    run_id: RunId,
    #[serde(borrow)]
    project_id: Cow<'a, str>,
    #[serde(borrow)]
    task_group: Cow<'a, str>,
    #[serde(borrow)]
    task_id: Cow<'a, str>,
    task_type: TaskType,
    run_seq: u32,
    #[serde(default)]
    stage: Option<u32>,
    status: RunStatus,
    at: Timestamp,
    #[serde(borrow)]
    manifest: Cow<'a, str>,
}

impl<'a> From<&'a IndexRow> for RowRef<'a> {
    fn from(r: &'a IndexRow) -> Self {
        Self {
            v: r.v,
            event: r.event,
            run_id: r.run_id,
            project_id: Cow::Borrowed(&r.project_id),
            task_group: Cow::Borrowed(&r.task_group),
            task_id: Cow::Borrowed(&r.task_id),
            task_type: r.task_type,
            run_seq: r.run_seq,
            stage: r.stage,
            status: r.status,
            at: r.at,
            manifest: Cow::Borrowed(&r.manifest),
        }
    }
}

/// Hashes a run id by its own low 64 bits: a ULID's last 80 bits are random, so the id is
/// already a good hash, and SipHash would cost more than the rest of a row's fold.
#[derive(Default)]
struct RunIdHasher(u64);

impl Hasher for RunIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not reached for a `RunId` (it hashes as one u128); FNV-1a for anything else.
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u128(&mut self, n: u128) {
        let bytes = n.to_le_bytes();
        let mut low = [0u8; 8];
        low.copy_from_slice(&bytes[..8]);
        self.0 ^= u64::from_le_bytes(low);
    }
}

type RunMap = HashMap<RunId, IndexedRun, BuildHasherDefault<RunIdHasher>>;

/// Runs folded so far, by id.
#[derive(Debug, Default)]
pub struct IndexFold {
    runs: RunMap,
}

impl IndexFold {
    /// Returns an empty fold.
    pub fn new() -> Self {
        Self::default()
    }

    /// Returns an empty fold with room for about `runs` runs.
    pub fn with_capacity(runs: usize) -> Self {
        Self {
            runs: RunMap::with_capacity_and_hasher(runs, BuildHasherDefault::default()),
        }
    }

    /// Folds the rows of an index text (or a part of one whose first line is line
    /// `first_line`) that `filter` may keep, and returns what was skipped: blank lines are
    /// ignored, undecodable ones are warnings (a torn last line when `text` is the end of its
    /// file and has no final newline), a row of a newer version is an error.
    pub fn add_text(
        &mut self,
        text: &str,
        first_line: usize,
        ends_file: bool,
        filter: &RunFilter,
    ) -> Result<Vec<JsonlWarning>, JsonlLineError> {
        let mut warnings = Vec::new();
        let torn_possible = ends_file && !text.ends_with('\n');
        let mut lines = text.lines().enumerate().peekable();
        while let Some((i, raw)) = lines.next() {
            let line = first_line + i;
            if raw.trim().is_empty() || !filter.may_keep_line(raw) {
                continue;
            }
            if let Ok(row) = serde_json::from_str::<RowRef<'_>>(raw) {
                check_row_version(INDEX_KIND, row.v).map_err(|e| JsonlLineError {
                    line,
                    message: e.to_string(),
                })?;
                self.apply(row, filter);
                continue;
            }
            // The generic path says why the line does not decode, or that it is newer.
            let whole = format!("{raw}\n");
            let decoded =
                decode_jsonl::<IndexRow>(INDEX_KIND, &whole).map_err(|e| JsonlLineError {
                    line,
                    message: e.message,
                })?;
            for (_, row) in &decoded.rows {
                self.apply(RowRef::from(row), filter);
            }
            let torn = torn_possible && lines.peek().is_none();
            warnings.extend(decoded.warnings.into_iter().map(|w| match w {
                _ if torn => JsonlWarning::TornLastLine { line },
                JsonlWarning::Corrupt { message, .. } => JsonlWarning::Corrupt { line, message },
                JsonlWarning::TornLastLine { .. } => JsonlWarning::Corrupt {
                    line,
                    message: "not a complete row".to_owned(),
                },
            }));
        }
        Ok(warnings)
    }

    /// Folds one row: a later `done` row sets the final status, a `started` row after it (a
    /// resume) opens the run again; duplicate rows change nothing.
    fn apply(&mut self, row: RowRef<'_>, filter: &RunFilter) {
        if !filter.keeps_task(
            &row.project_id,
            row.task_type,
            &row.task_group,
            &row.task_id,
        ) {
            return;
        }
        let entry = self.runs.entry(row.run_id).or_insert_with(|| IndexedRun {
            run_id: row.run_id,
            project_id: row.project_id.into_owned(),
            task_group: row.task_group.into_owned(),
            task_id: row.task_id.into_owned(),
            task_type: row.task_type,
            run_seq: row.run_seq,
            stage: row.stage,
            status: row.status,
            started_at: None,
            finished_at: None,
            manifest: row.manifest.into_owned(),
        });
        match row.event {
            IndexEvent::Started => {
                if entry.started_at.is_none() {
                    entry.started_at = Some(row.at);
                }
                // A `started` row of a going run after the run's end is a resume: the run is
                // open again. One before it (a duplicate), or one carrying an end (re-appended
                // by reindex from a final manifest), changes nothing.
                let resumed =
                    !row.status.is_final() && entry.finished_at.is_some_and(|done| row.at > done);
                if entry.finished_at.is_none() || resumed {
                    entry.status = row.status;
                    entry.finished_at = None;
                }
            }
            IndexEvent::Done => {
                entry.status = row.status;
                entry.finished_at = Some(row.at);
            }
        }
    }

    /// Folds in the runs of a fold of the rows that come after this one's.
    pub fn merge(&mut self, later: IndexFold) {
        if self.runs.is_empty() {
            *self = later;
            return;
        }
        for (id, b) in later.runs {
            match self.runs.get_mut(&id) {
                None => {
                    self.runs.insert(id, b);
                }
                Some(a) => {
                    // `b` folded only later rows: its first `started` row, when after `a`'s
                    // end, is a resume (as in `apply`).
                    let reopened = !b.status.is_final()
                        && matches!(
                            (a.finished_at, b.started_at),
                            (Some(done), Some(again)) if again > done
                        );
                    a.started_at = a.started_at.or(b.started_at);
                    if b.finished_at.is_some() {
                        a.status = b.status;
                        a.finished_at = b.finished_at;
                    } else if a.finished_at.is_none() || reopened {
                        a.status = b.status;
                        a.finished_at = None;
                    }
                }
            }
        }
    }

    /// Returns the runs `filter` keeps, in id (start) order.
    pub fn into_runs(self, filter: &RunFilter) -> Vec<IndexedRun> {
        let mut runs: Vec<IndexedRun> = self
            .runs
            .into_values()
            .filter(|r| filter.keeps_run(r))
            .collect();
        runs.sort_unstable_by_key(|r| r.run_id);
        runs
    }
}

/// Folds index rows into one entry per run id, in start order. A later `done` row sets the
/// final status; duplicate rows change nothing.
pub fn fold_index(rows: impl IntoIterator<Item = IndexRow>) -> Vec<IndexedRun> {
    let all = RunFilter::default();
    let mut fold = IndexFold::new();
    for row in rows {
        fold.apply(RowRef::from(&row), &all);
    }
    fold.into_runs(&all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonl::encode_line;

    fn row(n: u32, event: IndexEvent, status: RunStatus, at: &str) -> IndexRow {
        IndexRow {
            v: Some(1),
            event,
            run_id: format!("01JABCDEFGHJKMNPQRSTVWXYZ{n}").parse().unwrap(),
            project_id: format!("p{}", n % 2),
            task_group: "Pay \"ments\"".into(),
            task_id: "dev-1".into(),
            task_type: TaskType::ErrorAnalysis,
            run_seq: n,
            stage: None,
            status,
            at: at.parse().unwrap(),
            manifest: "/m.json".into(),
        }
    }

    fn rows() -> Vec<IndexRow> {
        use IndexEvent::{Done, Started};
        use RunStatus::{Completed, Interrupted, Prepared, Running};
        vec![
            row(1, Started, Prepared, "2026-11-21T10:00:00Z"),
            row(2, Started, Running, "2026-11-21T10:01:00Z"),
            row(1, Started, Running, "2026-11-21T10:02:00Z"),
            row(2, Done, Interrupted, "2026-11-21T10:03:00Z"),
            row(3, Done, Completed, "2026-11-21T10:04:00Z"),
            row(2, Started, Running, "2026-11-21T10:05:00Z"),
            row(1, Done, Completed, "2026-11-21T10:06:00Z"),
            row(2, Done, Completed, "2026-11-21T10:07:00Z"),
        ]
    }

    #[test]
    fn fold_keeps_one_entry_per_run() {
        use IndexEvent::{Done, Started};
        use RunStatus::{Completed, Prepared, Running};
        let runs = fold_index(vec![
            row(0, Started, Running, "2026-11-21T10:00:00Z"),
            row(1, Started, Prepared, "2026-11-21T10:00:01Z"),
            row(0, Done, Completed, "2026-11-21T10:05:00Z"),
            // A duplicate `started` row, and one re-appended from the final manifest: no resume.
            row(0, Started, Running, "2026-11-21T10:00:00Z"),
            row(0, Started, Completed, "2026-11-21T10:09:00Z"),
        ]);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].status, Completed);
        assert!(runs[0].finished_at.is_some());
        assert_eq!(
            runs[0].started_at.unwrap().to_string(),
            "2026-11-21T10:00:00Z"
        );
        assert_eq!(runs[1].status, Prepared);
        assert!(runs[1].finished_at.is_none());
    }

    #[test]
    fn a_started_row_after_the_end_reopens_the_run_until_its_next_end() {
        use IndexEvent::{Done, Started};
        use RunStatus::{Completed, Interrupted, Running};
        let first = [
            row(0, Started, Running, "2026-11-21T10:00:00Z"),
            row(0, Done, Interrupted, "2026-11-21T10:05:00Z"),
            row(0, Started, Running, "2026-11-21T10:06:00Z"),
        ];
        let runs = fold_index(first.clone());
        assert_eq!(runs[0].status, Running, "resumed: running again");
        assert!(runs[0].finished_at.is_none());
        assert_eq!(
            runs[0].started_at.unwrap().to_string(),
            "2026-11-21T10:00:00Z"
        );
        // Folded in parts, split between the end and the resume: the same.
        let mut a = IndexFold::default();
        for r in &first[..2] {
            a.apply(RowRef::from(r), &RunFilter::default());
        }
        let mut b = IndexFold::default();
        b.apply(RowRef::from(&first[2]), &RunFilter::default());
        a.merge(b);
        let merged = a.into_runs(&RunFilter::default());
        assert_eq!((merged[0].status, merged[0].finished_at), (Running, None));
        let mut all = first.to_vec();
        all.push(row(0, Done, Completed, "2026-11-21T10:09:00Z"));
        let runs = fold_index(all);
        assert_eq!(runs[0].status, Completed);
        assert_eq!(
            runs[0].finished_at.unwrap().to_string(),
            "2026-11-21T10:09:00Z"
        );
    }

    #[test]
    fn folding_text_in_any_parts_gives_the_fold_of_the_rows() {
        let rows = rows();
        let text: String = rows.iter().map(|r| encode_line(r).unwrap()).collect();
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let want = fold_index(rows.clone());
        let all = RunFilter::default();
        for cut in 0..=lines.len() {
            let mut a = IndexFold::new();
            let mut b = IndexFold::new();
            a.add_text(&lines[..cut].concat(), 1, false, &all).unwrap();
            b.add_text(&lines[cut..].concat(), cut + 1, true, &all)
                .unwrap();
            a.merge(b);
            assert_eq!(a.into_runs(&all), want, "cut at {cut}");
        }
        let only_p1 = RunFilter {
            projects: vec!["p1".into()],
            ..RunFilter::default()
        };
        let mut f = IndexFold::new();
        f.add_text(&text, 1, true, &only_p1).unwrap();
        let kept: Vec<u32> = f.into_runs(&only_p1).iter().map(|r| r.run_seq).collect();
        assert_eq!(kept, [1, 3]);
    }

    #[test]
    fn bad_lines_are_warnings_and_a_newer_row_an_error() {
        let good = encode_line(&rows()[0]).unwrap();
        let text = format!("{good}{{\"v\":1,\"event\":\"bogus\"}}\n\n{good}{{\"v\":1,\"ev");
        let all = RunFilter::default();
        let mut f = IndexFold::new();
        let warnings = f.add_text(&text, 1, true, &all).unwrap();
        assert!(matches!(warnings[0], JsonlWarning::Corrupt { line: 2, .. }));
        assert_eq!(warnings[1], JsonlWarning::TornLastLine { line: 5 });
        assert_eq!(f.into_runs(&all).len(), 1);
        // Not the end of its file: a line cut short is corrupt, not torn.
        let warnings = IndexFold::new()
            .add_text("{\"v\":1,\"ev", 7, false, &all)
            .unwrap();
        assert!(matches!(warnings[0], JsonlWarning::Corrupt { line: 7, .. }));
        let newer = good.replace("\"v\":1", "\"v\":2");
        let err = IndexFold::new()
            .add_text(&newer, 3, true, &all)
            .unwrap_err();
        assert_eq!(err.line, 3);
    }
}
