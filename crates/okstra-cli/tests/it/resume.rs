//! `okstra resume` with process workers (fake agents): a run killed while its workers run is
//! finished, the dead okstra's workers are stopped, a second concurrent resume is refused
//! (exit 2), an interrupted run is continued, and a finished run is left alone (these two also
//! with `--json`). The crash at every kill point against real CLIs is in `real_analysis`.

use std::process::Stdio;

use okstra_test_support::TestEnv;
use okstra_test_support::fake_agent::{Gate, is_alive, live_pids, tagged_pids};
use serde_json::{Value, json};

use crate::common::{
    FINDINGS, fake, okstra, okstra_cmd, read_json, read_stderr_until, run_dir, run_guarded,
    wait_guarded, write_brief, write_project, writer,
};

const TASK: &str = "resume/t1";
const MANIFEST: &str = "manifests/run-manifest-error-analysis-1.json";

/// Two analysers that answer the same finding — once `gate` lets each go on, when given (so a
/// test knows they are still running until it says so); a fake report writer.
fn project(env: &TestEnv, gate: Option<&Gate>) -> std::path::PathBuf {
    let pids = env.root().join("pids");
    let pid_arg = pids.display().to_string();
    let mut args = vec!["--text", FINDINGS, "--pid-file", &pid_arg];
    let gate_arg = gate.map(Gate::arg);
    if let Some(g) = &gate_arg {
        args.extend(["--wait-fifo", g]);
    }
    let agent = fake(&args);
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

fn manifest(env: &TestEnv) -> Value {
    read_json(&run_dir(env, TASK, "error-analysis").join(MANIFEST))
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

fn index_events(env: &TestEnv, run_id: &str) -> Vec<String> {
    index_rows(env, run_id)
        .into_iter()
        .map(|(e, _)| e)
        .collect()
}

#[test]
fn a_run_killed_while_workers_run_is_finished_and_a_second_resume_exits_2() {
    let env = TestEnv::new();
    // The workers wait on the gate: the dead okstra's are still running when checked, and
    // the resumed ones answer only after the second resume was refused.
    let mut gate = Gate::new(&env.root().join("gate"));
    let pids = project(&env, Some(&gate));
    let mut cmd = run_cmd(&env);
    cmd.env("OKSTRA_TEST_KILL_AT", "workers-running");
    let out = run_guarded(&env, cmd);
    assert_eq!(out.code, None, "okstra was not killed: {out}");
    let run_id = manifest(&env)["runId"].as_str().unwrap().to_owned();
    // The dead okstra's workers, as its team state recorded them.
    let team = read_json(&run_dir(&env, TASK, "error-analysis").join("state/team-state-1.json"));
    let orphans: Vec<(u32, Option<u64>)> = team["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let a = &w["attempts"][0];
            let pid = u32::try_from(a["pid"].as_u64().unwrap()).unwrap();
            (pid, a["processStart"].as_u64())
        })
        .collect();
    assert_eq!(orphans.len(), 2);
    assert!(
        orphans.iter().all(|(pid, start)| is_alive(*pid, *start)),
        "the dead okstra's workers still run"
    );
    // The killed okstra left the temp files of its workers' result files behind.
    let run = run_dir(&env, TASK, "error-analysis");
    assert!(
        temp_files(&run).len() >= 2,
        "result temp files of the killed run: {:?}",
        temp_files(&run)
    );
    // One of an attempt that will not run again, and one of another run (seq 10) of the task.
    let results = run.join("worker-results");
    fs_err::write(
        results.join(".x-worker-error-analysis-1-a7.md.okstra-tmp"),
        "",
    )
    .unwrap();
    fs_err::write(
        results.join(".x-worker-error-analysis-10.md.okstra-tmp"),
        "",
    )
    .unwrap();

    // `-v` shows the `spawned` lines.
    let mut first = okstra_cmd(&env, &["-v", "resume", &run_id])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first resume holds the run lock once it dispatches workers again.
    let seen = read_stderr_until(&mut first, &["spawned worker=x-worker"]);
    assert!(
        seen.iter().any(|l| l.contains("spawned worker=x-worker")),
        "{seen:?}"
    );
    let second = okstra(&env, &["resume", &run_id]);
    assert_eq!(second.code, Some(2), "{second}");
    assert!(
        second
            .stderr
            .contains("is being driven by another okstra (its run lock is held)"),
        "{second}"
    );
    // The dead okstra's workers were stopped; let the two resumed ones answer.
    gate.release(2);
    let out = wait_guarded(first);
    assert_eq!(out.status.code(), Some(0), "{}", env.output(&out));

    for (pid, start) in orphans {
        assert!(
            !is_alive(pid, start),
            "worker {pid} of the dead okstra survived"
        );
    }
    assert_eq!(live_pids(&pids), Vec::<u32>::new());
    assert_eq!(tagged_pids(&run_id), Vec::<u32>::new());
    let m = manifest(&env);
    assert_eq!(m["status"], "completed");
    assert!(
        m["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["checkpoint"] == "resume"
                && e["message"].as_str().unwrap().contains("stopped=")),
        "the resume is in the manifest's events"
    );
    // A killed run never recorded an end: one `started` row, then its one `done` row.
    assert_eq!(index_events(&env, &run_id), ["started", "done"]);
    assert_eq!(
        temp_files(&run),
        ["worker-results/.x-worker-error-analysis-10.md.okstra-tmp"],
        "only the other run's temp file is left"
    );
    let validate = okstra(&env, &["validate", &run_id]);
    assert_eq!(validate.code, Some(0), "{validate}");
}

/// Returns the reserved temp files (`.<name>.okstra-tmp`) anywhere in a run's folders.
fn temp_files(run: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for dir in ["worker-results", "state", "manifests", "prompts", "reports"] {
        let Ok(entries) = fs_err::read_dir(run.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".okstra-tmp") {
                found.push(format!("{dir}/{name}"));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn an_interrupted_run_is_continued_by_resume() {
    let env = TestEnv::new();
    // The workers wait on the gate, so they are still running when SIGINT arrives.
    let mut gate = Gate::new(&env.root().join("gate"));
    project(&env, Some(&gate));
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
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = wait_guarded(child);
    assert_eq!(out.status.code(), Some(130));
    let m = manifest(&env);
    assert_eq!(m["status"], "interrupted");
    let run_id = m["runId"].as_str().unwrap().to_owned();
    let team = read_json(&run_dir(&env, TASK, "error-analysis").join("state/team-state-1.json"));
    for w in team["workers"].as_array().unwrap() {
        assert_eq!(w["reason"], "interrupted", "{w}");
    }
    // `ctl show` tells the same: each worker's status and reason, no report yet.
    let show = okstra(&env, &["ctl", "show", &run_id, "--json"]);
    assert_eq!(show.code, Some(0), "{show}");
    let show: Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(show["status"], "interrupted");
    assert_eq!(show["report"], Value::Null);
    let shown: Vec<(&str, &str, &str)> = show["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let field = |k: &str| w[k].as_str().unwrap_or("-");
            (field("worker"), field("status"), field("reason"))
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("x-worker", "error", "interrupted"),
            ("y-worker", "error", "interrupted"),
            ("report-writer", "pending", "-"),
        ]
    );

    // Resumed, the run is running again for the central index (ctl list, ctl status) while
    // its workers wait at the gate; then they answer.
    let mut resumed = okstra_cmd(&env, &["-v", "resume", &run_id, "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    read_stderr_until(
        &mut resumed,
        &["spawned worker=x-worker", "spawned worker=y-worker"],
    );
    let listed = okstra(&env, &["ctl", "list", "--status", "running", "--json"]);
    let listed: Value = serde_json::from_str(&listed.stdout).unwrap();
    assert_eq!(listed[0]["runId"], run_id.as_str(), "{listed}");
    let status = okstra(&env, &["ctl", "status", "--json"]);
    assert!(
        status.stdout.contains(&run_id),
        "ctl status misses the resumed run: {status}"
    );
    gate.release(2);
    let out = wait_guarded(resumed);
    let out = env.output(&out);
    assert_eq!(out.code, Some(0), "{out}");
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["status"], "completed");
    assert_eq!(summary["runId"], run_id.as_str());
    assert_eq!(summary["resumed"], true);
    assert_eq!(
        summary["stoppedLeftovers"], 0,
        "the interrupted okstra stopped its workers"
    );
    let dir = run_dir(&env, TASK, "error-analysis");
    assert_eq!(summary["runDir"], dir.display().to_string());
    let report = std::path::Path::new(summary["report"].as_str().unwrap());
    assert!(report.is_absolute() && report.is_file(), "{summary}");
    for w in summary["workers"].as_array().unwrap() {
        assert_eq!(w["status"], "completed", "{w}");
        let result = std::path::Path::new(w["resultPath"].as_str().unwrap());
        assert!(result.is_absolute() && result.is_file(), "{w}");
    }
    assert_eq!(
        summary["findings"]["full-consensus"], 1,
        "both analysers answered the same finding"
    );
    let team = read_json(&run_dir(&env, TASK, "error-analysis").join("state/team-state-1.json"));
    let x = team["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["worker"] == "x-worker")
        .unwrap();
    assert_eq!(x["status"], "completed");
    // The index is append-only: the start, the interrupted end, the resume, the completed end
    // (the latest row is the run's status).
    assert_eq!(
        index_events(&env, &run_id),
        ["started", "done", "started", "done"]
    );
    assert_eq!(index_rows(&env, &run_id).last().unwrap().1, "completed");
}

#[test]
fn a_finished_run_is_left_alone_and_an_unknown_run_exits_2() {
    let env = TestEnv::new();
    project(&env, None);
    let out = run_guarded(&env, run_cmd(&env));
    assert_eq!(out.code, Some(0), "{out}");
    let before = manifest(&env);
    let run_id = before["runId"].as_str().unwrap().to_owned();
    let out = okstra(&env, &["resume", &run_id]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stderr
            .contains("already ended completed; nothing to resume"),
        "{out}"
    );
    assert_eq!(manifest(&env), before, "the manifest is untouched");
    assert_eq!(index_events(&env, &run_id), ["started", "done"]);
    // With --json, a run with nothing to resume is still described on stdout.
    let out = okstra(&env, &["resume", &run_id, "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stderr.contains("nothing to resume"), "{out}");
    let dir = run_dir(&env, TASK, "error-analysis");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v,
        json!({
            "runId": run_id,
            "taskKey": "shop:resume:t1",
            "taskType": "error-analysis",
            "runSeq": 1,
            "status": "completed",
            "resumed": false,
            "runDir": dir.display().to_string(),
            "manifest": dir.join(MANIFEST).display().to_string(),
            "report": dir.join("reports/final-report-error-analysis-1.md").display().to_string(),
        })
    );
    assert_eq!(manifest(&env), before, "the manifest is still untouched");

    let out = okstra(&env, &["resume", "01NOSUCHRUN"]);
    assert_eq!(out.code, Some(2), "{out}");
}
