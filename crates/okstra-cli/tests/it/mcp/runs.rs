//! `okstra mcp`'s long runs: `start_run` on a replay-worker project runs the run in its tmux
//! session (a private tmux server) or, with no tmux on PATH, as a background process of the
//! server — returning the run id at once, or a task handle for a client with the Tasks
//! extension; `tasks/get` follows the run to `completed` (also from a second server, the
//! first one gone); `wait` sends the run's events as progress, in order; `tasks/cancel`
//! stops the run; `resume_run` of an ended run returns it; a refusal is `isError`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use okstra_test_support::TestEnv;
use okstra_test_support::mcp_client::McpStdio;
use serde_json::{Value, json};

use crate::common::{okstra, okstra_cmd, write_brief, write_project};
use crate::detach::PrivateTmux;

/// The client capabilities of a client with the Tasks extension.
fn with_tasks() -> Value {
    json!({"extensions": {"io.modelcontextprotocol/tasks": {}}})
}

fn server(env: &TestEnv, capabilities: Value) -> McpStdio {
    McpStdio::start(okstra_cmd(env, &["mcp"]), capabilities)
}

/// Sets up `t/v` for an error-analysis run with replay analysers; `hold_ms` delays the first
/// analyser's answer. Returns the brief's path.
fn replay_project(env: &TestEnv, hold_ms: Option<u64>) -> PathBuf {
    let mut fixture: Value =
        serde_json::from_str(include_str!("../fixtures/analysis.json")).unwrap();
    if let Some(ms) = hold_ms {
        let answers = &mut fixture["workers"]["claude-worker"]["0"];
        for answer in answers.as_array_mut().unwrap() {
            answer["delayMs"] = json!(ms);
        }
    }
    fs_err::write(env.project().join("fixture.json"), fixture.to_string()).unwrap();
    let replay = json!({"adapter": "replay", "fixture": "fixture.json"});
    write_project(
        env,
        &json!({"projectId": "shop", "agents": {"claude": replay, "codex": replay, "gemini": replay}}),
    );
    write_brief(env)
}

/// The arguments of `start_run` for `t/v`'s error analysis.
fn start_args(brief: &std::path::Path) -> Value {
    json!({
        "task_type": "error-analysis",
        "task": "t/v",
        "brief_file": brief.to_str().unwrap(),
        "base_ref": "main",
    })
}

/// Polls `f` until it returns a value, under the watchdog: a run another process drives.
fn poll_until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let began = Instant::now();
    loop {
        if let Some(value) = f() {
            return value;
        }
        assert!(
            began.elapsed() < Duration::from_secs(90),
            "never saw {what}"
        );
        #[expect(
            clippy::disallowed_methods,
            reason = "polling a run another process drives"
        )]
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls `tasks/get` until the task is no longer `working`; returns that result.
fn poll_until_done(mcp: &mut McpStdio, task_id: &str) -> Value {
    poll_until("the task ended", || {
        let reply = mcp.request("tasks/get", json!({"taskId": task_id}));
        let result = reply["result"].clone();
        assert!(result.is_object(), "tasks/get failed: {reply}");
        assert_eq!(result["taskId"], task_id);
        (result["status"] != "working").then_some(result)
    })
}

/// Polls `tasks/get` until the run's okstra has recorded it running.
fn poll_until_running(mcp: &mut McpStdio, task_id: &str) {
    poll_until("the run running", || {
        let reply = mcp.request("tasks/get", json!({"taskId": task_id}));
        let message = reply["result"]["statusMessage"]
            .as_str()
            .unwrap_or_default();
        message.contains(": running").then_some(())
    });
}

/// Asserts `okstra validate <run>` passes.
fn assert_validates(env: &TestEnv, run_id: &str) {
    let out = okstra(env, &["validate", run_id]);
    assert_eq!(out.code, Some(0), "{out}");
}

#[test]
fn start_run_with_tmux_runs_the_run_in_its_session_to_completed() {
    let mut env = TestEnv::new();
    let tmux = PrivateTmux::new(&mut env);
    let brief = replay_project(&env, None);
    let mut mcp = server(&env, with_tasks());
    let reply = mcp.request(
        "tools/call",
        json!({"name": "start_run", "arguments": start_args(&brief)}),
    );
    let handle = &reply["result"];
    assert_eq!(handle["resultType"], "task", "{reply}");
    assert_eq!(handle["status"], "working");
    assert_eq!(handle["pollIntervalMs"], 2000);
    let run_id = handle["taskId"].as_str().unwrap().to_owned();
    let message = handle["statusMessage"].as_str().unwrap();
    assert!(message.starts_with(&format!("run {run_id}: ")), "{message}");
    assert_eq!(run_id.len(), 26, "a run id: {run_id}");
    let done = poll_until_done(&mut mcp, &run_id);
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(
        done["createdAt"], handle["createdAt"],
        "the run's creation time"
    );
    let run = &done["result"]["structuredContent"];
    assert_eq!(run["runId"], run_id.as_str());
    assert_eq!(run["status"], "completed");
    assert_eq!(done["result"]["isError"], false);
    // It ran in its session, which the manifest names.
    let session = format!("okstra-{}", run_id[18..].to_lowercase());
    let manifest: Value =
        serde_json::from_str(&fs_err::read_to_string(run["manifest"].as_str().unwrap()).unwrap())
            .unwrap();
    assert_eq!(manifest["tmuxSession"], session.as_str());
    tmux.wait_ended(&session);
    assert_validates(&env, &run_id);
    assert_eq!(mcp.close(), Some(0));
}

#[test]
fn start_run_without_tmux_runs_in_the_background_and_waits_with_progress() {
    let env = TestEnv::new();
    let brief = replay_project(&env, None);
    // A client without the Tasks extension gets the run id at once.
    let mut mcp = server(&env, json!({}));
    let started = mcp.call_tool("start_run", start_args(&brief));
    assert_eq!(started["isError"], false, "{started}");
    let first = started["structuredContent"].clone();
    let first_id = first["runId"].as_str().unwrap().to_owned();
    assert!(first["pid"].as_u64().unwrap() > 0, "{first}");
    let log = PathBuf::from(first["log"].as_str().unwrap());
    assert!(
        log.ends_with("runs/error-analysis/state/background-1.log"),
        "{}",
        log.display()
    );
    assert!(first.get("sessionName").is_none(), "{first}");
    let text = started["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("started in the background"), "{text}");

    // A second run, waited for, with a progress token.
    let reply = mcp.request(
        "tools/call",
        json!({
            "name": "start_run",
            "arguments": {
                "task_type": "error-analysis", "task": "t/v", "base_ref": "main", "wait": true,
            },
            "_meta": {"progressToken": "p-1"},
        }),
    );
    let result = &reply["result"];
    assert_eq!(result["isError"], false, "{reply}");
    let run = &result["structuredContent"];
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["runSeq"], 2);
    let run_id = run["runId"].as_str().unwrap().to_owned();
    let progress: Vec<&Value> = mcp
        .notifications
        .iter()
        .filter(|n| n["method"] == "notifications/progress")
        .map(|n| &n["params"])
        .collect();
    assert!(progress.len() >= 5, "{progress:?}");
    let events = run["events"].as_array().unwrap();
    assert_eq!(progress.len(), events.len(), "one notification per event");
    for (n, (p, event)) in progress.iter().zip(events).enumerate() {
        assert_eq!(p["progressToken"], "p-1");
        assert_eq!(
            p["progress"].to_string(),
            format!("{}.0", n + 1),
            "progress counts the events"
        );
        assert_eq!(p["message"], event["message"]);
    }
    let messages: Vec<&str> = progress
        .iter()
        .map(|p| p["message"].as_str().unwrap())
        .collect();
    let at = |needle: &str| {
        messages
            .iter()
            .position(|m| m.starts_with(needle))
            .unwrap_or_else(|| panic!("no {needle} in {messages:?}"))
    };
    assert!(at("prepare") < at("phase-4-dispatch"), "{messages:?}");
    assert!(
        at("phase-4-dispatch") < at("phase-5-collect"),
        "{messages:?}"
    );
    assert_validates(&env, &run_id);

    // The first one ran to completed too, in the background.
    poll_until("the first run completed", || {
        let shown = okstra(&env, &["ctl", "show", &first_id, "--json"]);
        let v: Value = serde_json::from_str(&shown.stdout).unwrap();
        (v["status"] == "completed").then_some(())
    });
    assert_validates(&env, &first_id);
    assert!(fs_err::metadata(&log).is_ok(), "the background log exists");
    assert_eq!(mcp.close(), Some(0));
}

#[test]
fn a_task_handle_is_followed_to_completed_from_a_second_server() {
    let env = TestEnv::new();
    let brief = replay_project(&env, None);
    let mut first = server(&env, with_tasks());
    let reply = first.request(
        "tools/call",
        json!({"name": "start_run", "arguments": start_args(&brief)}),
    );
    let run_id = reply["result"]["taskId"].as_str().unwrap().to_owned();
    // The client goes away; the run goes on.
    assert_eq!(first.close(), Some(0));
    let mut second = server(&env, with_tasks());
    let done = poll_until_done(&mut second, &run_id);
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["result"]["structuredContent"]["status"], "completed");
    assert_validates(&env, &run_id);
    // A prefix of a run id is no task id.
    let prefix = &run_id[..20];
    let partial = second.request("tasks/get", json!({"taskId": prefix}));
    assert_eq!(partial["error"]["code"], -32602, "{partial}");
    assert!(
        partial["error"]["message"]
            .as_str()
            .unwrap()
            .contains(prefix),
        "{partial}"
    );
    // An unknown task is an error naming it.
    let unknown = second.request(
        "tasks/get",
        json!({"taskId": "01NOSUCHRUN0000000000000000"}),
    );
    let message = unknown["error"]["message"].as_str().unwrap();
    assert!(message.contains("01NOSUCHRUN0000000000000000"), "{unknown}");
    assert_eq!(second.close(), Some(0));
}

#[test]
fn tasks_cancel_stops_the_run_as_ctl_kill_does() {
    let env = TestEnv::new();
    let brief = replay_project(&env, Some(120_000));
    let mut mcp = server(&env, with_tasks());
    let reply = mcp.request(
        "tools/call",
        json!({"name": "start_run", "arguments": start_args(&brief)}),
    );
    let run_id = reply["result"]["taskId"].as_str().unwrap().to_owned();
    poll_until_running(&mut mcp, &run_id);
    // Without tmux it runs in the background, its okstra the leader of a session of its own.
    let shown = okstra(&env, &["ctl", "show", &run_id, "--json"]);
    let pid = serde_json::from_str::<Value>(&shown.stdout).unwrap()["okstraPid"]
        .as_u64()
        .unwrap();
    let stat = fs_err::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    assert_eq!(fields[3], pid.to_string(), "session of {pid}: {stat}");
    assert_eq!(fields[2], pid.to_string(), "process group of {pid}: {stat}");
    // It holds none of the server's stdio: stdin is /dev/null, stdout and stderr its log.
    let fd = |n: u32| fs_err::read_link(format!("/proc/{pid}/fd/{n}")).unwrap();
    assert_eq!(fd(0), PathBuf::from("/dev/null"));
    for n in [1, 2] {
        assert!(
            fd(n).ends_with("runs/error-analysis/state/background-1.log"),
            "fd {n}: {}",
            fd(n).display()
        );
    }
    let cancelled = mcp.request("tasks/cancel", json!({"taskId": run_id}));
    assert!(cancelled.get("error").is_none(), "{cancelled}");
    let done = poll_until_done(&mut mcp, &run_id);
    assert_eq!(done["status"], "cancelled", "{done}");
    let shown = okstra(&env, &["ctl", "show", &run_id, "--json"]);
    let v: Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(v["status"], "interrupted");
    // A run no longer running cannot be cancelled again: an error naming it.
    let again = mcp.request("tasks/cancel", json!({"taskId": run_id}));
    assert!(
        again["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&run_id),
        "{again}"
    );
    assert_eq!(mcp.close(), Some(0));
}

#[test]
fn resume_run_returns_an_ended_run_and_runs_a_prepared_one_and_a_refused_start_is_a_tool_error() {
    let env = TestEnv::new();
    let brief = replay_project(&env, None);
    let mut mcp = server(&env, json!({}));
    let mut args = start_args(&brief);
    args["wait"] = json!(true);
    let run = mcp.call_tool("start_run", args);
    let run_id = run["structuredContent"]["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let resumed = mcp.call_tool("resume_run", json!({"run": run_id, "wait": true}));
    assert_eq!(resumed["isError"], false, "{resumed}");
    assert_eq!(resumed["structuredContent"]["status"], "completed");
    assert_eq!(resumed["structuredContent"]["runId"], run_id.as_str());

    // A prepared run is run whole, followed to its end.
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/v",
            "--base-ref",
            "main",
            "--prepare-only",
            "--json",
        ],
    );
    let prepared: Value = serde_json::from_str(&out.stdout).unwrap();
    let prepared_id = prepared["runId"].as_str().unwrap().to_owned();
    let resumed = mcp.call_tool("resume_run", json!({"run": prepared_id, "wait": true}));
    assert_eq!(resumed["isError"], false, "{resumed}");
    assert_eq!(resumed["structuredContent"]["status"], "completed");
    assert_eq!(resumed["structuredContent"]["runSeq"], 2);
    assert_validates(&env, &prepared_id);

    let refused = mcp.call_tool(
        "start_run",
        json!({"task_type": "error-analysis", "task": "no-slash", "base_ref": "main"}),
    );
    assert_eq!(refused["isError"], true, "{refused}");
    let text = refused["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("no-slash"), "{text}");
    let unknown = mcp.call_tool("resume_run", json!({"run": "zzzz-no-such-run"}));
    assert_eq!(unknown["isError"], true, "{unknown}");
    assert!(
        unknown["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("zzzz-no-such-run"),
        "{unknown}"
    );
    assert_eq!(mcp.close(), Some(0));
}

/// `resume_run` on an ended run answers from the manifest: no run's supervisor (whose signal
/// handlers tokio never removes) is set up in the server, which still dies of SIGTERM.
#[test]
fn the_server_still_stops_on_sigterm_after_resume_run_answered_an_ended_run() {
    use std::os::unix::process::ExitStatusExt as _;
    let env = TestEnv::new();
    let brief = replay_project(&env, None);
    let mut mcp = server(&env, json!({}));
    let mut args = start_args(&brief);
    args["wait"] = json!(true);
    let run = mcp.call_tool("start_run", args);
    let run_id = run["structuredContent"]["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let resumed = mcp.call_tool("resume_run", json!({"run": run_id}));
    assert_eq!(resumed["isError"], false, "{resumed}");
    assert_eq!(resumed["structuredContent"]["resumed"], false, "{resumed}");
    let pid = nix::unistd::Pid::from_raw(i32::try_from(mcp.pid()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = mcp.wait_exit();
    assert_eq!(
        status.signal(),
        Some(15),
        "the server ignored SIGTERM: {status:?}"
    );
}

#[test]
fn a_failed_run_is_a_failed_task_carrying_the_run() {
    let env = TestEnv::new();
    let brief = write_brief(&env);
    let failing = crate::common::fake(&["--exit", "1"]);
    write_project(
        &env,
        &json!({"projectId": "shop", "workers": {"error-analysis": ["a", "b"]},
                "roles": {"report-writer": "w"},
                "agents": {"a": failing, "b": failing, "w": crate::common::writer()}}),
    );
    let mut mcp = server(&env, with_tasks());
    let reply = mcp.request(
        "tools/call",
        json!({"name": "start_run", "arguments": start_args(&brief)}),
    );
    let run_id = reply["result"]["taskId"].as_str().unwrap().to_owned();
    let done = poll_until_done(&mut mcp, &run_id);
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(done["error"]["code"], -32603);
    assert_eq!(
        done["error"]["message"],
        format!("run {run_id} failed").as_str()
    );
    assert_eq!(done["error"]["data"]["status"], "failed");
    assert_eq!(done["error"]["data"]["runId"], run_id.as_str());
    assert!(done.get("result").is_none(), "{done}");
    // Waited for, a failed run is an error result carrying the run.
    let mut args = start_args(&brief);
    args["wait"] = json!(true);
    let waited = mcp.call_tool("start_run", args);
    assert_eq!(waited["isError"], true, "{waited}");
    assert_eq!(waited["structuredContent"]["status"], "failed");
    let id = waited["structuredContent"]["runId"].as_str().unwrap();
    assert_eq!(
        waited["content"][0]["text"],
        format!("run {id} failed").as_str()
    );
    // The background okstra's output went to the run's log.
    let run_dir = PathBuf::from(done["error"]["data"]["runDir"].as_str().unwrap());
    let log = fs_err::read_to_string(run_dir.join("state/background-1.log")).unwrap();
    assert!(log.contains(&format!("resuming run {run_id}")), "{log}");
    assert_eq!(mcp.close(), Some(0));
}

#[test]
fn start_run_takes_a_stage_of_an_implementation_in_the_background() {
    let env = crate::stage_kit::kit_env();
    crate::stage_kit::shell_project(&env, None, false);
    let mut mcp = server(&env, json!({}));
    let run = mcp.call_tool(
        "start_run",
        json!({
            "task_type": "implementation", "task": "calc/ops", "base_ref": "main",
            "stage": "1", "executor": "s1", "wait": true,
        }),
    );
    assert_eq!(run["isError"], false, "{run}");
    let shown = &run["structuredContent"];
    assert_eq!(shown["status"], "completed", "{shown}");
    assert_eq!(shown["stage"], 1);
    assert_eq!(shown["taskType"], "implementation");
    let run_id = shown["runId"].as_str().unwrap();
    let carry = crate::stage_kit::carry(&env, "calc/ops", 1).expect("a carry");
    assert_eq!(carry["runId"], run_id);
    assert_eq!(carry["status"], "done", "{carry}");
    assert!(
        crate::stage_kit::stage_dir(&env, "calc/ops", 1)
            .join("state/background-1.log")
            .is_file()
    );
    assert_eq!(mcp.close(), Some(0));
}

/// Pushing and opening a pull request are a person's to allow (`--allow-publish`), and then
/// only to a remote the repository has, by name.
#[test]
fn publishing_needs_allow_publish_and_a_remote_of_the_repository() {
    let env = TestEnv::new();
    replay_project(&env, None);
    let ask = |remote: Option<&str>| {
        let mut args = json!({"task_type": "release-handoff", "task": "t/v", "push": true});
        if let Some(remote) = remote {
            args["remote"] = json!(remote);
        }
        args
    };
    let mut mcp = server(&env, json!({}));
    for args in [
        ask(None),
        ask(Some("origin")),
        json!({"task_type": "release-handoff", "task": "t/v", "open_pr": true}),
    ] {
        let refused = mcp.call_tool("start_run", args);
        assert_eq!(refused["isError"], true, "{refused}");
        let text = refused["content"][0]["text"].as_str().unwrap();
        assert!(text.contains("okstra mcp --allow-publish"), "{text}");
    }
    let mut allowed = McpStdio::start(okstra_cmd(&env, &["mcp", "--allow-publish"]), json!({}));
    let refused = allowed.call_tool("start_run", ask(Some("file:///tmp/elsewhere.git")));
    assert_eq!(refused["isError"], true, "{refused}");
    let text = refused["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("\"file:///tmp/elsewhere.git\" is not a remote of this repository"),
        "{text}"
    );
    // No run was prepared for any of them.
    let runs = mcp.call_tool("list_runs", json!({}));
    assert_eq!(runs["structuredContent"]["items"], json!([]), "{runs}");
}

/// A client names only the project's files: a brief or a plan outside it is refused before
/// anything runs or is read.
#[test]
fn files_outside_the_project_are_refused() {
    let env = TestEnv::new();
    let brief = replay_project(&env, None);
    let outside = env.root().join("outside-brief.md");
    fs_err::write(&outside, "# A brief from elsewhere\n").unwrap();
    let outside = outside.display().to_string();
    let mut mcp = server(&env, json!({}));
    let mut args = start_args(&brief);
    args["brief_file"] = json!(outside);
    let calls = [
        ("start_run", args),
        ("plan_show", json!({"plan": outside})),
        ("plan_check", json!({"plan": "../outside-brief.md"})),
    ];
    for (tool, args) in calls {
        let refused = mcp.call_tool(tool, args);
        assert_eq!(refused["isError"], true, "{tool}: {refused}");
        let text = refused["content"][0]["text"].as_str().unwrap();
        assert!(
            text.contains("is outside this server's project"),
            "{tool}: {text}"
        );
    }
    let runs = mcp.call_tool("list_runs", json!({}));
    assert_eq!(runs["structuredContent"]["items"], json!([]), "{runs}");
}
