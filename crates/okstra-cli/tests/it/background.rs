//! `okstra run --background` and `okstra resume --background`: with no tmux, a replay run
//! prepared here runs to `completed` as a background process (no session named in the
//! manifest; its output in the run's `state/background-<seq>.log`, 0600); a prepared run is
//! resumed the same way; a run that already ended is answered at once; `--background` and
//! `--detach` exclude each other.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use okstra_test_support::TestEnv;
use serde_json::{Value, json};

use crate::common::{okstra, write_brief, write_project};

/// Sets up `t/v` for an error-analysis run with replay analysers; returns the brief's path.
fn replay_project(env: &TestEnv) -> PathBuf {
    fs_err::write(
        env.project().join("fixture.json"),
        include_str!("fixtures/analysis.json"),
    )
    .unwrap();
    let replay = json!({"adapter": "replay", "fixture": "fixture.json"});
    write_project(
        env,
        &json!({"projectId": "shop", "agents": {"claude": replay, "codex": replay, "gemini": replay}}),
    );
    write_brief(env)
}

/// Returns `ctl show <run> --json` once the run has ended, under the watchdog.
fn ended(env: &TestEnv, run_id: &str) -> Value {
    let began = Instant::now();
    loop {
        let out = okstra(env, &["ctl", "show", run_id, "--json"]);
        let v: Value = serde_json::from_str(&out.stdout).unwrap();
        if matches!(
            v["status"].as_str(),
            Some("completed" | "failed" | "interrupted")
        ) {
            return v;
        }
        assert!(began.elapsed() < crate::common::WATCHDOG, "{v}");
        #[expect(
            clippy::disallowed_methods,
            reason = "polling a run another process drives"
        )]
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_background_run_runs_to_completed_without_tmux() {
    let env = TestEnv::new();
    let brief = replay_project(&env);
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
            "--background",
            "--json",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let run_id = v["runId"].as_str().unwrap().to_owned();
    assert!(v["pid"].as_u64().unwrap() > 0, "{v}");
    let run = ended(&env, &run_id);
    assert_eq!(run["status"], "completed", "{run}");
    let manifest: Value =
        serde_json::from_str(&fs_err::read_to_string(run["manifest"].as_str().unwrap()).unwrap())
            .unwrap();
    assert_eq!(manifest["tmuxSession"], Value::Null);
    let log = PathBuf::from(v["log"].as_str().unwrap());
    assert_eq!(
        log,
        PathBuf::from(run["runDir"].as_str().unwrap()).join("state/background-1.log")
    );
    let mode = fs_err::metadata(&log).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = fs_err::read_to_string(&log).unwrap();
    assert!(text.contains(&format!("resuming run {run_id}")), "{text}");
    let validated = okstra(&env, &["validate", &run_id]);
    assert_eq!(validated.code, Some(0), "{validated}");

    // Text output names the run, the pid and the log.
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/v",
            "--base-ref",
            "main",
            "--background",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains("pid:"), "{out}");
    assert!(out.stdout.contains("state/background-2.log"), "{out}");
    assert!(out.stderr.contains("runs in the background"), "{out}");
    let second = out
        .stdout
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("run:")
        .trim();
    assert_eq!(ended(&env, second)["status"], "completed");
}

#[test]
fn a_prepared_run_is_resumed_in_the_background_and_an_ended_one_answered_at_once() {
    let env = TestEnv::new();
    let brief = replay_project(&env);
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
            "--prepare-only",
            "--json",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let run_id = serde_json::from_str::<Value>(&out.stdout).unwrap()["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = okstra(&env, &["resume", &run_id, "--background", "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["runId"], run_id.as_str());
    assert!(v["pid"].as_u64().is_some(), "{v}");
    assert_eq!(ended(&env, &run_id)["status"], "completed");

    let again = okstra(&env, &["resume", &run_id, "--background", "--json"]);
    assert_eq!(again.code, Some(0), "{again}");
    let v: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(v["resumed"], false);
    assert_eq!(v["status"], "completed");
    assert!(v.get("pid").is_none(), "{v}");

    let both = okstra(&env, &["resume", &run_id, "--background", "--detach"]);
    assert_eq!(both.code, Some(2), "{both}");
    assert!(both.stderr.contains("cannot be used with"), "{both}");
}
