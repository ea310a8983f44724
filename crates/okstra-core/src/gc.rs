//! Owns the rules of `ctl gc` (issue 14): when a task's work is finished — its release-handoff
//! completed, or it had no run for the period and none is going — how `--older-than` reads,
//! which index spellings name a registry entry's task, and how freed space is shown.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::duration::parse_duration;
use crate::errors::DurationError;
use crate::index::IndexedRun;
use crate::segment::Segment;
use crate::status::RunStatus;
use crate::task_type::TaskType;

/// Returns why a task's work is finished, from its runs and when its worktree was made: a
/// completed release-handoff (at any age), or no run since `older_than` ago with none going or
/// prepared; `None` while it is not.
pub fn finished_why(
    created_at: Timestamp,
    runs: &[&IndexedRun],
    older_than: Duration,
    now: Timestamp,
) -> Option<String> {
    // A run going or prepared keeps the task, whatever ended before it.
    if runs
        .iter()
        .any(|r| matches!(r.status, RunStatus::Running | RunStatus::Prepared))
    {
        return None;
    }
    // A completed hand-off finishes the task unless a run started after it (review fixes).
    let handoff = runs
        .iter()
        .filter(|r| r.task_type == TaskType::ReleaseHandoff && r.status == RunStatus::Completed)
        .max_by_key(|r| r.finished_at);
    if let Some(h) = handoff {
        let later = runs
            .iter()
            .any(|r| r.started_at.zip(h.finished_at).is_some_and(|(s, f)| s > f));
        if !later {
            return Some(format!("its release-handoff completed (run {})", h.run_id));
        }
    }
    let last = runs
        .iter()
        .flat_map(|r| [r.started_at, r.finished_at])
        .flatten()
        .chain([created_at])
        .max()?;
    let older = SignedDuration::try_from(older_than).ok()?;
    (now.duration_since(last) >= older)
        .then(|| format!("no run since {}", last.strftime("%Y-%m-%d")))
}

/// Returns the group and id segments of a registry key (`<namespace>:<group-seg>:<id-seg>`).
pub fn registry_key_segments(key: &str) -> Option<(Segment, Segment)> {
    let mut parts = key.rsplitn(3, ':');
    let id = Segment::from_slug(parts.next()?).ok()?;
    let group = Segment::from_slug(parts.next()?).ok()?;
    Some((group, id))
}

/// Returns whether an index spelling (`Pay`, `pay`) names the segment.
pub fn spells(raw: &str, segment: &Segment) -> bool {
    Segment::parse(raw).is_ok_and(|s| s == *segment)
}

/// Returns the age `--older-than` names: days (`30d`) or okstra's duration syntax (`12h`).
pub fn parse_age(text: &str) -> Result<Duration, DurationError> {
    let bad = || DurationError {
        value: text.to_owned(),
    };
    match text.trim().strip_suffix('d') {
        Some(days) => match days.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Duration::from_secs(n.saturating_mul(86_400))),
            _ => Err(bad()),
        },
        None => parse_duration(text),
    }
}

/// Returns a size in bytes as people read it: `512 B`, `1.5 KiB`, `12.0 MiB`.
pub fn display_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    #[allow(clippy::cast_precision_loss)]
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use crate::RunId;

    use super::*;

    fn created() -> Timestamp {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    fn run(task_type: TaskType, status: RunStatus, at: &str) -> IndexedRun {
        IndexedRun {
            run_id: RunId::generate(),
            project_id: "p".into(),
            task_group: "Pay".into(),
            task_id: "Dev-1".into(),
            task_type,
            run_seq: 1,
            stage: None,
            status,
            started_at: Some(at.parse().unwrap()),
            finished_at: Some(at.parse().unwrap()),
            manifest: "/m.json".into(),
        }
    }

    const DAYS_30: Duration = Duration::from_secs(30 * 86_400);

    fn now() -> Timestamp {
        "2026-06-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_completed_release_handoff_finishes_a_task_at_any_age() {
        let handoff = run(
            TaskType::ReleaseHandoff,
            RunStatus::Completed,
            "2026-05-31T00:00:00Z",
        );
        let why = finished_why(created(), &[&handoff], DAYS_30, now()).unwrap();
        assert!(why.starts_with("its release-handoff completed"), "{why}");
        let failed = run(
            TaskType::ReleaseHandoff,
            RunStatus::Failed,
            "2026-05-31T00:00:00Z",
        );
        assert_eq!(finished_why(created(), &[&failed], DAYS_30, now()), None);
        // A run going, or one started after the hand-off (review fixes), keeps the task.
        let going = run(
            TaskType::Implementation,
            RunStatus::Running,
            "2026-05-31T12:00:00Z",
        );
        assert_eq!(
            finished_why(created(), &[&handoff, &going], DAYS_30, now()),
            None
        );
        let after = run(
            TaskType::Implementation,
            RunStatus::Interrupted,
            "2026-05-31T12:00:00Z",
        );
        assert_eq!(
            finished_why(created(), &[&handoff, &after], DAYS_30, now()),
            None
        );
    }

    #[test]
    fn a_task_is_finished_only_after_the_period_with_no_run_going() {
        let old = run(
            TaskType::ErrorAnalysis,
            RunStatus::Completed,
            "2026-04-01T00:00:00Z",
        );
        assert_eq!(
            finished_why(created(), &[&old], DAYS_30, now()).as_deref(),
            Some("no run since 2026-04-01")
        );
        let recent = run(
            TaskType::ErrorAnalysis,
            RunStatus::Failed,
            "2026-05-20T00:00:00Z",
        );
        assert_eq!(
            finished_why(created(), &[&old, &recent], DAYS_30, now()),
            None
        );
        let going = run(
            TaskType::Implementation,
            RunStatus::Running,
            "2026-01-02T00:00:00Z",
        );
        assert_eq!(
            finished_why(created(), &[&old, &going], DAYS_30, now()),
            None
        );
        // No run at all: the worktree's own age counts.
        assert_eq!(
            finished_why(created(), &[], DAYS_30, now()).as_deref(),
            Some("no run since 2026-01-01")
        );
    }

    #[test]
    fn index_spellings_match_the_registry_key_segments() {
        let (group, id) = registry_key_segments("p~1a2b3c4d:pay:dev-1").unwrap();
        assert_eq!((group.as_str(), id.as_str()), ("pay", "dev-1"));
        assert!(spells("Pay", &group) && spells("Dev-1", &id) && !spells("pay-x", &group));
    }

    #[test]
    fn ages_take_days_and_okstra_durations_and_refuse_zero_and_words() {
        assert_eq!(parse_age("30d").unwrap(), Duration::from_secs(30 * 86_400));
        assert_eq!(parse_age("12h").unwrap(), Duration::from_secs(12 * 3600));
        assert_eq!(parse_age("90m").unwrap(), Duration::from_secs(90 * 60));
        for bad in ["0d", "d", "soon", "-1d", "3w"] {
            assert!(parse_age(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(display_bytes(0), "0 B");
        assert_eq!(display_bytes(1023), "1023 B");
        assert_eq!(display_bytes(1536), "1.5 KiB");
        assert_eq!(display_bytes(12 * 1024 * 1024), "12.0 MiB");
        assert_eq!(display_bytes(3 << 30), "3.0 GiB");
    }
}
