//! Owns `ModelServer`: a loopback HTTP model server that speaks just enough of the Anthropic
//! Messages, OpenAI Responses and Gemini APIs for the real `claude`, `codex` and `gemini` CLIs
//! to run turns against a `Script`, logging every request and the token usage it served.
//!
//! The server runs on its own thread with its own tokio runtime, so plain synchronous tests
//! can use it; it stops when dropped.
//!
//! Turn numbers are read from the request itself (assistant/model turns already in the
//! conversation), so the server keeps no per-conversation state: a "tool call, then text"
//! turn is a rule with `replies: [tool_call, text]`.
//!
//! Built-in answers (logged as `builtin:*`, with the script's `utility_usage`): Claude's
//! session-title request (structured output with a `title` property) and Gemini CLI's
//! router classifier / next-speaker calls (recognised by their response schema).
//!
//! This file only declares and re-exports: the server is in `server`, the decision per request
//! in `dispatch`, the three protocols in `anthropic`, `openai` and `gemini` (with the helpers
//! they share in `wire`), the script in `script` and the request log in `record`.

mod anthropic;
mod dispatch;
mod gemini;
mod openai;
mod record;
mod script;
mod server;
mod wire;

pub use record::{RequestRecord, UsageServed, UsageTotals};
pub use script::{Protocol, Reply, Rule, Script, Usage};
pub use server::ModelServer;
