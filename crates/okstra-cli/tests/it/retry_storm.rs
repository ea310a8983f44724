//! Retry storms (SPEC §5.4): after `retryLimit` retry notices with the same HTTP status, okstra
//! stops the worker and records `error` "rate limited (HTTP 429)" — and does not re-dispatch it
//! (only a timeout, a crash with no known reason or an unparsable block is). The worker is
//! `fake-agent` posing as `claude`, printing Claude Code's `api_retry` stream-json events.

use std::process::{Child, Stdio};

use okstra_test_support::TestEnv;
use okstra_test_support::fake_agent::Gate;
use serde_json::{Value, json};

use crate::common::{
    FINDINGS, fake_agent, okstra_cmd, read_json, read_stderr_until, run_dir, wait_guarded,
    worker_events, write_brief, write_project, writer,
};

/// What a run of one fake-claude analyser left.
struct Ran {
    code: Option<i32>,
    manifest: Value,
    worker: Value,
    transcript: String,
}

/// Runs analyser `x` (fake claude with `args`) under `retryLimit` `limit`, calling `during`
/// with the running okstra.
fn run(env: &TestEnv, limit: u32, args: &[&str], during: impl FnOnce(&mut Child)) -> Ran {
    let mut extra = vec!["--format", "claude"];
    extra.extend_from_slice(args);
    let agent = json!({
        "adapter": "claude",
        "binary": fake_agent().display().to_string(),
        "extraArgs": extra,
    });
    write_project(
        env,
        &json!({"projectId": "shop", "retryLimit": limit, "killGrace": "200ms",
            "roles": {"report-writer": "writer"}, "agents": {"x": agent, "writer": writer()}}),
    );
    let brief = write_brief(env);
    let mut child = okstra_cmd(
        env,
        &[
            "run",
            "error-analysis",
            "--task",
            "storm/t1",
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
            "--workers",
            "x",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawn okstra");
    during(&mut child);
    let out = wait_guarded(child);
    let dir = run_dir(env, "storm/t1", "error-analysis");
    let manifest = read_json(&dir.join("manifests/run-manifest-error-analysis-1.json"));
    let team = read_json(&dir.join("state/team-state-1.json"));
    let worker = team["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["worker"] == "x-worker")
        .unwrap()
        .clone();
    let transcript = fs_err::read_to_string(
        dir.join("worker-results/x-worker-transcript-error-analysis-1.jsonl"),
    )
    .unwrap();
    Ran {
        code: out.status.code(),
        manifest,
        worker,
        transcript,
    }
}

fn retries(n: u32) -> Vec<String> {
    (0..n).map(|_| "retry 429".to_owned()).collect()
}

#[test]
fn the_notice_reaching_retry_limit_stops_the_worker_without_a_redispatch() {
    for limit in [2, 3] {
        let notices = limit.to_string();
        // The agent would wait forever after its notices: only okstra's cut ends it.
        let env = TestEnv::new();
        let ran = run(
            &env,
            limit,
            &["--retry-notices", &notices, "--stall"],
            |_| {},
        );
        assert_eq!(
            ran.code,
            Some(3),
            "the only analyser failed (limit {limit})"
        );
        let mut expected = vec!["dispatch".to_owned(), "spawned a1".to_owned()];
        expected.extend(retries(limit));
        expected.extend(["SIGTERM a1", "collect error", "reaped a1"].map(str::to_owned));
        assert_eq!(
            worker_events(&ran.manifest, "x-worker"),
            expected,
            "limit {limit}"
        );
        assert_eq!(ran.worker["status"], "error", "limit {limit}");
        assert_eq!(
            ran.worker["reason"], "rate limited (HTTP 429)",
            "limit {limit}"
        );
        assert_eq!(
            ran.worker["attempts"].as_array().unwrap().len(),
            1,
            "a retry storm is not re-dispatched (limit {limit})"
        );
        assert_eq!(
            ran.transcript.matches("\"subtype\":\"api_retry\"").count(),
            usize::try_from(limit).unwrap(),
            "limit {limit}: {}",
            ran.transcript
        );
    }
}

#[test]
fn fewer_notices_than_the_retry_limit_do_not_stop_the_worker() {
    for limit in [2, 3] {
        let env = TestEnv::new();
        // The agent prints one notice fewer than the limit, then waits on the gate: it answers
        // only once okstra has counted every notice while it was still running.
        let mut gate = Gate::new(&env.root().join("gate"));
        let notices = (limit - 1).to_string();
        let args = [
            "--retry-notices",
            &notices,
            "--wait-fifo",
            &gate.arg(),
            "--text",
            FINDINGS,
        ];
        let last = format!("retry x-worker: HTTP 429, notice {}", limit - 1);
        let ran = run(&env, limit, &args, |child| {
            let seen = read_stderr_until(child, &[&last]);
            assert!(seen.iter().any(|l| l.contains(&last)), "{seen:?}");
            gate.release(1);
        });
        assert_eq!(ran.code, Some(0), "limit {limit}");
        let mut expected = vec!["dispatch".to_owned(), "spawned a1".to_owned()];
        expected.extend(retries(limit - 1));
        expected.extend(["collect completed", "reaped a1"].map(str::to_owned));
        assert_eq!(
            worker_events(&ran.manifest, "x-worker"),
            expected,
            "limit {limit}"
        );
        assert_eq!(ran.worker["status"], "completed", "limit {limit}");
    }
}
