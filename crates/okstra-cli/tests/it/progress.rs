//! What a run says on the terminal: its steps in the README's words, internals only with `-v`
//! (the manifest keeps the checkpoint ids either way), and, after Ctrl-C, a failure or `init`,
//! a last line that says what to do next.

use std::process::Stdio;

use okstra_test_support::TestEnv;
use okstra_test_support::fake_agent::ReadyFifo;
use serde_json::{Value, json};

use crate::common::{
    FINDINGS, fake, okstra, okstra_bin, okstra_cmd, read_json, run_dir, run_guarded, wait_guarded,
    write_brief, write_project, writer,
};

/// Puts a folder whose `okstra` is the binary under test in front of PATH, as after
/// `cargo install`.
fn okstra_on_path(env: &mut TestEnv) {
    let bin = env.root().join("installed");
    fs_err::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(okstra_bin(), bin.join("okstra")).unwrap();
    env.prepend_path(&bin);
}

fn run_args<'a>(task: &'a str, brief: &'a str, workers: &'a str) -> Vec<&'a str> {
    vec![
        "run",
        "error-analysis",
        "--task",
        task,
        "--brief",
        brief,
        "--base-ref",
        "main",
        "--workers",
        workers,
    ]
}

fn manifest(env: &TestEnv, task: &str) -> Value {
    read_json(
        &run_dir(env, task, "error-analysis").join("manifests/run-manifest-error-analysis-1.json"),
    )
}

#[test]
fn verbose_shows_the_internals_and_the_default_does_not() {
    let env = TestEnv::new();
    write_project(
        &env,
        &json!({"projectId": "shop", "roles": {"report-writer": "writer"},
            "agents": {"writer": writer(), "x": fake(&["--text", FINDINGS])}}),
    );
    let brief = write_brief(&env);
    let brief = brief.to_str().unwrap();
    let default = run_guarded(&env, okstra_cmd(&env, &run_args("p/a", brief, "x")));
    assert_eq!(default.code, Some(0), "{default}");
    let mut args = run_args("p/b", brief, "x");
    args.insert(0, "-v");
    let verbose = run_guarded(&env, okstra_cmd(&env, &args));
    assert_eq!(verbose.code, Some(0), "{verbose}");

    for out in [&default, &verbose] {
        for step in [
            "prepare run #1 in .okstra/tasks/p/",
            "prompts 1 worker prompt\n",
            "dispatch x-worker\n",
            "collect x-worker completed in ",
            "dispatch report-writer",
            "report .okstra/tasks/p/",
            "validate: every check passed\n",
        ] {
            assert!(out.stderr.contains(step), "{step:?} missing: {out}");
        }
    }
    let internals = [
        "  spawned worker=x-worker attempt=1 pid=",
        "  reaped worker=x-worker attempt=1 descendants=0",
        "  phase-5-poll pending=0 done=1",
        "  finished status=completed",
    ];
    for internal in internals {
        assert!(verbose.stderr.contains(internal), "{internal:?}: {verbose}");
    }
    for hidden in [
        "spawned",
        "reaped",
        "descendants=",
        "phase-",
        "worker=",
        "finished",
    ] {
        assert!(!default.stderr.contains(hidden), "{hidden:?}: {default}");
    }
    // The manifest keeps its checkpoint ids and internal events whatever the terminal shows.
    let events: Vec<String> = manifest(&env, "p/a")["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["checkpoint"].as_str().unwrap().to_owned())
        .collect();
    for id in [
        "prepare",
        "phase-2-prompts",
        "phase-4-dispatch",
        "spawned",
        "phase-5-collect",
        "reaped",
        "report",
        "validate",
        "finished",
    ] {
        assert!(events.iter().any(|e| e == id), "{id}: {events:?}");
    }
}

#[test]
fn after_ctrl_c_the_last_line_says_how_to_resume() {
    let mut env = TestEnv::new();
    okstra_on_path(&mut env);
    let ready = ReadyFifo::new(&env.root().join("ready"));
    write_project(
        &env,
        &json!({"projectId": "shop", "killGrace": "200ms", "roles": {"report-writer": "writer"},
            "agents": {"writer": writer(), "x": fake(&["--stall", "--ready-fifo", &ready.arg()])}}),
    );
    let brief = write_brief(&env);
    let child = okstra_cmd(&env, &run_args("c/i", brief.to_str().unwrap(), "x"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The worker is running (and has set up its signal handling) before the Ctrl-C.
    ready.wait_for(1);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = env.output(&wait_guarded(child));
    assert_eq!(out.code, Some(130), "{out}");
    let run_id = manifest(&env, "c/i")["runId"].as_str().unwrap().to_owned();
    assert_eq!(
        out.stderr.lines().last().unwrap(),
        format!(
            "next: `okstra resume {run_id}` continues the run (finished workers are not asked \
             again)"
        ),
        "{out}"
    );
    // …and the command it names continues it (with a worker that now answers).
    write_project(
        &env,
        &json!({"projectId": "shop", "roles": {"report-writer": "writer"},
            "agents": {"writer": writer(), "x": fake(&["--text", FINDINGS])}}),
    );
    let resumed = run_guarded(&env, okstra_cmd(&env, &["resume", &run_id]));
    assert_eq!(resumed.code, Some(0), "{resumed}");
}

#[test]
fn after_a_failed_run_the_last_line_says_what_to_check() {
    let mut env = TestEnv::new();
    okstra_on_path(&mut env);
    write_project(
        &env,
        &json!({"projectId": "shop", "roles": {"report-writer": "writer"},
            "agents": {"writer": writer(), "x": fake(&["--exit", "1"])}}),
    );
    let brief = write_brief(&env);
    let out = run_guarded(
        &env,
        okstra_cmd(&env, &run_args("f/a", brief.to_str().unwrap(), "x")),
    );
    assert_eq!(out.code, Some(3), "{out}");
    let last = out.stderr_normalized().lines().last().unwrap().to_owned();
    insta::assert_snapshot!(last, @"next: `okstra doctor` checks the worker CLIs (the summary gives each worker's reason); the report is .okstra/tasks/f/a/runs/error-analysis/reports/final-report-error-analysis-1.md");
}

#[test]
fn after_init_the_last_lines_name_the_next_commands() {
    let mut env = TestEnv::new();
    okstra_on_path(&mut env);
    let out = okstra(&env, &["init"]);
    assert_eq!(out.code, Some(0), "{out}");
    let tail: Vec<&str> = out.stderr.lines().rev().take(2).collect();
    assert_eq!(
        tail,
        [
            "then: okstra run error-analysis --task <group>/<id> --brief <FILE> --base-ref <REF>",
            "next: okstra doctor   (checks the worker CLIs)",
        ],
        "{out}"
    );
    // From another folder through -C, the run command keeps the -C.
    let mut cmd = okstra_cmd(&env, &["-C", "project", "init"]);
    cmd.current_dir(env.root());
    let out = env.run(cmd);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(
        out.stderr_normalized().lines().last().unwrap(),
        "then: okstra -C [TMP]/project run error-analysis --task <group>/<id> --brief <FILE> \
         --base-ref <REF>",
        "{out}"
    );
}
