//! Owns request dispatch: which protocol a request speaks, which built-in answer or script
//! rule answers it, and the rendered HTTP answer (status, content type, body, usage). The
//! protocols' own formats live in `anthropic`, `openai` and `gemini`; the helpers they share,
//! in `wire`.

use serde_json::{Value, json};

use super::script::{Protocol, Reply, Script, Usage};
use super::wire::Sse;
use super::{anthropic, gemini, openai};

/// How the server answers one request.
pub(super) enum Outcome {
    /// Send this answer (after the delay).
    Respond {
        status: u16,
        content_type: &'static str,
        body: String,
        usage: Option<Usage>,
    },
    /// Never answer.
    Hang,
}

/// The decision for one request, with what the request log records about it.
pub(super) struct Planned {
    pub(super) protocol: Option<Protocol>,
    pub(super) model: Option<String>,
    pub(super) rule: Option<String>,
    pub(super) turn: Option<usize>,
    pub(super) prompt: String,
    pub(super) reply: &'static str,
    pub(super) delay_ms: u64,
    pub(super) outcome: Outcome,
}

impl Planned {
    pub(super) fn bare(reply: &'static str, outcome: Outcome) -> Self {
        Self {
            protocol: None,
            model: None,
            rule: None,
            turn: None,
            prompt: String::new(),
            reply,
            delay_ms: 0,
            outcome,
        }
    }

    pub(super) fn status(&self) -> Option<u16> {
        match &self.outcome {
            Outcome::Respond { status, .. } => Some(*status),
            Outcome::Hang => None,
        }
    }
}

const JSON: &str = "application/json";
const EVENT_STREAM: &str = "text/event-stream";

/// The protocol-specific shape of one request.
enum Route<'a> {
    Anthropic,
    Openai,
    Gemini {
        model: &'a str,
        method: &'a str,
        sse: bool,
    },
}

fn route<'a>(path: &'a str, query: &str) -> Option<Route<'a>> {
    if path.ends_with("/messages") {
        Some(Route::Anthropic)
    } else if path.ends_with("/responses") {
        Some(Route::Openai)
    } else {
        let (model, method) = gemini::model_and_method(path)?;
        Some(Route::Gemini {
            model,
            method,
            sse: query.split('&').any(|kv| kv == "alt=sse"),
        })
    }
}

fn not_found(method: &str, path: &str) -> Planned {
    let body = json!({"error": {"code": 404, "message":
        format!("okstra model-server: no route for {method} {path}")}});
    Planned::bare(
        "not_found",
        Outcome::Respond {
            status: 404,
            content_type: JSON,
            body: body.to_string(),
            usage: None,
        },
    )
}

/// Decides the answer to one request. `id` is unique per request (it seeds message ids).
pub(super) fn plan(
    script: &Script,
    method: &str,
    path_and_query: &str,
    body: &Value,
    id: u64,
) -> Planned {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    if method == "HEAD" {
        return Planned::bare(
            "probe",
            Outcome::Respond {
                status: 200,
                content_type: "text/plain",
                body: String::new(),
                usage: None,
            },
        );
    }
    let Some(route) = route(path, query).filter(|_| method == "POST") else {
        return not_found(method, path_and_query);
    };
    let (protocol, conversation, builtin) = match &route {
        Route::Anthropic => (
            Protocol::Anthropic,
            anthropic::inspect(body),
            anthropic::builtin(body),
        ),
        Route::Openai => (Protocol::Openai, openai::inspect(body), None),
        Route::Gemini { model, method, .. } => {
            if !matches!(*method, "generateContent" | "streamGenerateContent") {
                return not_found("POST", path_and_query);
            }
            (
                Protocol::Gemini,
                gemini::inspect(body, model),
                gemini::builtin(body),
            )
        }
    };
    let renderer = Renderer {
        route: &route,
        request: body,
        model: conversation.model.clone().unwrap_or_default(),
        id,
    };
    let mut planned = Planned {
        protocol: Some(protocol),
        model: conversation.model.clone(),
        rule: None,
        turn: Some(conversation.turn),
        prompt: conversation.prompt.clone(),
        reply: "unmatched",
        delay_ms: 0,
        outcome: Outcome::Hang,
    };
    if let Some((name, text)) = builtin {
        planned.rule = Some(name.to_owned());
        planned.reply = "builtin";
        planned.outcome = renderer.success(Some(&text), None, script.utility_usage);
        return planned;
    }
    let Some((name, rule)) = script.find(protocol, &conversation.prompt) else {
        let head: String = conversation.prompt.chars().take(300).collect();
        planned.outcome = renderer.error(
            500,
            &format!(
                "okstra model-server: no script rule matches this {protocol} request \
                 (turn {}); its first user prompt begins: {head:?}",
                conversation.turn
            ),
        );
        return planned;
    };
    planned.rule = Some(name.clone());
    let Some(mut reply) = rule.replies.get(conversation.turn) else {
        planned.reply = "error";
        planned.outcome = renderer.error(
            500,
            &format!(
                "okstra model-server: script rule {name:?} has {} replies, none for turn {}",
                rule.replies.len(),
                conversation.turn
            ),
        );
        return planned;
    };
    while let Reply::Delay { ms, then } = reply {
        planned.delay_ms += ms;
        reply = then;
    }
    planned.reply = reply.kind();
    planned.outcome = match reply {
        Reply::Text { text, usage } => renderer.success(Some(text), None, *usage),
        Reply::ToolCall {
            name,
            arguments,
            text,
            usage,
        } => renderer.success(text.as_deref(), Some((name, arguments)), *usage),
        Reply::Error { status, message } => {
            let default = format!("okstra model-server: scripted HTTP {status} error");
            renderer.error(*status, message.as_deref().unwrap_or(&default))
        }
        Reply::Hang | Reply::Delay { .. } => Outcome::Hang,
    };
    planned
}

struct Renderer<'a> {
    route: &'a Route<'a>,
    request: &'a Value,
    model: String,
    id: u64,
}

impl Renderer<'_> {
    fn success(&self, text: Option<&str>, tool: Option<(&str, &Value)>, usage: Usage) -> Outcome {
        let (content_type, body) = match self.route {
            Route::Anthropic => (
                EVENT_STREAM,
                anthropic::stream(&self.model, self.id, text, tool, &usage),
            ),
            Route::Openai => (
                EVENT_STREAM,
                openai::stream(self.request, &self.model, self.id, text, tool, &usage),
            ),
            Route::Gemini { method, sse, .. } => {
                let response = gemini::response(&self.model, self.id, text, tool, &usage);
                if *method == "streamGenerateContent" && *sse {
                    let mut stream = Sse::default();
                    stream.data(&response);
                    (EVENT_STREAM, stream.finish())
                } else if *method == "streamGenerateContent" {
                    (JSON, Value::Array(vec![response]).to_string())
                } else {
                    (JSON, response.to_string())
                }
            }
        };
        Outcome::Respond {
            status: 200,
            content_type,
            body,
            usage: Some(usage),
        }
    }

    fn error(&self, status: u16, message: &str) -> Outcome {
        let status = if (400..=599).contains(&status) {
            status
        } else {
            500
        };
        let body = match self.route {
            Route::Anthropic => anthropic::error_body(status, message, self.id),
            Route::Openai => openai::error_body(status, message),
            Route::Gemini { .. } => gemini::error_body(status, message),
        };
        Outcome::Respond {
            status,
            content_type: JSON,
            body,
            usage: None,
        }
    }
}
