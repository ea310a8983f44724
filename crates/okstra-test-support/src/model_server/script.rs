//! Owns the `Script` a `ModelServer` plays: rules that match a request by a substring of the
//! conversation's first user prompt (and optionally its protocol), and per-turn replies.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The wire protocol of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// Anthropic Messages (`POST /v1/messages`), spoken by Claude Code.
    Anthropic,
    /// OpenAI Responses (`POST /v1/responses`), spoken by Codex CLI.
    Openai,
    /// Gemini `generateContent` / `streamGenerateContent`, spoken by Gemini CLI.
    Gemini,
}

impl Protocol {
    /// Returns the lowercase name used in scripts and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Anthropic => "anthropic",
            Self::Openai => "openai",
            Self::Gemini => "gemini",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Token usage of one scripted reply. All five numbers are disjoint:
/// `input` is prompt tokens neither read from nor written to a cache, `cached` prompt tokens
/// read from the cache, `cache_write` prompt tokens written to the cache, `output` visible
/// generated tokens and `reasoning` thinking tokens.
///
/// On the wire: Anthropic `input_tokens`=input, `cache_read_input_tokens`=cached,
/// `cache_creation_input_tokens`=cache_write, `output_tokens`=output+reasoning.
/// OpenAI `input_tokens`=input+cached+cache_write, `input_tokens_details.cached_tokens`=cached,
/// `input_tokens_details.cache_write_tokens`=cache_write, `output_tokens`=output+reasoning,
/// `output_tokens_details.reasoning_tokens`=reasoning. Gemini
/// `promptTokenCount`=input+cached+cache_write, `cachedContentTokenCount`=cached,
/// `candidatesTokenCount`=output, `thoughtsTokenCount`=reasoning, `totalTokenCount`=all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Usage {
    /// Prompt tokens not served from or written to a cache.
    pub input: u64,
    /// Prompt tokens read from the cache.
    pub cached: u64,
    /// Prompt tokens written to the cache (Gemini has no such field: they count as prompt).
    pub cache_write: u64,
    /// Visible output tokens (not counting `reasoning`).
    pub output: u64,
    /// Thinking tokens.
    pub reasoning: u64,
}

impl Usage {
    /// Returns a usage with these five numbers.
    pub fn new(input: u64, cached: u64, cache_write: u64, output: u64, reasoning: u64) -> Self {
        Self {
            input,
            cached,
            cache_write,
            output,
            reasoning,
        }
    }

    /// All prompt tokens: `input + cached + cache_write`.
    pub fn prompt_total(&self) -> u64 {
        self.input + self.cached + self.cache_write
    }

    /// All generated tokens: `output + reasoning`.
    pub fn output_total(&self) -> u64 {
        self.output + self.reasoning
    }
}

/// One scripted answer to one model request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Reply {
    /// A final text answer.
    Text {
        /// The assistant text.
        text: String,
        /// Usage reported for this request.
        #[serde(default)]
        usage: Usage,
    },
    /// A call of the CLI's tool `name` with `arguments` (a JSON object; for an OpenAI custom
    /// (freeform) tool such as Codex's `apply_patch`, a JSON string holding the raw input).
    ToolCall {
        /// The tool name exactly as the CLI lists it in its request.
        name: String,
        /// The arguments.
        arguments: serde_json::Value,
        /// Optional text the model says before the call.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        /// Usage reported for this request.
        #[serde(default)]
        usage: Usage,
    },
    /// An HTTP error status with a body in the protocol's error format.
    Error {
        /// The HTTP status, e.g. 400, 401, 403, 429, 500, 529.
        status: u16,
        /// The error message; a default naming the status when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// Waits `ms` milliseconds, then answers with `then`.
    Delay {
        /// The delay in milliseconds.
        ms: u64,
        /// The reply sent after the delay.
        then: Box<Reply>,
    },
    /// Never answers (the connection stays open until the client gives up or the server stops).
    Hang,
}

impl Reply {
    /// A text reply.
    pub fn text(text: impl Into<String>, usage: Usage) -> Self {
        Self::Text {
            text: text.into(),
            usage,
        }
    }

    /// A tool call reply.
    pub fn tool_call(name: impl Into<String>, arguments: serde_json::Value, usage: Usage) -> Self {
        Self::ToolCall {
            name: name.into(),
            arguments,
            text: None,
            usage,
        }
    }

    /// An HTTP error reply with the default message.
    pub fn error(status: u16) -> Self {
        Self::Error {
            status,
            message: None,
        }
    }

    /// A reply sent after `ms` milliseconds.
    pub fn delay(ms: u64, then: Self) -> Self {
        Self::Delay {
            ms,
            then: Box::new(then),
        }
    }

    /// Returns the reply's kind as written in scripts (`text`, `tool_call`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::ToolCall { .. } => "tool_call",
            Self::Error { .. } => "error",
            Self::Delay { .. } => "delay",
            Self::Hang => "hang",
        }
    }
}

/// One rule: which requests it answers and its replies, indexed by the turn number (how many
/// assistant/model turns the request's conversation already holds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A name for the request log; `rule#<index>` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A substring of the conversation's first user prompt (all user text before the first
    /// assistant turn, which includes the CLI's own context blocks).
    pub prompt_contains: String,
    /// Only requests of this protocol match; any protocol when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    /// `replies[turn]` answers a request whose conversation holds `turn` assistant turns.
    pub replies: Vec<Reply>,
}

impl Rule {
    /// A rule for any protocol.
    pub fn new(prompt_contains: impl Into<String>, replies: Vec<Reply>) -> Self {
        Self {
            name: None,
            prompt_contains: prompt_contains.into(),
            protocol: None,
            replies,
        }
    }

    /// Sets the rule's name.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Restricts the rule to one protocol.
    pub fn for_protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = Some(protocol);
        self
    }
}

fn default_utility_usage() -> Usage {
    Usage::new(2, 0, 0, 1, 0)
}

/// What the server plays: its rules, tried in order, and the usage of the built-in answers
/// to the CLIs' utility requests (Claude's session-title request, Gemini's router).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// The rules, first match wins.
    pub rules: Vec<Rule>,
    /// Usage reported by every built-in utility answer.
    #[serde(default = "default_utility_usage")]
    pub utility_usage: Usage,
}

impl Default for Script {
    fn default() -> Self {
        Self {
            rules: Vec::new(),
            utility_usage: default_utility_usage(),
        }
    }
}

impl Script {
    /// A script with these rules and the default utility usage (2 input, 1 output).
    pub fn new(rules: Vec<Rule>) -> Self {
        Self {
            rules,
            ..Self::default()
        }
    }

    /// Parses a script from JSON.
    pub fn from_json(text: &str) -> serde_json::Result<Self> {
        serde_json::from_str(text)
    }

    /// Returns the first rule matching `prompt` and `protocol`, with its log name.
    pub(crate) fn find(&self, protocol: Protocol, prompt: &str) -> Option<(String, &Rule)> {
        self.rules.iter().enumerate().find_map(|(i, rule)| {
            let protocol_ok = rule.protocol.is_none_or(|p| p == protocol);
            (protocol_ok && prompt.contains(&rule.prompt_contains)).then(|| {
                let name = rule.name.clone().unwrap_or_else(|| format!("rule#{i}"));
                (name, rule)
            })
        })
    }
}
