//! Owns the Gemini CLI adapter: `gemini --output-format stream-json --skip-trust` with the
//! prompt on stdin (headless because stdin is not a terminal), and parsing its events — the
//! assistant `message` deltas after the last `tool_use` for text, the final `result` for status
//! and `stats`, and stderr `Attempt N failed` lines for retry storms. The model `auto` means
//! the CLI's own default, so no `-m` is passed.

use serde_json::Value;

use super::claude::no_result;
use super::command_spec::{CommandSpec, Invocation};
use super::failures::status_in;
use super::json::{json_line, num};
use super::outcome::{ExitInfo, FailureKind, LineEffects, Outcome, RetryNotice};
use super::sandbox::sandbox_label;
use crate::config::AdapterKind;
use crate::tokens::TokenUsage;

/// Returns the gemini command line.
pub fn build(inv: &Invocation<'_>) -> CommandSpec {
    let mut args: Vec<String> = ["--output-format", "stream-json", "--skip-trust"]
        .map(str::to_owned)
        .to_vec();
    if let Some(model) = inv.model.filter(|m| *m != "auto") {
        args.extend(["-m".to_owned(), model.to_owned()]);
    }
    let mode = if inv.role.writes() { "yolo" } else { "plan" };
    args.extend(["--approval-mode".to_owned(), mode.to_owned()]);
    if !inv.add_dirs.is_empty() {
        let dirs: Vec<String> = inv
            .add_dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        args.extend(["--include-directories".to_owned(), dirs.join(",")]);
    }
    args.extend(inv.extra_args.iter().cloned());
    CommandSpec {
        program: inv.program.to_owned(),
        args,
        cwd: inv.workdir.to_path_buf(),
        env: std::collections::BTreeMap::new(),
        sandbox: sandbox_label(AdapterKind::Gemini, inv.role),
        sandbox_note: None,
    }
}

/// Returns the usage of a stream `result` event: `stats.input_tokens` (prompt tokens,
/// including cached) and `stats.cached`. Stream stats leave thinking tokens out of
/// `output_tokens` but count them in `total_tokens`, so reasoning is `total − input − output`
/// and okstra's `output` (all generated tokens, as for the other CLIs) is `output + reasoning`.
/// Gemini reports no cost and no cache writes.
pub fn usage_of_result(result: &Value) -> TokenUsage {
    let Some(stats) = result.get("stats") else {
        return TokenUsage::default();
    };
    let input = num(stats, "input_tokens");
    let visible = num(stats, "output_tokens");
    let reasoning = match (num(stats, "total_tokens"), input, visible) {
        (Some(total), Some(i), Some(o)) => Some(total.saturating_sub(i + o)),
        _ => None,
    };
    TokenUsage {
        input_total: input,
        cache_read: num(stats, "cached"),
        cache_write: None,
        output: match (visible, reasoning) {
            (Some(o), Some(r)) => Some(o + r),
            (o, _) => o,
        },
        reasoning,
        cost_usd: None,
    }
}

/// Parses Gemini's stream-json events.
#[derive(Debug, Default)]
pub struct GeminiParser {
    text: String,
    result: Option<Value>,
    garbage_lines: usize,
}

impl GeminiParser {
    /// Feeds one stdout line.
    pub fn on_stdout_line(&mut self, line: &str) -> LineEffects {
        let Some(event) = json_line(line) else {
            if !line.trim().is_empty() {
                self.garbage_lines += 1;
            }
            return LineEffects::default();
        };
        match event.get("type").and_then(Value::as_str) {
            Some("message") if event.get("role").and_then(Value::as_str) == Some("assistant") => {
                if let Some(content) = event.get("content").and_then(Value::as_str) {
                    self.text.push_str(content);
                }
                LineEffects::default()
            }
            Some("tool_use") => {
                // Like json mode's `response`, keep only the text after the last tool call.
                self.text.clear();
                LineEffects::default()
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

    /// Feeds one stderr line; `Attempt N failed …` is a retry notice.
    pub fn on_stderr_line(&mut self, line: &str) -> LineEffects {
        let retry = (line.contains("Attempt") && line.contains("failed")).then(|| RetryNotice {
            status: status_in(line),
            message: line.trim().to_owned(),
        });
        LineEffects { retry, usage: None }
    }

    /// Returns the outcome.
    pub fn finish(self, exit: &ExitInfo) -> Outcome {
        let Some(result) = self.result else {
            return match (exit.code, no_result(exit, self.garbage_lines, "gemini")) {
                (Some(41), Outcome::Failed { .. }) if !has_known(exit) => Outcome::failed(
                    FailureKind::Reported,
                    "gemini is not authenticated (exit 41)",
                    TokenUsage::default(),
                ),
                (Some(55), Outcome::Failed { .. }) if !has_known(exit) => Outcome::failed(
                    FailureKind::Reported,
                    "gemini does not trust the working folder (exit 55)",
                    TokenUsage::default(),
                ),
                (_, outcome) => outcome,
            };
        };
        let usage = usage_of_result(&result);
        match result.get("status").and_then(Value::as_str) {
            Some("success") if exit.code == Some(0) => Outcome::Completed {
                text: self.text,
                usage,
            },
            Some("success") => Outcome::failed(
                FailureKind::Crash,
                format!("gemini reported success but ended with {}", exit.describe()),
                usage,
            ),
            _ => {
                let message = result
                    .get("error")
                    .and_then(|e| e.get("message"))
                    .and_then(Value::as_str)
                    .unwrap_or("gemini reported an error")
                    .to_owned();
                Outcome::failed(FailureKind::Reported, message, usage)
            }
        }
    }
}

fn has_known(exit: &ExitInfo) -> bool {
    super::failures::known_failure(&exit.stderr_tail).is_some()
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::adapter::{Failure, StreamParser};
    use crate::worker_name::Role;

    #[test]
    fn argv_by_role_and_auto_model() {
        let dirs = [PathBuf::from("/a"), PathBuf::from("/b")];
        let mut inv = Invocation {
            kind: AdapterKind::Gemini,
            program: "gemini",
            model: Some("auto"),
            workdir: Path::new("/w"),
            role: Role::Analysis,
            add_dirs: &[],
            extra_args: &[],
            argv_template: &[],
            last_message_file: Path::new("/t/last.txt"),
            is_root: false,
        };
        assert_eq!(
            build(&inv).display(),
            "gemini --output-format stream-json --skip-trust --approval-mode plan"
        );
        inv.model = Some("gemini-2.5-flash");
        inv.role = Role::Executor;
        inv.add_dirs = &dirs;
        assert_eq!(
            build(&inv).display(),
            "gemini --output-format stream-json --skip-trust -m gemini-2.5-flash --approval-mode \
             yolo --include-directories /a,/b"
        );
    }

    fn exit(code: i32) -> ExitInfo {
        ExitInfo {
            code: Some(code),
            ..ExitInfo::default()
        }
    }

    #[test]
    fn text_after_last_tool_use() {
        let stream = r#"{"type":"init","session_id":"s","model":"gemini-2.5-flash"}
{"type":"message","role":"user","content":"q"}
{"type":"message","role":"assistant","content":"let me look","delta":true}
{"type":"tool_use","tool_name":"read_file","tool_id":"t1","parameters":{}}
{"type":"tool_result","tool_id":"t1","status":"success","output":"x"}
{"type":"message","role":"assistant","content":"hi ","delta":true}
{"type":"message","role":"assistant","content":"there","delta":true}
{"type":"result","status":"success","stats":{"total_tokens":26,"input_tokens":17,"output_tokens":4,"cached":5,"input":12}}"#;
        let mut p = StreamParser::new(AdapterKind::Gemini).unwrap();
        for l in stream.lines() {
            p.on_stdout_line(l);
        }
        assert_eq!(
            p.finish(&exit(0), None),
            Outcome::Completed {
                text: "hi there".into(),
                usage: TokenUsage {
                    input_total: Some(17),
                    cache_read: Some(5),
                    cache_write: None,
                    output: Some(9),
                    reasoning: Some(5),
                    cost_usd: None,
                }
            }
        );
    }

    #[test]
    fn errors_and_retries() {
        let mut p = StreamParser::new(AdapterKind::Gemini).unwrap();
        let fx = p.on_stderr_line("Attempt 2 failed with status 429. Retrying with backoff...");
        assert_eq!(fx.retry.unwrap().status, Some(429));
        p.on_stdout_line(r#"{"type":"result","status":"error","error":{"type":"Error","message":"[API Error: 401 unauthorized]"},"stats":{}}"#);
        assert!(matches!(
            p.finish(&exit(145), None),
            Outcome::Failed { failure: Failure { kind: FailureKind::Reported, ref message }, .. }
                if message.contains("401")
        ));
        let p = StreamParser::new(AdapterKind::Gemini).unwrap();
        let untrusted = ExitInfo {
            code: Some(55),
            signal: None,
            stderr_tail: vec!["boom".into()],
        };
        assert!(matches!(
            p.finish(&untrusted, None),
            Outcome::Failed { failure: Failure { kind: FailureKind::Reported, ref message }, .. }
                if message.contains("exit 55")
        ));
    }
}
