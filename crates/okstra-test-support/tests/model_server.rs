//! Tests of the loopback model server on its own (raw HTTP over a TcpStream, no CLI): script
//! parsing, turn counting per protocol, each reply kind, built-ins, the log and usage sums.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use okstra_test_support::model_server::{
    ModelServer, Protocol, Reply, Rule, Script, Usage, UsageServed,
};
use serde_json::{Value, json};

struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

/// Sends one HTTP/1.1 request and reads the whole answer (the server closes on
/// `Connection: close`); `None` when nothing arrives within `timeout`.
fn send(
    server: &ModelServer,
    method: &str,
    path: &str,
    body: &Value,
    timeout: Duration,
) -> Option<Answer> {
    let mut stream = TcpStream::connect(server.addr()).expect("connect");
    stream.set_read_timeout(Some(timeout)).expect("set timeout");
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        server.addr(),
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("write head");
    stream.write_all(body.as_bytes()).expect("write body");
    let mut raw = Vec::new();
    if stream.read_to_end(&mut raw).is_err() || raw.is_empty() {
        return None;
    }
    let raw = String::from_utf8(raw).expect("utf-8 answer");
    let (head, body) = raw.split_once("\r\n\r\n").expect("header end");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("content-type: "))
        .unwrap_or_default()
        .to_owned();
    Some(Answer {
        status,
        content_type,
        body: body.to_owned(),
    })
}

fn post(server: &ModelServer, path: &str, body: &Value) -> Answer {
    send(server, "POST", path, body, Duration::from_secs(10)).expect("an answer")
}

/// The JSON `data:` payloads of an SSE body.
fn sse_data(body: &str) -> Vec<Value> {
    body.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).expect("json data"))
        .collect()
}

fn anthropic_request(prompt: &str, assistant_turns: usize) -> Value {
    let mut messages = vec![json!({"role": "user", "content": [{"type": "text", "text": prompt}]})];
    for i in 0..assistant_turns {
        messages.push(json!({"role": "assistant", "content": [
            {"type": "tool_use", "id": format!("t{i}"), "name": "Read", "input": {}}]}));
        messages.push(json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": format!("t{i}"), "content": "file text"}]}));
    }
    json!({"model": "claude-test", "stream": true, "messages": messages, "tools": [{"name": "Read"}]})
}

const ANCHOR: &str = "**Worker:** analysis (test)";

fn usage_a() -> Usage {
    Usage::new(100, 20, 10, 7, 3)
}

fn usage_b() -> Usage {
    Usage::new(150, 30, 0, 9, 2)
}

fn two_step_script() -> Script {
    Script::new(vec![
        Rule::new(
            ANCHOR,
            vec![
                Reply::tool_call("Read", json!({"file_path": "notes.txt"}), usage_a()),
                Reply::text("final answer", usage_b()),
            ],
        )
        .named("two-step"),
    ])
}

#[test]
fn script_json_covers_every_reply_kind() {
    let text = r#"{
      "rules": [
        {"name": "all-kinds", "prompt_contains": "**Round:** 1", "protocol": "anthropic",
         "replies": [
           {"kind": "text", "text": "done", "usage": {"input": 10, "cached": 5, "cache_write": 2, "output": 3, "reasoning": 1}},
           {"kind": "tool_call", "name": "Read", "arguments": {"file_path": "a.txt"}, "usage": {"input": 4, "output": 2}},
           {"kind": "error", "status": 429, "message": "slow down"},
           {"kind": "delay", "ms": 50, "then": {"kind": "text", "text": "late"}},
           {"kind": "hang"}
         ]}
      ],
      "utility_usage": {"input": 1}
    }"#;
    let script = Script::from_json(text).expect("valid script");
    let rule = &script.rules[0];
    assert_eq!(rule.protocol, Some(Protocol::Anthropic));
    let kinds: Vec<_> = rule.replies.iter().map(Reply::kind).collect();
    assert_eq!(kinds, ["text", "tool_call", "error", "delay", "hang"]);
    assert_eq!(
        rule.replies[0],
        Reply::text("done", Usage::new(10, 5, 2, 3, 1))
    );
    assert_eq!(script.utility_usage, Usage::new(1, 0, 0, 0, 0));
    // Round trip.
    let again = Script::from_json(&serde_json::to_string(&script).expect("serialise"))
        .expect("parse again");
    assert_eq!(again, script);
    // Typos are errors, not silently ignored fields.
    let typo =
        r#"{"rules": [{"prompt_contains": "x", "replies": [{"kind": "text", "txt": "a"}]}]}"#;
    assert!(Script::from_json(typo).is_err());
}

#[test]
fn anthropic_turns_select_replies_and_usage_maps_to_messages_fields() {
    let server = ModelServer::start(two_step_script());
    let first = post(
        &server,
        "/v1/messages?beta=true",
        &anthropic_request(ANCHOR, 0),
    );
    assert_eq!(first.status, 200);
    assert_eq!(first.content_type, "text/event-stream");
    let events = sse_data(&first.body);
    let types: Vec<_> = events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        types,
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    assert_eq!(events[1]["content_block"]["type"], "tool_use");
    assert_eq!(events[1]["content_block"]["name"], "Read");
    assert_eq!(
        events[2]["delta"]["partial_json"],
        r#"{"file_path":"notes.txt"}"#
    );
    assert_eq!(events[4]["delta"]["stop_reason"], "tool_use");
    assert_eq!(
        events[4]["usage"],
        json!({"input_tokens": 100, "cache_read_input_tokens": 20,
               "cache_creation_input_tokens": 10, "output_tokens": 10})
    );

    let second = post(&server, "/v1/messages", &anthropic_request(ANCHOR, 1));
    let events = sse_data(&second.body);
    assert_eq!(events[2]["delta"]["text"], "final answer");
    assert_eq!(events[4]["delta"]["stop_reason"], "end_turn");

    let log = server.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].turn, Some(0));
    assert_eq!(log[1].turn, Some(1));
    assert_eq!(log[0].rule.as_deref(), Some("two-step"));
    assert_eq!(log[0].reply, "tool_call");
    assert_eq!(log[1].reply, "text");
    assert_eq!(log[0].model.as_deref(), Some("claude-test"));
    assert_eq!(log[0].tool_names(), ["Read"]);

    let served = server.usage_served().anthropic;
    assert_eq!(served.replies, 2);
    assert_eq!(served.input, 130 + 180);
    assert_eq!(served.cached, 50);
    assert_eq!(served.cache_write, 10);
    assert_eq!(served.output, 10 + 11);
    assert_eq!(served.reasoning, 5);
    assert_eq!(server.usage_served().openai.replies, 0);
}

#[test]
fn openai_turns_count_runs_of_model_items_and_custom_tools_get_raw_input() {
    let script = Script::new(vec![
        Rule::new(
            ANCHOR,
            vec![
                Reply::tool_call(
                    "apply_patch",
                    json!("*** Begin Patch\n*** End Patch\n"),
                    usage_a(),
                ),
                Reply::tool_call("exec_command", json!({"cmd": "ls"}), usage_a()),
                Reply::text("done", usage_b()),
            ],
        )
        .for_protocol(Protocol::Openai),
    ]);
    let server = ModelServer::start(script);
    let tools = json!([{"type": "custom", "name": "apply_patch"},
                       {"type": "function", "name": "exec_command"}]);
    let user = |text: &str| {
        json!({"type": "message", "role": "user",
                                   "content": [{"type": "input_text", "text": text}]})
    };
    let mut input = vec![
        json!({"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "rules"}]}),
        user("<environment_context/>"),
        user(ANCHOR),
    ];
    let first = post(
        &server,
        "/v1/responses",
        &json!({"model": "gpt-test", "input": input, "tools": tools}),
    );
    let events = sse_data(&first.body);
    let done = events
        .iter()
        .find(|e| e["type"] == "response.output_item.done")
        .expect("an item");
    assert_eq!(done["item"]["type"], "custom_tool_call");
    assert_eq!(done["item"]["input"], "*** Begin Patch\n*** End Patch\n");
    let completed = events.last().expect("events");
    assert_eq!(completed["type"], "response.completed");
    assert_eq!(
        completed["response"]["usage"],
        json!({"input_tokens": 130,
               "input_tokens_details": {"cached_tokens": 20, "cache_write_tokens": 10},
               "output_tokens": 10, "output_tokens_details": {"reasoning_tokens": 3},
               "total_tokens": 140})
    );

    // One model turn = reasoning + call (a run of model items), then its output.
    input.push(json!({"type": "reasoning", "summary": []}));
    input.push(done["item"].clone());
    input.push(json!({"type": "custom_tool_call_output", "call_id": "c", "output": "ok"}));
    let second = post(
        &server,
        "/v1/responses",
        &json!({"model": "gpt-test", "input": input, "tools": tools}),
    );
    let item = sse_data(&second.body)
        .into_iter()
        .find(|e| e["type"] == "response.output_item.done")
        .expect("an item");
    assert_eq!(item["item"]["type"], "function_call");
    assert_eq!(item["item"]["arguments"], r#"{"cmd":"ls"}"#);

    input.push(item["item"].clone());
    input.push(json!({"type": "function_call_output", "call_id": "c2", "output": "a.txt"}));
    let third = post(
        &server,
        "/v1/responses",
        &json!({"model": "gpt-test", "input": input}),
    );
    let text: Vec<_> = sse_data(&third.body)
        .into_iter()
        .filter(|e| e["type"] == "response.output_text.delta")
        .collect();
    assert_eq!(text[0]["delta"], "done");
    let turns: Vec<_> = server.requests().iter().map(|r| r.turn).collect();
    assert_eq!(turns, [Some(0), Some(1), Some(2)]);
    assert_eq!(server.usage_served().openai.replies, 3);
}

#[test]
fn gemini_router_and_stream_and_plain_json() {
    let server = ModelServer::start(two_step_script());
    let contents = json!([
        {"role": "user", "parts": [{"text": "<session_context>ctx</session_context>"}, {"text": ANCHOR}]}
    ]);
    // The `auto` model's classifier call gets a built-in answer, whatever the rules say.
    let router = post(
        &server,
        "/v1beta/models/gemini-flash-lite:generateContent",
        &json!({"contents": contents, "generationConfig": {"responseMimeType": "application/json",
                "responseJsonSchema": {"type": "OBJECT", "properties": {
                    "complexity_reasoning": {}, "complexity_score": {}}}}}),
    );
    assert_eq!(router.status, 200);
    let router: Value = serde_json::from_str(&router.body).expect("json");
    let answer: Value = serde_json::from_str(
        router["candidates"][0]["content"]["parts"][0]["text"]
            .as_str()
            .expect("text"),
    )
    .expect("router json");
    assert_eq!(answer["complexity_score"], 10);

    let stream = post(
        &server,
        "/v1beta/models/gemini-test:streamGenerateContent?alt=sse",
        &json!({"contents": contents}),
    );
    assert_eq!(stream.content_type, "text/event-stream");
    let chunk = &sse_data(&stream.body)[0];
    assert_eq!(
        chunk["candidates"][0]["content"]["parts"][0]["functionCall"]["name"],
        "Read"
    );
    assert_eq!(
        chunk["usageMetadata"],
        json!({"promptTokenCount": 130, "cachedContentTokenCount": 20,
               "candidatesTokenCount": 7, "thoughtsTokenCount": 3, "totalTokenCount": 140})
    );

    let mut later = contents.as_array().expect("array").clone();
    later.push(json!({"role": "model", "parts": [{"functionCall": {"name": "Read", "args": {}}}]}));
    later.push(
        json!({"role": "user", "parts": [{"functionResponse": {"name": "Read", "response": {}}}]}),
    );
    let plain = post(
        &server,
        "/v1beta/models/gemini-test:generateContent",
        &json!({"contents": later}),
    );
    assert_eq!(plain.content_type, "application/json");
    let plain: Value = serde_json::from_str(&plain.body).expect("json");
    assert_eq!(
        plain["candidates"][0]["content"]["parts"][0]["text"],
        "final answer"
    );

    let log = server.requests();
    assert_eq!(log[0].rule.as_deref(), Some("builtin:gemini-router"));
    assert_eq!(log[0].model.as_deref(), Some("gemini-flash-lite"));
    assert_eq!(log[1].model.as_deref(), Some("gemini-test"));
    assert_eq!(log[2].turn, Some(1));
    let served = server.usage_served().gemini;
    assert_eq!(served.replies, 3);
    // Router: the default utility usage (2 in, 1 out).
    assert_eq!(served.input, 2 + 130 + 180);
    assert_eq!(served.output, 1 + 10 + 11);
}

#[test]
fn error_replies_use_each_protocols_error_format() {
    let script = Script::new(vec![Rule::new(ANCHOR, vec![Reply::error(429)])]);
    let server = ModelServer::start(script);
    let anthropic = post(&server, "/v1/messages", &anthropic_request(ANCHOR, 0));
    assert_eq!(anthropic.status, 429);
    let body: Value = serde_json::from_str(&anthropic.body).expect("json");
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "rate_limit_error");

    let openai = post(
        &server,
        "/v1/responses",
        &json!({"input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": ANCHOR}]}]}),
    );
    assert_eq!(openai.status, 429);
    let body: Value = serde_json::from_str(&openai.body).expect("json");
    assert_eq!(body["error"]["code"], "rate_limit_exceeded");

    let gemini = post(
        &server,
        "/v1beta/models/g:streamGenerateContent?alt=sse",
        &json!({"contents": [{"role": "user", "parts": [{"text": ANCHOR}]}]}),
    );
    assert_eq!(gemini.status, 429);
    let body: Value = serde_json::from_str(&gemini.body).expect("json");
    assert_eq!(body["error"]["status"], "RESOURCE_EXHAUSTED");

    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.error && r.reply == "error")
    );
    assert_eq!(server.usage_served(), UsageServed::default());
}

#[test]
fn unmatched_requests_and_missing_turns_get_a_clear_500() {
    let server = ModelServer::start(two_step_script());
    let unmatched = post(
        &server,
        "/v1/messages",
        &anthropic_request("something else", 0),
    );
    assert_eq!(unmatched.status, 500);
    assert!(
        unmatched
            .body
            .contains("no script rule matches this anthropic request"),
        "{}",
        unmatched.body
    );
    assert!(unmatched.body.contains("something else"));
    let beyond = post(&server, "/v1/messages", &anthropic_request(ANCHOR, 2));
    assert_eq!(beyond.status, 500);
    assert!(
        beyond.body.contains("has 2 replies, none for turn 2"),
        "{}",
        beyond.body
    );
    let unknown = post(&server, "/v2/other", &json!({}));
    assert_eq!(unknown.status, 404);
    let probe = send(&server, "HEAD", "/", &Value::Null, Duration::from_secs(10)).expect("answer");
    assert_eq!(probe.status, 200);

    let log = server.requests();
    let replies: Vec<_> = log.iter().map(|r| r.reply.as_str()).collect();
    assert_eq!(replies, ["unmatched", "error", "not_found", "probe"]);
    assert_eq!(log[0].rule, None);
    assert!(log[0].error && log[1].error && log[2].error && !log[3].error);
}

#[test]
fn delay_waits_and_hang_never_answers() {
    let script = Script::new(vec![
        Rule::new(
            "delayed",
            vec![Reply::delay(300, Reply::text("late", Usage::default()))],
        ),
        Rule::new("hung", vec![Reply::Hang]),
    ]);
    let server = ModelServer::start(script);
    let started = Instant::now();
    let late = post(&server, "/v1/messages", &anthropic_request("delayed", 0));
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(late.status, 200);

    let hung = send(
        &server,
        "POST",
        "/v1/messages",
        &anthropic_request("hung", 0),
        Duration::from_millis(500),
    );
    assert!(hung.is_none(), "a hang must not answer");
    assert!(server.wait_for_requests(2, Duration::from_secs(5), |r| r.protocol.is_some()));
    let log = server.requests();
    assert_eq!(log[1].reply, "hang");
    assert_eq!(log[1].status, None);
    // Dropping the server with a hung connection still returns.
    drop(server);
}

#[test]
fn subscribers_see_each_request() {
    let server = ModelServer::start(two_step_script());
    let records = server.subscribe();
    post(&server, "/v1/messages", &anthropic_request(ANCHOR, 0));
    let record = records
        .recv_timeout(Duration::from_secs(5))
        .expect("a record");
    assert_eq!(record.index, 0);
    assert_eq!(record.protocol, Some(Protocol::Anthropic));
    assert_eq!(server.request_count(), 1);
    assert!(server.url().starts_with("http://127.0.0.1:"));
}
