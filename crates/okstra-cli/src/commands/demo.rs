//! `okstra demo [DIR]`: the README's first command — a sample project with a real bug, an
//! error-analysis run on it by three scripted replay analysers and a scripted report writer,
//! then the run's summary (absolute paths: the user stands outside the demo project) and what
//! to do next: the `validate` command and how to remove the folder. No network, no
//! credentials; it never touches the user's home.

use std::path::{Path, PathBuf};

use clap::Args;
use okstra_core::config::Language;
use okstra_core::env_vars::OKSTRA_HOME;
use okstra_engine::{GitCommand, Home, init_project};
use serde_json::json;

use crate::command_error::{CommandError, ExitStatus};
use crate::commands::run::{RunArgs, run_and_report};
use crate::context::CommandContext;
use crate::invocation::{Invocation, shell_quote};

/// Run okstra end to end on a sample project with scripted workers (no network, no
/// credentials)
///
/// Creates a small git project with a real bug and a brief in DIR (default
/// $TMPDIR/okstra-demo-<id>, with its own OKSTRA_HOME), runs error-analysis on it with three
/// replay analysers that disagree on purpose and a replay report writer, then prints the
/// summary, the command that validates the run and the one that removes the folder.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo (empty or new; default: a new folder under $TMPDIR)
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// The files of the sample project, relative to its root.
const PROJECT: &[(&str, &str)] = &[
    ("README.md", include_str!("../../demo/project/README.md")),
    (
        "shop/__init__.py",
        include_str!("../../demo/project/shop/__init__.py"),
    ),
    (
        "shop/cart.py",
        include_str!("../../demo/project/shop/cart.py"),
    ),
    (
        "shop/pricing.py",
        include_str!("../../demo/project/shop/pricing.py"),
    ),
    (
        "tests/test_cart.py",
        include_str!("../../demo/project/tests/test_cart.py"),
    ),
];
const BRIEF: &str = include_str!("../../demo/brief.md");
const FIXTURE: &str = include_str!("../../demo/fixture.json");
const TASK: &str = "checkout/cent-short";

fn write(path: &Path, text: &str) -> Result<(), CommandError> {
    Ok(okstra_engine::write_text(path, text)?)
}

/// Runs `okstra demo`.
pub fn cmd_demo(ctx: &CommandContext, args: &DemoArgs) -> Result<ExitStatus, CommandError> {
    let dir = match &args.dir {
        Some(dir) => ctx.cwd.join(dir),
        // Joined to the working folder so that a relative TMPDIR still gives an absolute path.
        None => ctx.cwd.join(
            ctx.env
                .get("TMPDIR")
                .map_or_else(std::env::temp_dir, PathBuf::from)
                .join(format!("okstra-demo-{}", ulid_suffix())),
        ),
    };
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
    let home_dir = dir.join("okstra-home");
    let project = dir.join("shop");
    for (rel, text) in PROJECT {
        write(&project.join(rel), text)?;
    }
    let brief = dir.join("brief.md");
    write(&brief, BRIEF)?;
    let git = GitCommand::new(&project);
    let identity = [
        "-c",
        "user.name=okstra demo",
        "-c",
        "user.email=demo@okstra.invalid",
    ];
    git.run(&["init", "-q", "-b", "main"])?;
    git.run(&["add", "-A"])?;
    let mut commit: Vec<&str> = identity.to_vec();
    commit.extend(["commit", "-q", "-m", "shop: carts and discounts"]);
    git.run(&commit)?;
    let fixture = ".okstra/demo-fixture.json";
    write(&project.join(fixture), FIXTURE)?;
    let replay = json!({"adapter": "replay", "fixture": fixture});
    write(
        &project.join(".okstra/project.json"),
        &serde_json::to_string_pretty(&json!({
            "schemaVersion": "project/v1",
            "projectId": "shop",
            "language": "en",
            "agents": {"claude": replay, "codex": replay, "gemini": replay},
            "roles": {"report-writer": "claude"},
        }))
        .map_err(CommandError::internal)?,
    )?;
    let home = Home::new(&home_dir);
    init_project(&home, &project, None, Language::En, false)?;
    ctx.ui.status(&format!("demo folder: {}", dir.display()));
    ctx.ui.status(&format!(
        "OKSTRA_HOME: {} (the demo never touches your own)",
        home_dir.display()
    ));
    ctx.ui.status(
        "the workers are REPLAY workers: scripted answers from a fixture, not models — no network, no credentials",
    );
    let demo_ctx = CommandContext {
        env: ctx
            .env
            .clone()
            .with(OKSTRA_HOME, &home_dir.display().to_string()),
        cwd: project.clone(),
        ui: ctx.ui.clone(),
    };
    let (status, summary) = run_and_report(&demo_ctx, &RunArgs::for_demo(TASK, brief))?;
    if let Some(summary) = summary {
        // The run's summary already said where the report is and that replay workers answered;
        // these lines add only what to do next, in commands that work from where the user is.
        for line in closing_lines(
            &Invocation::detect(&ctx.env),
            &dir,
            &home_dir,
            &summary.run_id.to_string(),
        ) {
            ctx.ui.status(&line);
        }
    }
    Ok(status)
}

/// Returns the demo's closing lines: how to validate its run (with its private home) and how
/// to remove its folder; `dir` and `home` are absolute.
fn closing_lines(okstra: &Invocation, dir: &Path, home: &Path, run_id: &str) -> [String; 2] {
    [
        format!(
            "validate the run: {OKSTRA_HOME}={} {}",
            shell_quote(&home.display().to_string()),
            okstra.command(&["validate", run_id])
        ),
        format!(
            "remove the demo:  rm -rf {}",
            shell_quote(&dir.display().to_string())
        ),
    ]
}

/// Returns a short unique suffix for the default demo folder.
fn ulid_suffix() -> String {
    okstra_core::RunId::generate()
        .to_string()
        .to_ascii_lowercase()
}
