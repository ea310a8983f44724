//! `okstra demo [DIR] [--only analysis]`: the README's first command — a sample project with a
//! real bug, and the whole workflow run on it by scripted replay workers (`workflow`: analysis
//! to hand-off), or only the short error-analysis (`analysis`). The sample project and its
//! fixtures are `sample`.

mod analysis;
mod closing;
mod sample;
mod stage_fixtures;
mod steps;
mod workflow;

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Run okstra's whole workflow on a sample project with scripted workers (no network, no
/// credentials)
///
/// Creates a small git project with a real bug, a Python `unittest` suite and a brief in DIR
/// (default $TMPDIR/okstra-demo-<id>, with its own OKSTRA_HOME), then runs error-analysis,
/// implementation-planning, approves the plan, implements each stage test-first (okstra runs
/// the project's real tests), verifies the merged task branch and hands it off without
/// pushing, and prints a table of the runs, their reports, the PR body and the commands that
/// validate them. Every worker is a replay worker. --only analysis runs the short demo:
/// error-analysis alone, with its whole progress.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo (empty or new; default: a new folder under $TMPDIR)
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,

    /// Run only this part of the workflow
    #[arg(long, value_name = "PART")]
    only: Option<Part>,
}

/// A part of the demo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// error-analysis alone, with its whole progress (the short demo)
    Analysis,
}

/// Runs `okstra demo`.
pub fn cmd_demo(ctx: &CommandContext, args: &DemoArgs) -> Result<ExitStatus, CommandError> {
    let demo = sample::make(ctx, args.dir.as_deref())?;
    match args.only {
        Some(Part::Analysis) => analysis::run(ctx, &demo),
        None => workflow::run(ctx, &demo),
    }
}
