//! Owns the Anthropic Messages wire format: reading a `POST /v1/messages` conversation and
//! writing its SSE stream (`message_start` … `message_stop`) and error bodies.

use serde_json::{Value, json};

use super::script::Usage;
use super::wire::{Conversation, Sse, text_of_blocks};

/// Reads the model, first user prompt and turn index of a Messages request.
pub(super) fn inspect(body: &Value) -> Conversation {
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let turn = messages
        .iter()
        .filter(|m| m.get("role").and_then(Value::as_str) == Some("assistant"))
        .count();
    let mut prompt = Vec::new();
    for message in messages {
        match message.get("role").and_then(Value::as_str) {
            Some("assistant") => break,
            Some("user") => match message.get("content") {
                Some(Value::String(s)) => prompt.push(s.clone()),
                Some(Value::Array(blocks)) => prompt.push(text_of_blocks(blocks, &["text"])),
                _ => {}
            },
            _ => {}
        }
    }
    Conversation {
        model: body.get("model").and_then(Value::as_str).map(str::to_owned),
        prompt: prompt.join("\n"),
        turn,
    }
}

/// Returns the built-in answer to Claude's session-title request (structured output with a
/// `title` property and no tools), if this is one.
pub(super) fn builtin(body: &Value) -> Option<(&'static str, String)> {
    let has_tools = body
        .get("tools")
        .and_then(Value::as_array)
        .is_some_and(|t| !t.is_empty());
    let title = body.pointer("/output_config/format/schema/properties/title");
    (!has_tools && title.is_some()).then(|| {
        (
            "builtin:claude-title",
            json!({"title": "Scripted model session"}).to_string(),
        )
    })
}

fn usage_json(usage: &Usage, output_tokens: u64) -> Value {
    json!({
        "input_tokens": usage.input,
        "cache_creation_input_tokens": usage.cache_write,
        "cache_read_input_tokens": usage.cached,
        "output_tokens": output_tokens,
    })
}

/// Returns the SSE stream of a reply holding `text` and/or a call of `tool`.
pub(super) fn stream(
    model: &str,
    id: u64,
    text: Option<&str>,
    tool: Option<(&str, &Value)>,
    usage: &Usage,
) -> String {
    let mut sse = Sse::default();
    sse.event(
        "message_start",
        &json!({"type": "message_start", "message": {
            "id": format!("msg_mock_{id:04}"), "type": "message", "role": "assistant",
            "model": model, "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": usage_json(usage, 0),
        }}),
    );
    let mut index = 0;
    if let Some(text) = text {
        sse.event(
            "content_block_start",
            &json!({"type": "content_block_start", "index": index,
                    "content_block": {"type": "text", "text": ""}}),
        );
        sse.event(
            "content_block_delta",
            &json!({"type": "content_block_delta", "index": index,
                    "delta": {"type": "text_delta", "text": text}}),
        );
        sse.event(
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": index}),
        );
        index += 1;
    }
    if let Some((name, arguments)) = tool {
        sse.event(
            "content_block_start",
            &json!({"type": "content_block_start", "index": index,
                    "content_block": {"type": "tool_use", "id": format!("toolu_mock_{id:04}"),
                                      "name": name, "input": {}}}),
        );
        sse.event(
            "content_block_delta",
            &json!({"type": "content_block_delta", "index": index,
                    "delta": {"type": "input_json_delta", "partial_json": arguments.to_string()}}),
        );
        sse.event(
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": index}),
        );
    }
    let stop_reason = if tool.is_some() {
        "tool_use"
    } else {
        "end_turn"
    };
    sse.event(
        "message_delta",
        &json!({"type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": null},
                "usage": usage_json(usage, usage.output_total())}),
    );
    sse.event("message_stop", &json!({"type": "message_stop"}));
    sse.finish()
}

/// Returns an error body in the Messages API format.
pub(super) fn error_body(status: u16, message: &str, id: u64) -> String {
    let kind = match status {
        400 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        _ => "api_error",
    };
    json!({"type": "error", "error": {"type": kind, "message": message},
           "request_id": format!("req_mock_{id:04}")})
    .to_string()
}
