//! `okstra ctl status`, `ctl attach` and `ctl kill` on real runs whose workers hang (fake
//! agents that stall, waited for through their ready pipe): a detached run shows in `status`
//! with its okstra's pid and its worker running; `attach --print` gives the command and
//! `attach` hands the process to tmux; `kill` stops okstra with SIGTERM — it stops its worker
//! and records `interrupted` — and ends the session; then `kill` and `attach` are exit 2. A
//! foreground run whose okstra was SIGKILLed shows as `dead` with the hint to reconcile or
//! resume (also as `ctl status <run>`), and `kill` refuses it with that hint; `status --watch` redraws it frame after frame.
//! `kill` with a grace shorter than okstra needs sends SIGKILL.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use okstra_test_support::TestEnv;
use okstra_test_support::fake_agent::ReadyFifo;
use serde_json::{Value, json};

use crate::common::{
    fake, okstra, okstra_cmd, read_json, run_dir, wait_guarded, write_brief, write_project, writer,
};
use crate::detach::PrivateTmux;

/// Writes a project whose one analyser `x` stalls once it says ready on `ready`.
fn stalling_project(env: &TestEnv, ready: &ReadyFifo) {
    write_project(
        env,
        &json!({"projectId": "shop", "killGrace": "200ms", "roles": {"report-writer": "writer"},
                "agents": {"writer": writer(), "x": fake(&["--stall", "--ready-fifo", &ready.arg()])}}),
    );
}

fn manifest(env: &TestEnv) -> Value {
    read_json(
        &run_dir(env, "t/v", "error-analysis").join("manifests/run-manifest-error-analysis-1.json"),
    )
}

/// Polls `f` until it returns a value, under the watchdog: for a file another process writes
/// when it will (the team state is saved after the worker's spawn is handled).
fn poll_until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let began = std::time::Instant::now();
    loop {
        if let Some(value) = f() {
            return value;
        }
        assert!(
            began.elapsed() < crate::common::WATCHDOG,
            "never saw {what}"
        );
        #[expect(
            clippy::disallowed_methods,
            reason = "polling a file another process writes"
        )]
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Returns the worker's pid and process group, once the team state records them.
fn worker_pid(env: &TestEnv) -> (i32, i32) {
    let path = run_dir(env, "t/v", "error-analysis").join("state/team-state-1.json");
    poll_until("the worker's pid in the team state", || {
        let team: Value = serde_json::from_str(&fs_err::read_to_string(&path).ok()?).ok()?;
        let attempt = &team["workers"][0]["attempts"][0];
        let pid = i32::try_from(attempt["pid"].as_i64()?).ok()?;
        let pgid = i32::try_from(attempt["processGroup"].as_i64()?).ok()?;
        Some((pid, pgid))
    })
}

/// Returns whether `pid` is a live process (not a zombie).
fn alive(pid: i32) -> bool {
    fs_err::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().to_owned())
        })
        .is_some_and(|rest| !rest.starts_with('Z'))
}

#[test]
fn status_attach_and_kill_a_detached_run() {
    let mut env = TestEnv::new();
    let tmux = PrivateTmux::new(&mut env);
    let ready = ReadyFifo::new(&env.root().join("ready"));
    stalling_project(&env, &ready);
    let brief = write_brief(&env);
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/v",
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
            "--workers",
            "x",
            "--detach",
            "--json",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let run_id = v["runId"].as_str().unwrap().to_owned();
    let session = v["sessionName"].as_str().unwrap().to_owned();
    ready.wait_for(1);
    let m = manifest(&env);
    assert_eq!(m["status"], "running", "{m}");
    // The private tmux server is recorded: attach and kill find it without the variable.
    assert_eq!(m["tmuxSocket"], tmux.socket.as_str(), "{m}");
    let without_socket = |args: &[&str]| {
        let mut cmd = okstra_cmd(&env, args);
        cmd.env_remove("OKSTRA_TMUX_SOCKET");
        env.run(cmd)
    };
    let okstra_pid = m["pid"].as_u64().unwrap();
    assert!(m["pidStart"].as_u64().is_some(), "{m}");
    let (worker, _) = worker_pid(&env);

    let out = okstra(&env, &["ctl", "status"]);
    assert_eq!(out.code, Some(0), "{out}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "RUN", "PROJECT", "TASK", "TYPE", "STAGE", "PHASE", "ELAPSED", "OKSTRA", "WORKERS"
        ]
    );
    assert_eq!(lines.len(), 2, "{out}");
    let row = lines[1];
    assert!(
        row.starts_with(&format!("{run_id}  shop     t/v   error-analysis  -      ")),
        "{row}"
    );
    assert!(
        row.contains(&format!("  pid {okstra_pid}  x-worker running")),
        "{row}"
    );
    let out = okstra(&env, &["ctl", "status", "--json"]);
    let rows: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{out}");
    assert_eq!(rows[0]["runId"], run_id.as_str());
    assert_eq!(rows[0]["state"], "running");
    assert_eq!(rows[0]["pid"], okstra_pid);
    assert_eq!(rows[0]["tmuxSession"], session.as_str());
    assert_eq!(
        rows[0]["workers"],
        json!([{"worker": "x-worker", "round": 0, "status": "running", "pid": worker, "alive": true}])
    );

    let out = without_socket(&["ctl", "attach", &run_id[..10], "--print"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(
        out.stdout,
        format!("tmux -L {} attach-session -t {session}\n", tmux.socket)
    );
    // With no terminal, the tmux okstra became says so: attach handed it the process.
    let out = okstra(&env, &["ctl", "attach", &run_id]);
    assert_eq!(out.code, Some(1), "{out}");
    assert!(out.stderr.contains("not a terminal"), "{out}");

    let out = without_socket(&["ctl", "kill", &run_id, "--grace", "30s"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stdout.starts_with(&format!(
            "run {run_id}: okstra (pid {okstra_pid}) stopped after SIGTERM in "
        )) && out.stdout.ends_with("s; status: interrupted\n"),
        "{out}"
    );
    assert!(
        out.stderr
            .contains(&format!("ended its tmux session {session}")),
        "{out}"
    );
    let m = manifest(&env);
    assert_eq!(m["status"], "interrupted", "{m}");
    assert!(!alive(worker), "okstra stopped its worker");
    assert!(!tmux.has_session(&session));

    let out = okstra(&env, &["ctl", "kill", &run_id]);
    assert_eq!(out.code, Some(2), "{out}");
    assert_eq!(
        out.stderr,
        format!(
            "error: run {run_id} is interrupted: no okstra runs it\nhint: `okstra ctl show {run_id}` shows the run\n"
        )
    );
    let out = okstra(&env, &["ctl", "attach", &run_id]);
    assert_eq!(out.code, Some(2), "{out}");
    assert_eq!(
        out.stderr,
        format!(
            "error: run {run_id}'s tmux session {session} is gone (the run is interrupted)\n\
             hint: a session ends with its run; `okstra ctl show {run_id}` shows how it ended\n"
        )
    );
    let out = okstra(&env, &["ctl", "status"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (Some(0), "", "no run is running\n")
    );
}

#[test]
fn a_run_whose_okstra_was_killed_shows_dead() {
    let env = TestEnv::new();
    let ready = ReadyFifo::new(&env.root().join("ready"));
    stalling_project(&env, &ready);
    let brief = write_brief(&env);
    let child = okstra_cmd(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/v",
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
            "--workers",
            "x",
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    ready.wait_for(1);
    let (worker, group) = worker_pid(&env);
    let pid = child.id();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(pid).unwrap()),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let _ = wait_guarded(child);
    let m = manifest(&env);
    let run_id = m["runId"].as_str().unwrap().to_owned();

    let out = okstra(&env, &["ctl", "status"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stdout
            .lines()
            .nth(1)
            .unwrap_or_default()
            .contains(&format!("  dead (pid {pid} gone)  x-worker running")),
        "{out}"
    );
    assert_eq!(
        out.stderr,
        format!(
            "hint: run {run_id} is dead (its okstra is gone): `okstra ctl reconcile` marks it \
             interrupted and stops its leftover workers; `okstra resume {run_id}` continues it\n"
        )
    );
    let rows: Value =
        serde_json::from_str(&okstra(&env, &["ctl", "status", "--json"]).stdout).unwrap();
    assert_eq!(rows[0]["state"], "dead");
    assert_eq!(
        rows[0]["workers"][0]["alive"], true,
        "its orphaned worker lives on"
    );
    // Given the run (a prefix of it), the same row and hint; as JSON, that one object.
    let one = okstra(&env, &["ctl", "status", &run_id[..8]]);
    assert_eq!(one.code, Some(0), "{one}");
    assert_eq!(
        one.stdout.lines().nth(1),
        out.stdout.lines().nth(1),
        "{one}"
    );
    assert_eq!(one.stderr, out.stderr);
    let row: Value =
        serde_json::from_str(&okstra(&env, &["ctl", "status", &run_id, "--json"]).stdout).unwrap();
    assert_eq!(row["runId"], run_id);
    assert_eq!(row["status"], "running");
    assert_eq!(row["state"], "dead");

    let out = okstra(&env, &["ctl", "kill", &run_id]);
    assert_eq!(out.code, Some(2), "{out}");
    assert_eq!(
        out.stderr,
        format!(
            "error: run {run_id}'s okstra (pid {pid}) is gone already\nhint: `okstra ctl \
             reconcile` marks it interrupted and stops its leftover workers; `okstra resume \
             {run_id}` continues it\n"
        )
    );
    let out = okstra(&env, &["ctl", "attach", &run_id]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.starts_with(&format!(
            "error: run {run_id} has no tmux session: it did not run detached\n"
        )),
        "{out}"
    );

    // --watch redraws the same view; into a pipe, one frame after another.
    let mut watch = okstra_cmd(&env, &["ctl", "status", "--watch", "--interval", "50ms"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut frames = 0;
    let mut reader = BufReader::new(watch.stdout.take().unwrap());
    let mut line = String::new();
    let mut dead_rows = 0;
    while frames < 3 {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "the watch ended");
        frames += usize::from(
            line.starts_with("okstra ctl status — ")
                && line.contains(" — 1 running (Ctrl-C to stop)"),
        );
        dead_rows += usize::from(
            line.starts_with(&run_id) && line.contains(&format!("dead (pid {pid} gone)")),
        );
    }
    assert!(dead_rows >= 2, "each frame shows the run");
    watch.kill().unwrap();
    watch.wait().unwrap();

    // The orphaned worker is this test's to stop.
    assert!(alive(worker));
    nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(group),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
}

#[test]
fn kill_sends_sigkill_once_the_grace_is_over() {
    let env = TestEnv::new();
    let ready = ReadyFifo::new(&env.root().join("ready"));
    stalling_project(&env, &ready);
    let brief = write_brief(&env);
    let child = okstra_cmd(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/v",
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
            "--workers",
            "x",
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    ready.wait_for(1);
    let (_, group) = worker_pid(&env);
    let pid = child.id();
    let run_id = manifest(&env)["runId"].as_str().unwrap().to_owned();
    // A grace of 1ms: SIGTERM, then SIGKILL at once.
    let out = okstra(&env, &["ctl", "kill", &run_id[..12], "--grace", "1ms"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stdout.starts_with(&format!(
            "run {run_id}: okstra (pid {pid}) did not stop within 0.0s of SIGTERM: sent SIGKILL; status: "
        )),
        "{out}"
    );
    assert!(
        out.stderr.contains("`okstra ctl reconcile` stops them"),
        "{out}"
    );
    let status = wait_guarded(child).status;
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "{status:?}"
    );
    let _ = nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(group),
        nix::sys::signal::Signal::SIGKILL,
    );
}
