//! `okstra run <task-type> --task <group>/<id>`: prepare a run and drive its workers.

mod dry_run;
mod summary;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use okstra_core::config::Language;
use okstra_core::duration::parse_duration;
use okstra_core::settings::{RunSettings, SettingsLayer, resolve};
use okstra_core::status::RunStatus;
use okstra_core::worker_name::Role;
use okstra_core::{TaskKey, TaskName, TaskType};
use okstra_engine::errors::PlanError;
use okstra_engine::prepare::{PrepareRequest, prepare_run};
use okstra_engine::project::{LoadedProject, load_or_create_project, load_project};
use okstra_engine::runner::analysis::Budget;
use okstra_engine::runner::imp::{RunRequest, RunSummary, execute_run};
use okstra_engine::runner::plan::{PlanEnv, RosterEntry, plan_analysers, plan_entry};
use okstra_engine::worker::WorkerLimits;
use okstra_engine::worker::unix::is_root;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::live::LiveView;

/// Run a task type on a task
///
/// Prepares the run (task worktree, run seq, manifest), starts every analyser concurrently with
/// its prompt on stdin, merges their findings, has them cross-verify each other's in convergence
/// rounds (and the critic look for gaps, when enabled), has the report writer write the
/// narrative, renders and validates the report, and prints a summary. Implementation and
/// release-handoff runs come in a later version.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The task type: requirements-discovery, error-analysis, implementation-planning,
    /// implementation, final-verification or release-handoff
    #[arg(value_name = "TASK_TYPE", value_parser = parse_task_type)]
    task_type: TaskType,

    /// The task, as <group>/<id> (e.g. payments/dev-9495)
    #[arg(long, value_name = "GROUP/ID")]
    task: String,

    /// The task brief (markdown); replaces a different earlier brief, which is kept in history/
    #[arg(long, value_name = "FILE")]
    brief: Option<PathBuf>,

    /// The commit the task worktree starts from (required the first time a task runs)
    #[arg(long, value_name = "REF")]
    base_ref: Option<String>,

    /// The analysers to run, e.g. claude,codex,gemini or configured agent names
    #[arg(long, value_name = "A,B,C", value_delimiter = ',')]
    workers: Option<Vec<String>>,

    /// Use MODEL for KEY: an agent (claude, codex, gemini, …) or a role (report-writer, critic)
    /// (can be repeated)
    #[arg(long = "model", value_name = "KEY=MODEL", value_parser = parse_model)]
    models: Vec<(String, String)>,

    /// Per-worker deadline, e.g. 500ms, 2s, 30m (default: twice the task type's expected time)
    #[arg(long, value_name = "DURATION", value_parser = parse_deadline)]
    deadline: Option<Duration>,

    /// Run the coverage critic with this agent (e.g. codex) after convergence
    #[arg(long, value_name = "PROVIDER")]
    critic: Option<String>,

    /// At most this many convergence rounds (default: 1 for requirements-discovery and
    /// final-verification, 2 otherwise)
    #[arg(long, value_name = "N")]
    max_rounds: Option<u32>,

    /// Start no new round or worker once this much has been spent (USD, as the CLIs report it)
    #[arg(long, value_name = "USD", value_parser = parse_cost)]
    max_cost_usd: Option<f64>,

    /// Language of the report: en or ko
    #[arg(long, value_name = "LANG", value_parser = ["en", "ko"])]
    language: Option<String>,

    /// Print each worker's command line, folder, sandbox, model and deadline; write nothing
    #[arg(long)]
    dry_run: bool,

    /// Only prepare the run (identity, worktree, seq, manifest, index) and print it
    #[arg(long, conflicts_with = "dry_run")]
    prepare_only: bool,

    /// Print the outcome as JSON on stdout
    #[arg(long)]
    json: bool,
}

fn parse_task_type(value: &str) -> Result<TaskType, String> {
    value.parse::<TaskType>().map_err(|e| e.to_string())
}

fn parse_model(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
            Ok((k.trim().to_owned(), v.trim().to_owned()))
        }
        _ => Err(format!(
            "{value:?} is not KEY=MODEL (e.g. --model codex=gpt-5.5)"
        )),
    }
}

fn parse_cost(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("{value:?} is not an amount in USD (e.g. 2.50)")),
    }
}

fn parse_deadline(value: &str) -> Result<Duration, String> {
    parse_duration(value).map_err(|e| e.to_string())
}

impl RunArgs {
    fn flag_layer(&self) -> SettingsLayer {
        SettingsLayer {
            workers: self.workers.clone(),
            models: self.models.iter().cloned().collect::<BTreeMap<_, _>>(),
            deadline: self.deadline,
            critic_enabled: self.critic.as_ref().map(|_| true),
            critic_provider: self.critic.clone(),
            max_rounds: self.max_rounds,
            max_cost_usd: self.max_cost_usd,
            language: self.language.as_deref().and_then(|l| l.parse().ok()),
            ..SettingsLayer::default()
        }
    }
}

pub(crate) fn project_settings(
    ctx: &CommandContext,
    project: &LoadedProject,
    args: &RunArgs,
) -> Result<RunSettings, CommandError> {
    for w in &project.warnings {
        ctx.ui.warn(&format!(
            "{}: unknown key `{}` (ignored)",
            project.paths.project_json().display(),
            w.key
        ));
    }
    let project_layer =
        SettingsLayer::from_config(&project.config, args.task_type).map_err(|e| {
            CommandError::user_message(format!("{}: {e}", project.paths.project_json().display()))
                .hint("fix the value in .okstra/project.json")
        })?;
    Ok(resolve(
        &SettingsLayer::defaults(args.task_type),
        &project_layer,
        &ctx.env.settings_layer()?,
        &args.flag_layer(),
    ))
}

impl From<PlanError> for CommandError {
    fn from(err: PlanError) -> Self {
        let hint = match &err {
            PlanError::UnknownAgent { .. } => {
                "use claude, codex or gemini, or define the agent under `agents` in .okstra/project.json"
            }
            PlanError::AgentField { .. } => "complete the agent's entry in .okstra/project.json",
            PlanError::Fixture { .. } | PlanError::FixtureIo { .. } => {
                "fix the replay fixture (see `okstra_core::replay` for its format)"
            }
            _ => "check --workers and .okstra/project.json",
        };
        CommandError::user(err).hint(hint)
    }
}

impl RunArgs {
    /// Returns the arguments of `okstra demo`'s run.
    pub(crate) fn for_demo(task: &str, brief: PathBuf) -> Self {
        Self {
            task_type: TaskType::ErrorAnalysis,
            task: task.to_owned(),
            brief: Some(brief),
            base_ref: Some("main".to_owned()),
            workers: None,
            models: Vec::new(),
            deadline: None,
            critic: None,
            max_rounds: None,
            max_cost_usd: None,
            language: None,
            dry_run: false,
            prepare_only: false,
            json: false,
        }
    }
}

/// Runs `okstra run`.
pub fn cmd_run(ctx: &CommandContext, args: &RunArgs) -> Result<ExitStatus, CommandError> {
    run_and_report(ctx, args).map(|(status, _)| status)
}

/// Runs `okstra run` and returns, with the exit status, the summary of a run that ran.
pub(crate) fn run_and_report(
    ctx: &CommandContext,
    args: &RunArgs,
) -> Result<(ExitStatus, Option<RunSummary>), CommandError> {
    // Identity first: nothing is written before every input is known to be good.
    let (group, id) = TaskKey::parse_task_arg(&args.task)?;
    let brief = args
        .brief
        .as_ref()
        .map(|path| {
            let path = ctx.cwd.join(path);
            fs_err::read_to_string(&path)
                .map_err(|e| CommandError::user(e).hint("--brief takes a readable markdown file"))
        })
        .transpose()?;
    ctx.env.settings_layer()?;
    let home = ctx.home()?;
    let root = ctx.run_project_root();

    if args.dry_run {
        let project = match load_project(&root) {
            Ok(p) => p,
            Err(okstra_engine::errors::ProjectError::NotFound { .. }) => {
                dry_run::in_memory_project(&root)?
            }
            Err(e) => return Err(e.into()),
        };
        let settings = project_settings(ctx, &project, args)?;
        let roster = roster(ctx, &project, &settings, args.task_type)?;
        return dry_run::print(ctx, &home, &project, &settings, &roster, &group, &id, args)
            .map(|s| (s, None));
    }

    let project = load_or_create_project(&root, None, Language::En)?;
    let settings = project_settings(ctx, &project, args)?;
    let request = PrepareRequest {
        group,
        id,
        task_type: args.task_type,
        brief,
        base_ref: args.base_ref.clone(),
        category: settings.work_category.value.clone(),
        stage: None,
        seq_override: settings.run_seq_override.as_ref().map(|s| s.value),
        status: RunStatus::Prepared,
        workers: Vec::new(),
        pid: None,
        replay: false,
        recipe: None,
    };
    if args.prepare_only {
        return prepare_only(ctx, &home, &project, &request, args).map(|s| (s, None));
    }
    let (run_request, cancel) =
        build_request(ctx, home, &project, &settings, request, args.task_type)?;
    let summary = block_on_run(&cancel, execute_run(run_request))?;
    print_summary(ctx, &project, &summary, args.json)?;
    let status = match summary.status {
        RunStatus::Interrupted => ExitStatus::Interrupted,
        RunStatus::Failed => ExitStatus::RunFailed,
        _ => ExitStatus::Success,
    };
    Ok((status, Some(summary)))
}

/// Returns everything a run needs, from resolved settings; used by `run` and `resume`.
pub(crate) fn build_request(
    ctx: &CommandContext,
    home: okstra_engine::home::Home,
    project: &LoadedProject,
    settings: &RunSettings,
    mut request: PrepareRequest,
    task_type: TaskType,
) -> Result<(RunRequest, CancellationToken), CommandError> {
    let roster = roster(ctx, project, settings, task_type)?;
    let plan_env = PlanEnv {
        settings,
        config: &project.config,
        project_root: project.root(),
        env: ctx.env.vars(),
    };
    let role_agent = |role: &str, fallback: &str| {
        settings
            .roles
            .get(role)
            .map_or_else(|| fallback.to_owned(), |s| s.value.clone())
    };
    let critic = if settings.critic_enabled.value {
        let provider = settings
            .critic_provider
            .as_ref()
            .map_or_else(|| role_agent("critic", "codex"), |p| p.value.clone());
        Some(plan_entry(&plan_env, &provider, Role::Critic)?)
    } else {
        None
    };
    let writer_agent = role_agent("report-writer", "claude");
    let report_writer = Some(plan_entry(&plan_env, &writer_agent, Role::ReportWriter)?);
    request.recipe = Some(settings.recipe(
        critic.as_ref().map(|c| c.agent.as_str()),
        Some(&writer_agent),
    ));
    let limits = WorkerLimits {
        deadline: settings.deadline.value,
        stall_window: settings.stall_window.value,
        kill_grace: settings.kill_grace.value,
        retry_limit: settings.retry_limit.value.max(1),
    };
    let worker_env: BTreeMap<String, String> = settings
        .worker_env
        .iter()
        .map(|(k, v)| (k.clone(), v.value.clone()))
        .collect();
    let live = LiveView::new(
        &ctx.ui,
        ctx.env
            .get(okstra_core::env_vars::OKSTRA_NO_PROGRESS)
            .is_some(),
    );
    let cancel = CancellationToken::new();
    let run_request = RunRequest {
        home,
        project: project.clone(),
        prepare: request,
        roster,
        critic,
        report_writer,
        max_rounds: settings.max_rounds.value,
        budget: Budget {
            max_tokens: settings.max_tokens.as_ref().map(|s| s.value),
            max_cost_usd: settings.max_cost_usd.as_ref().map(|s| s.value),
        },
        language: settings.language.value,
        limits,
        env: ctx.env.vars().clone(),
        worker_env,
        tmp_root: ctx
            .env
            .get("TMPDIR")
            .map_or_else(std::env::temp_dir, PathBuf::from),
        is_root: is_root(),
        cancel: cancel.clone(),
        sink: live.sink(),
    };
    Ok((run_request, cancel))
}

/// Runs a run's future on a multi-thread runtime, cancelling it on Ctrl-C or SIGTERM.
pub(crate) fn block_on_run<T>(
    cancel: &CancellationToken,
    future: impl std::future::Future<Output = Result<T, okstra_engine::errors::RunError>>,
) -> Result<T, CommandError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError::internal(e).hint("okstra could not start its async runtime"))?;
    let out = runtime.block_on(async {
        let watcher = tokio::spawn(interrupt_watcher(cancel.clone()));
        let out = future.await;
        watcher.abort();
        out
    });
    out.map_err(run_error)
}

/// Prints a run's summary (the table, counts, tokens, report path) or its JSON.
pub(crate) fn print_summary(
    ctx: &CommandContext,
    project: &LoadedProject,
    summary: &RunSummary,
    json: bool,
) -> Result<(), CommandError> {
    summary::print(ctx, project, summary, json)?;
    for failure in &summary.validation {
        ctx.ui.warn(&format!("validation: {failure}"));
    }
    Ok(())
}

/// Cancels the run on SIGINT (Ctrl-C) or SIGTERM.
async fn interrupt_watcher(cancel: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let term_fut = async {
        match term.as_mut() {
            Some(t) => {
                t.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term_fut => {}
    }
    cancel.cancel();
}

fn err_box(e: okstra_engine::errors::RunError) -> Box<dyn std::error::Error + Send + Sync> {
    Box::new(e)
}

pub(crate) fn run_error(err: okstra_engine::errors::RunError) -> CommandError {
    use okstra_engine::errors::RunError as E;
    match err {
        E::Prepare(e) => e.into(),
        E::Store(e) => e.into(),
        E::Plan(e) => e.into(),
        E::Busy { .. } => CommandError::user(err_box(err))
            .hint("wait for it to end, or stop it (Ctrl-C, or kill the okstra process) first"),
        other => CommandError::internal(other),
    }
}

fn roster(
    ctx: &CommandContext,
    project: &LoadedProject,
    settings: &RunSettings,
    task_type: TaskType,
) -> Result<Vec<RosterEntry>, CommandError> {
    if !task_type.uses_analysers() {
        return Err(CommandError::user_message(format!(
            "this okstra cannot run {task_type} yet: it needs an approved plan with a Stage Map \
             (implementation) or a verified task (release-handoff), which come in a later version"
        ))
        .hint("run requirements-discovery, error-analysis, implementation-planning or final-verification"));
    }
    Ok(plan_analysers(&PlanEnv {
        settings,
        config: &project.config,
        project_root: project.root(),
        env: ctx.env.vars(),
    })?)
}

fn prepare_only(
    ctx: &CommandContext,
    home: &okstra_engine::home::Home,
    project: &LoadedProject,
    request: &PrepareRequest,
    args: &RunArgs,
) -> Result<ExitStatus, CommandError> {
    let prepared = prepare_run(home, project, request)?;
    if let Some(archived) = &prepared.brief_archived {
        ctx.ui.status(&format!(
            "the previous brief differs; kept it as {}",
            CommandContext::display_path(archived, project.root())
        ));
    }
    let run_dir = CommandContext::display_path(prepared.paths.run_dir(), project.root());
    let wt = &prepared.worktree;
    if args.json {
        let out = json!({
            "runId": prepared.run_id().to_string(),
            "taskKey": prepared.task_key.to_string(),
            "taskType": args.task_type.as_str(),
            "runSeq": prepared.manifest.run_seq.get(),
            "status": prepared.manifest.status,
            "runDir": run_dir,
            "manifest": prepared.paths.manifest().display().to_string(),
            "worktree": wt,
        });
        ctx.ui
            .data_line(&serde_json::to_string_pretty(&out).map_err(CommandError::internal)?);
    } else {
        let worktree = match (&wt.path, &wt.branch) {
            (Some(path), Some(branch)) => format!("{path} ({}, branch {branch})", wt.status),
            _ => format!("{} ({})", wt.workdir, wt.status),
        };
        ctx.ui.data(&format!(
            "run:       {}\nseq:       {}\nrun dir:   {run_dir}\nworktree:  {worktree}\n",
            prepared.run_id(),
            prepared.manifest.run_seq,
        ));
    }
    Ok(ExitStatus::Success)
}

/// Returns the task names of a run argument (used by the dry run).
pub(crate) fn names(group: &TaskName, id: &TaskName) -> String {
    format!("{}/{}", group.raw(), id.raw())
}
