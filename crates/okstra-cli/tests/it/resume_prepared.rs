//! `okstra run … --prepare-only` then `okstra resume <run>` runs the whole run, for every task
//! type — what `okstra run --detach` does in its tmux session. The demo's sample project (its
//! replay agents script every task type) is taken from analysis to a pushed hand-off, each run
//! prepared in one process and run by `resume` in another: every run completes, the stages are
//! implemented test-first, final verification accepts, and the hand-off's recorded `--push`
//! pushes the task branch.

use std::path::{Path, PathBuf};

use okstra_test_support::git_repo::git;
use okstra_test_support::{CommandOutput, TestEnv};
use serde_json::Value;

use crate::common::{okstra_cmd, read_json, run_guarded};

const TASK: &str = "checkout/cent-short";

/// The demo folder of a test: its project and its okstra home.
pub(crate) struct DemoFolder {
    pub(crate) env: TestEnv,
    pub(crate) shop: PathBuf,
    pub(crate) home: PathBuf,
}

impl DemoFolder {
    /// Makes the demo's sample project with `okstra demo --only analysis` (one analysis run).
    pub(crate) fn new() -> Self {
        let env = TestEnv::new();
        let sh = okstra_test_support::test_env::host_program("sh");
        std::os::unix::fs::symlink(sh, env.bin().join("sh")).unwrap();
        let python = std::process::Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("python3 on the PATH of the test process: the sample project's tests need it");
        let python = String::from_utf8(python.stdout).unwrap();
        std::os::unix::fs::symlink(python.trim(), env.bin().join("python3")).unwrap();
        let dir = env.root().join("demo");
        let out = run_guarded(
            &env,
            okstra_cmd(&env, &["demo", dir.to_str().unwrap(), "--only", "analysis"]),
        );
        assert_eq!(out.code, Some(0), "{out}");
        Self {
            shop: dir.join("shop"),
            home: dir.join("okstra-home"),
            env,
        }
    }

    /// Runs `okstra args…` in the sample project with the demo's home.
    pub(crate) fn okstra(&self, args: &[&str]) -> CommandOutput {
        let mut cmd = okstra_cmd(&self.env, args);
        cmd.current_dir(&self.shop).env("OKSTRA_HOME", &self.home);
        run_guarded(&self.env, cmd)
    }

    /// Returns the task folder.
    pub(crate) fn task(&self) -> PathBuf {
        self.shop.join(".okstra/tasks").join(TASK)
    }
}

/// Prepares `okstra run <task-type> --task … extra… --prepare-only`; returns the run id.
fn prepare(demo: &DemoFolder, task_type: &str, extra: &[&str]) -> String {
    let mut args = vec!["run", task_type, "--task", TASK];
    args.extend_from_slice(extra);
    args.extend(["--prepare-only", "--json"]);
    let out = demo.okstra(&args);
    assert_eq!(out.code, Some(0), "{task_type}: {out}");
    let prepared: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(prepared["status"], "prepared", "{task_type}: {prepared}");
    prepared["runId"].as_str().unwrap().to_owned()
}

/// Resumes run `id` and asserts it completed; returns its `--json` summary.
fn resume_completes(demo: &DemoFolder, task_type: &str, id: &str) -> Value {
    let out = demo.okstra(&["resume", id, "--json"]);
    assert_eq!(out.code, Some(0), "{task_type}: {out}");
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["status"], "completed", "{task_type}: {summary}");
    assert_eq!(summary["resumed"], true, "{task_type}: {summary}");
    let v = demo.okstra(&["validate", id]);
    assert_eq!(v.code, Some(0), "{task_type}: {v}");
    summary
}

/// Returns the manifest of run `seq` of `task_type` (not a stage run).
fn manifest(task: &Path, task_type: &str, seq: u32) -> Value {
    read_json(&task.join(format!(
        "runs/{task_type}/manifests/run-manifest-{task_type}-{seq}.json"
    )))
}

#[test]
fn a_prepared_run_of_every_task_type_is_run_whole_by_resume() {
    let demo = DemoFolder::new();
    let task = demo.task();

    let id = prepare(&demo, "error-analysis", &[]);
    resume_completes(&demo, "error-analysis", &id);
    let m = manifest(&task, "error-analysis", 2);
    assert_eq!(m["runId"], id.as_str());
    assert!(
        m["checkpoints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["checkpoint"] == "persist"),
        "{m}"
    );

    let id = prepare(&demo, "requirements-discovery", &[]);
    resume_completes(&demo, "requirements-discovery", &id);

    let id = prepare(&demo, "implementation-planning", &[]);
    resume_completes(&demo, "implementation-planning", &id);
    let approved = demo.okstra(&["approve", &id]);
    assert_eq!(approved.code, Some(0), "{approved}");

    // Stage 3 depends on stages 1 and 2 (the demo's plan).
    for n in ["1", "2", "3"] {
        let executor = format!("stage-{n}");
        let id = prepare(
            &demo,
            "implementation",
            &["--stage", n, "--executor", &executor],
        );
        let summary = resume_completes(&demo, "implementation", &id);
        assert_eq!(summary["stage"]["verdict"], "PASS", "stage {n}: {summary}");
        let carry = read_json(&task.join(format!("runs/implementation/carry/stage-{n}.json")));
        assert_eq!(carry["runId"], id.as_str(), "stage {n}");
        assert_eq!(carry["tddProof"]["verdict"], "proven", "stage {n}");
    }

    let id = prepare(&demo, "final-verification", &[]);
    resume_completes(&demo, "final-verification", &id);
    let record = read_json(&task.join("runs/final-verification/state/final-verification-1.json"));
    assert_eq!(record["verdict"], "accepted", "{record}");
    let branch = record["taskBranch"].as_str().unwrap().to_owned();

    // The hand-off's `--push` is part of what was prepared, so the resumed run pushes.
    let origin = demo.env.root().join("origin.git");
    git(
        &demo.env.root(),
        &["init", "-q", "--bare", origin.to_str().unwrap()],
    );
    git(
        &demo.shop,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    let id = prepare(&demo, "release-handoff", &["--push"]);
    resume_completes(&demo, "release-handoff", &id);
    let data = read_json(
        &task.join("runs/release-handoff/reports/final-report-release-handoff-1.data.json"),
    );
    assert_eq!(data["handoff"]["push"]["status"], "pushed", "{data}");
    assert_eq!(
        git(&origin, &["rev-parse", &format!("refs/heads/{branch}")]),
        record["verifiedHead"].as_str().unwrap()
    );
}
