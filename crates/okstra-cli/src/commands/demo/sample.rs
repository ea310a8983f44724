//! Owns the demo's folder: the sample project (a tiny Python shop with a real bug, a
//! `unittest` suite and a pull-request template) committed on `main` in a new git
//! repository, the brief, a private `OKSTRA_HOME`, and the project's `.okstra/project.json`
//! naming one replay agent per part of the workflow with its fixture under `.okstra/demo/`.

use std::path::{Path, PathBuf};

use okstra_core::config::Language;
use okstra_engine::{GitCommand, Home, init_project};
use serde_json::{Value, json};

use super::stage_fixtures::{STAGES, executor_agent, executor_fixture};
use crate::command_error::CommandError;
use crate::context::CommandContext;

/// The files of the sample project, relative to its root.
const PROJECT: &[(&str, &str)] = &[
    (
        ".gitignore",
        include_str!("../../../demo/project/.gitignore"),
    ),
    (
        ".github/pull_request_template.md",
        include_str!("../../../demo/project/.github/pull_request_template.md"),
    ),
    ("README.md", include_str!("../../../demo/project/README.md")),
    (
        "shop/__init__.py",
        include_str!("../../../demo/project/shop/__init__.py"),
    ),
    (
        "shop/cart.py",
        include_str!("../../../demo/project/shop/cart.py"),
    ),
    (
        "shop/pricing.py",
        include_str!("../../../demo/project/shop/pricing.py"),
    ),
    (
        "tests/test_cart.py",
        include_str!("../../../demo/project/tests/test_cart.py"),
    ),
];
const BRIEF: &str = include_str!("../../../demo/brief.md");
/// The scripted fixtures, by file name under `.okstra/demo/`.
const FIXTURES: &[(&str, &str)] = &[
    (
        "analysis.json",
        include_str!("../../../demo/fixtures/analysis.json"),
    ),
    (
        "planning.json",
        include_str!("../../../demo/fixtures/planning.json"),
    ),
    (
        "stage-verifier.json",
        include_str!("../../../demo/fixtures/stage-verifier.json"),
    ),
    (
        "final-verification.json",
        include_str!("../../../demo/fixtures/final-verification.json"),
    ),
    (
        "release-handoff.json",
        include_str!("../../../demo/fixtures/release-handoff.json"),
    ),
];
/// The demo's task.
pub(super) const TASK: &str = "checkout/cent-short";
/// The command that runs the sample project's whole test suite.
pub(super) const TEST_COMMAND: &str = "python3 -m unittest discover -s tests";
/// The programs the sample project's tests need (okstra runs commands with `sh -c`).
pub(super) const TEST_PROGRAMS: &[&str] = &["sh", "python3"];

/// The demo's folder, made.
#[derive(Debug)]
pub(super) struct Demo {
    /// The demo folder (absolute).
    pub dir: PathBuf,
    /// Its private OKSTRA_HOME.
    pub home: PathBuf,
    /// The sample project (a git repository).
    pub project: PathBuf,
    /// The task brief.
    pub brief: PathBuf,
}

fn write(path: &Path, text: &str) -> Result<(), CommandError> {
    Ok(okstra_engine::write_text(path, text)?)
}

fn pretty(value: &Value) -> Result<String, CommandError> {
    serde_json::to_string_pretty(value).map_err(CommandError::internal)
}

/// Makes the demo folder in `dir` (default: a new folder under $TMPDIR); refuses a folder that
/// is not empty.
pub(super) fn make(ctx: &CommandContext, dir: Option<&Path>) -> Result<Demo, CommandError> {
    let dir = match dir {
        Some(dir) => ctx.cwd.join(dir),
        // Joined to the working folder so that a relative TMPDIR still gives an absolute path.
        None => ctx.cwd.join(
            ctx.env
                .get("TMPDIR")
                .map_or_else(std::env::temp_dir, PathBuf::from)
                .join(format!("okstra-demo-{}", ulid_suffix())),
        ),
    };
    if dir.exists() && !dir.is_dir() {
        return Err(CommandError::user_message(format!(
            "{} is not a folder: the demo needs an empty or new folder",
            dir.display()
        ))
        .hint("run `okstra demo` with no folder, or name a new one"));
    }
    if dir.exists()
        && fs_err::read_dir(&dir)
            .map_err(CommandError::internal)?
            .next()
            .is_some()
    {
        return Err(CommandError::user_message(format!(
            "{} is not empty: the demo needs an empty or new folder",
            dir.display()
        ))
        .hint("run `okstra demo` with no folder, or name a new one"));
    }
    let demo = Demo {
        home: dir.join("okstra-home"),
        project: dir.join("shop"),
        brief: dir.join("brief.md"),
        dir,
    };
    for (rel, text) in PROJECT {
        write(&demo.project.join(rel), text)?;
    }
    write(&demo.brief, BRIEF)?;
    commit_sample(&demo.project)?;
    let fixtures = demo.project.join(".okstra/demo");
    for (name, text) in FIXTURES {
        write(&fixtures.join(name), text)?;
    }
    for stage in STAGES {
        write(
            &fixtures.join(format!("{}.json", executor_agent(stage.number))),
            &pretty(&executor_fixture(stage))?,
        )?;
    }
    write(
        &demo.project.join(".okstra/project.json"),
        &pretty(&project_json())?,
    )?;
    init_project(
        &Home::new(&demo.home),
        &demo.project,
        None,
        Language::En,
        false,
    )?;
    Ok(demo)
}

/// Makes the sample project a git repository with one commit on `main`.
fn commit_sample(project: &Path) -> Result<(), CommandError> {
    let git = GitCommand::new(project);
    git.run(&["init", "-q", "-b", "main"])?;
    git.run(&["add", "-A"])?;
    git.run(&[
        "-c",
        "user.name=okstra demo",
        "-c",
        "user.email=demo@okstra.invalid",
        "commit",
        "-q",
        "-m",
        "shop: carts and discounts",
    ])?;
    Ok(())
}

/// Returns the agent entry of a replay agent answering from `.okstra/demo/<fixture>`.
fn replay(fixture: &str) -> Value {
    json!({"adapter": "replay", "fixture": format!(".okstra/demo/{fixture}")})
}

/// Returns the sample project's project.json: the analysers `claude`, `codex`, `gemini`
/// (error-analysis, and its report writer), `plan-*` (implementation-planning, its writer
/// `plan-writer`), one executor per stage (`stage-<n>`) driven step by step, the stage
/// verifier, `fv-*` (final-verification, its writer `fv-writer`), the release-handoff writer
/// `handoff-writer`, and the project's test command as `qaCommands.test`.
fn project_json() -> Value {
    let mut agents = serde_json::Map::new();
    for name in ["claude", "codex", "gemini"] {
        agents.insert(name.to_owned(), replay("analysis.json"));
        agents.insert(format!("plan-{name}"), replay("planning.json"));
        agents.insert(format!("fv-{name}"), replay("final-verification.json"));
    }
    agents.insert("plan-writer".to_owned(), replay("planning.json"));
    agents.insert("fv-writer".to_owned(), replay("final-verification.json"));
    agents.insert("handoff-writer".to_owned(), replay("release-handoff.json"));
    for stage in STAGES {
        let agent = executor_agent(stage.number);
        agents.insert(agent.clone(), replay(&format!("{agent}.json")));
    }
    agents.insert("stage-verifier".to_owned(), replay("stage-verifier.json"));
    json!({
        "schemaVersion": "project/v1",
        "projectId": "shop",
        "language": "en",
        "agents": agents,
        "workers": {
            "error-analysis": ["claude", "codex", "gemini"],
            "implementation-planning": ["plan-claude", "plan-codex", "plan-gemini"],
            "final-verification": ["fv-claude", "fv-codex", "fv-gemini"],
        },
        "roles": {"report-writer": "claude", "verifier": "stage-verifier"},
        "executor": {"stepMode": true},
        "qaCommands": {"test": TEST_COMMAND},
    })
}

/// Returns a short unique suffix for the default demo folder.
fn ulid_suffix() -> String {
    okstra_core::RunId::generate()
        .to_string()
        .to_ascii_lowercase()
}
