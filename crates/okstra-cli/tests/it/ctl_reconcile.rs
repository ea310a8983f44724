//! `okstra ctl reconcile`: after an `okstra run` is SIGKILLed while its (fake-agent) workers
//! hang, reconcile stops the orphaned workers, records the run `interrupted` in its manifest,
//! team state, timeline and the index, and `okstra resume` then completes it; a run whose
//! okstra is alive is left alone; `--dry-run` changes and stops nothing.

use std::process::Stdio;

use okstra_test_support::TestEnv;
use okstra_test_support::fake_agent::{Gate, is_alive, live_pids, tagged_pids};
use serde_json::{Value, json};

use crate::common::{
    FINDINGS, fake, okstra, okstra_cmd, read_json, read_stderr_until, run_dir, run_guarded,
    wait_guarded, write_brief, write_project, writer,
};

const TASK: &str = "ops/t1";

/// Two analysers that wait on `gate`, then answer the same finding; a fake report writer.
fn project(env: &TestEnv, gate: &Gate) -> std::path::PathBuf {
    let pids = env.root().join("pids");
    let agent = fake(&[
        "--text",
        FINDINGS,
        "--pid-file",
        pids.to_str().unwrap(),
        "--wait-fifo",
        &gate.arg(),
    ]);
    write_project(
        env,
        &json!({"projectId": "shop", "killGrace": "200ms", "roles": {"report-writer": "writer"},
            "agents": {"x": agent, "y": agent, "writer": writer()}}),
    );
    pids
}

fn run_cmd(env: &TestEnv) -> std::process::Command {
    let brief = write_brief(env);
    okstra_cmd(
        env,
        &[
            "run",
            "error-analysis",
            "--task",
            TASK,
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
            "--workers",
            "x,y",
        ],
    )
}

fn state_file(env: &TestEnv, name: &str) -> Value {
    read_json(&run_dir(env, TASK, "error-analysis").join(name))
}

fn manifest(env: &TestEnv) -> Value {
    state_file(env, "manifests/run-manifest-error-analysis-1.json")
}

/// The run's index rows, as `(event, status)`.
fn index_rows(env: &TestEnv, run_id: &str) -> Vec<(String, String)> {
    let text = fs_err::read_to_string(env.okstra_home().join("index/runs.jsonl")).unwrap();
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["runId"] == run_id)
        .map(|r| {
            let field = |k: &str| r[k].as_str().unwrap().to_owned();
            (field("event"), field("status"))
        })
        .collect()
}

fn reconcile(env: &TestEnv, args: &[&str]) -> Value {
    let mut all = vec!["ctl", "reconcile", "--json"];
    all.extend_from_slice(args);
    let out = okstra(env, &all);
    assert_eq!(out.code, Some(0), "{out}");
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn a_sigkilled_run_is_interrupted_its_workers_stopped_and_resume_completes_it() {
    let env = TestEnv::new();
    let mut gate = Gate::new(&env.root().join("gate"));
    let pids = project(&env, &gate);
    let mut cmd = run_cmd(&env);
    cmd.env("OKSTRA_TEST_KILL_AT", "workers-running");
    let out = run_guarded(&env, cmd);
    assert_eq!(out.code, None, "okstra was not killed: {out}");
    let run_id = manifest(&env)["runId"].as_str().unwrap().to_owned();
    assert_eq!(manifest(&env)["status"], "running");
    let orphans: Vec<(u32, Option<u64>)> = state_file(&env, "state/team-state-1.json")["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let a = &w["attempts"][0];
            (
                u32::try_from(a["pid"].as_u64().unwrap()).unwrap(),
                a["processStart"].as_u64(),
            )
        })
        .collect();
    assert_eq!(orphans.len(), 2);
    assert!(orphans.iter().all(|(p, s)| is_alive(*p, *s)));

    // `ctl show` tells that the run's okstra is gone, and what to do.
    let show = okstra(&env, &["ctl", "show", &run_id]);
    assert!(
        show.stdout.contains(&format!(
            "is gone: `okstra ctl reconcile` marks the run interrupted, then `okstra resume {run_id}` continues it"
        )),
        "{show}"
    );
    let show: Value =
        serde_json::from_str(&okstra(&env, &["ctl", "show", &run_id, "--json"]).stdout).unwrap();
    assert_eq!(show["okstraAlive"], false);
    assert_eq!(show["workers"][0]["pid"], orphans[0].0);

    // A dry run names the dead run and touches nothing.
    let dry = reconcile(&env, &["--dry-run"]);
    assert_eq!(dry["runs"].as_array().unwrap().len(), 1, "{dry}");
    assert_eq!(dry["runs"][0]["runId"], run_id.as_str());
    assert_eq!(dry["runs"][0]["state"], "dead");
    assert_eq!(manifest(&env)["status"], "running");
    assert!(orphans.iter().all(|(p, s)| is_alive(*p, *s)));

    let report = reconcile(&env, &[]);
    let run = &report["runs"][0];
    assert_eq!(run["state"], "interrupted", "{report}");
    assert_eq!(run["interruptedWorkers"], 2, "{report}");
    assert!(run["stoppedProcesses"].as_u64().unwrap() >= 2, "{report}");
    for (pid, start) in &orphans {
        assert!(!is_alive(*pid, *start), "orphaned worker {pid} survived");
    }
    assert_eq!(live_pids(&pids), Vec::<u32>::new());
    assert_eq!(tagged_pids(&run_id), Vec::<u32>::new());

    let m = manifest(&env);
    assert_eq!(m["status"], "interrupted");
    assert_eq!(m["pid"], Value::Null);
    assert!(m["finishedAt"].is_string());
    let event = m["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["checkpoint"] == "reconcile")
        .expect("a reconcile event");
    assert!(
        event["message"]
            .as_str()
            .unwrap()
            .contains("interrupted workers=2"),
        "{event}"
    );
    let timeline = read_json(
        &env.project()
            .join(".okstra/tasks/ops/t1/history/timeline.json"),
    );
    let entry = timeline["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["runId"] == run_id.as_str())
        .unwrap();
    assert_eq!(entry["status"], "interrupted");
    assert_eq!(
        index_rows(&env, &run_id),
        [
            ("started".to_owned(), "running".to_owned()),
            ("done".to_owned(), "interrupted".to_owned())
        ]
    );
    let show: Value =
        serde_json::from_str(&okstra(&env, &["ctl", "show", &run_id, "--json"]).stdout).unwrap();
    assert_eq!(show["status"], "interrupted");
    assert_eq!(show["okstraAlive"], Value::Null);
    for w in show["workers"].as_array().unwrap().iter().take(2) {
        assert_eq!(
            (&w["status"], &w["reason"]),
            (&json!("error"), &json!("interrupted"))
        );
    }

    // Nothing is left to reconcile.
    assert_eq!(reconcile(&env, &[])["runs"], json!([]));
    let out = okstra(&env, &["ctl", "reconcile"]);
    assert!(
        out.stderr.contains("no running runs: nothing to reconcile"),
        "{out}"
    );

    // Resume runs the interrupted workers again and completes the run.
    gate.release(2);
    let out = run_guarded(&env, okstra_cmd(&env, &["resume", &run_id, "--json"]));
    assert_eq!(out.code, Some(0), "{out}");
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["status"], "completed");
    assert_eq!(summary["stoppedLeftovers"], 0, "reconcile stopped them");
    assert_eq!(manifest(&env)["status"], "completed");
    assert_eq!(
        index_rows(&env, &run_id).last().unwrap(),
        &("done".to_owned(), "completed".to_owned())
    );
    assert_eq!(live_pids(&pids), Vec::<u32>::new());
}

#[test]
fn a_run_whose_okstra_is_alive_is_left_alone() {
    let env = TestEnv::new();
    let mut gate = Gate::new(&env.root().join("gate"));
    project(&env, &gate);
    let mut child = run_cmd(&env)
        .arg("-v")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    read_stderr_until(
        &mut child,
        &["spawned worker=x-worker", "spawned worker=y-worker"],
    );
    let report = reconcile(&env, &[]);
    let run = &report["runs"][0];
    assert_eq!(run["state"], "alive", "{report}");
    assert_eq!(run["pid"], child.id());
    assert_eq!(manifest(&env)["status"], "running");
    let run_id = manifest(&env)["runId"].as_str().unwrap().to_owned();
    let show: Value =
        serde_json::from_str(&okstra(&env, &["ctl", "show", &run_id, "--json"]).stdout).unwrap();
    assert_eq!(show["okstraAlive"], true);
    assert_eq!(show["okstraPid"], child.id());
    let out = okstra(&env, &["ctl", "reconcile"]);
    let line = out.stdout.lines().nth(1).unwrap_or_default();
    assert!(line.contains(" alive "), "{out}");
    gate.release(2);
    let out = wait_guarded(child);
    assert_eq!(out.status.code(), Some(0), "{}", env.output(&out));
    assert_eq!(manifest(&env)["status"], "completed");
}

/// One run whose records cannot be read is named as such; reconcile does not stop at it.
#[test]
fn a_dead_run_with_a_broken_team_state_is_named_and_reconcile_goes_on() {
    let env = TestEnv::new();
    let gate = Gate::new(&env.root().join("gate"));
    project(&env, &gate);
    let mut cmd = run_cmd(&env);
    cmd.env("OKSTRA_TEST_KILL_AT", "workers-running");
    let out = run_guarded(&env, cmd);
    assert_eq!(out.code, None, "okstra was not killed: {out}");
    let run_id = manifest(&env)["runId"].as_str().unwrap().to_owned();
    let team = run_dir(&env, TASK, "error-analysis").join("state/team-state-1.json");
    let original = fs_err::read_to_string(&team).unwrap();
    fs_err::write(&team, "{ torn").unwrap();
    let report = reconcile(&env, &[]);
    let run = &report["runs"][0];
    assert_eq!(run["runId"], run_id.as_str(), "{report}");
    assert_eq!(run["state"], "unreadable", "{report}");
    assert!(
        run["error"]
            .as_str()
            .is_some_and(|w| w.contains("team-state-1.json")),
        "{report}"
    );
    assert_eq!(manifest(&env)["status"], "running", "left alone");
    // Mended, the next reconcile interrupts it and stops its workers.
    fs_err::write(&team, original).unwrap();
    let report = reconcile(&env, &[]);
    assert_eq!(report["runs"][0]["state"], "interrupted", "{report}");
}
