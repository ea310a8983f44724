//! Owns `StreamParser`: one attempt's output parser, chosen by adapter kind and fed line by line,
//! which forwards to the Claude, Codex, Gemini or `command` parser. The parsers themselves are in
//! the adapter files and never import this one.

use super::outcome::{ExitInfo, LineEffects, Outcome};
use super::{claude, codex, command, gemini};
use crate::config::AdapterKind;

/// A stateful parser of one attempt's output, fed line by line; it keeps only what the final
/// outcome needs, never the whole stream.
#[derive(Debug)]
pub enum StreamParser {
    Claude(claude::ClaudeParser),
    Codex(codex::CodexParser),
    Gemini(gemini::GeminiParser),
    Command(command::CommandParser),
}

impl StreamParser {
    /// Returns the parser for an adapter kind (`None` for replay).
    pub fn new(kind: AdapterKind) -> Option<Self> {
        match kind {
            AdapterKind::Claude => Some(StreamParser::Claude(claude::ClaudeParser::default())),
            AdapterKind::Codex => Some(StreamParser::Codex(codex::CodexParser::default())),
            AdapterKind::Gemini => Some(StreamParser::Gemini(gemini::GeminiParser::default())),
            AdapterKind::Command => Some(StreamParser::Command(command::CommandParser::default())),
            AdapterKind::Replay => None,
        }
    }

    /// Feeds one stdout line (without its newline).
    pub fn on_stdout_line(&mut self, line: &str) -> LineEffects {
        match self {
            StreamParser::Claude(p) => p.on_stdout_line(line),
            StreamParser::Codex(p) => p.on_stdout_line(line),
            StreamParser::Gemini(p) => p.on_stdout_line(line),
            StreamParser::Command(p) => p.on_stdout_line(line),
        }
    }

    /// Feeds one stderr line.
    pub fn on_stderr_line(&mut self, line: &str) -> LineEffects {
        match self {
            StreamParser::Claude(_) | StreamParser::Codex(_) => LineEffects::default(),
            StreamParser::Gemini(p) => p.on_stderr_line(line),
            StreamParser::Command(p) => p.on_stderr_line(line),
        }
    }

    /// Returns the attempt's outcome once the process has exited. `fallback_text` is the
    /// CLI's last-message file when it has one (Codex `-o`).
    pub fn finish(self, exit: &ExitInfo, fallback_text: Option<String>) -> Outcome {
        match self {
            StreamParser::Claude(p) => p.finish(exit),
            StreamParser::Codex(p) => p.finish(exit, fallback_text),
            StreamParser::Gemini(p) => p.finish(exit),
            StreamParser::Command(p) => p.finish(exit),
        }
    }
}
