//! Owns how a command run in-process becomes a tool result: its `--json` document as the
//! structured content (an object; a list is wrapped as `{"items": […]}`), a short text line
//! plus the same JSON as text (as the command printed it) for clients that read only text,
//! and a failure as `isError` with the command line's own `error:` / `hint:` lines — except a check's negative verdict
//! (`validate`, `plan check`), which is a result, not a failure of the tool.

use rmcp::model::{CallToolResult, ContentBlock as Content};
use serde_json::{Map, Value};

use crate::cli::Invoked;

/// Returns the tool result of `invoked`; `summary` renders the short text line of a success.
pub(crate) fn tool_result(invoked: Invoked, summary: fn(&Value) -> String) -> CallToolResult {
    let data = structured(&invoked.stdout);
    if invoked.error.is_some() || invoked.code != 0 {
        // A command that exits non-zero without an error (an invalid run's validation, a
        // failed run) printed why on stderr.
        let lines = invoked.error.unwrap_or(invoked.stderr);
        let mut text = lines.join("\n");
        if text.is_empty() {
            text = format!("the command exited with status {}", invoked.code);
        }
        let mut result = CallToolResult::error(vec![Content::text(text)]);
        // A failing command can still have printed its data (doctor when no worker can run).
        result.structured_content = data;
        return result;
    }
    if let Some(value) = data {
        let line = summary(&value);
        // The JSON as the command printed it: serialized once, not twice.
        let mut result =
            CallToolResult::success(vec![Content::text(line), Content::text(invoked.stdout)]);
        result.structured_content = Some(value);
        return result;
    }
    let text = if invoked.stdout.trim().is_empty() {
        invoked.stderr.join("\n")
    } else {
        invoked.stdout
    };
    CallToolResult::success(vec![Content::text(text)])
}

/// Returns the result of a check command (its JSON has a boolean `passed`) as a success even
/// when the check failed: the tool did its job, and `passed: false` is its answer. The
/// command's own error and hint lines follow the summary and the JSON.
pub(crate) fn verdict(result: CallToolResult, summary: fn(&Value) -> String) -> CallToolResult {
    let checked = result
        .structured_content
        .as_ref()
        .is_some_and(|v| v.get("passed").is_some_and(Value::is_boolean));
    if result.is_error != Some(true) || !checked {
        return result;
    }
    let Some(value) = result.structured_content else {
        return result;
    };
    let mut content = vec![
        Content::text(summary(&value)),
        Content::text(serde_json::to_string(&value).unwrap_or_default()),
    ];
    // The command's own `error:`/`hint:` lines, not the bare exit status.
    content.extend(result.content.into_iter().filter(|c| {
        c.as_text()
            .is_some_and(|t| !t.text.starts_with("the command exited with status"))
    }));
    let mut ok = CallToolResult::success(content);
    ok.structured_content = Some(value);
    ok
}

/// Returns a JSON value as plain text: a string without its quotes, anything else as JSON.
pub(crate) fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Returns stdout's JSON document as an object, or `None` when stdout is not JSON.
fn structured(stdout: &str) -> Option<Value> {
    match serde_json::from_str::<Value>(stdout.trim()).ok()? {
        value @ Value::Object(_) => Some(value),
        other => {
            let mut wrapped = Map::new();
            wrapped.insert("items".to_owned(), other);
            Some(Value::Object(wrapped))
        }
    }
}
