//! Owns the Gemini API wire format: reading a `:generateContent` / `:streamGenerateContent`
//! conversation, answering the CLI's router and next-speaker utility calls, and writing
//! responses (`candidates` + `usageMetadata`) and error bodies.

use serde_json::{Value, json};

use super::script::Usage;
use super::wire::{Conversation, text_of_blocks};

/// Splits `/v1beta/models/<model>:<method>` into model and method.
pub(super) fn model_and_method(path: &str) -> Option<(&str, &str)> {
    let rest = path.split_once("/models/")?.1;
    let (model, method) = rest.rsplit_once(':')?;
    Some((model, method))
}

/// Reads the first user prompt and turn index of a Gemini request.
pub(super) fn inspect(body: &Value, model: &str) -> Conversation {
    let contents = body
        .get("contents")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let turn = contents
        .iter()
        .filter(|c| c.get("role").and_then(Value::as_str) == Some("model"))
        .count();
    let mut prompt = Vec::new();
    for content in contents {
        match content.get("role").and_then(Value::as_str) {
            Some("model") => break,
            _ => {
                if let Some(parts) = content.get("parts").and_then(Value::as_array) {
                    prompt.push(text_of_blocks(parts, &[]));
                }
            }
        }
    }
    Conversation {
        model: Some(model.to_owned()),
        prompt: prompt.join("\n"),
        turn,
    }
}

/// Returns the built-in answer to a Gemini CLI utility call (the `auto` model router's
/// classifiers and the next-speaker check), recognised by its response schema.
pub(super) fn builtin(body: &Value) -> Option<(&'static str, String)> {
    let config = body.get("generationConfig")?;
    let schema = config
        .get("responseJsonSchema")
        .or_else(|| config.get("responseSchema"))?;
    let properties = schema.get("properties")?;
    if properties.get("complexity_score").is_some() {
        return Some((
            "builtin:gemini-router",
            json!({"complexity_reasoning": "Scripted router answer.", "complexity_score": 10})
                .to_string(),
        ));
    }
    if properties.get("model_choice").is_some() {
        return Some((
            "builtin:gemini-router",
            json!({"reasoning": "Scripted router answer.", "model_choice": "flash"}).to_string(),
        ));
    }
    if properties.get("next_speaker").is_some() {
        return Some((
            "builtin:gemini-next-speaker",
            json!({"reasoning": "Scripted: the turn is complete.", "next_speaker": "user"})
                .to_string(),
        ));
    }
    None
}

/// Returns one `GenerateContentResponse` holding `text` and/or a call of `tool`.
pub(super) fn response(
    model: &str,
    id: u64,
    text: Option<&str>,
    tool: Option<(&str, &Value)>,
    usage: &Usage,
) -> Value {
    let mut parts = Vec::new();
    if let Some(text) = text {
        parts.push(json!({"text": text}));
    }
    if let Some((name, arguments)) = tool {
        parts.push(json!({"functionCall": {"name": name, "args": arguments}}));
    }
    json!({
        "candidates": [{"content": {"role": "model", "parts": parts},
                        "finishReason": "STOP", "index": 0}],
        "usageMetadata": {
            "promptTokenCount": usage.prompt_total(),
            "candidatesTokenCount": usage.output,
            "cachedContentTokenCount": usage.cached,
            "thoughtsTokenCount": usage.reasoning,
            "totalTokenCount": usage.prompt_total() + usage.output_total(),
        },
        "modelVersion": model,
        "responseId": format!("mock_{id:04}"),
    })
}

/// Returns an error body in the Google API format.
pub(super) fn error_body(status: u16, message: &str) -> String {
    let kind = match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        503 | 529 => "UNAVAILABLE",
        _ => "INTERNAL",
    };
    json!({"error": {"code": status, "message": message, "status": kind}}).to_string()
}
