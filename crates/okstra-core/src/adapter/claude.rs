//! Owns the Claude Code adapter: `claude -p --output-format stream-json --verbose` with the
//! prompt on stdin, and parsing its events — the final `result` event for text and status,
//! `modelUsage` (summed over models) and `total_cost_usd` for tokens, `api_retry` for retry
//! storms. The top-level `usage` undercounts multi-request turns and is not used.

use std::collections::BTreeMap;

use serde_json::Value;

use super::command_spec::{CommandSpec, Invocation};
use super::failures::known_failure;
use super::json::{json_line, num};
use super::outcome::{ExitInfo, FailureKind, LineEffects, Outcome, RetryNotice};
use super::sandbox::sandbox_label;
use crate::config::AdapterKind;
use crate::tokens::TokenUsage;

/// Returns the claude command line.
pub fn build(inv: &Invocation<'_>) -> CommandSpec {
    let mut args: Vec<String> = ["-p", "--output-format", "stream-json", "--verbose"]
        .map(str::to_owned)
        .to_vec();
    if let Some(model) = inv.model {
        args.extend(["--model".to_owned(), model.to_owned()]);
    }
    let mode = if inv.role.writes() {
        "bypassPermissions"
    } else {
        "plan"
    };
    args.extend(["--permission-mode".to_owned(), mode.to_owned()]);
    for dir in inv.add_dirs {
        args.extend(["--add-dir".to_owned(), dir.display().to_string()]);
    }
    args.extend(inv.extra_args.iter().cloned());
    let mut env = BTreeMap::new();
    let mut note = None;
    if inv.role.writes() && inv.is_root {
        env.insert("IS_SANDBOX".to_owned(), "1".to_owned());
        note = Some(
            "okstra runs as root, so Claude gets IS_SANDBOX=1 to accept bypassPermissions: \
             Claude is then not confined"
                .to_owned(),
        );
    }
    CommandSpec {
        program: inv.program.to_owned(),
        args,
        cwd: inv.workdir.to_path_buf(),
        env,
        sandbox: sandbox_label(AdapterKind::Claude, inv.role),
        sandbox_note: note,
    }
}

/// Parses Claude's stream-json events.
#[derive(Debug, Default)]
pub struct ClaudeParser {
    result: Option<Value>,
    garbage_lines: usize,
}

/// Returns the usage of a `result` event: Σ over `modelUsage.*`, plus `total_cost_usd`.
pub fn usage_of_result(result: &Value) -> TokenUsage {
    let mut usage = TokenUsage::default();
    if let Some(models) = result.get("modelUsage").and_then(Value::as_object) {
        for m in models.values() {
            let input = num(m, "inputTokens");
            let cache_read = num(m, "cacheReadInputTokens");
            let cache_write = num(m, "cacheCreationInputTokens");
            let input_total = match (input, cache_read, cache_write) {
                (None, None, None) => None,
                (a, b, c) => Some(a.unwrap_or(0) + b.unwrap_or(0) + c.unwrap_or(0)),
            };
            usage = usage.plus(&TokenUsage {
                input_total,
                cache_read,
                cache_write,
                output: num(m, "outputTokens"),
                reasoning: None,
                cost_usd: None,
            });
        }
    }
    usage.cost_usd = result.get("total_cost_usd").and_then(Value::as_f64);
    usage
}

impl ClaudeParser {
    /// Feeds one stdout line.
    pub fn on_stdout_line(&mut self, line: &str) -> LineEffects {
        let Some(event) = json_line(line) else {
            if !line.trim().is_empty() {
                self.garbage_lines += 1;
            }
            return LineEffects::default();
        };
        match event.get("type").and_then(Value::as_str) {
            Some("system") if event.get("subtype").and_then(Value::as_str) == Some("api_retry") => {
                let status = event
                    .get("error_status")
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok());
                let message = event
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or("api retry")
                    .to_owned();
                LineEffects {
                    retry: Some(RetryNotice { status, message }),
                    usage: None,
                }
            }
            Some("result") => {
                let usage = usage_of_result(&event);
                self.result = Some(event);
                LineEffects {
                    retry: None,
                    usage: Some(usage),
                }
            }
            _ => LineEffects::default(),
        }
    }

    /// Returns the outcome.
    pub fn finish(self, exit: &ExitInfo) -> Outcome {
        let Some(result) = self.result else {
            return no_result(exit, self.garbage_lines, "claude");
        };
        let usage = usage_of_result(&result);
        let is_error = result
            .get("is_error")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let text = result.get("result").and_then(Value::as_str);
        if is_error {
            let errors = result.get("errors").and_then(Value::as_array).map_or_else(
                || "claude reported an error".to_owned(),
                |a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("; ")
                },
            );
            let mut message = text.map_or(errors, str::to_owned);
            if let Some(status) = result.get("api_error_status").and_then(Value::as_u64)
                && !message.contains(&status.to_string())
            {
                message = format!("HTTP {status}: {message}");
            }
            return Outcome::failed(FailureKind::Reported, message, usage);
        }
        match (text, exit.code) {
            (Some(text), Some(0)) => Outcome::Completed {
                text: text.to_owned(),
                usage,
            },
            (None, _) => {
                let subtype = result
                    .get("subtype")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown");
                let message = if subtype == "error_max_turns" {
                    "claude stopped: it reached its maximum number of turns".to_owned()
                } else {
                    format!("claude's result has no text (subtype {subtype})")
                };
                Outcome::failed(FailureKind::Reported, message, usage)
            }
            (Some(_), _) => Outcome::failed(
                FailureKind::Crash,
                format!("claude reported success but ended with {}", exit.describe()),
                usage,
            ),
        }
    }
}

/// Returns the outcome of a stream with no final result: a known failure on stderr, an
/// unparsable stream, or a crash.
pub(crate) fn no_result(exit: &ExitInfo, garbage_lines: usize, cli: &str) -> Outcome {
    let usage = TokenUsage::default();
    if exit.signal.is_some() {
        return Outcome::failed(
            FailureKind::Crash,
            format!("{cli} was {}", exit.describe()),
            usage,
        );
    }
    if let Some(line) = known_failure(&exit.stderr_tail) {
        return Outcome::failed(FailureKind::Reported, line, usage);
    }
    if exit.code == Some(0) || garbage_lines > 0 {
        return Outcome::failed(
            FailureKind::Unparsable,
            format!("{cli}'s output has no final result ({garbage_lines} unparsable lines)"),
            usage,
        );
    }
    let last = exit
        .stderr_tail
        .last()
        .map_or_else(String::new, |l| format!(": {}", l.trim()));
    Outcome::failed(
        FailureKind::Crash,
        format!("{cli} ended with {}{last}", exit.describe()),
        usage,
    )
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::adapter::{Failure, StreamParser};
    use crate::worker_name::Role;

    fn inv(role: Role, is_root: bool, dirs: &[PathBuf]) -> Invocation<'_> {
        Invocation {
            kind: AdapterKind::Claude,
            program: "claude",
            model: Some("opus"),
            workdir: Path::new("/w"),
            role,
            add_dirs: dirs,
            extra_args: &[],
            argv_template: &[],
            last_message_file: Path::new("/t/last.txt"),
            is_root,
        }
    }

    #[test]
    fn argv_by_role() {
        let spec = build(&inv(Role::Analysis, true, &[]));
        assert_eq!(
            spec.display(),
            "claude -p --output-format stream-json --verbose --model opus --permission-mode plan"
        );
        assert!(spec.env.is_empty());
        let dirs = [PathBuf::from("/repo/.git")];
        let spec = build(&inv(Role::Executor, true, &dirs));
        assert_eq!(
            spec.display(),
            "claude -p --output-format stream-json --verbose --model opus --permission-mode \
             bypassPermissions --add-dir /repo/.git"
        );
        assert_eq!(spec.env["IS_SANDBOX"], "1");
        assert!(spec.sandbox_note.unwrap().contains("not confined"));
    }

    fn run(lines: &str, exit: &ExitInfo) -> Outcome {
        let mut p = StreamParser::new(AdapterKind::Claude).unwrap();
        for l in lines.lines() {
            p.on_stdout_line(l);
        }
        p.finish(exit, None)
    }

    fn exit(code: i32) -> ExitInfo {
        ExitInfo {
            code: Some(code),
            ..ExitInfo::default()
        }
    }

    #[test]
    fn success_sums_model_usage_not_top_level_usage() {
        let stream = r#"{"type":"system","subtype":"init","session_id":"s"}
{"type":"assistant","message":{"content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":1,"output_tokens":1}}}
{"type":"result","subtype":"success","is_error":false,"result":"final answer","total_cost_usd":0.5,"usage":{"input_tokens":22,"output_tokens":5},"modelUsage":{"claude-opus":{"inputTokens":33,"outputTokens":9,"cacheReadInputTokens":7,"cacheCreationInputTokens":3,"costUSD":0.4},"claude-haiku":{"inputTokens":4,"outputTokens":1,"cacheReadInputTokens":0,"cacheCreationInputTokens":0,"costUSD":0.1}}}"#;
        let out = run(stream, &exit(0));
        assert_eq!(
            out,
            Outcome::Completed {
                text: "final answer".into(),
                usage: TokenUsage {
                    input_total: Some(47),
                    cache_read: Some(7),
                    cache_write: Some(3),
                    output: Some(10),
                    reasoning: None,
                    cost_usd: Some(0.5),
                }
            }
        );
    }

    #[test]
    fn api_errors_are_reported() {
        let stream = r#"{"type":"system","subtype":"api_retry","attempt":1,"error_status":429,"error":"rate_limit"}
{"type":"result","subtype":"success","is_error":true,"api_error_status":429,"result":"API Error: Request rejected (429) · slow down","total_cost_usd":0,"modelUsage":{}}"#;
        let mut p = StreamParser::new(AdapterKind::Claude).unwrap();
        let first = p.on_stdout_line(stream.lines().next().unwrap());
        assert_eq!(first.retry.unwrap().status, Some(429));
        p.on_stdout_line(stream.lines().nth(1).unwrap());
        let out = p.finish(&exit(1), None);
        assert!(matches!(
            out,
            Outcome::Failed { failure: Failure { kind: FailureKind::Reported, ref message }, .. }
                if message == "API Error: Request rejected (429) · slow down"
        ));
        let not_logged_in = r#"{"type":"result","subtype":"success","is_error":true,"api_error_status":null,"result":"Not logged in · Please run /login","total_cost_usd":0,"modelUsage":{}}"#;
        let out = run(not_logged_in, &exit(1));
        assert!(
            matches!(out, Outcome::Failed { failure: Failure { kind: FailureKind::Reported, .. }, usage } if usage.cost_usd == Some(0.0))
        );
        let auth = r#"{"type":"result","is_error":true,"api_error_status":401,"result":"Failed to authenticate","modelUsage":{}}"#;
        let out = run(auth, &exit(1));
        assert!(
            matches!(out, Outcome::Failed { ref failure, .. } if failure.message == "HTTP 401: Failed to authenticate")
        );
    }

    #[test]
    fn missing_result_is_crash_unparsable_or_known() {
        let out = run(
            "",
            &ExitInfo {
                code: None,
                signal: Some(9),
                stderr_tail: vec![],
            },
        );
        assert!(
            matches!(out, Outcome::Failed { ref failure, .. } if failure.kind == FailureKind::Crash)
        );
        let out = run("garbage\nmore garbage", &exit(0));
        assert!(
            matches!(out, Outcome::Failed { ref failure, .. } if failure.kind == FailureKind::Unparsable)
        );
        let out = run(
            "",
            &ExitInfo {
                code: Some(1),
                signal: None,
                stderr_tail: vec![
                    "Error: When using --print, --output-format=stream-json requires --verbose"
                        .into(),
                ],
            },
        );
        assert!(
            matches!(out, Outcome::Failed { ref failure, .. } if failure.kind == FailureKind::Crash && failure.message.contains("requires --verbose"))
        );
        let max_turns =
            r#"{"type":"result","subtype":"error_max_turns","is_error":false,"modelUsage":{}}"#;
        let out = run(max_turns, &exit(1));
        assert!(
            matches!(out, Outcome::Failed { ref failure, .. } if failure.kind == FailureKind::Reported && failure.message.contains("maximum"))
        );
    }
}
