//! Worker process faults through the real `okstra` binary and `fake-agent`: each test asserts
//! the sequence of events okstra recorded, never wall-clock bounds (a 60 s watchdog only
//! guards against hangs), and that no descendant of okstra is left afterwards.

use okstra_test_support::TestEnv;
use okstra_test_support::fake_agent::{Gate, ReadyFifo, live_pids, tagged_pids};
use serde_json::{Value, json};

use crate::common::{
    FINDINGS, fake, okstra_cmd, read_json, read_stderr_until, run_dir, wait_guarded, worker_events,
    write_brief, write_project, writer,
};

pub(crate) struct Outcome {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) manifest: Value,
    pub(crate) team: Value,
    pub(crate) dir: std::path::PathBuf,
    pub(crate) run_id: String,
}

pub(crate) fn run(env: &TestEnv, workers: &str, extra: &[&str]) -> Outcome {
    run_while(env, workers, extra, |_| {})
}

/// Runs okstra, calling `during` with the running child (whose output waits in its pipes
/// unless `during` reads it).
fn run_while(
    env: &TestEnv,
    workers: &str,
    extra: &[&str],
    during: impl FnOnce(&mut std::process::Child),
) -> Outcome {
    let brief = write_brief(env);
    let mut args = vec![
        "run",
        "error-analysis",
        "--task",
        "faults/t1",
        "--brief",
        brief.to_str().unwrap(),
        "--base-ref",
        "main",
        "--workers",
        workers,
    ];
    args.extend_from_slice(extra);
    let mut child = okstra_cmd(env, &args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn okstra");
    during(&mut child);
    let out = env.output(&wait_guarded(child));
    let dir = run_dir(env, "faults/t1", "error-analysis");
    let manifest = read_json(&dir.join("manifests/run-manifest-error-analysis-1.json"));
    let team = read_json(&dir.join("state/team-state-1.json"));
    let run_id = manifest["runId"].as_str().unwrap().to_owned();
    Outcome {
        code: out.code,
        stdout: out.stdout,
        manifest,
        team,
        dir,
        run_id,
    }
}

fn worker<'a>(team: &'a Value, name: &str) -> &'a Value {
    team["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["worker"] == name)
        .unwrap_or_else(|| panic!("no {name} in team state"))
}

pub(crate) fn assert_no_descendants(o: &Outcome, pid_file: &std::path::Path) {
    assert_eq!(
        live_pids(pid_file),
        Vec::<u32>::new(),
        "worker processes survived"
    );
    assert_eq!(
        tagged_pids(&o.run_id),
        Vec::<u32>::new(),
        "tagged processes survived"
    );
}

#[expect(clippy::needless_pass_by_value, reason = "built inline at each call")]
pub(crate) fn project(env: &TestEnv, agent: Value, extra: &Value) {
    let mut p = json!({"projectId": "shop", "killGrace": "200ms", "roles": {"report-writer": "writer"},
        "agents": {"x": agent, "writer": writer()}});
    if let (Some(p), Some(extra)) = (p.as_object_mut(), extra.as_object()) {
        p.extend(extra.clone());
    }
    write_project(env, &p);
}

#[test]
fn hang_times_out_after_one_redispatch() {
    let env = TestEnv::new();
    let pids = env.root().join("pids");
    project(
        &env,
        fake(&["--stall", "--pid-file", pids.to_str().unwrap()]),
        &json!({}),
    );
    let o = run(&env, "x", &["--deadline", "1s"]);
    assert_eq!(o.code, Some(3), "every analyser failed: {}", o.stdout);
    assert_eq!(
        worker_events(&o.manifest, "x-worker"),
        [
            "dispatch",
            "spawned a1",
            "deadline a1",
            "SIGTERM a1",
            "reaped a1",
            "redispatch a2",
            "dispatch",
            "spawned a2",
            "deadline a2",
            "SIGTERM a2",
            "collect timeout",
            "reaped a2"
        ]
    );
    let w = worker(&o.team, "x-worker");
    assert_eq!(w["status"], "timeout");
    assert_eq!(w["reason"], "the deadline of 1s passed");
    assert_eq!(w["attempts"].as_array().unwrap().len(), 2);
    // Attempt 2 never overwrote attempt 1's files.
    for name in [
        "worker-results/x-worker-error-analysis-1.md",
        "worker-results/x-worker-error-analysis-1-a2.md",
        "worker-results/x-worker-transcript-error-analysis-1.jsonl",
        "worker-results/x-worker-transcript-error-analysis-1-a2.jsonl",
        "prompts/x-worker-error-analysis-1.prompt.md",
        "prompts/x-worker-error-analysis-1-a2.prompt.md",
    ] {
        assert!(o.dir.join(name).is_file(), "{name} missing");
    }
    let p1 = fs_err::read(o.dir.join("prompts/x-worker-error-analysis-1.prompt.md")).unwrap();
    let p2 = fs_err::read(o.dir.join("prompts/x-worker-error-analysis-1-a2.prompt.md")).unwrap();
    assert_eq!(p1, p2, "a timeout re-dispatch sends attempt 1's bytes");
    assert_eq!(o.manifest["status"], "failed");
    assert_no_descendants(&o, &pids);
}

#[test]
fn sigterm_ignored_gets_sigkill() {
    let env = TestEnv::new();
    let pids = env.root().join("pids");
    let ready = ReadyFifo::new(&env.root().join("ready"));
    project(
        &env,
        fake(&[
            "--stall",
            "--ignore-term",
            "--pid-file",
            pids.to_str().unwrap(),
            "--ready-fifo",
            &ready.arg(),
        ]),
        &json!({}),
    );
    // okstra arms the deadline when it spawns the worker, and the worker can block SIGTERM
    // only once it runs (a spawn starts with an empty signal mask), so no handshake can order
    // the two: the 2 s deadline is what leaves the agent's first milliseconds to block it.
    // The ready FIFO proves that each attempt did block SIGTERM (the agent says ready only
    // after) and was still there to say so.
    let o = run_while(&env, "x", &["--deadline", "2s"], |_| ready.wait_for(2));
    assert_eq!(
        worker_events(&o.manifest, "x-worker"),
        [
            "dispatch",
            "spawned a1",
            "deadline a1",
            "SIGTERM a1",
            "SIGKILL a1",
            "reaped a1",
            "redispatch a2",
            "dispatch",
            "spawned a2",
            "deadline a2",
            "SIGTERM a2",
            "SIGKILL a2",
            "collect timeout",
            "reaped a2"
        ]
    );
    assert_no_descendants(&o, &pids);
}

#[test]
fn crash_is_redispatched_then_error_with_stderr_kept() {
    let env = TestEnv::new();
    project(
        &env,
        fake(&["--exit", "3", "--stderr", "segfault in module checkout"]),
        &json!({}),
    );
    let o = run(&env, "x", &[]);
    assert_eq!(
        worker_events(&o.manifest, "x-worker"),
        [
            "dispatch",
            "spawned a1",
            "reaped a1",
            "redispatch a2",
            "dispatch",
            "spawned a2",
            "collect error",
            "reaped a2"
        ]
    );
    let w = worker(&o.team, "x-worker");
    assert_eq!(
        w["reason"],
        "the command ended with exit code 3: segfault in module checkout"
    );
    for log in [
        "worker-results/x-worker-errors-error-analysis-1.log",
        "worker-results/x-worker-errors-error-analysis-1-a2.log",
    ] {
        assert_eq!(
            fs_err::read_to_string(o.dir.join(log)).unwrap(),
            "segfault in module checkout\n"
        );
    }
}

#[test]
fn garbage_output_is_redispatched_then_error() {
    let env = TestEnv::new();
    let agent = json!({
        "adapter": "claude",
        "binary": crate::common::fake_agent().display().to_string(),
        "extraArgs": ["--format", "claude", "--garbage"],
    });
    project(&env, agent, &json!({}));
    let o = run(&env, "x", &[]);
    assert_eq!(
        worker_events(&o.manifest, "x-worker"),
        [
            "dispatch",
            "spawned a1",
            "reaped a1",
            "redispatch a2",
            "dispatch",
            "spawned a2",
            "collect error",
            "reaped a2"
        ]
    );
    assert_eq!(
        worker(&o.team, "x-worker")["reason"],
        "claude's output has no final result (2 unparsable lines)"
    );
    let transcript = fs_err::read_to_string(
        o.dir
            .join("worker-results/x-worker-transcript-error-analysis-1.jsonl"),
    )
    .unwrap();
    assert!(transcript.contains("this is not json"), "{transcript}");
}

#[test]
fn missing_binary_is_not_run_naming_the_cli() {
    // TestEnv's PATH holds git but no worker CLI, whatever the machine has installed. `x` can
    // run, so the run goes ahead (with no analyser that can run, it is refused: preflight.rs).
    let env = TestEnv::new();
    project(&env, fake(&["--text", FINDINGS]), &json!({}));
    let o = run(&env, "claude,x", &[]);
    assert_eq!(o.code, Some(0));
    assert_eq!(
        worker_events(&o.manifest, "claude-worker"),
        ["collect not-run"]
    );
    let reason = worker(&o.team, "claude-worker")["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(reason.starts_with("claude CLI not found"), "{reason}");
    assert!(
        reason.contains("npm install -g @anthropic-ai/claude-code"),
        "{reason}"
    );
    let result = fs_err::read_to_string(
        o.dir
            .join("worker-results/claude-worker-error-analysis-1.md"),
    )
    .unwrap();
    assert!(result.contains("status: not-run"), "{result}");
}

#[test]
fn codex_not_logged_in_is_not_run() {
    let mut env = TestEnv::new();
    let clis = env.root().join("clis");
    fs_err::create_dir_all(&clis).unwrap();
    let codex = clis.join("codex");
    fs_err::write(
        &codex,
        "#!/bin/sh\nif [ \"$1\" = login ]; then echo 'Not logged in' >&2; exit 1; fi\necho 'codex-cli 0.0-test'\n",
    )
    .unwrap();
    fs_err::set_permissions(&codex, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    env.prepend_path(&clis);
    project(&env, fake(&["--text", FINDINGS]), &json!({}));
    let o = run(&env, "codex,x", &[]);
    assert_eq!(
        worker_events(&o.manifest, "codex-worker"),
        ["collect not-run"]
    );
    let reason = worker(&o.team, "codex-worker")["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(reason.starts_with("codex is not logged in"), "{reason}");
}

#[test]
fn a_silent_worker_gets_one_stalled_event_and_is_not_killed() {
    let env = TestEnv::new();
    // The worker stays silent until okstra has said it stalled, then answers.
    let mut gate = Gate::new(&env.root().join("gate"));
    project(
        &env,
        fake(&["--wait-fifo", &gate.arg(), "--text", FINDINGS]),
        &json!({"stallWindow": "1s"}),
    );
    let o = run_while(&env, "x", &[], |child| {
        let seen = read_stderr_until(child, &["stalled x-worker"]);
        assert!(
            seen.iter().any(|l| l.contains("stalled x-worker")),
            "{seen:?}"
        );
        gate.release(1);
    });
    assert_eq!(o.code, Some(0), "{}", o.stdout);
    assert_eq!(
        worker_events(&o.manifest, "x-worker"),
        [
            "dispatch",
            "spawned a1",
            "stalled",
            "collect completed",
            "reaped a1"
        ]
    );
    let audit = fs_err::read_to_string(
        o.dir
            .join("worker-results/x-worker-audit-error-analysis-1.md"),
    )
    .unwrap();
    let stalled: Vec<&str> = audit
        .lines()
        .filter(|l| l.starts_with("- PROGRESS: stalled "))
        .collect();
    assert_eq!(stalled.len(), 1, "{audit}");
    assert!(
        stalled[0].ends_with('Z'),
        "an ISO-UTC stamp: {}",
        stalled[0]
    );
    assert_eq!(worker(&o.team, "x-worker")["attempts"][0]["stalled"], true);
}

#[test]
fn ctrl_c_interrupts_every_worker() {
    let env = TestEnv::new();
    let ready = ReadyFifo::new(&env.root().join("ready"));
    let pids = env.root().join("pids");
    let pid_arg = pids.to_str().unwrap().to_owned();
    write_project(
        &env,
        &json!({"projectId": "shop", "killGrace": "200ms", "roles": {"report-writer": "writer"}, "agents": {
            "writer": writer(),
            "x": fake(&["--stall", "--pid-file", &pid_arg, "--ready-fifo", &ready.arg()]),
            "y": fake(&["--stall", "--ignore-term", "--pid-file", &pid_arg, "--ready-fifo", &ready.arg()]),
        }}),
    );
    let brief = write_brief(&env);
    let mut cmd = okstra_cmd(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "faults/t1",
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
            "--workers",
            "x,y",
            "-v",
        ],
    );
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for both workers to be running, from okstra's own live lines (`-v` shows them).
    let seen = read_stderr_until(
        &mut child,
        &["spawned worker=x-worker", "spawned worker=y-worker"],
    );
    assert!(
        seen.iter().any(|l| l.contains("spawned worker=y-worker")),
        "{seen:?}"
    );
    // …and to have set up their signal handling (y ignores SIGTERM).
    ready.wait_for(2);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = wait_guarded(child);
    assert_eq!(out.status.code(), Some(130));
    let dir = run_dir(&env, "faults/t1", "error-analysis");
    let manifest = read_json(&dir.join("manifests/run-manifest-error-analysis-1.json"));
    let team = read_json(&dir.join("state/team-state-1.json"));
    assert_eq!(manifest["status"], "interrupted");
    for name in ["x-worker", "y-worker"] {
        let w = worker(&team, name);
        assert_eq!(w["status"], "error", "{name}");
        assert_eq!(w["reason"], "interrupted", "{name}");
        assert_eq!(
            w["attempts"].as_array().unwrap().len(),
            1,
            "no re-dispatch after Ctrl-C"
        );
    }
    assert_eq!(
        worker_events(&manifest, "y-worker"),
        [
            "dispatch",
            "spawned a1",
            "SIGTERM a1",
            "SIGKILL a1",
            "collect error",
            "reaped a1"
        ]
    );
    let o = Outcome {
        code: out.status.code(),
        stdout: String::new(),
        run_id: manifest["runId"].as_str().unwrap().to_owned(),
        manifest,
        team,
        dir,
    };
    assert_no_descendants(&o, &pids);
}

#[test]
fn one_hanging_worker_of_three_leaves_two_results_and_a_timeout() {
    let env = TestEnv::new();
    write_project(
        &env,
        &json!({"projectId": "shop", "killGrace": "200ms", "roles": {"report-writer": "writer"}, "agents": {
            "writer": writer(),
            "a": fake(&["--text", FINDINGS, "--usage", "{\"inputTotal\":100,\"output\":20}"]),
            "b": fake(&["--text", FINDINGS, "--usage", "{\"inputTotal\":50,\"output\":10}"]),
            "c": fake(&["--stall"]),
        }}),
    );
    // The deadline applies to every worker of the run, so the healthy ones must answer within
    // it too. They answer as soon as they start (milliseconds); only the stalling c can reach
    // 3 s, which keeps this test at about two deadlines (c's two attempts).
    let o = run(&env, "a,b,c", &["--deadline", "3s"]);
    assert_eq!(o.code, Some(0));
    let summary = okstra_test_support::normalize(&o.stdout, &env.root());
    let summary: String = summary
        .lines()
        .map(|l| {
            // Durations vary; keep the rest of each row.
            l.split_whitespace()
                .map(|w| {
                    let digits = w.trim_end_matches('s').replace(['.', 'm'], "");
                    if w.ends_with('s')
                        && !digits.is_empty()
                        && digits.chars().all(|c| c.is_ascii_digit())
                    {
                        "[DUR]"
                    } else {
                        w
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(summary, @r"
    run [RUN] — error-analysis #1 completed in [DUR]
    WORKER MODEL STATUS DURATION TOKENS RESULT
    a-worker - completed [DUR] 120 tok .okstra/tasks/faults/t1/runs/error-analysis/worker-results/a-worker-error-analysis-1.md
    b-worker - completed [DUR] 60 tok .okstra/tasks/faults/t1/runs/error-analysis/worker-results/b-worker-error-analysis-1.md
    c-worker - timeout [DUR] - .okstra/tasks/faults/t1/runs/error-analysis/worker-results/c-worker-error-analysis-1-a2.md
    workers: 2 completed, 1 timeout
    c-worker timeout: the deadline of [DUR] passed
    findings: 1 full-consensus, 0 partial-consensus, 0 worker-unique, 0 disputed
    tokens: in 150, out 30
    team state: .okstra/tasks/faults/t1/runs/error-analysis/state/team-state-1.json
    report: .okstra/tasks/faults/t1/runs/error-analysis/reports/final-report-error-analysis-1.md
    ");
    let a =
        fs_err::read_to_string(o.dir.join("worker-results/a-worker-error-analysis-1.md")).unwrap();
    assert!(a.ends_with(&format!("---\n{FINDINGS}\n")), "{a}");
}
