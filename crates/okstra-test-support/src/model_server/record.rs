//! Owns what a `ModelServer` remembers: one `RequestRecord` per request and the token usage
//! it served, summed per protocol.

use serde::Serialize;

use super::script::{Protocol, Usage};

/// One request the server received, in arrival order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRecord {
    /// 0-based arrival index.
    pub index: usize,
    /// The protocol, or `None` for probes (`HEAD /`) and unknown paths.
    pub protocol: Option<Protocol>,
    /// The HTTP method.
    pub method: String,
    /// The path with its query, e.g. `/v1/messages?beta=true`.
    pub path: String,
    /// The model the request named (body `model`, or the Gemini path segment).
    pub model: Option<String>,
    /// The rule that answered (`rule#<i>` or its name), `builtin:<what>` for a built-in
    /// answer, or `None` when nothing matched.
    pub rule: Option<String>,
    /// The turn index: assistant/model turns already in the conversation.
    pub turn: Option<usize>,
    /// What was answered: `text`, `tool_call`, `error`, `hang`, `builtin`, `probe`,
    /// `unmatched`, `not_found`, `bad_request`.
    pub reply: String,
    /// The HTTP status sent (`None` while delayed or for a hang).
    pub status: Option<u16>,
    /// Whether the answer is an error reply (any status ≥ 400).
    pub error: bool,
    /// The first user prompt as the server extracted it.
    pub prompt: String,
    /// The request body as JSON (`null` when empty or not JSON).
    pub body: serde_json::Value,
}

impl RequestRecord {
    /// Returns the names of the tools the request offered the model (empty if none).
    pub fn tool_names(&self) -> Vec<String> {
        let Some(tools) = self.body.get("tools").and_then(|t| t.as_array()) else {
            return Vec::new();
        };
        let mut names = Vec::new();
        for tool in tools {
            if let Some(decls) = tool.get("functionDeclarations").and_then(|d| d.as_array()) {
                names.extend(
                    decls
                        .iter()
                        .filter_map(|d| d.get("name").and_then(|n| n.as_str()))
                        .map(str::to_owned),
                );
            } else if let Some(name) = tool.get("name").and_then(|n| n.as_str()) {
                names.push(name.to_owned());
            } else if let Some(kind) = tool.get("type").and_then(|n| n.as_str()) {
                names.push(kind.to_owned());
            }
        }
        names
    }
}

/// Token usage the server reported for one protocol, summed over its replies.
///
/// `input` counts all prompt tokens (including `cached` and `cache_write`); `output` counts all
/// generated tokens (including `reasoning`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UsageTotals {
    /// Replies that carried usage (text, tool calls, built-in utility answers).
    pub replies: u64,
    /// All prompt tokens, cached and cache writes included.
    pub input: u64,
    /// Prompt tokens read from the cache.
    pub cached: u64,
    /// Prompt tokens written to the cache.
    pub cache_write: u64,
    /// All generated tokens, reasoning included.
    pub output: u64,
    /// Thinking tokens.
    pub reasoning: u64,
}

impl UsageTotals {
    pub(crate) fn add(&mut self, usage: &Usage) {
        self.replies += 1;
        self.input += usage.prompt_total();
        self.cached += usage.cached;
        self.cache_write += usage.cache_write;
        self.output += usage.output_total();
        self.reasoning += usage.reasoning;
    }

    /// Prompt tokens neither read from nor written to a cache.
    pub fn uncached_input(&self) -> u64 {
        self.input - self.cached - self.cache_write
    }

    /// Generated tokens that are not reasoning.
    pub fn visible_output(&self) -> u64 {
        self.output - self.reasoning
    }
}

/// Token usage the server reported, per protocol.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UsageServed {
    /// Anthropic Messages replies.
    pub anthropic: UsageTotals,
    /// OpenAI Responses replies.
    pub openai: UsageTotals,
    /// Gemini replies.
    pub gemini: UsageTotals,
}

impl UsageServed {
    /// Returns the totals of one protocol.
    pub fn of(&self, protocol: Protocol) -> UsageTotals {
        match protocol {
            Protocol::Anthropic => self.anthropic,
            Protocol::Openai => self.openai,
            Protocol::Gemini => self.gemini,
        }
    }

    pub(crate) fn add(&mut self, protocol: Protocol, usage: &Usage) {
        match protocol {
            Protocol::Anthropic => self.anthropic.add(usage),
            Protocol::Openai => self.openai.add(usage),
            Protocol::Gemini => self.gemini.add(usage),
        }
    }
}
