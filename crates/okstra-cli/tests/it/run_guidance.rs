//! `okstra run --directive TEXT --related g/id`: the directive and the related tasks' latest
//! reports reach every worker's prompt (each round's analysers and the report writer), are
//! recorded in the manifest's recipe so `okstra resume` of a prepared run keeps them, and are
//! shown by `--dry-run`; a related task that is not in the project, or the run's own task, is
//! refused (exit 2) before anything is written, and a blank directive is a usage error.

use std::path::{Path, PathBuf};

use okstra_test_support::TestEnv;
use serde_json::{Value, json};

use crate::common::{okstra, read_json, run_dir, write_brief, write_project};

const DIRECTIVE: &str = "Look only at the rounding in pricing.py.\nIgnore the UI.";

/// Sets up a project with replay analysers and writer and runs error-analysis on `t/v` (the
/// related task); returns the brief's path.
fn project_with_a_related_task(env: &TestEnv) -> PathBuf {
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
    let brief = write_brief(env);
    let out = analysis(env, "t/v", &brief, &[]);
    assert_eq!(out.code, Some(0), "{out}");
    brief
}

/// Runs `okstra run error-analysis --task <task> --brief <brief> --base-ref main extra…`.
fn analysis(
    env: &TestEnv,
    task: &str,
    brief: &Path,
    extra: &[&str],
) -> okstra_test_support::CommandOutput {
    let mut args = vec![
        "run",
        "error-analysis",
        "--task",
        task,
        "--brief",
        brief.to_str().unwrap(),
        "--base-ref",
        "main",
    ];
    args.extend_from_slice(extra);
    okstra(env, &args)
}

/// Returns every prompt file of `task`'s error-analysis runs, with its text.
fn prompts(env: &TestEnv, task: &str) -> Vec<(String, String)> {
    let dir = run_dir(env, task, "error-analysis").join("prompts");
    let mut out: Vec<(String, String)> = fs_err::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs_err::read_to_string(&path).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// Asserts every prompt holds the related report, then the directive, after the context.
fn every_prompt_has_the_guidance(prompts: &[(String, String)]) {
    assert!(prompts.len() >= 4, "analysers and the writer: {prompts:?}");
    assert!(
        prompts.iter().any(|(n, _)| n.starts_with("report-writer")),
        "{prompts:?}"
    );
    for (name, text) in prompts {
        let related = text
            .find("## Related task t/v: error-analysis #1")
            .unwrap_or_else(|| panic!("{name}: no related report:\n{text}"));
        let directive = text
            .find(&format!("## Directive from the user\n\n{DIRECTIVE}\n"))
            .unwrap_or_else(|| panic!("{name}: no directive:\n{text}"));
        // After the phase's own context (the writer's has no `Context` section).
        let context = text.find("## Context").unwrap_or(0);
        assert!(context < related && related < directive, "{name}:\n{text}");
        assert!(
            text.contains("final-report-error-analysis-1.md"),
            "{name}: the related report's path:\n{text}"
        );
    }
}

#[test]
fn the_directive_and_related_reports_reach_every_prompt_and_the_recipe() {
    let env = TestEnv::new();
    let brief = project_with_a_related_task(&env);
    let out = analysis(
        &env,
        "t/w",
        &brief,
        &[
            "--directive",
            DIRECTIVE,
            "--related",
            "t/v",
            "--related",
            "t/v",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    every_prompt_has_the_guidance(&prompts(&env, "t/w"));
    let manifest = read_json(
        &run_dir(&env, "t/w", "error-analysis")
            .join("manifests/run-manifest-error-analysis-1.json"),
    );
    assert_eq!(manifest["recipe"]["directive"], DIRECTIVE);
    assert_eq!(manifest["recipe"]["related"], json!(["t/v"]), "given once");
}

#[test]
fn a_prepared_run_keeps_its_directive_and_related_tasks_when_resumed() {
    let env = TestEnv::new();
    let brief = project_with_a_related_task(&env);
    let out = analysis(
        &env,
        "t/w",
        &brief,
        &[
            "--directive",
            DIRECTIVE,
            "--related",
            "t/v",
            "--prepare-only",
            "--json",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let prepared: Value = serde_json::from_str(&out.stdout).unwrap();
    let out = okstra(&env, &["resume", prepared["runId"].as_str().unwrap()]);
    assert_eq!(out.code, Some(0), "{out}");
    every_prompt_has_the_guidance(&prompts(&env, "t/w"));
}

#[test]
fn the_dry_run_shows_the_directive_and_the_related_tasks() {
    let env = TestEnv::new();
    let brief = project_with_a_related_task(&env);
    let out = analysis(
        &env,
        "t/w",
        &brief,
        &["--directive", DIRECTIVE, "--related", "t/v", "--dry-run"],
    );
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stdout
            .contains("related:  t/v (their latest reports join every prompt)\n"),
        "{out}"
    );
    assert!(
        out.stdout.contains(
            "directive: Look only at the rounding in pricing.py. (+1 line) (given to every worker)\n"
        ),
        "{out}"
    );
    let out = analysis(
        &env,
        "t/w",
        &brief,
        &[
            "--directive",
            DIRECTIVE,
            "--related",
            "t/nope",
            "--dry-run",
            "--json",
        ],
    );
    assert_eq!(out.code, Some(2), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["directive"], DIRECTIVE);
    assert_eq!(v["related"], json!(["t/nope"]));
    assert_eq!(
        v["refused"],
        "the real run would be refused: related task t/nope does not exist in project shop (no .okstra/tasks/t/nope)"
    );
}

#[test]
fn an_unknown_or_own_related_task_and_a_blank_directive_are_refused() {
    let env = TestEnv::new();
    let brief = project_with_a_related_task(&env);
    let out = analysis(&env, "t/w", &brief, &["--related", "t/nope"]);
    assert_eq!(out.code, Some(2), "{out}");
    insta::assert_snapshot!(out.stderr, @r"
    error: related task t/nope does not exist in project shop (no .okstra/tasks/t/nope)
    hint: name a task of this project as <group>/<id> (`okstra ctl list` shows the tasks' runs)
    ");
    let out = analysis(&env, "t/w", &brief, &["--related", "t/w", "--prepare-only"]);
    assert_eq!(out.code, Some(2), "{out}");
    insta::assert_snapshot!(out.stderr, @r"
    error: related task t/w is the run's own task
    hint: drop it: the task's own earlier reports are already in every prompt
    ");
    assert!(
        !run_dir(&env, "t/w", "error-analysis").exists(),
        "nothing written"
    );
    let out = analysis(&env, "t/w", &brief, &["--directive", "  "]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("the directive is blank: write what every worker should keep to"),
        "{out}"
    );
    let out = analysis(&env, "t/w", &brief, &["--related", "no-slash"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(out.stderr.contains("--related payments/dev-9495"), "{out}");
}
