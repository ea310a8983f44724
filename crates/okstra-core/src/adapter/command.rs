//! Owns the `command` adapter: any program, from an argv template with `{model}` and
//! `{workdir}` placeholders; the prompt on stdin; the final text is its stdout; an optional
//! usage line on stderr, `okstra-usage: {"inputTotal":…,"output":…}` (the fields of SPEC §5.3
//! `tokens`).

use super::command_spec::{AdapterError, CommandSpec, Invocation};
use super::failures::known_failure;
use super::outcome::{ExitInfo, FailureKind, LineEffects, Outcome};
use super::sandbox::sandbox_label;
use crate::config::AdapterKind;
use crate::tokens::TokenUsage;

/// The prefix of a usage line on stderr.
pub const USAGE_PREFIX: &str = "okstra-usage:";

/// The most final text okstra keeps from a command's stdout.
pub const MAX_TEXT_BYTES: usize = 8 * 1024 * 1024;

/// Returns the command line from the agent's argv template.
pub fn build(inv: &Invocation<'_>) -> Result<CommandSpec, AdapterError> {
    let model = inv.model.unwrap_or_default();
    let workdir = inv.workdir.display().to_string();
    let mut argv = inv
        .argv_template
        .iter()
        .map(|a| a.replace("{model}", model).replace("{workdir}", &workdir));
    let program = argv.next().ok_or(AdapterError::EmptyArgv)?;
    let mut args: Vec<String> = argv.collect();
    args.extend(inv.extra_args.iter().cloned());
    // The engine passes argv[0] resolved on PATH (or `agents.<name>.binary`) as `program`.
    let program = if inv.program.is_empty() {
        program
    } else {
        inv.program.to_owned()
    };
    Ok(CommandSpec {
        program,
        args,
        cwd: inv.workdir.to_path_buf(),
        env: std::collections::BTreeMap::new(),
        sandbox: sandbox_label(AdapterKind::Command, inv.role),
        sandbox_note: None,
    })
}

/// Collects a command's stdout as its final text.
#[derive(Debug, Default)]
pub struct CommandParser {
    text: String,
    truncated: bool,
    usage: Option<TokenUsage>,
}

impl CommandParser {
    /// Feeds one stdout line.
    pub fn on_stdout_line(&mut self, line: &str) -> LineEffects {
        if self.text.len() + line.len() + 1 > MAX_TEXT_BYTES {
            self.truncated = true;
        } else {
            self.text.push_str(line);
            self.text.push('\n');
        }
        LineEffects::default()
    }

    /// Feeds one stderr line; a usage line sets the usage.
    pub fn on_stderr_line(&mut self, line: &str) -> LineEffects {
        if let Some(json) = line.trim().strip_prefix(USAGE_PREFIX)
            && let Ok(usage) = serde_json::from_str::<TokenUsage>(json.trim())
        {
            self.usage = Some(usage);
            return LineEffects {
                retry: None,
                usage: Some(usage),
            };
        }
        LineEffects::default()
    }

    /// Returns the outcome.
    pub fn finish(self, exit: &ExitInfo) -> Outcome {
        let usage = self.usage.unwrap_or_default();
        if exit.code == Some(0) {
            if self.truncated {
                return Outcome::failed(
                    FailureKind::Reported,
                    format!("the command printed more than {MAX_TEXT_BYTES} bytes of final text"),
                    usage,
                );
            }
            return Outcome::Completed {
                text: self.text,
                usage,
            };
        }
        if exit.signal.is_none()
            && let Some(line) = known_failure(&exit.stderr_tail)
        {
            return Outcome::failed(FailureKind::Reported, line, usage);
        }
        let last = exit
            .stderr_tail
            .last()
            .map_or_else(String::new, |l| format!(": {}", l.trim()));
        Outcome::failed(
            FailureKind::Crash,
            format!("the command ended with {}{last}", exit.describe()),
            usage,
        )
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::adapter::{Failure, StreamParser};
    use crate::worker_name::Role;

    #[test]
    fn template_placeholders() {
        let template = [
            "llm".to_owned(),
            "-m".to_owned(),
            "{model}".to_owned(),
            "--cwd={workdir}".to_owned(),
        ];
        let inv = Invocation {
            kind: AdapterKind::Command,
            program: "",
            model: Some("llama3"),
            workdir: Path::new("/w"),
            role: Role::Analysis,
            add_dirs: &[],
            extra_args: &[],
            argv_template: &template,
            last_message_file: Path::new("/t"),
            is_root: false,
        };
        assert_eq!(build(&inv).unwrap().display(), "llm -m llama3 --cwd=/w");
        let empty = Invocation {
            argv_template: &[],
            ..inv
        };
        assert_eq!(build(&empty), Err(AdapterError::EmptyArgv));
    }

    #[test]
    fn stdout_is_the_text_and_usage_comes_from_stderr() {
        let mut p = StreamParser::new(AdapterKind::Command).unwrap();
        p.on_stdout_line("line one");
        p.on_stdout_line("line two");
        p.on_stderr_line(r#"okstra-usage: {"inputTotal":10,"output":3}"#);
        let out = p.finish(
            &ExitInfo {
                code: Some(0),
                ..ExitInfo::default()
            },
            None,
        );
        assert_eq!(
            out,
            Outcome::Completed {
                text: "line one\nline two\n".into(),
                usage: TokenUsage {
                    input_total: Some(10),
                    output: Some(3),
                    ..TokenUsage::default()
                }
            }
        );
        let p = StreamParser::new(AdapterKind::Command).unwrap();
        let out = p.finish(
            &ExitInfo {
                code: Some(3),
                signal: None,
                stderr_tail: vec!["segfault in module".into()],
            },
            None,
        );
        assert!(matches!(
            out,
            Outcome::Failed { failure: Failure { kind: FailureKind::Crash, ref message }, usage }
                if message == "the command ended with exit code 3: segfault in module" && usage.is_unknown()
        ));
    }
}
