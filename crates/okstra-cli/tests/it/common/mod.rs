//! Shared helpers for the CLI tests.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use okstra_test_support::{CommandOutput, TestEnv};
use serde_json::{Value, json};

/// Returns the path of the `okstra` binary under test.
pub(crate) fn okstra_bin() -> &'static str {
    env!("CARGO_BIN_EXE_okstra")
}

/// Returns the path of `fake-agent`.
pub(crate) fn fake_agent() -> PathBuf {
    okstra_test_support::fake_agent::fake_agent_path(okstra_bin())
}

/// Returns an `okstra` command in `env`.
pub(crate) fn okstra_cmd(env: &TestEnv, args: &[&str]) -> Command {
    let mut cmd = env.command(okstra_bin());
    cmd.args(args);
    cmd
}

/// Runs `okstra args…` in `env`.
pub(crate) fn okstra(env: &TestEnv, args: &[&str]) -> CommandOutput {
    env.run(okstra_cmd(env, args))
}

/// Runs `okstra args…` in `env`, in the folder `dir` instead of the project folder.
pub(crate) fn okstra_in(env: &TestEnv, dir: &Path, args: &[&str]) -> CommandOutput {
    let mut cmd = okstra_cmd(env, args);
    cmd.current_dir(dir);
    env.run(cmd)
}

/// The guard against a hung okstra: a test that would hang fails after this instead.
pub(crate) const WATCHDOG: Duration = Duration::from_secs(60);

/// Runs a command with the watchdog; panics if it outlives it.
pub(crate) fn run_guarded(env: &TestEnv, mut cmd: Command) -> CommandOutput {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn okstra");
    let out = wait_guarded(child);
    env.output(&out)
}

/// Waits for a child with the watchdog.
pub(crate) fn wait_guarded(child: Child) -> std::process::Output {
    let pid = child.id();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let guard = std::thread::spawn(move || {
        if done_rx.recv_timeout(WATCHDOG).is_err() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(i32::try_from(pid).unwrap_or(0)),
                nix::sys::signal::Signal::SIGKILL,
            );
            return true;
        }
        false
    });
    let out = child.wait_with_output().expect("wait for okstra");
    let _ = done_tx.send(());
    let fired = guard.join().unwrap_or(false);
    assert!(
        !fired,
        "okstra outlived the {WATCHDOG:?} watchdog and was killed"
    );
    out
}

/// Reads a child's stderr line by line until a line contains `needle`; returns the lines read.
pub(crate) fn read_stderr_until(child: &mut Child, needles: &[&str]) -> Vec<String> {
    let stderr = child.stderr.take().expect("piped stderr");
    let mut reader = BufReader::new(stderr);
    let mut seen = Vec::new();
    let mut remaining: Vec<&str> = needles.to_vec();
    let mut line = String::new();
    while !remaining.is_empty() {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some(pos) = remaining.iter().position(|n| line.contains(n)) {
            remaining.remove(pos);
        }
        seen.push(line.trim_end().to_owned());
    }
    // Keep draining so okstra never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while reader.read_line(&mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    });
    seen
}

/// Writes `.okstra/project.json`.
pub(crate) fn write_project(env: &TestEnv, json: &Value) {
    let dir = env.project().join(".okstra");
    fs_err::create_dir_all(&dir).unwrap();
    fs_err::write(
        dir.join("project.json"),
        serde_json::to_string_pretty(json).unwrap(),
    )
    .unwrap();
}

/// Writes a brief and returns its path.
pub(crate) fn write_brief(env: &TestEnv) -> PathBuf {
    let path = env.root().join("brief.md");
    fs_err::write(&path, "# Checkout fails\n\nThe total is off by one cent.\n").unwrap();
    path
}

/// A valid analyser answer: text, then its findings block.
pub(crate) const FINDINGS: &str = "Found it.\n```json\n{\"findings\": [{\"id\": \"A-1\", \"title\": \"Total rounds down\", \"severity\": \"high\", \"evidence\": [\"README.md:1\"], \"claim\": \"c\", \"reasoning\": \"r\"}], \"summary\": \"s\"}\n```";

/// A valid report-writer answer.
pub(crate) const NARRATIVE: &str = "```json\n{\"summary\": \"Scripted summary.\", \"analysis\": \"Scripted analysis.\", \"recommendations\": []}\n```";

/// Returns the fake report writer every process test uses (so no real CLI is looked for).
pub(crate) fn writer() -> Value {
    fake(&["--text", NARRATIVE])
}

/// Returns a fake-agent `command` agent.
pub(crate) fn fake(args: &[&str]) -> Value {
    let mut argv = vec![fake_agent().display().to_string()];
    argv.extend(args.iter().map(|s| (*s).to_owned()));
    serde_json::json!({ "adapter": "command", "argv": argv })
}

/// Reads a JSON file.
pub(crate) fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs_err::read_to_string(path).unwrap_or_else(|e| panic!("{e}")))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs error-analysis on `t/v` with replay analysers; returns the run id and run dir.
pub(crate) fn replay_run(env: &TestEnv) -> (String, PathBuf) {
    let summary = replay_run_summary(env);
    (
        summary["runId"].as_str().unwrap().to_owned(),
        run_dir(env, "t/v", "error-analysis"),
    )
}

/// Runs error-analysis on `t/v` with replay analysers; returns its `run --json` summary.
pub(crate) fn replay_run_summary(env: &TestEnv) -> Value {
    fs_err::write(
        env.project().join("fixture.json"),
        include_str!("../fixtures/analysis.json"),
    )
    .unwrap();
    let replay = json!({"adapter": "replay", "fixture": "fixture.json"});
    write_project(
        env,
        &json!({"projectId": "shop", "agents": {"claude": replay, "codex": replay, "gemini": replay}}),
    );
    let brief = write_brief(env);
    let out = run_guarded(
        env,
        okstra_cmd(
            env,
            &[
                "run",
                "error-analysis",
                "--task",
                "t/v",
                "--brief",
                brief.to_str().unwrap(),
                "--base-ref",
                "main",
                "--json",
            ],
        ),
    );
    assert_eq!(out.code, Some(0), "{out}");
    serde_json::from_str(&out.stdout).unwrap()
}

/// The run directory of a task's run of a type.
pub(crate) fn run_dir(env: &TestEnv, task: &str, task_type: &str) -> PathBuf {
    env.project()
        .join(".okstra/tasks")
        .join(task)
        .join("runs")
        .join(task_type)
}

/// Returns the events of one worker from a manifest, in a short form: `dispatch`,
/// `spawned a1`, `deadline a1`, `SIGTERM a1`, `reaped a1`, `redispatch a2`, `stalled`,
/// `retry 429`, `collect <status>`.
pub(crate) fn worker_events(manifest: &Value, worker: &str) -> Vec<String> {
    let tag = format!("worker={worker} ");
    let field = |msg: &str, key: &str| {
        msg.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{key}=")).map(str::to_owned))
            .unwrap_or_default()
    };
    manifest["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            let msg = e["message"].as_str()?;
            if !(msg.contains(&tag) || msg.ends_with(&format!("worker={worker}"))) {
                return None;
            }
            let a = field(msg, "attempt");
            Some(match e["checkpoint"].as_str()? {
                "phase-4-dispatch" => "dispatch".to_owned(),
                "spawned" => format!("spawned a{a}"),
                "deadline" => format!("deadline a{a}"),
                "signal" => format!("{} a{a}", field(msg, "signal")),
                "reaped" => format!("reaped a{a}"),
                "redispatch" => format!("redispatch a{a}"),
                "stalled" => "stalled".to_owned(),
                "retry" => format!("retry {}", field(msg, "status")),
                "phase-5-collect" => format!("collect {}", field(msg, "status")),
                other => other.to_owned(),
            })
        })
        .collect()
}
