//! Owns the JSON replies of `okstra wizard --json`: each reply is one object. `next` is the
//! prompt (`step`, `kind`, `multi`, `label`, `options`, `echo_template`, `default`, and
//! `"ready": false`) or the run (`{"ready": true, "argv": […], "command": "okstra run …"}`);
//! `submit` is `{"ok": true, "step", "echo", "next"}`; `back` is `{"back": <step|null>,
//! "next"}`; an error is `{"error": {"step", "message", "valid"}}`.

use serde_json::{Value, json};

use super::machine::Next;
use super::types::{StepId, Submitted, WizardError};

/// Returns the reply of `next`.
pub fn next_reply(next: &Next) -> Value {
    match next {
        Next::Prompt(prompt) => {
            let mut v = serde_json::to_value(prompt).unwrap_or(Value::Null);
            if let Value::Object(map) = &mut v {
                map.insert("ready".into(), Value::Bool(false));
            }
            v
        }
        Next::Ready(inv) => json!({
            "ready": true,
            "argv": inv.argv,
            "command": inv.command_line(),
        }),
    }
}

/// Returns the reply of an accepted `submit`, with what comes next (or why it cannot be
/// shown).
pub fn submit_reply(submitted: &Submitted, next: Result<&Next, &WizardError>) -> Value {
    json!({
        "ok": true,
        "step": submitted.step,
        "echo": submitted.echo,
        "next": next.map_or_else(error_reply, next_reply),
    })
}

/// Returns the reply of `back`: the step undone (`null` at the start) and what comes next.
pub fn back_reply(step: Option<StepId>, next: Result<&Next, &WizardError>) -> Value {
    json!({
        "back": step,
        "next": next.map_or_else(error_reply, next_reply),
    })
}

/// Returns the reply of a refused answer or a failed step.
pub fn error_reply(err: &WizardError) -> Value {
    json!({
        "error": {
            "step": err.step,
            "message": err.message,
            "valid": err.valid,
        }
    })
}
