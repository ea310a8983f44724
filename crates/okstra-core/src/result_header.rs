//! Owns the worker result file (SPEC §5.3): okstra writes it from the worker's final message as
//! a YAML front matter (`okstra: worker-result/v1`, run, worker, round, attempt, status,
//! timings, model, cli, tokens) followed by the message; and the header check — the front
//! matter parses and run/worker/round/attempt match.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::config::AdapterKind;
use crate::run_paths::RoundTag;
use crate::status::WorkerStatus;
use crate::task_type::TaskType;
use crate::tokens::TokenUsage;
use crate::worker_name::Role;

/// The value of the `okstra` key that marks a result file.
pub const RESULT_MARK: &str = "worker-result/v1";

/// The CLI a worker ran.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CliInfo {
    pub path: String,
    pub version: Option<String>,
}

/// The front matter of a result file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultHeader {
    pub okstra: String,
    pub run_id: String,
    pub worker: String,
    pub kind: AdapterKind,
    pub role: Role,
    pub task_type: TaskType,
    pub seq: u32,
    pub round: RoundTag,
    pub attempt: u32,
    pub status: WorkerStatus,
    pub reason: Option<String>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub model: Option<String>,
    pub cli: Option<CliInfo>,
    pub tokens: TokenUsage,
    /// True when a replay fixture answered, not a model.
    #[serde(default)]
    pub replay: bool,
}

/// What a header must match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderExpectation<'a> {
    pub run_id: &'a str,
    pub worker: &'a str,
    pub round: RoundTag,
    pub attempt: u32,
}

/// Why a result file fails the header check.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum HeaderError {
    #[error("no front matter (the file must start with a `---` line)")]
    NoFrontMatter,
    #[error("the front matter is not closed by a `---` line")]
    Unclosed,
    #[error("the front matter does not parse: {0}")]
    Yaml(String),
    #[error("not an okstra result (okstra: {0:?})")]
    NotAResult(String),
    #[error("{field} is {found:?}, expected {expected:?}")]
    Mismatch {
        field: &'static str,
        found: String,
        expected: String,
    },
}

/// Returns the whole result file: front matter, then the body.
pub fn render_result(header: &ResultHeader, body: &str) -> Result<String, HeaderError> {
    let yaml = serde_saphyr::to_string(header).map_err(|e| HeaderError::Yaml(e.to_string()))?;
    let mut out = String::with_capacity(yaml.len() + body.len() + 16);
    out.push_str("---\n");
    out.push_str(&yaml);
    if !yaml.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("---\n");
    out.push_str(body);
    if !body.is_empty() && !body.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// Splits a result file into its header and body.
pub fn parse_result(text: &str) -> Result<(ResultHeader, &str), HeaderError> {
    let rest = text
        .strip_prefix("---\n")
        .ok_or(HeaderError::NoFrontMatter)?;
    let end = rest.find("\n---\n").ok_or(HeaderError::Unclosed)?;
    let yaml = &rest[..=end];
    let body = &rest[end + 5..];
    let options = serde_saphyr::options! { strict_booleans: true };
    let header: ResultHeader = serde_saphyr::from_str_with_options(yaml, options)
        .map_err(|e| HeaderError::Yaml(e.to_string()))?;
    if header.okstra != RESULT_MARK {
        return Err(HeaderError::NotAResult(header.okstra));
    }
    Ok((header, body))
}

/// The header check of SPEC §5.3: the front matter parses and run/worker/round/attempt match.
pub fn check_result(
    text: &str,
    expect: &HeaderExpectation<'_>,
) -> Result<ResultHeader, HeaderError> {
    let (header, _) = parse_result(text)?;
    let mismatch = |field, found: String, expected: String| HeaderError::Mismatch {
        field,
        found,
        expected,
    };
    if header.run_id != expect.run_id {
        return Err(mismatch("runId", header.run_id, expect.run_id.to_owned()));
    }
    if header.worker != expect.worker {
        return Err(mismatch("worker", header.worker, expect.worker.to_owned()));
    }
    if header.round != expect.round {
        return Err(mismatch(
            "round",
            header.round.to_string(),
            expect.round.to_string(),
        ));
    }
    if header.attempt != expect.attempt {
        return Err(mismatch(
            "attempt",
            header.attempt.to_string(),
            expect.attempt.to_string(),
        ));
    }
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> ResultHeader {
        ResultHeader {
            okstra: RESULT_MARK.into(),
            run_id: "01JABCDEFGHJKMNPQRSTVWXYZ0".into(),
            worker: "claude-worker".into(),
            kind: AdapterKind::Claude,
            role: Role::Analysis,
            task_type: TaskType::ErrorAnalysis,
            seq: 3,
            round: RoundTag::Round(1),
            attempt: 2,
            status: WorkerStatus::Completed,
            reason: None,
            started_at: Some("2026-11-21T10:00:00Z".parse().unwrap()),
            finished_at: Some("2026-11-21T10:01:00Z".parse().unwrap()),
            model: Some("opus".into()),
            cli: Some(CliInfo {
                path: "/usr/bin/claude".into(),
                version: Some("2.1.197 (Claude Code)".into()),
            }),
            tokens: TokenUsage {
                input_total: Some(33),
                cache_read: Some(7),
                cache_write: None,
                output: Some(5),
                reasoning: None,
                cost_usd: Some(0.25),
            },
            replay: false,
        }
    }

    #[test]
    fn round_trip_and_check() {
        let body = "The answer.\n\n---\n\nwith a rule inside\n";
        let text = render_result(&header(), body).unwrap();
        assert!(
            text.starts_with("---\nokstra: worker-result/v1\n"),
            "{text}"
        );
        assert!(text.contains("cacheWrite: null"), "{text}");
        let (parsed, parsed_body) = parse_result(&text).unwrap();
        assert_eq!(parsed, header());
        assert_eq!(parsed_body, body);
        let expect = HeaderExpectation {
            run_id: "01JABCDEFGHJKMNPQRSTVWXYZ0",
            worker: "claude-worker",
            round: RoundTag::Round(1),
            attempt: 2,
        };
        assert_eq!(check_result(&text, &expect).unwrap(), header());
        let wrong = HeaderExpectation {
            attempt: 1,
            ..expect.clone()
        };
        assert!(matches!(
            check_result(&text, &wrong),
            Err(HeaderError::Mismatch {
                field: "attempt",
                ..
            })
        ));
        let pbv = ResultHeader {
            round: RoundTag::PlanBody,
            ..header()
        };
        let text = render_result(&pbv, "x").unwrap();
        assert_eq!(parse_result(&text).unwrap().0.round, RoundTag::PlanBody);
    }

    #[test]
    fn broken_files() {
        assert_eq!(
            parse_result("no header").unwrap_err(),
            HeaderError::NoFrontMatter
        );
        assert_eq!(
            parse_result("---\nokstra: x\n").unwrap_err(),
            HeaderError::Unclosed
        );
        assert!(matches!(
            parse_result("---\n: : :\n---\n"),
            Err(HeaderError::Yaml(_))
        ));
        let text = render_result(&header(), "body")
            .unwrap()
            .replace("worker-result/v1", "other");
        assert!(matches!(
            parse_result(&text),
            Err(HeaderError::NotAResult(_))
        ));
    }
}
