//! Owns which runs `okstra ctl list` keeps (`--project`, `--task`, `--type`, `--status`,
//! `--since`) and the `--since` syntax: a span back from now (`90m`, `24h`, `7d`, `2w`) or a
//! moment (`2026-11-21`, `2026-11-21T10:00:00Z`).
//!
//! Project, task and type never change during a run, so they are decided per index row —
//! before the fold, even on the raw line (a cheap test that keeps every line that may match);
//! status and start time are decided on the folded run.

use jiff::{Timestamp, ToSpan};
use thiserror::Error;

use crate::index::{IndexRow, IndexedRun};
use crate::segment::{Segment, TaskKey, slug};
use crate::status::RunStatus;
use crate::task_type::TaskType;

/// A `--since` value that is neither a span nor a moment.
#[derive(Debug, Error, PartialEq, Eq)]
#[error(
    "--since {value:?} is neither a span back from now (90m, 24h, 7d, 2w) nor a date or time (2026-11-21, 2026-11-21T10:00:00Z)"
)]
pub struct SinceError {
    pub value: String,
}

/// Returns the moment a `--since` value names, relative to `now` for a span.
pub fn parse_since(text: &str, now: Timestamp) -> Result<Timestamp, SinceError> {
    let err = || SinceError {
        value: text.to_owned(),
    };
    let t = text.trim();
    if let Some(split) = t.find(|c: char| !c.is_ascii_digit())
        && split > 0
    {
        let (num, unit) = t.split_at(split);
        let n: i64 = num.parse().map_err(|_| err())?;
        let seconds = match unit {
            "s" => Some(1),
            "m" => Some(60),
            "h" => Some(3_600),
            "d" => Some(86_400),
            "w" => Some(604_800),
            _ => None,
        };
        if let Some(unit) = seconds {
            let back = n.checked_mul(unit).ok_or_else(err)?;
            return now.checked_sub(back.seconds()).map_err(|_| err());
        }
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    if let Ok(dt) = t.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|_| err());
    }
    if let Ok(date) = t.parse::<jiff::civil::Date>() {
        return date
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|_| err());
    }
    Err(err())
}

/// The task `--task` names: a group and, unless only a group was given, an id (as segments,
/// so every spelling of the same task matches).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskMatch {
    pub group: Segment,
    pub id: Option<Segment>,
}

impl TaskMatch {
    /// Parses `<group>/<id>` or `<group>`.
    pub fn parse(value: &str) -> Result<Self, crate::errors::SegmentError> {
        if value.contains('/') {
            let (group, id) = TaskKey::parse_task_arg(value)?;
            Ok(Self {
                group: group.segment().clone(),
                id: Some(id.segment().clone()),
            })
        } else {
            Ok(Self {
                group: Segment::parse(value)?,
                id: None,
            })
        }
    }

    fn matches(&self, group: &str, id: &str) -> bool {
        // A raw name that is already its own segment (the usual case) needs no slugging.
        let same = |seg: &Segment, raw: &str| seg.as_str() == raw || seg.as_str() == slug(raw);
        same(&self.group, group) && self.id.as_ref().is_none_or(|s| same(s, id))
    }
}

/// Which runs to keep; an empty list keeps all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunFilter {
    pub projects: Vec<String>,
    pub tasks: Vec<TaskMatch>,
    pub task_types: Vec<TaskType>,
    pub statuses: Vec<RunStatus>,
    /// Keep runs started at or after this moment.
    pub since: Option<Timestamp>,
}

impl RunFilter {
    /// Returns whether the filter keeps every run.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Returns `false` only for an index line that cannot be a row of a kept run: it does not
    /// even contain a wanted project id or task type (both plain ASCII, so they appear in the
    /// line as written, whatever the writer's spacing).
    pub fn may_keep_line(&self, line: &str) -> bool {
        let quoted = |v: &str| {
            line.match_indices(v).any(|(at, _)| {
                line.as_bytes().get(at.wrapping_sub(1)) == Some(&b'"')
                    && line.as_bytes().get(at + v.len()) == Some(&b'"')
            })
        };
        (self.projects.is_empty() || self.projects.iter().any(|p| quoted(p)))
            && (self.task_types.is_empty() || self.task_types.iter().any(|t| quoted(t.as_str())))
    }

    /// Returns whether the run of this row can be kept: its project, task and type (which
    /// every row of a run shares).
    pub fn keeps_row(&self, row: &IndexRow) -> bool {
        self.keeps_task(
            &row.project_id,
            row.task_type,
            &row.task_group,
            &row.task_id,
        )
    }

    /// Returns whether a run of this project, task type and task (raw group and id) can be
    /// kept.
    pub fn keeps_task(&self, project: &str, task_type: TaskType, group: &str, id: &str) -> bool {
        (self.projects.is_empty() || self.projects.iter().any(|p| p == project))
            && (self.task_types.is_empty() || self.task_types.contains(&task_type))
            && (self.tasks.is_empty() || self.tasks.iter().any(|t| t.matches(group, id)))
    }

    /// Returns whether a folded run is kept: its status, and its start (its first row's time;
    /// a run with no `started` row counts from its end).
    pub fn keeps_run(&self, run: &IndexedRun) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&run.status))
            && self.since.is_none_or(|since| {
                run.started_at
                    .or(run.finished_at)
                    .is_some_and(|at| at >= since)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexEvent;

    fn now() -> Timestamp {
        "2026-11-21T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn since_takes_spans_dates_and_times() {
        let at = |s: &str| parse_since(s, now()).unwrap().to_string();
        assert_eq!(at("90m"), "2026-11-21T10:30:00Z");
        assert_eq!(at("24h"), "2026-11-20T12:00:00Z");
        assert_eq!(at("7d"), "2026-11-14T12:00:00Z");
        assert_eq!(at("2w"), "2026-11-07T12:00:00Z");
        assert_eq!(at("2026-11-01"), "2026-11-01T00:00:00Z");
        assert_eq!(at("2026-11-01T08:30"), "2026-11-01T08:30:00Z");
        assert_eq!(at("2026-11-01T08:30:00+02:00"), "2026-11-01T06:30:00Z");
        for bad in ["", "yesterday", "7y", "d", "99999999999999w"] {
            assert!(parse_since(bad, now()).is_err(), "{bad}");
        }
    }

    fn row(project: &str, group: &str, id: &str, task_type: TaskType) -> IndexRow {
        IndexRow {
            v: Some(1),
            event: IndexEvent::Started,
            run_id: "01JABCDEFGHJKMNPQRSTVWXYZ0".parse().unwrap(),
            project_id: project.into(),
            task_group: group.into(),
            task_id: id.into(),
            task_type,
            run_seq: 1,
            stage: None,
            status: RunStatus::Running,
            at: now(),
            manifest: "/m.json".into(),
        }
    }

    #[test]
    fn rows_are_kept_by_project_task_and_type() {
        let filter = RunFilter {
            projects: vec!["shop".into()],
            tasks: vec![TaskMatch::parse("Payments/DEV 9").unwrap()],
            task_types: vec![TaskType::ErrorAnalysis, TaskType::Implementation],
            ..RunFilter::default()
        };
        assert!(filter.keeps_row(&row("shop", "payments", "dev-9", TaskType::ErrorAnalysis)));
        // Another spelling of the same task.
        assert!(filter.keeps_row(&row("shop", "Payments", "DEV 9", TaskType::Implementation)));
        assert!(!filter.keeps_row(&row("shop2", "payments", "dev-9", TaskType::ErrorAnalysis)));
        assert!(!filter.keeps_row(&row("shop", "payments", "dev-90", TaskType::ErrorAnalysis)));
        assert!(!filter.keeps_row(&row("shop", "payments", "dev-9", TaskType::ReleaseHandoff)));
        let group = RunFilter {
            tasks: vec![TaskMatch::parse("payments").unwrap()],
            ..RunFilter::default()
        };
        assert!(group.keeps_row(&row("x", "payments", "any", TaskType::ErrorAnalysis)));
        assert!(!group.keeps_row(&row("x", "pay", "ments", TaskType::ErrorAnalysis)));
        assert!(RunFilter::default().is_empty() && !group.is_empty());
    }

    #[test]
    fn the_line_test_keeps_every_line_that_may_match() {
        let filter = RunFilter {
            projects: vec!["shop".into()],
            task_types: vec![TaskType::Implementation],
            ..RunFilter::default()
        };
        let compact = r#"{"projectId":"shop","taskType":"implementation"}"#;
        let spaced = r#"{"projectId": "shop", "taskType": "implementation"}"#;
        assert!(filter.may_keep_line(compact) && filter.may_keep_line(spaced));
        // `shop` only inside another value, or another type: cannot match.
        assert!(!filter.may_keep_line(r#"{"projectId":"shop-2","taskType":"implementation"}"#));
        assert!(
            !filter.may_keep_line(r#"{"projectId":"shop","taskType":"implementation-planning"}"#)
        );
        assert!(RunFilter::default().may_keep_line("anything"));
    }

    #[test]
    fn runs_are_kept_by_status_and_start() {
        let run = |status, started: Option<&str>, finished: Option<&str>| IndexedRun {
            run_id: "01JABCDEFGHJKMNPQRSTVWXYZ0".parse().unwrap(),
            project_id: "shop".into(),
            task_group: "g".into(),
            task_id: "t".into(),
            task_type: TaskType::ErrorAnalysis,
            run_seq: 1,
            stage: None,
            status,
            started_at: started.map(|s| s.parse().unwrap()),
            finished_at: finished.map(|s| s.parse().unwrap()),
            manifest: "/m.json".into(),
        };
        let filter = RunFilter {
            statuses: vec![RunStatus::Failed, RunStatus::Interrupted],
            since: Some("2026-11-21T00:00:00Z".parse().unwrap()),
            ..RunFilter::default()
        };
        assert!(filter.keeps_run(&run(RunStatus::Failed, Some("2026-11-21T01:00:00Z"), None)));
        assert!(!filter.keeps_run(&run(
            RunStatus::Completed,
            Some("2026-11-21T01:00:00Z"),
            None
        )));
        assert!(!filter.keeps_run(&run(RunStatus::Failed, Some("2026-11-20T23:59:59Z"), None)));
        assert!(filter.keeps_run(&run(
            RunStatus::Interrupted,
            None,
            Some("2026-11-21T02:00:00Z")
        )));
        assert!(!filter.keeps_run(&run(RunStatus::Interrupted, None, None)));
    }
}
