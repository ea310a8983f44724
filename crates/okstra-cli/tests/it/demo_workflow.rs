//! `okstra demo`, the whole workflow, in a fresh temp folder: one line per step as it goes,
//! the stages implemented test-first in dependency order with the sample project's real
//! `unittest` suite run by okstra (validation and TDD proof), the closing table whose report
//! paths exist, `okstra validate` passing on every run it made (with the commands it
//! printed), the wall-time bound, then the same task handed off again with `--push` to a local
//! bare `origin` (which gets every stage's commits); and the stop before implementation when
//! `python3` is not on PATH.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use okstra_test_support::git_repo::git;
use okstra_test_support::{CommandOutput, TestEnv};
use serde_json::Value;

use crate::common::{okstra_cmd, read_json, run_guarded};

/// The demo's task folder under its project.
const TASK_DIR: &str = "shop/.okstra/tasks/checkout/cent-short";

/// Returns the real Python interpreter of the test process's PATH (a version manager's shim
/// would not run in the hermetic env).
fn python3() -> PathBuf {
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 on the PATH of the test process: the demo's sample project needs it");
    assert!(out.status.success(), "python3 -c failed: {out:?}");
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// Returns a hermetic env whose PATH has git, `sh` and, when `with_python`, `python3`.
pub(crate) fn demo_env(with_python: bool) -> TestEnv {
    let env = TestEnv::new();
    let sh = okstra_test_support::test_env::host_program("sh");
    std::os::unix::fs::symlink(sh, env.bin().join("sh")).unwrap();
    if with_python {
        std::os::unix::fs::symlink(python3(), env.bin().join("python3")).unwrap();
    }
    env
}

/// Runs `okstra demo <root>/demo`; returns its output, the folder and the wall time.
pub(crate) fn run_demo(env: &TestEnv) -> (CommandOutput, PathBuf, Duration) {
    let dir = env.root().join("demo");
    let started = Instant::now();
    let out = run_guarded(env, okstra_cmd(env, &["demo", dir.to_str().unwrap()]));
    (out, dir, started.elapsed())
}

/// Runs a line the demo printed, as a user pastes it into a shell in `dir`.
fn sh(env: &TestEnv, dir: &Path, line: &str) -> CommandOutput {
    let mut cmd = env.command("/bin/sh");
    cmd.arg("-c").arg(line).current_dir(dir);
    env.run(cmd)
}

/// The closing table's rows: `(step, run id, status, report)`.
fn table(out: &CommandOutput) -> Vec<(String, String, String, String)> {
    let lines: Vec<&str> = out.stdout.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.starts_with("STEP "))
        .unwrap_or_else(|| panic!("no table: {out}"));
    lines[header + 1..]
        .iter()
        .take_while(|l| !l.starts_with("PR body:") && !l.starts_with("replay:"))
        .map(|l| {
            // The step may hold spaces ("implementation stage 1"); the run id is the first
            // 26-character word.
            let words: Vec<&str> = l.split_whitespace().collect();
            let at = words
                .iter()
                .position(|w| w.len() == 26 && w.chars().all(|c| c.is_ascii_alphanumeric()))
                .unwrap_or_else(|| panic!("no run id in {l:?}"));
            (
                words[..at].join(" "),
                words[at].to_owned(),
                words[at + 1].to_owned(),
                (*words.last().unwrap()).to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_whole_workflow_runs_test_first_in_order_and_every_run_validates() {
    let env = demo_env(true);
    let (out, dir, wall) = run_demo(&env);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        wall <= Duration::from_secs(15),
        "the demo took {wall:?}: {out}"
    );

    // One line per step, in order, as it goes (stderr), and replay said plainly.
    assert!(out.stderr.contains("REPLAY workers"), "{out}");
    assert!(
        out.stdout
            .contains("replay:  every answer came from scripted replay fixtures, not from models"),
        "{out}"
    );
    let steps: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with('[')).collect();
    let labels = [
        "[1/8] error-analysis: completed",
        "[2/8] implementation-planning: completed",
        "[3/8] approve: ",
        "[4/8] implementation stage 1: completed",
        "[5/8] implementation stage 2: completed",
        "[6/8] implementation stage 3: completed",
        "[7/8] final-verification: completed",
        "[8/8] release-handoff: completed",
    ];
    assert_eq!(steps.len(), labels.len(), "{out}");
    for (line, label) in steps.iter().zip(labels) {
        assert!(line.starts_with(label), "{line:?} is not {label:?}");
    }
    assert!(
        steps[1].ends_with("plan-body verification passed"),
        "{}",
        steps[1]
    );
    assert!(
        steps[2].ends_with("3 stages: 1, 2, 3 (after 1, 2)"),
        "{}",
        steps[2]
    );
    for line in &steps[3..6] {
        assert!(
            line.ends_with(
                "PASS: commits RED → GREEN, tests 1/1 passed at the head, TDD proof proven, verifier PASS"
            ),
            "{line}"
        );
    }

    assert!(
        steps[6].contains(
            "accepted: stages 1, 2, 3 merged into okstra/feat/checkout-cent-short, \
             commands 1/1 passed on the merged head, 3/3 verifiers answered"
        ),
        "{}",
        steps[6]
    );

    assert!(
        steps[7].ends_with(
            "PR \"Charge discounted cart lines to the cent\", body from the \
             .github/pull_request_template.md template, nothing pushed (no --push)"
        ),
        "{}",
        steps[7]
    );

    // The table: every run, completed, with a report that exists.
    let rows = table(&out);
    let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "error-analysis",
            "implementation-planning",
            "implementation stage 1",
            "implementation stage 2",
            "implementation stage 3",
            "final-verification",
            "release-handoff",
        ]
    );
    for (step, _, status, report) in &rows {
        assert_eq!(status, "completed", "{step}");
        assert!(Path::new(report).is_file(), "{step}: {report}");
        assert!(report.starts_with(dir.to_str().unwrap()), "{report}");
    }

    // Each printed validate command passes, from another folder, one per run.
    let elsewhere = env.root().join("elsewhere");
    fs_err::create_dir_all(&elsewhere).unwrap();
    let validates: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("  OKSTRA_HOME="))
        .collect();
    assert_eq!(validates.len(), rows.len(), "{out}");
    for (line, row) in validates.iter().zip(&rows) {
        assert!(line.ends_with(&format!(" validate {}", row.1)), "{line}");
        let v = sh(&env, &elsewhere, &format!("OKSTRA_HOME={line}"));
        assert_eq!(v.code, Some(0), "{}: {v}", row.0);
        assert!(v.stdout.contains("passed every check"), "{v}");
    }
    assert!(!env.okstra_home().join("index").exists(), "the test's home");

    // okstra ran the project's real tests: at the head (passing) and at the RED commit
    // (failing), for every stage; the commits are the executor's RED then GREEN.
    let task = dir.join(TASK_DIR);
    for n in 1..=3 {
        let carry = read_json(&task.join(format!("runs/implementation/carry/stage-{n}.json")));
        assert_eq!(carry["tddProof"]["verdict"], "proven", "stage {n}");
        let validation = &carry["validationEvidence"][0];
        assert_eq!(
            validation["command"],
            "python3 -m unittest discover -s tests"
        );
        assert_eq!(validation["exitCode"], 0);
        let tail = validation["outputTail"].as_str().unwrap();
        assert!(tail.contains("OK"), "stage {n}: {tail}");
        let red = &carry["tddProof"]["atRed"][0];
        assert_ne!(red["exitCode"], Value::from(0), "stage {n}: {red}");
        let subjects: Vec<&str> = carry["commits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["subject"].as_str().unwrap())
            .collect();
        assert_eq!(subjects.len(), 2, "{subjects:?}");
        assert!(subjects[0].starts_with("RED: ") && subjects[1].starts_with("GREEN: "));
    }
    // Stage 3 starts from the merge of stages 1 and 2.
    let c3 = read_json(&task.join("runs/implementation/carry/stage-3.json"));
    let base3 = c3["stageCommitRange"]["base"].as_str().unwrap();
    let parents = git(
        &dir.join("shop"),
        &["rev-list", "--parents", "-n", "1", base3],
    );
    let parents: Vec<&str> = parents.split_whitespace().skip(1).collect();
    for n in [1, 2] {
        let c = read_json(&task.join(format!("runs/implementation/carry/stage-{n}.json")));
        let head = c["stageCommitRange"]["head"].as_str().unwrap();
        assert!(parents.contains(&head), "stage {n}: {parents:?}");
    }

    // Final verification accepted the task branch with every stage merged, and ran the
    // project's tests on it.
    let record = read_json(&task.join("runs/final-verification/state/final-verification-1.json"));
    assert_eq!(record["verdict"], "accepted");
    assert_eq!(
        record["commands"][0]["command"],
        "python3 -m unittest discover -s tests"
    );
    assert_eq!(record["commands"][0]["exitCode"], 0);
    let branch = record["taskBranch"].as_str().unwrap();
    assert_eq!(
        git(&dir.join("shop"), &["rev-parse", branch]),
        record["verifiedHead"].as_str().unwrap()
    );
    for n in 1..=3 {
        let c = read_json(&task.join(format!("runs/implementation/carry/stage-{n}.json")));
        let head = c["stageCommitRange"]["head"].as_str().unwrap();
        let merged = git(
            &dir.join("shop"),
            &["merge-base", "--is-ancestor", head, branch],
        );
        assert_eq!(merged, "", "stage {n} is in {branch}");
    }

    // The hand-off wrote the PR body from the sample project's template, its headings kept
    // first and in order, and pushed nothing (the sample project has no remote at all).
    let pr_body = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("PR body: "))
        .and_then(|l| l.strip_suffix(" (nothing was pushed)"))
        .unwrap_or_else(|| panic!("no PR body line: {out}"));
    assert_eq!(
        Path::new(pr_body),
        task.join("runs/release-handoff/reports/pr-body-1.md")
    );
    let body = fs_err::read_to_string(pr_body).unwrap();
    let headings: Vec<&str> = body.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        headings[..3],
        [
            "## Description",
            "## How has this been tested?",
            "## Checklist"
        ],
        "{body}"
    );
    assert!(body.contains("RED: test order #1042"), "{body}");
    assert!(
        body.contains("| `python3 -m unittest discover -s tests` | 0 |"),
        "{body}"
    );
    let data = read_json(
        &task.join("runs/release-handoff/reports/final-report-release-handoff-1.data.json"),
    );
    assert_eq!(data["handoff"]["push"]["status"], "not-asked", "{data}");
    assert_eq!(git(&dir.join("shop"), &["remote"]), "");

    // The same task handed off again with `--push`, to a local bare repository as `origin`:
    // the whole way from planning to a pushed branch that has every stage's commits.
    let shop = dir.join("shop");
    let origin = env.root().join("origin.git");
    git(
        &env.root(),
        &["init", "-q", "--bare", origin.to_str().unwrap()],
    );
    git(
        &shop,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    // Typed by hand in the demo folder, with its project.json as the demo left it: the writer
    // is the project's (`claude`, a replay agent), whose fixture scripts each task type.
    let mut push = okstra_cmd(
        &env,
        &[
            "run",
            "release-handoff",
            "--task",
            "checkout/cent-short",
            "--push",
        ],
    );
    push.current_dir(&shop)
        .env("OKSTRA_HOME", dir.join("okstra-home"));
    let pushed = run_guarded(&env, push);
    assert_eq!(pushed.code, Some(0), "{pushed}");
    let remote_head = git(&origin, &["rev-parse", &format!("refs/heads/{branch}")]);
    assert_eq!(remote_head, record["verifiedHead"].as_str().unwrap());
    for n in 1..=3 {
        let c = read_json(&task.join(format!("runs/implementation/carry/stage-{n}.json")));
        for commit in c["commits"].as_array().unwrap() {
            let sha = commit["sha"].as_str().unwrap();
            assert_eq!(
                git(&origin, &["merge-base", "--is-ancestor", sha, branch]),
                "",
                "stage {n}'s {sha} is in the pushed branch"
            );
        }
    }
    let data = read_json(
        &task.join("runs/release-handoff/reports/final-report-release-handoff-2.data.json"),
    );
    assert_eq!(data["handoff"]["push"]["status"], "pushed", "{data}");
    assert_eq!(
        data["handoff"]["title"], "Charge discounted cart lines to the cent",
        "the writer's own title, not okstra's fallback: {data}"
    );
    let manifest = task.join("runs/release-handoff/manifests/run-manifest-release-handoff-2.json");
    let mut validate = okstra_cmd(&env, &["validate", manifest.to_str().unwrap()]);
    validate.env("OKSTRA_HOME", dir.join("okstra-home"));
    let valid = run_guarded(&env, validate);
    assert_eq!(valid.code, Some(0), "{valid}");

    // The printed remove command removes the folder.
    let rm = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("remove the demo: "))
        .unwrap_or_else(|| panic!("no remove line: {out}"));
    let mut cmd = env.command("/bin/sh");
    cmd.arg("-c")
        .arg(rm)
        .env("PATH", "/usr/bin:/bin")
        .current_dir(&elsewhere);
    assert_eq!(env.run(cmd).code, Some(0));
    assert!(!dir.exists());
}

#[test]
fn without_python3_the_demo_says_so_and_stops_before_implementation() {
    let env = demo_env(false);
    let (out, dir, _) = run_demo(&env);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.contains(
            "error: `python3` is not on PATH: the sample project's tests \
             (`python3 -m unittest discover -s tests`) need it, so the demo stopped before \
             implementation"
        ),
        "{out}"
    );
    assert!(out.stderr.contains("okstra demo --only analysis"), "{out}");
    // Said first, before any run.
    let warned = out
        .stderr
        .find("warning: python3 not on PATH: the demo will stop before implementation")
        .unwrap_or_else(|| panic!("no early warning: {out}"));
    assert!(warned < out.stderr.find("[1/8]").unwrap(), "{out}");
    // Analysis and planning ran, the plan is approved; no stage was started.
    let rows = table(&out);
    let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(names, ["error-analysis", "implementation-planning"]);
    assert!(out.stderr.contains("[3/8] approve: "), "{out}");
    let task = dir.join(TASK_DIR);
    assert!(!task.join("runs/implementation").exists());
    let ledger = task.join("runs/implementation-planning/consumers.jsonl");
    assert!(
        fs_err::read_to_string(&ledger).map_or(true, |t| t.trim().is_empty()),
        "no stage reserved"
    );
    for (step, id, _, _) in &rows {
        let mut v = okstra_cmd(&env, &["validate", id]);
        v.env("OKSTRA_HOME", dir.join("okstra-home"));
        let v = env.run(v);
        assert_eq!(v.code, Some(0), "{step}: {v}");
    }
}
