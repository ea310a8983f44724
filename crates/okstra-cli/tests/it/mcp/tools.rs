//! `okstra mcp`'s read and answer tools on real replay runs: `show_run`, `run_status`,
//! `validate_run`, `plan_check`, `plan_show`, `plan_answer`, `ledger_show`, and `approve` —
//! absent without `--allow-approve`, and with it recording the MCP client in the plan's
//! data.json. Invalid run and task ids are tool errors naming the value.

use okstra_test_support::TestEnv;
use okstra_test_support::mcp_client::McpStdio;
use serde_json::{Value, json};

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::Stdio;

use crate::common::{okstra, okstra_cmd, read_json, replay_run, run_dir, wait_guarded};
use crate::plan_replay::{TT, fixture_with, planning_project, report_data, run_planning};

fn server(env: &TestEnv, args: &[&str]) -> McpStdio {
    let mut argv = vec!["mcp"];
    argv.extend_from_slice(args);
    McpStdio::start(okstra_cmd(env, &argv), json!({}))
}

/// Returns a tool result's text blocks joined.
fn text(result: &Value) -> String {
    result["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts a successful result and returns its structured content.
fn ok(result: &Value) -> Value {
    assert_eq!(result["isError"], false, "{result}");
    result["structuredContent"].clone()
}

/// Asserts a tool error whose text names `value`.
fn refused(result: &Value, value: &str) -> String {
    assert_eq!(result["isError"], true, "{result}");
    let text = text(result);
    assert!(text.contains(value), "{value:?} not named in: {text}");
    assert!(text.starts_with("error: "), "{text}");
    text
}

#[test]
fn show_status_and_validate_a_finished_run() {
    let env = TestEnv::new();
    let (run, _) = replay_run(&env);
    let mut mcp = server(&env, &[]);

    let shown = mcp.call_tool("show_run", json!({"run": run}));
    let data = ok(&shown);
    assert_eq!(data["runId"], run);
    assert_eq!(data["taskType"], "error-analysis");
    assert_eq!(data["status"], "completed");
    // One row per worker per round: three analysers, two rounds of two, the writer.
    assert_eq!(data["workers"].as_array().unwrap().len(), 9, "{data}");
    assert!(data["report"].as_str().unwrap().ends_with(".md"), "{data}");
    assert_eq!(
        shown["content"][0]["text"],
        format!("run {run}: error-analysis #1 completed")
    );
    // The same JSON as the command line prints.
    let cli: Value =
        serde_json::from_str(&okstra(&env, &["ctl", "show", &run, "--json"]).stdout).unwrap();
    assert_eq!(data["workers"], cli["workers"]);

    // A short prefix is enough, as on the command line.
    let by_prefix = mcp.call_tool("show_run", json!({"run": &run[..8]}));
    assert_eq!(ok(&by_prefix)["runId"], run);

    let status = ok(&mcp.call_tool("run_status", json!({"run": run})));
    assert_eq!(status["runId"], run);
    assert_eq!(status["status"], "completed");
    assert_eq!(status["state"], "completed");
    let running = ok(&mcp.call_tool("run_status", json!({})));
    assert_eq!(running, json!({"items": []}));

    let checked = mcp.call_tool("validate_run", json!({"run": run}));
    let checks = ok(&checked);
    assert_eq!(checks["passed"], true, "{checks}");
    assert_eq!(checks["failed"], 0);
    assert!(checks["checks"].as_array().unwrap().len() > 3, "{checks}");
    assert_eq!(
        checked["content"][0]["text"],
        format!("run {run}: passed every check")
    );
    assert_eq!(mcp.close(), Some(0));
}

#[test]
fn a_failed_validation_is_a_verdict_not_a_tool_error() {
    let env = TestEnv::new();
    let (run, dir) = replay_run(&env);
    // Someone edits the report by hand: its markdown no longer matches its data.
    let md = dir.join("reports/final-report-error-analysis-1.md");
    let text = fs_err::read_to_string(&md).unwrap();
    fs_err::write(&md, format!("{text}\nedited by hand\n")).unwrap();
    let mut mcp = server(&env, &[]);
    let checked = mcp.call_tool("validate_run", json!({"run": run}));
    let checks = ok(&checked);
    assert_eq!(checks["passed"], false, "{checks}");
    assert!(checks["failed"].as_u64().unwrap() >= 1, "{checks}");
    let failed = checks["failed"].as_u64().unwrap();
    assert_eq!(
        checked["content"][0]["text"],
        format!("run {run}: {failed} check(s) failed")
    );
    // The summary and the JSON, not a bare exit status.
    assert_eq!(checked["content"].as_array().unwrap().len(), 2, "{checked}");
}

#[test]
fn an_unknown_run_or_a_bad_task_is_a_tool_error_naming_the_value() {
    let env = TestEnv::new();
    let mut mcp = server(&env, &[]);
    for tool in ["show_run", "validate_run", "run_status"] {
        refused(
            &mcp.call_tool(tool, json!({"run": "01NOSUCHRUN"})),
            "01NOSUCHRUN",
        );
    }
    // A task id that slugs to nothing, and one that cannot be a path segment.
    refused(
        &mcp.call_tool("ledger_show", json!({"task": "pay/결제"})),
        "결제",
    );
    refused(
        &mcp.call_tool("plan_show", json!({"task": "pay/결제"})),
        "결제",
    );
    refused(
        &mcp.call_tool("plan_check", json!({"task": "pay/x.lock"})),
        "x.lock",
    );
    // A value starting with a dash stays a value.
    refused(
        &mcp.call_tool("show_run", json!({"run": "--json"})),
        "--json",
    );
    // Unknown arguments are refused by the schema, not ignored.
    let reply = mcp.request(
        "tools/call",
        json!({"name": "show_run", "arguments": {"run": "x", "bogus": 1}}),
    );
    let refusal = reply
        .get("error")
        .map_or_else(|| text(&reply["result"]), ToString::to_string);
    assert!(refusal.contains("bogus"), "{reply}");
}

#[test]
fn plan_tools_check_show_and_answer_a_replay_plan() {
    let env = TestEnv::new();
    planning_project(&env, &fixture_with(|_| {}));
    let (code, summary) = run_planning(&env, "pay/plan");
    assert_eq!(code, Some(0), "{summary}");
    let plan_run = summary["runId"].as_str().unwrap().to_owned();
    let mut mcp = server(&env, &[]);

    let checked = mcp.call_tool("plan_check", json!({"task": "pay/plan"}));
    let check = ok(&checked);
    assert_eq!(check["passed"], true, "{check}");
    assert_eq!(check["stages"], 2);
    assert_eq!(check["checkedAs"], "data");
    assert_eq!(
        checked["content"][0]["text"],
        "plan check passed (2 stages)"
    );
    // By run id, the same plan.
    assert_eq!(
        ok(&mcp.call_tool("plan_check", json!({"plan": plan_run})))["plan"],
        check["plan"]
    );

    let shown = ok(&mcp.call_tool("plan_show", json!({"task": "pay/plan"})));
    let stages = shown["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 2, "{shown}");
    assert_eq!(stages[0]["ready"], true, "{shown}");
    assert_eq!(stages[1]["waitingOn"], json!([1]), "{shown}");
    assert_eq!(shown["runId"], plan_run);

    let ledger = ok(&mcp.call_tool("ledger_show", json!({"task": "pay/plan"})));
    assert_eq!(ledger["planRunId"], plan_run);
    assert_eq!(ledger["approved"], false);
    assert_eq!(ledger["stages"].as_array().unwrap().len(), 2, "{ledger}");

    let answered = mcp.call_tool(
        "plan_answer",
        json!({"plan": plan_run, "id": "c-1", "answer": "-- yes, the same way"}),
    );
    let answer = ok(&answered);
    assert_eq!(answer["id"], "C-1");
    assert_eq!(answer["status"], "resolved");
    assert_eq!(answered["content"][0]["text"], "C-1 is resolved");
    let data = report_data(&run_dir(&env, "pay/plan", TT));
    let item = &data["narrative"]["clarifications"][0];
    assert_eq!(item["answer"], "-- yes, the same way");
    assert_eq!(item["status"], "resolved");

    refused(
        &mcp.call_tool(
            "plan_answer",
            json!({"plan": plan_run, "id": "C-9", "answer": "x"}),
        ),
        "C-9",
    );
    refused(
        &mcp.call_tool(
            "plan_answer",
            json!({"plan": plan_run, "id": "C-1", "answer": "x", "status": "maybe"}),
        ),
        "maybe",
    );
    // The run still validates after the answer.
    let checks = ok(&mcp.call_tool("validate_run", json!({"run": plan_run})));
    assert_eq!(checks["passed"], true, "{checks}");
}

#[test]
fn approve_is_offered_only_with_allow_approve() {
    let env = TestEnv::new();
    planning_project(&env, &fixture_with(|_| {}));
    let (code, summary) = run_planning(&env, "pay/plan");
    assert_eq!(code, Some(0), "{summary}");

    let mut plain = server(&env, &[]);
    assert!(!plain.tool_names().iter().any(|n| n == "approve"));
    let reply = plain.request(
        "tools/call",
        json!({"name": "approve", "arguments": {"task": "pay/plan"}}),
    );
    assert_eq!(reply["error"]["code"], -32602, "{reply}");
    assert_eq!(reply["error"]["message"], "tool not found", "{reply}");
    let data = report_data(&run_dir(&env, "pay/plan", TT));
    assert_eq!(data["frontmatter"]["approved"], false);
    assert_eq!(plain.close(), Some(0));

    let mut allowed = server(&env, &["--allow-approve"]);
    let names = allowed.tool_names();
    assert!(names.iter().any(|n| n == "approve"), "{names:?}");
    let tools = allowed.request("tools/list", json!({}));
    let approve = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "approve")
        .unwrap()
        .clone();
    assert_eq!(approve["annotations"]["readOnlyHint"], false);
    assert_eq!(approve["inputSchema"]["additionalProperties"], false);
    assert!(
        approve["description"]
            .as_str()
            .unwrap()
            .contains("okstra approve")
    );
}

#[test]
fn an_approval_through_mcp_records_the_client_in_the_plan_data() {
    let env = TestEnv::new();
    planning_project(&env, &fixture_with(|_| {}));
    let (code, summary) = run_planning(&env, "pay/plan");
    assert_eq!(code, Some(0), "{summary}");
    let plan_run = summary["runId"].as_str().unwrap().to_owned();
    let mut mcp = server(&env, &["--allow-approve"]);

    let approved = mcp.call_tool("approve", json!({"task": "pay/plan"}));
    let result = ok(&approved);
    assert_eq!(result["alreadyApproved"], false);
    assert_eq!(result["planRunId"], plan_run);
    assert_eq!(result["approval"]["via"], "mcp");
    assert_eq!(
        result["approval"]["client"],
        json!({"name": "okstra-tests", "version": "9.9.9"})
    );
    assert!(text(&approved).starts_with("approved: "), "{approved}");

    let dir = run_dir(&env, "pay/plan", TT);
    let data = report_data(&dir);
    assert_eq!(data["frontmatter"]["approved"], true);
    assert_eq!(data["approval"]["via"], "mcp");
    assert_eq!(data["approval"]["client"]["name"], "okstra-tests");
    assert_eq!(data["approval"]["client"]["version"], "9.9.9");
    assert!(data["approval"]["approvedAt"].is_string(), "{data}");
    let md = fs_err::read_to_string(dir.join(format!("reports/final-report-{TT}-1.md"))).unwrap();
    assert!(md.contains("approved: true"), "{md}");

    // The data still matches its schema and the run still validates.
    let checks = ok(&mcp.call_tool("validate_run", json!({"run": plan_run})));
    assert_eq!(checks["passed"], true, "{checks}");

    // Approving again changes nothing and shows the approval on record.
    let again = ok(&mcp.call_tool("approve", json!({"plan": plan_run})));
    assert_eq!(again["alreadyApproved"], true);
    assert_eq!(again["approval"]["client"]["name"], "okstra-tests");
    assert_eq!(
        read_json(&dir.join(format!("reports/final-report-{TT}-1.data.json"))),
        data
    );
    let ledger = ok(&mcp.call_tool("ledger_show", json!({"task": "pay/plan"})));
    assert_eq!(ledger["approved"], true);
}

#[test]
fn a_sessionless_request_records_the_client_its_meta_names() {
    let env = TestEnv::new();
    planning_project(&env, &fixture_with(|_| {}));
    let (code, summary) = run_planning(&env, "pay/plan");
    assert_eq!(code, Some(0), "{summary}");
    // No initialize: the 2026-07-28 protocol names the client on each request (SEP-2575).
    let mut child = okstra_cmd(&env, &["mcp", "--allow-approve"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "approve", "arguments": {"task": "pay/plan"},
                   "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                             "io.modelcontextprotocol/clientCapabilities": {},
                             "io.modelcontextprotocol/clientInfo":
                                 {"name": "inline\u{1b}[31mclient", "version": "2.0"}}}});
    writeln!(stdin, "{call}").unwrap();
    stdin.flush().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    drop(stdin);
    let _ = wait_guarded(child);
    let reply: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    let result = ok(&reply["result"]);
    // Control characters of a client's self-description are not kept.
    assert_eq!(
        result["approval"]["client"],
        json!({"name": "inline?[31mclient", "version": "2.0"})
    );
    let data = report_data(&run_dir(&env, "pay/plan", TT));
    assert_eq!(data["approval"]["client"]["name"], "inline?[31mclient");
}

#[test]
fn an_approval_on_the_command_line_is_recorded_as_such() {
    let env = TestEnv::new();
    planning_project(&env, &fixture_with(|_| {}));
    let (code, summary) = run_planning(&env, "pay/plan");
    assert_eq!(code, Some(0), "{summary}");
    let out = okstra(&env, &["approve", "--task", "pay/plan", "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let result: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(result["approval"]["via"], "cli");
    assert!(result["approval"].get("client").is_none(), "{result}");
    let data = report_data(&run_dir(&env, "pay/plan", TT));
    assert_eq!(data["approval"], result["approval"]);
}

#[test]
fn a_plan_that_fails_its_check_is_a_verdict_with_the_cli_diagnostics() {
    let env = TestEnv::new_non_git();
    let broken = crate::plan::PLAN.replacen("depends-on: 1\n", "depends-on: 3\n", 1);
    fs_err::write(env.project().join("broken.md"), broken).unwrap();
    let mut mcp = server(&env, &[]);
    let checked = mcp.call_tool("plan_check", json!({"plan": "broken.md"}));
    let check = ok(&checked);
    assert_eq!(check["passed"], false);
    assert_eq!(check["checkedAs"], "markdown");
    assert_eq!(check["violations"][0]["rule"], "S5");
    assert_eq!(
        check["violations"][0]["diagnostic"],
        "broken.md:89: S5 Stage 2 depends on Stage 3, which does not exist"
    );
    assert_eq!(
        checked["content"][0]["text"],
        "plan check failed: 1 violation(s)"
    );
    assert_eq!(
        checked["content"][2]["text"],
        "error: broken.md fails plan check: 1 violation\n\
         hint: fix each line named above, then run `okstra plan check` again"
    );
    // A plan that does not exist is a tool error, naming it.
    refused(
        &mcp.call_tool("plan_check", json!({"plan": "missing.md"})),
        "missing.md",
    );
    // Neither a plan nor a task: the command line's own refusal.
    let neither = mcp.call_tool("plan_show", json!({}));
    assert_eq!(neither["isError"], true, "{neither}");
}
