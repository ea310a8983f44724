//! The real `claude` driving okstra through MCP: `okstra install claude-mcp` registers the
//! server, then Claude Code — against the loopback model server, with scripted tool calls —
//! calls `start_run` on a replay-worker project (its report writer a fake agent held at a gate,
//! so the run is seen running), `run_status` until the run is no longer running (the gate
//! opened after the first answer), and reads the run's report resource. Each scripted call's result, as okstra sent
//! it, reaches the model's next request (so each call reached okstra and came back); the run is
//! `completed` and validates. One `claude -p` session per step, since a scripted model cannot
//! carry the run id it learns into its own later calls: the test reads the id from what the
//! model received and scripts the next session with it. Ignored without `OKSTRA_TEST_CLIS`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use okstra_test_support::TestEnv;
use okstra_test_support::fake_agent::Gate;
use okstra_test_support::model_server::{
    ModelServer, Protocol, Reply, RequestRecord, Rule, Script, Usage,
};
use serde_json::{Value, json};

use crate::common::{NARRATIVE, fake, okstra, read_json, run_guarded, write_project};
use crate::detach::PrivateTmux;
use crate::real_clis::clis_dir;

const KEY: &str = "dummy-not-a-real-key";

/// The brief `start_run` is given, as text.
const BRIEF: &str = "# Checkout fails\n\nThe total is off by one cent.\n";

/// Puts what claude needs on PATH (its folder, node, the system folders) and okstra's
/// project in place: replay analysers, a report writer that waits at `gate`.
fn wire(env: &mut TestEnv, gate: &Gate) {
    for dir in ["/bin", "/usr/bin"] {
        env.prepend_path(dir);
    }
    let node = okstra_test_support::host_program("node");
    env.prepend_path(node.parent().expect("node lives in a folder"));
    env.prepend_path(clis_dir());
    fs_err::write(
        env.project().join("fixture.json"),
        include_str!("../fixtures/analysis.json"),
    )
    .unwrap();
    let replay = json!({"adapter": "replay", "fixture": "fixture.json"});
    let writer = fake(&["--text", NARRATIVE, "--wait-fifo", &gate.arg()]);
    write_project(
        env,
        &json!({"projectId": "shop", "roles": {"report-writer": "writer"},
            "agents": {"claude": replay, "codex": replay, "gemini": replay, "writer": writer}}),
    );
}

/// Runs one `claude -p ask` session against `server`, with okstra's MCP tools and resource
/// reading allowed; returns its result object.
fn ask_claude(env: &TestEnv, server: &ModelServer, ask: &str) -> Value {
    let mut cmd = env.command(clis_dir().join("claude"));
    cmd.args(["-p", ask, "--output-format", "json"])
        .args(["--allowedTools", "mcp__okstra,ReadMcpResourceTool"])
        .env("ANTHROPIC_API_KEY", KEY)
        .env("ANTHROPIC_BASE_URL", server.url())
        .env("CLAUDE_CODE_MAX_RETRIES", "1")
        .env("DISABLE_AUTOUPDATER", "1")
        .env("MCP_TIMEOUT", "30000")
        .env("TERM", "dumb")
        .stdin(Stdio::null());
    let out = run_guarded(env, cmd);
    assert_eq!(out.code, Some(0), "{out}");
    let result: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(result["is_error"], false, "{result}");
    assert_eq!(result["permission_denials"], json!([]), "{result}");
    result
}

/// A script for one session: on the prompt `ask`, call `tool` with `arguments`, then answer
/// `done`.
fn one_call(ask: &str, tool: &str, arguments: Value) -> Script {
    Script::new(vec![
        Rule::new(
            ask,
            vec![
                Reply::tool_call(tool, arguments, Usage::new(100, 0, 0, 10, 0)),
                Reply::text("done", Usage::new(150, 0, 0, 10, 0)),
            ],
        )
        .named("mcp")
        .for_protocol(Protocol::Anthropic),
    ])
}

/// Runs a one-call session and returns the text of the tool result the model received, after
/// checking the call was offered (by its tool name) and answered once.
fn call_through_claude(env: &TestEnv, ask: &str, tool: &str, arguments: Value) -> String {
    let server = ModelServer::start(one_call(ask, tool, arguments));
    let result = ask_claude(env, &server, ask);
    assert_eq!(result["result"], "done", "{result}");
    let turn: Vec<RequestRecord> = server
        .requests_of(Protocol::Anthropic)
        .into_iter()
        .filter(|r| r.rule.as_deref() == Some("mcp"))
        .collect();
    assert_eq!(turn.len(), 2, "the call, then the answer");
    let offered = turn[0].tool_names();
    assert!(
        offered.iter().any(|n| n == tool),
        "claude did not offer {tool}: {offered:?}"
    );
    let results = tool_results(&turn[1]);
    assert_eq!(results.len(), 1, "{results:?}");
    results.into_iter().next().unwrap()
}

/// Returns the text of every `tool_result` block of the request's last message, and whether
/// it is an error, as `(text, is_error)` joined: errors panic here, since every call of this
/// test should succeed.
fn tool_results(request: &RequestRecord) -> Vec<String> {
    let last = request.body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .expect("the request has messages");
    let blocks = last["content"].as_array().cloned().unwrap_or_default();
    blocks
        .iter()
        .filter(|b| b["type"] == "tool_result")
        .map(|b| {
            let text = match &b["content"] {
                Value::String(text) => text.clone(),
                Value::Array(parts) => parts
                    .iter()
                    .filter_map(|p| p["text"].as_str())
                    .collect::<Vec<_>>()
                    .join(""),
                other => other.to_string(),
            };
            assert_ne!(b["is_error"], true, "the tool call failed: {text}");
            text
        })
        .collect()
}

/// Returns the first JSON object in `text` (okstra's tool text is a summary line, then the
/// result's JSON).
fn first_json(text: &str) -> Value {
    let start = text
        .find(['{', '['])
        .unwrap_or_else(|| panic!("no JSON in {text}"));
    serde_json::Deserializer::from_str(&text[start..])
        .into_iter::<Value>()
        .next()
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("no JSON value in {text}"))
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn claude_starts_a_run_watches_it_and_reads_its_report_through_okstra_mcp() {
    let mut env = TestEnv::new();
    let mut gate = Gate::new(&env.root().join("gate"));
    wire(&mut env, &gate);
    let _tmux = PrivateTmux::new(&mut env);
    let out = okstra(&env, &["install", "claude-mcp"]);
    assert_eq!(out.code, Some(0), "{out}");

    // 1. start_run: the result carries the new run's id.
    let ask = "Start an okstra error-analysis run of task t/v: checkout totals are off by a cent.";
    let started = call_through_claude(
        &env,
        ask,
        "mcp__okstra__start_run",
        json!({
            "task_type": "error-analysis",
            "task": "t/v",
            "brief_text": BRIEF,
            "base_ref": "main",
        }),
    );
    let started = first_json(&started);
    let run_id = started["runId"]
        .as_str()
        .unwrap_or_else(|| panic!("no runId in start_run's result: {started}"))
        .to_owned();

    // 2. run_status, a session at a time (each takes seconds), until the run is no longer
    // running: the first answer is `running` (the writer waits), then the gate opens.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut polls = 0;
    let mut states = Vec::new();
    let status = loop {
        polls += 1;
        let ask = format!("Is okstra run {run_id} still running? (poll {polls})");
        let text = call_through_claude(
            &env,
            &ask,
            "mcp__okstra__run_status",
            json!({"run": run_id}),
        );
        let status = first_json(&text);
        // `ctl status --json <run>`: one row, whose `state` is running, dead, or the status
        // the run ended with.
        let row = status.get("items").map_or(&status, |items| &items[0]);
        assert_eq!(row["runId"], run_id.as_str(), "run_status answered: {text}");
        let state = row["state"]
            .as_str()
            .unwrap_or_else(|| panic!("no state in run_status's answer: {text}"))
            .to_owned();
        states.push(state.clone());
        if polls == 1 {
            assert_eq!(state, "running", "the writer waits at the gate: {text}");
            gate.release(1);
        }
        if !matches!(state.as_str(), "prepared" | "running") {
            break state;
        }
        assert!(
            Instant::now() < deadline,
            "{run_id} still {state} after {polls} polls"
        );
    };
    assert_eq!(status, "completed", "run_status's answers: {states:?}");

    // 3. The report resource, read through Claude Code's resource tool.
    let uri = format!("okstra://runs/{run_id}/report.md");
    let ask = format!("Read the report of okstra run {run_id}.");
    let report = call_through_claude(
        &env,
        &ask,
        "ReadMcpResourceTool",
        json!({"server": "okstra", "uri": uri}),
    );

    // What okstra itself says about the run.
    let show = okstra(&env, &["ctl", "show", &run_id, "--json"]);
    assert_eq!(show.code, Some(0), "{show}");
    let shown: Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(shown["status"], "completed", "{shown}");
    let validate = okstra(&env, &["validate", &run_id]);
    assert_eq!(validate.code, Some(0), "{validate}");
    let report_path = PathBuf::from(
        shown["report"]
            .as_str()
            .unwrap_or_else(|| panic!("no report path in ctl show: {shown}")),
    );
    let on_disk = fs_err::read_to_string(&report_path).unwrap();
    let read = first_json(&report);
    assert_eq!(read["contents"][0]["uri"], uri.as_str(), "{report}");
    assert_eq!(read["contents"][0]["mimeType"], "text/markdown", "{report}");
    assert_eq!(
        read["contents"][0]["text"].as_str(),
        Some(on_disk.as_str()),
        "the resource read carries the report as okstra wrote it"
    );
    let manifest = read_json(std::path::Path::new(
        shown["manifest"].as_str().expect("manifest path"),
    ));
    assert_eq!(manifest["runId"], run_id.as_str());
    assert!(
        manifest["tmuxSession"]
            .as_str()
            .is_some_and(|s| s.starts_with("okstra-")),
        "start_run ran it in its tmux session: {manifest}"
    );
}
