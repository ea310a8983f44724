//! Owns the top-level command line: global flags, the `Command` enum, and the one dispatch
//! match. Each subcommand's arguments and handler live in `commands/`.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};
use okstra_core::env_vars;
use okstra_engine::{
    forbid_supervision_on_this_thread, kill_points, set_test_kill_at, set_test_lock_hold,
};

use crate::command_error::{CommandError, ExitStatus, exit_codes, with_stdout_failure};
use crate::commands;
use crate::context::CommandContext;
use crate::settings::{EnvSnapshot, resolve_directory};
use crate::ui::{Ui, Verbosity};

/// Run a team of AI coding agents through an auditable workflow on one task
///
/// okstra analyses a task from several angles (Claude Code, Codex CLI, Gemini CLI or any
/// command), cross-verifies the findings, plans the change as stages, implements each stage in
/// its own git worktree, and writes everything under .okstra/ so any step can be audited,
/// rerun and resumed.
///
/// With no command, in a terminal, okstra asks step by step what to run (okstra wizard).
#[derive(Debug, Parser)]
#[command(name = "okstra", version)]
pub struct Cli {
    /// Run as if okstra was started in DIR
    #[arg(short = 'C', long = "directory", global = true, value_name = "DIR")]
    directory: Option<PathBuf>,

    /// Print only data and errors, no status lines
    #[arg(short, long, global = true)]
    quiet: bool,

    /// Also print a run's internal events: worker pids, signals, reaped processes, poll counts
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    verbose: bool,

    /// None: `okstra` alone, which is the wizard in a terminal and the help elsewhere.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    Init(commands::init::InitArgs),
    Run(commands::run::RunArgs),
    Resume(commands::resume::ResumeArgs),
    Validate(commands::validate::ValidateArgs),
    Render(commands::render::RenderArgs),
    #[command(subcommand)]
    Plan(commands::plan::PlanCommand),
    Approve(commands::approve::ApproveArgs),
    #[command(subcommand)]
    Ledger(commands::ledger::LedgerCommand),
    #[command(subcommand)]
    Ctl(commands::ctl::CtlCommand),
    Demo(commands::demo::DemoArgs),
    Doctor(commands::doctor::DoctorArgs),
    #[command(subcommand)]
    Install(commands::install::InstallCommand),
    #[command(subcommand)]
    Uninstall(commands::uninstall::UninstallCommand),
    Wizard(commands::wizard::WizardArgs),
    Completions(commands::completions::CompletionsArgs),
    Man(commands::man::ManArgs),
    Mcp(commands::mcp::McpArgs),
    #[command(subcommand)]
    Task(commands::task::TaskCommand),
    Open(commands::open::OpenArgs),
}

/// Parses `okstra <argv>` exactly as a person's command line, for the wizard's run; refuses
/// an argv that is not `run …`.
/// A command line that does not parse is refused with clap's first line, without `error: `.
pub(crate) fn parse_run(argv: &[String]) -> Result<commands::run::RunArgs, String> {
    let words = std::iter::once("okstra".to_owned()).chain(argv.iter().cloned());
    match Cli::try_parse_from(words) {
        Ok(Cli {
            command: Some(Command::Run(args)),
            ..
        }) => Ok(args),
        Ok(_) => Err("the wizard's command is not `okstra run`".to_owned()),
        Err(e) => {
            let message = e.to_string();
            let first = message.lines().next().unwrap_or_default();
            Err(first.trim_start_matches("error: ").to_owned())
        }
    }
}

/// Parses `args`, runs the command, reports errors, and returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> u8 {
    let mut cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return u8::try_from(err.exit_code()).unwrap_or(2);
        }
    };
    let env = EnvSnapshot::capture();
    let verbosity = if cli.quiet {
        Verbosity::Quiet
    } else if cli.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Default
    };
    let ui = Ui::new(verbosity, env.no_color());
    // `okstra` alone: the wizard for a person at a terminal, else the help (exit 2).
    let command = match cli.command.take() {
        Some(command) => command,
        None if crate::ui::is_interactive() => terminal_wizard(),
        None => {
            ui.stderr_line(Cli::command().render_help().to_string().trim_end());
            return exit_codes::USER;
        }
    };
    let mut result = run_command(cli, command, env, &ui);
    if let Some(failure) = ui.take_stdout_failure() {
        result = with_stdout_failure(result, failure);
    }
    match result {
        Ok(status) => status.code(),
        Err(err) => {
            ui.error(&err);
            err.code()
        }
    }
}

/// Returns `okstra wizard` (in a terminal: the terminal front), what `okstra` alone runs.
fn terminal_wizard() -> Command {
    match Cli::try_parse_from(["okstra", "wizard"]).map(|cli| cli.command) {
        Ok(Some(command)) => command,
        // `okstra wizard` is a valid command line by construction (tested).
        _ => unreachable!("`okstra wizard` parses"),
    }
}

fn run_command(
    cli: Cli,
    command: Command,
    env: EnvSnapshot,
    ui: &Ui,
) -> Result<ExitStatus, CommandError> {
    // The test hooks belong to one run's okstra; `okstra mcp` runs commands in-process, where
    // a kill point would kill the server (the runs it starts still inherit the variables).
    let serves_mcp = matches!(command, Command::Mcp(_));
    if !serves_mcp && let Some(hold) = env.test_lock_hold()? {
        set_test_lock_hold(hold);
    }
    if !serves_mcp
        && let Some(point) = env.test_kill_at()
        && !set_test_kill_at(point)
    {
        return Err(CommandError::user_message(format!(
            "{}={point:?} is not a kill point",
            env_vars::OKSTRA_TEST_KILL_AT
        ))
        .hint(format!("use one of: {}", kill_points().join(", "))));
    }
    let start = std::env::current_dir()
        .map_err(|e| CommandError::internal(e).hint("the current folder is not readable"))?;
    // Relative paths in the environment (OKSTRA_HOME) mean the folder okstra was started in,
    // not the one -C names.
    let env = env.started_in(start.clone());
    let cwd = match cli.directory {
        Some(dir) => resolve_directory(&start, &dir)?,
        None => start,
    };
    let ctx = CommandContext {
        env,
        cwd,
        ui: ui.clone(),
    };
    dispatch(&ctx, command)
}

/// What a command run in-process printed and how it ended (`okstra mcp`'s tools).
#[derive(Debug)]
pub(crate) struct Invoked {
    /// The exit code the command line would have had.
    pub code: u8,
    /// What it printed on stdout (with `--json`, one JSON document).
    pub stdout: String,
    /// Its stderr lines: status, warnings, and for a failure `error: …` / `hint: …`.
    pub stderr: Vec<String>,
    /// For a failure, its lines as the command line prints them: `error: …`, `caused by: …`,
    /// `hint: …`.
    pub error: Option<Vec<String>>,
}

/// Runs `okstra <argv>` in-process, in `cwd`, with `env` (whose start folder is where the
/// server started), keeping its output instead of printing it: the same parse, the same
/// handler and the same messages as the command line. No run is driven on this thread
/// (`forbid_supervision_on_this_thread`): runs are started detached or in the background.
pub(crate) fn invoke(argv: &[String], env: &EnvSnapshot, cwd: &std::path::Path) -> Invoked {
    forbid_supervision_on_this_thread();
    let words = std::iter::once("okstra".to_owned()).chain(argv.iter().cloned());
    let parsed = Cli::try_parse_from(words);
    let verbosity = match &parsed {
        Ok(cli) if cli.quiet => Verbosity::Quiet,
        _ => Verbosity::Default,
    };
    let ui = Ui::captured(verbosity);
    let result = match parsed {
        Err(e) => {
            let message = e.to_string();
            let first = message.lines().next().unwrap_or_default();
            Err(CommandError::user_message(
                first.trim_start_matches("error: "),
            ))
        }
        Ok(Cli { command: None, .. }) => Err(CommandError::user_message("no command given")),
        Ok(Cli {
            command: Some(command),
            directory,
            ..
        }) => match directory
            .map(|dir| resolve_directory(cwd, &dir))
            .transpose()
        {
            Err(e) => Err(e.into()),
            Ok(dir) => {
                let ctx = CommandContext {
                    env: env.clone(),
                    cwd: dir.unwrap_or_else(|| cwd.to_path_buf()),
                    ui: ui.clone(),
                };
                dispatch(&ctx, command)
            }
        },
    };
    let (stdout, stderr) = ui.take_captured();
    match result {
        Ok(status) => Invoked {
            code: status.code(),
            stdout,
            stderr,
            error: None,
        },
        Err(err) => Invoked {
            code: err.code(),
            stdout,
            stderr,
            error: Some(err.render()),
        },
    }
}

/// Runs one parsed command with its context.
fn dispatch(ctx: &CommandContext, command: Command) -> Result<ExitStatus, CommandError> {
    match command {
        Command::Init(args) => commands::init::cmd_init(ctx, &args),
        Command::Run(args) => commands::run::cmd_run(ctx, &args),
        Command::Resume(args) => commands::resume::cmd_resume(ctx, &args),
        Command::Validate(args) => commands::validate::cmd_validate(ctx, &args),
        Command::Render(args) => commands::render::cmd_render(ctx, &args),
        Command::Plan(cmd) => commands::plan::cmd_plan(ctx, &cmd),
        Command::Approve(args) => commands::approve::cmd_approve(ctx, &args),
        Command::Ledger(cmd) => commands::ledger::cmd_ledger(ctx, &cmd),
        Command::Ctl(cmd) => commands::ctl::cmd_ctl(ctx, &cmd),
        Command::Demo(args) => commands::demo::cmd_demo(ctx, &args),
        Command::Doctor(args) => commands::doctor::cmd_doctor(ctx, &args),
        Command::Install(cmd) => commands::install::cmd_install(ctx, &cmd),
        Command::Uninstall(cmd) => commands::uninstall::cmd_uninstall(ctx, &cmd),
        Command::Wizard(args) => commands::wizard::cmd_wizard(ctx, &args),
        Command::Completions(args) => {
            commands::completions::cmd_completions(ctx, &args, Cli::command())
        }
        Command::Man(args) => commands::man::cmd_man(ctx, &args, Cli::command()),
        Command::Mcp(args) => commands::mcp::cmd_mcp(ctx, &args),
        Command::Task(cmd) => commands::task::cmd_task(ctx, &cmd),
        Command::Open(args) => commands::open::cmd_open(ctx, &args),
    }
}
