//! Owns the wire helpers the three protocol files share: the `Conversation` read from a
//! request, the `Sse` body builder and `text_of_blocks`. It deliberately knows no protocol and
//! makes no decision about a request; that is `dispatch`'s job.

use serde_json::Value;

/// What the server read from a request's conversation.
pub(super) struct Conversation {
    pub(super) model: Option<String>,
    pub(super) prompt: String,
    pub(super) turn: usize,
}

/// An SSE body under construction.
#[derive(Default)]
pub(super) struct Sse(String);

impl Sse {
    pub(super) fn event(&mut self, name: &str, data: &Value) {
        self.0.push_str("event: ");
        self.0.push_str(name);
        self.0.push_str("\ndata: ");
        self.0.push_str(&data.to_string());
        self.0.push_str("\n\n");
    }

    pub(super) fn data(&mut self, data: &Value) {
        self.0.push_str("data: ");
        self.0.push_str(&data.to_string());
        self.0.push_str("\n\n");
    }

    pub(super) fn finish(self) -> String {
        self.0
    }
}

/// Joins the `text` of the blocks whose `type` is one of `kinds` (any block with a string
/// `text` when `kinds` is empty).
pub(super) fn text_of_blocks(blocks: &[Value], kinds: &[&str]) -> String {
    blocks
        .iter()
        .filter(|b| {
            kinds.is_empty()
                || b.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| kinds.contains(&t))
        })
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("\n")
}
