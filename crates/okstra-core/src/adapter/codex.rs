//! Owns the Codex CLI adapter: `codex exec --json … -` with the prompt on stdin, and parsing
//! its JSONL events — the last `agent_message` item for text (or the `-o` file), `turn.failed`
//! for reported errors, `turn.completed.usage` for tokens (cumulative per thread, so a resumed
//! thread is de-accumulated against the previous invocation), `Reconnecting...` error lines
//! for retry storms.

use serde_json::Value;

use super::claude::no_result;
use super::command_spec::{CommandSpec, Invocation};
use super::failures::status_in;
use super::json::{json_line, num};
use super::outcome::{ExitInfo, FailureKind, LineEffects, Outcome, RetryNotice};
use super::sandbox::sandbox_label;
use crate::config::AdapterKind;
use crate::tokens::TokenUsage;

/// Returns the codex command line.
pub fn build(inv: &Invocation<'_>) -> CommandSpec {
    let mut args: Vec<String> = [
        "exec",
        "--json",
        "--skip-git-repo-check",
        "--ephemeral",
        "-C",
    ]
    .map(str::to_owned)
    .to_vec();
    args.push(inv.workdir.display().to_string());
    if let Some(model) = inv.model {
        args.extend(["-m".to_owned(), model.to_owned()]);
    }
    let sandbox = if inv.role.writes() {
        "workspace-write"
    } else {
        "read-only"
    };
    args.extend(["-s".to_owned(), sandbox.to_owned()]);
    for dir in inv.add_dirs {
        args.extend(["--add-dir".to_owned(), dir.display().to_string()]);
    }
    args.extend(["-o".to_owned(), inv.last_message_file.display().to_string()]);
    args.extend(inv.extra_args.iter().cloned());
    args.push("-".to_owned());
    CommandSpec {
        program: inv.program.to_owned(),
        args,
        cwd: inv.workdir.to_path_buf(),
        env: std::collections::BTreeMap::new(),
        sandbox: sandbox_label(AdapterKind::Codex, inv.role),
        sandbox_note: None,
    }
}

/// Returns the usage of a `turn.completed` event. `input_tokens` already includes cached
/// input; `reasoning_output_tokens` is a part of `output_tokens`.
pub fn usage_of_turn(event: &Value) -> TokenUsage {
    let Some(u) = event.get("usage") else {
        return TokenUsage::default();
    };
    TokenUsage {
        input_total: num(u, "input_tokens"),
        cache_read: num(u, "cached_input_tokens"),
        cache_write: num(u, "cache_write_input_tokens"),
        output: num(u, "output_tokens"),
        reasoning: num(u, "reasoning_output_tokens"),
        cost_usd: None,
    }
}

/// Parses Codex's exec JSONL events.
#[derive(Debug, Default)]
pub struct CodexParser {
    last_text: Option<String>,
    /// The cumulative usage of the thread as last reported.
    usage: Option<TokenUsage>,
    /// The thread's usage before this invocation (for a resumed thread).
    baseline: TokenUsage,
    turn_completed: bool,
    turn_failed: Option<String>,
    last_error: Option<String>,
    garbage_lines: usize,
}

impl CodexParser {
    /// Returns a parser for an invocation that resumes a thread whose usage so far was
    /// `baseline`.
    pub fn resuming(baseline: TokenUsage) -> Self {
        Self {
            baseline,
            ..Self::default()
        }
    }

    /// Feeds one stdout line.
    pub fn on_stdout_line(&mut self, line: &str) -> LineEffects {
        let Some(event) = json_line(line) else {
            if !line.trim().is_empty() {
                self.garbage_lines += 1;
            }
            return LineEffects::default();
        };
        match event.get("type").and_then(Value::as_str) {
            Some("item.completed") => {
                let item = event.get("item").cloned().unwrap_or(Value::Null);
                match item.get("type").and_then(Value::as_str) {
                    Some("agent_message") => {
                        if let Some(text) = item.get("text").and_then(Value::as_str) {
                            self.last_text = Some(text.to_owned());
                        }
                    }
                    Some("error") => {
                        self.last_error = item
                            .get("message")
                            .and_then(Value::as_str)
                            .map(str::to_owned);
                    }
                    _ => {}
                }
                LineEffects::default()
            }
            Some("turn.completed") => {
                let usage = usage_of_turn(&event);
                self.usage = Some(usage);
                self.turn_completed = true;
                LineEffects {
                    retry: None,
                    usage: Some(usage.minus(&self.baseline)),
                }
            }
            Some("turn.failed") => {
                let message = event
                    .get("error")
                    .and_then(|e| e.get("message"))
                    .and_then(Value::as_str)
                    .unwrap_or("codex reported a failed turn")
                    .to_owned();
                self.turn_failed = Some(message);
                LineEffects::default()
            }
            Some("error") => {
                let message = event
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                self.last_error = Some(message.clone());
                let retry = (message.starts_with("Reconnecting") || message.contains("retrying"))
                    .then(|| RetryNotice {
                        status: status_in(&message),
                        message,
                    });
                LineEffects { retry, usage: None }
            }
            _ => LineEffects::default(),
        }
    }

    /// Returns the outcome.
    pub fn finish(self, exit: &ExitInfo, fallback_text: Option<String>) -> Outcome {
        let usage = self
            .usage
            .map(|u| u.minus(&self.baseline))
            .unwrap_or_default();
        if let Some(message) = self.turn_failed {
            return Outcome::failed(FailureKind::Reported, message, usage);
        }
        if self.turn_completed && exit.code == Some(0) {
            let text = self
                .last_text
                .or(fallback_text.filter(|t| !t.trim().is_empty()));
            return match text {
                Some(text) => Outcome::Completed { text, usage },
                None => Outcome::failed(
                    FailureKind::Unparsable,
                    "codex completed its turn without a final message",
                    usage,
                ),
            };
        }
        match no_result(exit, self.garbage_lines, "codex") {
            Outcome::Failed { failure, .. } => Outcome::Failed { failure, usage },
            done @ Outcome::Completed { .. } => done,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::adapter::{Failure, StreamParser};
    use crate::worker_name::Role;

    #[test]
    fn argv_by_role() {
        let dirs = [PathBuf::from("/repo/.git")];
        let extra = ["-c".to_owned(), "model_provider=mock".to_owned()];
        let mut inv = Invocation {
            kind: AdapterKind::Codex,
            program: "codex",
            model: Some("gpt-5.5"),
            workdir: Path::new("/w"),
            role: Role::Analysis,
            add_dirs: &[],
            extra_args: &extra,
            argv_template: &[],
            last_message_file: Path::new("/t/last.txt"),
            is_root: false,
        };
        assert_eq!(
            build(&inv).display(),
            "codex exec --json --skip-git-repo-check --ephemeral -C /w -m gpt-5.5 -s read-only \
             -o /t/last.txt -c model_provider=mock -"
        );
        inv.role = Role::Executor;
        inv.add_dirs = &dirs;
        inv.extra_args = &[];
        assert_eq!(
            build(&inv).display(),
            "codex exec --json --skip-git-repo-check --ephemeral -C /w -m gpt-5.5 -s \
             workspace-write --add-dir /repo/.git -o /t/last.txt -"
        );
    }

    fn exit(code: i32) -> ExitInfo {
        ExitInfo {
            code: Some(code),
            ..ExitInfo::default()
        }
    }

    #[test]
    fn success_and_usage() {
        let stream = r#"{"type":"thread.started","thread_id":"t"}
{"type":"turn.started"}
{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"first"}}
{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"last"}}
{"type":"turn.completed","usage":{"input_tokens":13,"cached_input_tokens":4,"cache_write_input_tokens":0,"output_tokens":6,"reasoning_output_tokens":2}}"#;
        let mut p = StreamParser::new(AdapterKind::Codex).unwrap();
        for l in stream.lines() {
            p.on_stdout_line(l);
        }
        assert_eq!(
            p.finish(&exit(0), None),
            Outcome::Completed {
                text: "last".into(),
                usage: TokenUsage {
                    input_total: Some(13),
                    cache_read: Some(4),
                    cache_write: Some(0),
                    output: Some(6),
                    reasoning: Some(2),
                    cost_usd: None,
                }
            }
        );
    }

    #[test]
    fn resumed_thread_is_deaccumulated() {
        let mut p = CodexParser::resuming(TokenUsage {
            input_total: Some(13),
            output: Some(6),
            ..TokenUsage::default()
        });
        p.on_stdout_line(r#"{"type":"item.completed","item":{"type":"agent_message","text":"x"}}"#);
        p.on_stdout_line(
            r#"{"type":"turn.completed","usage":{"input_tokens":26,"output_tokens":12}}"#,
        );
        let Outcome::Completed { usage, .. } = p.finish(&exit(0), None) else {
            panic!("expected completion");
        };
        assert_eq!(usage.input_total, Some(13));
        assert_eq!(usage.output, Some(6));
    }

    #[test]
    fn failures() {
        let stream = r#"{"type":"error","message":"Reconnecting... 2/5 (unexpected status 401 Unauthorized: bad key, url: http://x/v1/responses)"}
{"type":"turn.failed","error":{"message":"unexpected status 401 Unauthorized: bad key"}}"#;
        let mut p = StreamParser::new(AdapterKind::Codex).unwrap();
        let fx = p.on_stdout_line(stream.lines().next().unwrap());
        assert_eq!(fx.retry.unwrap().status, Some(401));
        p.on_stdout_line(stream.lines().nth(1).unwrap());
        assert!(matches!(
            p.finish(&exit(1), None),
            Outcome::Failed { failure: Failure { kind: FailureKind::Reported, ref message }, .. }
                if message.contains("401 Unauthorized")
        ));
        let mut p = StreamParser::new(AdapterKind::Codex).unwrap();
        p.on_stdout_line(r#"{"type":"turn.completed","usage":{}}"#);
        assert!(matches!(
            p.finish(&exit(0), Some("from -o file".into())),
            Outcome::Completed { ref text, .. } if text == "from -o file"
        ));
        let p = StreamParser::new(AdapterKind::Codex).unwrap();
        let untrusted = ExitInfo {
            code: Some(1),
            signal: None,
            stderr_tail: vec![
                "Not inside a trusted directory and --skip-git-repo-check was not specified."
                    .into(),
            ],
        };
        assert!(matches!(
            p.finish(&untrusted, None),
            Outcome::Failed {
                failure: Failure {
                    kind: FailureKind::Reported,
                    ..
                },
                ..
            }
        ));
    }
}
