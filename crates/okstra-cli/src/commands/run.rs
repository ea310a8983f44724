//! `okstra run <task-type> --task <group>/<id>`: prepare a run and drive its workers.

pub(crate) mod detach;
mod dry_run;
mod handoff;
mod summary;

pub(crate) use summary::{json_of as summary_json, tokens_line};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use okstra_core::ledger::StageChoice;
use okstra_core::settings::{RunSettings, SettingsLayer};
use okstra_core::stage_record::{StageMode, StageRecord};
use okstra_core::{TaskKey, TaskName, TaskType};
use okstra_engine::{
    DryRunRequest, LoadedProject, NewRun, PreparedRun, RelatedTask, RunError, RunSummary, StageAsk,
    check_brief, dry_run, is_runnable, load_or_default_project, prepare_only, run,
};
use serde_json::json;

use crate::brief::read_brief;
use crate::command_error::{CommandError, ExitStatus, settings_error};
use crate::context::CommandContext;
use crate::settings::flag_value::{parse_deadline, parse_rounds, parse_usd};

/// Run a task type on a task
///
/// Prepares the run (task worktree, run seq, manifest), starts every analyser concurrently with
/// its prompt on stdin, merges their findings, has them cross-verify each other's in convergence
/// rounds (and the critic look for gaps, when enabled), has the report writer write the
/// narrative, renders and validates the report, and prints a summary. An implementation run
/// takes one stage of the task's approved plan (--stage, --retry, --redo, --reverify) in a
/// worktree of its own and prints `selected stages: <N>`. A release-handoff run writes the PR
/// body from the project's PR template once final verification accepted the task branch's
/// head, and pushes (--push) or opens the PR (--open-pr) only when told.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The task type
    #[arg(value_name = "TASK_TYPE", value_parser = task_type_parser())]
    task_type: TaskType,

    /// The task, as <group>/<id> (e.g. payments/dev-9495)
    #[arg(long, value_name = "GROUP/ID")]
    task: String,

    /// The task brief (markdown); replaces a different earlier brief, which is kept in history/
    #[arg(long, value_name = "FILE")]
    brief: Option<PathBuf>,

    /// The task brief as text, in place of --brief FILE
    #[arg(
        long,
        value_name = "TEXT",
        conflicts_with = "brief",
        value_parser = parse_brief_text,
        allow_hyphen_values = true
    )]
    brief_text: Option<String>,

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
    #[arg(long, value_name = "DURATION", value_parser = parse_deadline, allow_hyphen_values = true)]
    deadline: Option<Duration>,

    /// Run the coverage critic with this agent (e.g. codex) after convergence
    #[arg(long, value_name = "PROVIDER")]
    critic: Option<String>,

    /// At most this many convergence rounds (default: 1 for requirements-discovery and
    /// final-verification, 2 otherwise)
    #[arg(long, value_name = "N", value_parser = parse_rounds, allow_negative_numbers = true)]
    max_rounds: Option<u32>,

    /// Start no new round or worker once this much has been spent (USD, as the CLIs report it)
    #[arg(long, value_name = "USD", value_parser = parse_usd, allow_negative_numbers = true)]
    max_cost_usd: Option<f64>,

    /// Language of the report: en or ko
    #[arg(long, value_name = "LANG", value_parser = ["en", "ko"])]
    language: Option<String>,

    #[command(flatten)]
    guidance: Box<GuidanceArgs>,

    /// Print each worker's command line, folder, sandbox, model and deadline, and what would
    /// refuse the run (exit 2); write nothing
    #[arg(long)]
    dry_run: bool,

    /// Only prepare the run (identity, worktree, seq, manifest, index) and print it
    #[arg(long, conflicts_with = "dry_run")]
    prepare_only: bool,

    /// Print the outcome as JSON on stdout
    #[arg(long)]
    json: bool,

    /// Prepare the run here, then run it in its own tmux session (`okstra-<short run id>`) and
    /// print the run id, the session name and the command that attaches to it
    #[arg(long, conflicts_with_all = ["dry_run", "prepare_only"])]
    detach: bool,

    /// Prepare the run here, then run it as a background process with no terminal (no tmux
    /// needed; its output goes to state/background-<seq>.log in the run folder) and print the
    /// run id, the pid and that log
    #[arg(long, conflicts_with_all = ["dry_run", "prepare_only", "detach"])]
    background: bool,

    #[command(flatten)]
    stage: Box<StageArgs>,

    #[command(flatten)]
    handoff: Box<handoff::HandoffArgs>,
}

/// What every prompt of the run adds: the user's directive and the related tasks' reports.
#[derive(Debug, Default, Args)]
struct GuidanceArgs {
    /// Give every worker of the run this directive (kept for `okstra resume`)
    #[arg(long, value_name = "TEXT", value_parser = parse_directive, allow_hyphen_values = true)]
    directive: Option<String>,

    /// Add the latest reports of this task of the project to every prompt's context (can be
    /// repeated)
    #[arg(long = "related", value_name = "GROUP/ID", value_parser = parse_related)]
    related: Vec<RelatedTask>,
}

/// The flags of an implementation run (SPEC §8).
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Implementation")]
pub struct StageArgs {
    /// The plan to implement: a plan file of the task or one of its planning runs (default:
    /// the task's latest approved plan)
    #[arg(long, value_name = "PLAN")]
    plan: Option<String>,

    /// The stage to run: auto (the lowest ready one) or its number
    #[arg(long, value_name = "auto|N", value_parser = parse_stage_choice)]
    stage: Option<StageChoice>,

    /// Run again a started stage whose last run failed or died, from its base (the old head is
    /// kept under refs/okstra/attempts/)
    #[arg(long, group = "stage_mode")]
    retry: bool,

    /// Reopen a done or stale stage and run it again from its base (the old head is kept under
    /// refs/okstra/attempts/)
    #[arg(long, group = "stage_mode")]
    redo: bool,

    /// Re-check a done or stale stage at its current head (okstra's evidence and the
    /// verifier), without the executor
    #[arg(long, group = "stage_mode")]
    reverify: bool,

    /// The executor: claude, codex, gemini or a configured agent (default: roles.executor in
    /// project.json, else claude)
    #[arg(long, value_name = "AGENT")]
    executor: Option<String>,
}

impl StageArgs {
    /// Returns the flags given, by name, for a run that is not an implementation run.
    fn given(&self) -> Vec<&'static str> {
        [
            ("--plan", self.plan.is_some()),
            ("--stage", self.stage.is_some()),
            ("--retry", self.retry),
            ("--redo", self.redo),
            ("--reverify", self.reverify),
            ("--executor", self.executor.is_some()),
        ]
        .into_iter()
        .filter_map(|(flag, given)| given.then_some(flag))
        .collect()
    }

    /// Returns how the stage is taken.
    fn mode(&self) -> StageMode {
        if self.retry {
            StageMode::Retry
        } else if self.redo {
            StageMode::Redo
        } else if self.reverify {
            StageMode::Reverify
        } else {
            StageMode::New
        }
    }
}

fn parse_stage_choice(value: &str) -> Result<StageChoice, String> {
    value.parse::<StageChoice>().map_err(|e| e.to_string())
}

/// Returns the parser of the task type: every type parses (one that cannot run yet is refused
/// with its reason later), but help lists only the types this okstra can run.
fn task_type_parser() -> impl TypedValueParser<Value = TaskType> {
    PossibleValuesParser::new(
        TaskType::ALL.map(|t| PossibleValue::new(t.as_str()).hide(!is_runnable(t))),
    )
    .try_map(|value| value.parse::<TaskType>())
}

fn parse_brief_text(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err("the brief is blank: write what the workers should look into".to_owned());
    }
    Ok(value.to_owned())
}

fn parse_directive(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err("the directive is blank: write what every worker should keep to".to_owned());
    }
    Ok(value.to_owned())
}

fn parse_related(value: &str) -> Result<RelatedTask, String> {
    RelatedTask::parse(value).map_err(|e| format!("{e} (e.g. --related payments/dev-9495)"))
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

impl RunArgs {
    /// Returns the `Flag` settings layer of these arguments.
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
            roles: self
                .stage
                .executor
                .iter()
                .map(|agent| ("executor".to_owned(), agent.clone()))
                .collect(),
            ..SettingsLayer::default()
        }
    }

    /// Returns `--related`, each task once, in the order given.
    fn related_tasks(&self) -> Vec<RelatedTask> {
        let mut out: Vec<RelatedTask> = Vec::new();
        for task in &self.guidance.related {
            if !out.contains(task) {
                out.push(task.clone());
            }
        }
        out
    }

    /// Returns the arguments of `okstra demo`'s run.
    pub(crate) fn for_demo(task: &str, brief: PathBuf) -> Self {
        Self {
            task_type: TaskType::ErrorAnalysis,
            task: task.to_owned(),
            brief: Some(brief),
            brief_text: None,
            base_ref: Some("main".to_owned()),
            workers: None,
            models: Vec::new(),
            deadline: None,
            critic: None,
            max_rounds: None,
            max_cost_usd: None,
            language: None,
            guidance: Box::default(),
            dry_run: false,
            prepare_only: false,
            json: false,
            detach: false,
            background: false,
            stage: Box::default(),
            handoff: Box::default(),
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
    // Every input is checked before anything is written.
    let (group, id) = TaskKey::parse_task_arg(&args.task)?;
    if let Some(path_form) = TaskKey::slugged_task_arg(&group, &id) {
        ctx.ui.status(&format!(
            "task {:?} is stored as {path_form} (names are slugged: lowercase ASCII, other \
             characters become `-`)",
            args.task
        ));
    }
    let stage = stage_ask(ctx, args)?;
    let handoff = args.handoff.ask(args.task_type)?;
    let brief = match (&args.brief, &args.brief_text) {
        (Some(path), _) => Some(read_brief(&ctx.cwd.join(path))?),
        (None, text) => text.clone(),
    };
    let related = args.related_tasks();
    let home = ctx.home()?;
    let root = ctx.run_project_root();
    let project = load_or_default_project(&home, &root)?;
    ctx.warn_unknown_keys(&project);
    if let Some(note) = super::init::taken_id_note(&project) {
        ctx.ui.status(&note);
    }
    let settings = RunSettings::resolve(
        args.task_type,
        &args.flag_layer(),
        &project.config,
        ctx.env.vars(),
    )
    .map_err(|e| settings_error(e, &project.paths.project_json()))?;
    if args.dry_run {
        let dry = dry_run(&DryRunRequest {
            home: &home,
            project: &project,
            settings: &settings,
            task_type: args.task_type,
            group: &group,
            id: &id,
            base_ref: args.base_ref.as_deref(),
            brief: brief.as_deref(),
            related: &related,
            env: ctx.env.vars(),
        })?;
        return dry_run::print(ctx, &project, dry, &group, &id, args).map(|s| (s, None));
    }
    let new = NewRun {
        home,
        project: project.clone(),
        settings,
        task_type: args.task_type,
        group,
        id,
        brief,
        base_ref: args.base_ref.clone(),
        env: ctx.env.vars().clone(),
        sink: ctx.live_sink(),
        stage,
        handoff,
        directive: args.guidance.directive.clone(),
        related,
    };
    if args.detach || args.background {
        return detach::start(ctx, &project, &new, args.background, args.json).map(|s| (s, None));
    }
    if args.prepare_only {
        // A prepared run starts no worker: a missing brief is only warned about, once the run
        // is prepared.
        let no_brief = check_brief(&new).err();
        let prepared = prepare_only(&new)?;
        print_prepared(ctx, &project, &prepared, args)?;
        if let Some(e) = no_brief {
            warn_refusal(
                ctx,
                e,
                "`okstra resume` of this run gives its workers nothing to read",
            );
        }
        return Ok((ExitStatus::Success, None));
    }
    let summary = run(new)?;
    if let (Some(stage), false) = (summary.manifest.stage, args.json) {
        ctx.ui.data_line(&format!("selected stages: {stage}"));
    }
    print_summary(ctx, project.root(), &summary, args.json)?;
    Ok((ExitStatus::from(summary.status), Some(summary)))
}

/// Prints a run's summary (the table, counts, tokens, report path) or its JSON, then any
/// validation failure, then (unless it completed) what to do next.
pub(crate) fn print_summary(
    ctx: &CommandContext,
    root: &Path,
    summary: &RunSummary,
    json: bool,
) -> Result<(), CommandError> {
    summary::print(ctx, root, summary, json)?;
    for failure in &summary.validation {
        ctx.ui.warn(&format!("validation: {failure}"));
    }
    summary::print_next_step(ctx, root, summary);
    Ok(())
}

/// Returns what an implementation run asks of its stage; refuses the implementation flags on
/// a run of another task type.
fn stage_ask(ctx: &CommandContext, args: &RunArgs) -> Result<Option<StageAsk>, CommandError> {
    if !args.task_type.is_stage_scoped() {
        let given = args.stage.given();
        if let Some(flag) = given.first() {
            return Err(CommandError::user_message(format!(
                "{flag} is for implementation runs, not {}",
                args.task_type
            ))
            .hint("`okstra run implementation --task <group>/<id>` takes a stage of the task's approved plan"));
        }
        return Ok(None);
    }
    Ok(Some(StageAsk {
        plan: args.stage.plan.clone(),
        cwd: ctx.cwd.clone(),
        choice: args.stage.stage.unwrap_or_default(),
        mode: args.stage.mode(),
    }))
}

fn print_prepared(
    ctx: &CommandContext,
    project: &LoadedProject,
    prepared: &PreparedRun,
    args: &RunArgs,
) -> Result<(), CommandError> {
    if let Some(archived) = &prepared.brief_archived {
        ctx.ui.status(&format!(
            "the previous brief differs; kept it as {}",
            CommandContext::display_path(archived, project.root())
        ));
    }
    let run_dir = CommandContext::display_path(prepared.paths.run_dir(), project.root());
    let wt = &prepared.worktree;
    let stage_run = prepared.manifest.stage_run.as_ref();
    if args.json {
        let out = json!({
            "runId": prepared.run_id().to_string(),
            "taskKey": prepared.task_key.to_string(),
            "taskType": args.task_type.as_str(),
            "runSeq": prepared.manifest.run_seq.get(),
            "status": prepared.manifest.status,
            "runDir": prepared.paths.run_dir().display().to_string(),
            "manifest": prepared.paths.manifest().display().to_string(),
            "worktree": wt,
            "stage": prepared.manifest.stage.map(okstra_core::Stage::get),
            "stageRun": stage_run,
        });
        ctx.ui
            .data_line(&serde_json::to_string_pretty(&out).map_err(CommandError::internal)?);
    } else {
        let worktree = match (&wt.path, &wt.branch) {
            (Some(path), Some(branch)) => format!("{path} ({}, branch {branch})", wt.status),
            _ => format!("{} ({})", wt.workdir, wt.status),
        };
        if let Some(stage) = prepared.manifest.stage {
            ctx.ui.data_line(&format!("selected stages: {stage}"));
        }
        ctx.ui.data(&format!(
            "run:       {}\nseq:       {}\nrun dir:   {run_dir}\nworktree:  {worktree}\n",
            prepared.run_id(),
            prepared.manifest.run_seq,
        ));
        if let Some(record) = stage_run {
            ctx.ui.data(&stage_lines(record));
        }
    }
    Ok(())
}

/// Returns the lines that show a prepared stage: its worktree and branch (or the project root),
/// base, mode and executor, and the attempt ref that keeps a reset branch's old head.
fn stage_lines(record: &StageRecord) -> String {
    let short = |c: &str| c.get(..12).unwrap_or(c).to_owned();
    let mut out = String::new();
    match (&record.worktree, &record.branch) {
        (Some(path), Some(branch)) => {
            out.push_str(&format!("stage wt:  {path} (branch {branch})\n"));
        }
        _ => out.push_str(&format!("stage wt:  {} (project root)\n", record.workdir)),
    }
    if let Some(base) = &record.base {
        out.push_str(&format!("base:      {}\n", short(base)));
    }
    out.push_str(&format!(
        "mode:      {}\nexecutor:  {}\n",
        record.mode, record.executor
    ));
    if let Some(kept) = &record.attempt_ref {
        out.push_str(&format!(
            "kept:      {kept} (the previous attempt's head)\n"
        ));
    }
    out
}

/// Warns about what would refuse a real run, with its hints, adding what it means here.
pub(crate) fn warn_refusal(ctx: &CommandContext, err: RunError, meaning: &str) {
    let err = CommandError::from(err);
    ctx.ui.warn(&format!("{}; {meaning}", err.error));
    for hint in &err.hints {
        ctx.ui.status(&format!("hint: {hint}"));
    }
}

/// Returns the task names of a run argument (used by the dry run).
pub(crate) fn names(group: &TaskName, id: &TaskName) -> String {
    format!("{}/{}", group.raw(), id.raw())
}
