//! Owns the OpenAI Responses wire format: reading a `POST /v1/responses` conversation and
//! writing its SSE stream (`response.created` … `response.completed`) and error bodies.

use serde_json::{Value, json};

use super::script::Usage;
use super::wire::{Conversation, Sse, text_of_blocks};

/// Input item types the model produced (one run of them is one assistant turn).
const MODEL_ITEMS: &[&str] = &[
    "reasoning",
    "function_call",
    "custom_tool_call",
    "local_shell_call",
    "web_search_call",
    "tool_search_call",
    "image_generation_call",
];

fn is_model_item(item: &Value) -> bool {
    let kind = item
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("message");
    if kind == "message" {
        item.get("role").and_then(Value::as_str) == Some("assistant")
    } else {
        MODEL_ITEMS.contains(&kind)
    }
}

/// Reads the model, first user prompt and turn index of a Responses request.
pub(super) fn inspect(body: &Value) -> Conversation {
    let model = body.get("model").and_then(Value::as_str).map(str::to_owned);
    let items = match body.get("input") {
        Some(Value::String(s)) => {
            return Conversation {
                model,
                prompt: s.clone(),
                turn: 0,
            };
        }
        Some(Value::Array(items)) => items.as_slice(),
        _ => &[],
    };
    let mut turn = 0;
    let mut in_model_run = false;
    let mut prompt = Vec::new();
    for item in items {
        let model_item = is_model_item(item);
        if model_item && !in_model_run {
            turn += 1;
        }
        in_model_run = model_item;
        let is_user = item.get("role").and_then(Value::as_str) == Some("user")
            && item
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("message")
                == "message";
        if turn == 0 && is_user {
            match item.get("content") {
                Some(Value::String(s)) => prompt.push(s.clone()),
                Some(Value::Array(parts)) => {
                    prompt.push(text_of_blocks(parts, &["input_text", "text"]));
                }
                _ => {}
            }
        }
    }
    Conversation {
        model,
        prompt: prompt.join("\n"),
        turn,
    }
}

/// Returns whether the request declares `name` as a custom (freeform) tool.
fn is_custom_tool(body: &Value, name: &str) -> bool {
    body.get("tools")
        .and_then(Value::as_array)
        .is_some_and(|tools| {
            tools.iter().any(|t| {
                t.get("type").and_then(Value::as_str) == Some("custom")
                    && t.get("name").and_then(Value::as_str) == Some(name)
            })
        })
}

fn usage_json(usage: &Usage) -> Value {
    json!({
        "input_tokens": usage.prompt_total(),
        "input_tokens_details": {"cached_tokens": usage.cached, "cache_write_tokens": usage.cache_write},
        "output_tokens": usage.output_total(),
        "output_tokens_details": {"reasoning_tokens": usage.reasoning},
        "total_tokens": usage.prompt_total() + usage.output_total(),
    })
}

/// Returns the SSE stream of a reply holding `text` and/or a call of `tool`.
pub(super) fn stream(
    request: &Value,
    model: &str,
    id: u64,
    text: Option<&str>,
    tool: Option<(&str, &Value)>,
    usage: &Usage,
) -> String {
    let response_id = format!("resp_mock_{id:04}");
    let base = |status: &str, output: &[Value]| {
        json!({"id": response_id, "object": "response", "created_at": 0, "status": status,
               "model": model, "output": output})
    };
    let mut sse = Sse::default();
    sse.event(
        "response.created",
        &json!({"type": "response.created", "response": base("in_progress", &[])}),
    );
    let mut output = Vec::new();
    if let Some(text) = text {
        let item_id = format!("msg_mock_{id:04}");
        let index = output.len();
        sse.event(
            "response.output_item.added",
            &json!({"type": "response.output_item.added", "output_index": index,
                    "item": {"type": "message", "id": item_id, "role": "assistant",
                             "status": "in_progress", "content": []}}),
        );
        sse.event(
            "response.output_text.delta",
            &json!({"type": "response.output_text.delta", "item_id": item_id,
                    "output_index": index, "content_index": 0, "delta": text}),
        );
        let item = json!({"type": "message", "id": item_id, "role": "assistant",
                          "status": "completed",
                          "content": [{"type": "output_text", "text": text, "annotations": []}]});
        sse.event(
            "response.output_item.done",
            &json!({"type": "response.output_item.done", "output_index": index, "item": item}),
        );
        output.push(item);
    }
    if let Some((name, arguments)) = tool {
        let call_id = format!("call_mock_{id:04}");
        let item = if is_custom_tool(request, name) {
            let input = match arguments {
                Value::String(s) => s.clone(),
                other => other
                    .get("input")
                    .and_then(Value::as_str)
                    .map_or_else(|| other.to_string(), str::to_owned),
            };
            json!({"type": "custom_tool_call", "id": format!("ctc_mock_{id:04}"),
                   "call_id": call_id, "name": name, "input": input, "status": "completed"})
        } else {
            let arguments = match arguments {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            json!({"type": "function_call", "id": format!("fc_mock_{id:04}"),
                   "call_id": call_id, "name": name, "arguments": arguments,
                   "status": "completed"})
        };
        let index = output.len();
        sse.event(
            "response.output_item.added",
            &json!({"type": "response.output_item.added", "output_index": index, "item": item}),
        );
        sse.event(
            "response.output_item.done",
            &json!({"type": "response.output_item.done", "output_index": index, "item": item}),
        );
        output.push(item);
    }
    let mut completed = base("completed", &output);
    completed["usage"] = usage_json(usage);
    sse.event(
        "response.completed",
        &json!({"type": "response.completed", "response": completed}),
    );
    sse.finish()
}

/// Returns an error body in the OpenAI API format.
pub(super) fn error_body(status: u16, message: &str) -> String {
    let (kind, code) = match status {
        400 => ("invalid_request_error", "invalid_request"),
        401 => ("invalid_request_error", "invalid_api_key"),
        403 => (
            "invalid_request_error",
            "unsupported_country_region_territory",
        ),
        404 => ("invalid_request_error", "model_not_found"),
        429 => ("requests", "rate_limit_exceeded"),
        _ => ("server_error", "server_error"),
    };
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}}).to_string()
}
