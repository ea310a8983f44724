//! `okstra demo`: the whole workflow on the sample project, one line per step as it goes —
//! error-analysis → implementation-planning → approve → each stage of the plan in dependency
//! order (replay executors make the RED and GREEN commits; okstra runs the project's real
//! tests for the validation and the TDD proof) → final-verification of the merged task branch
//! → release-handoff without push (the PR body only) — then the table of the runs (`closing`).
//! The sample project's test runner is checked first: without it the demo stops before
//! implementation, saying which program is missing.

use std::path::PathBuf;
use std::time::Instant;

use okstra_core::duration::display_elapsed;
use okstra_core::env_vars::OKSTRA_HOME;
use okstra_core::ledger::StageChoice;
use okstra_core::settings::{RunSettings, SettingsLayer};
use okstra_core::stage_record::StageMode;
use okstra_core::status::RunStatus;
use okstra_core::{TaskKey, TaskType};
use okstra_engine::{
    Approval, Home, NewRun, RunSummary, StageAsk, approve_plan, load_or_default_project, load_plan,
    locate_plan, silent,
};

use super::closing::{Row, print_closing};
use super::sample::{Demo, TASK, TEST_COMMAND, TEST_PROGRAMS};
use super::stage_fixtures::{STAGES, executor_agent};
use super::steps::{
    dependency_order, fv_detail, handoff_detail, plan_detail, run_detail, stage_detail, stage_map,
};
use crate::command_error::{CommandError, ExitStatus, settings_error};
use crate::commands::task::show::Overview;
use crate::context::CommandContext;
use crate::settings::EnvSnapshot;

/// The steps before the stages: error-analysis, implementation-planning, approve.
const STEPS_BEFORE_STAGES: usize = 3;
/// The steps after the stages: final-verification, release-handoff.
const STEPS_AFTER_STAGES: usize = 2;

/// The demo being driven: where it is, the steps done so far.
struct Driver<'a> {
    ctx: &'a CommandContext,
    demo: &'a Demo,
    env: EnvSnapshot,
    rows: Vec<Row>,
    /// The PR body the hand-off wrote (absolute).
    pr_body: Option<PathBuf>,
    step: usize,
    steps: usize,
}

/// Runs the whole workflow in the made `demo` folder.
pub(super) fn run(ctx: &CommandContext, demo: &Demo) -> Result<ExitStatus, CommandError> {
    let started = Instant::now();
    ctx.ui
        .status(&format!("demo folder: {}", demo.dir.display()));
    ctx.ui.status(&format!(
        "OKSTRA_HOME: {} (the demo never touches your own)",
        demo.home.display()
    ));
    ctx.ui.status(
        "the workers are REPLAY workers: scripted answers from fixtures, not models — no network, no credentials",
    );
    let missing = missing_programs(&ctx.env);
    if !missing.is_empty() {
        ctx.ui.warn(&format!(
            "{} not on PATH: the demo will stop before implementation (the sample project's \
             tests need it)",
            missing.join(", ")
        ));
    }
    let mut d = Driver {
        ctx,
        demo,
        env: ctx
            .env
            .clone()
            .with(OKSTRA_HOME, &demo.home.display().to_string()),
        rows: Vec::new(),
        pr_body: None,
        step: 0,
        steps: STEPS_BEFORE_STAGES + STAGES.len() + STEPS_AFTER_STAGES,
    };
    let status = d.drive(&missing)?;
    print_closing(ctx, demo, &d.rows, d.pr_body.as_deref(), started.elapsed());
    // Last: the task's overview page, every run and stage on one page.
    let demo_ctx = CommandContext {
        env: d.env.clone(),
        cwd: demo.project.clone(),
        ui: ctx.ui.clone(),
    };
    let overview = Overview::read(&demo_ctx, TASK)?.write_page()?;
    ctx.ui
        .data_line(&format!("overview: {}", overview.display()));
    if let Some(program) = missing.first() {
        return Err(CommandError::user_message(format!(
            "`{program}` is not on PATH: the sample project's tests (`{TEST_COMMAND}`) need it, \
             so the demo stopped before implementation"
        ))
        .hint(format!(
            "install {program} (or put it on PATH) and run `okstra demo` again; \
             `okstra demo --only analysis` needs no test runner"
        )));
    }
    Ok(status)
}

/// Returns the programs the sample project's tests need that are not on PATH.
fn missing_programs(env: &EnvSnapshot) -> Vec<&'static str> {
    use std::os::unix::fs::PermissionsExt;
    let dirs: Vec<PathBuf> = env
        .get("PATH")
        .map(|p| std::env::split_paths(p).collect())
        .unwrap_or_default();
    TEST_PROGRAMS
        .iter()
        .copied()
        .filter(|program| {
            !dirs.iter().any(|dir| {
                fs_err::metadata(dir.join(program))
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            })
        })
        .collect()
}

impl Driver<'_> {
    /// Drives the steps; stops at the first run that does not complete, or before the stages
    /// when a test program is `missing`.
    fn drive(&mut self, missing: &[&str]) -> Result<ExitStatus, CommandError> {
        let analysis = self.run_type(TaskType::ErrorAnalysis, None, None)?;
        if let Some(stop) = self.record("error-analysis", &analysis, &run_detail(&analysis)) {
            return Ok(stop);
        }
        let planning =
            self.run_type(TaskType::ImplementationPlanning, Some("plan-writer"), None)?;
        if let Some(stop) = self.record(
            "implementation-planning",
            &planning,
            &plan_detail(&planning),
        ) {
            return Ok(stop);
        }
        let order = self.approve(&planning)?;
        self.steps = STEPS_BEFORE_STAGES + order.len() + STEPS_AFTER_STAGES;
        if !missing.is_empty() {
            self.ctx.ui.status(&format!(
                "stop: {} not on PATH — the sample project's tests cannot run, so no stage is implemented",
                missing.join(", ")
            ));
            return Ok(ExitStatus::Success);
        }
        for number in order {
            let agent = executor_agent(number);
            let summary = self.run_type(TaskType::Implementation, None, Some((number, &agent)))?;
            let label = format!("implementation stage {number}");
            if let Some(stop) = self.record(&label, &summary, &stage_detail(&summary)) {
                return Ok(stop);
            }
        }
        let fv = self.run_type(TaskType::FinalVerification, Some("fv-writer"), None)?;
        if let Some(stop) = self.record("final-verification", &fv, &fv_detail(&fv)) {
            return Ok(stop);
        }
        let handoff = self.run_type(TaskType::ReleaseHandoff, Some("handoff-writer"), None)?;
        self.pr_body = handoff
            .handoff
            .as_ref()
            .map(|h| self.demo.project.join(&h.pr_body_path));
        if let Some(stop) = self.record("release-handoff", &handoff, &handoff_detail(&handoff)) {
            return Ok(stop);
        }
        Ok(ExitStatus::Success)
    }

    /// Returns `[k/n]` for the next step.
    fn next_step(&mut self) -> String {
        self.step += 1;
        format!("[{}/{}]", self.step, self.steps)
    }

    /// Runs one task type on the demo task, silently; `writer` is the report writer's agent,
    /// `stage` the stage and its executor's agent.
    fn run_type(
        &self,
        task_type: TaskType,
        writer: Option<&str>,
        stage: Option<(u32, &str)>,
    ) -> Result<RunSummary, CommandError> {
        let home = Home::new(&self.demo.home);
        let project = load_or_default_project(&home, &self.demo.project)?;
        let mut layer = SettingsLayer::default();
        if let Some(writer) = writer {
            layer
                .roles
                .insert("report-writer".to_owned(), writer.to_owned());
        }
        if let Some((_, executor)) = stage {
            layer
                .roles
                .insert("executor".to_owned(), executor.to_owned());
        }
        let settings = RunSettings::resolve(task_type, &layer, &project.config, self.env.vars())
            .map_err(|e| settings_error(e, &project.paths.project_json()))?;
        let (group, id) = TaskKey::parse_task_arg(TASK)?;
        let brief = match task_type {
            TaskType::ErrorAnalysis => {
                Some(fs_err::read_to_string(&self.demo.brief).map_err(CommandError::internal)?)
            }
            _ => None,
        };
        Ok(okstra_engine::run(NewRun {
            home,
            project,
            settings,
            task_type,
            group,
            id,
            brief,
            base_ref: Some("main".to_owned()),
            env: self.env.vars().clone(),
            sink: silent(),
            // The hand-off writes the PR body and pushes nothing: no `--push`, no `--open-pr`.
            handoff: None,
            directive: None,
            related: Vec::new(),
            stage: stage.map(|(n, _)| StageAsk {
                plan: None,
                cwd: self.demo.project.clone(),
                choice: StageChoice::Stage(n),
                mode: StageMode::New,
            }),
        })?)
    }

    /// Prints the step's line and keeps its row; returns the exit status to stop with when the
    /// run did not complete.
    fn record(&mut self, label: &str, summary: &RunSummary, detail: &str) -> Option<ExitStatus> {
        let step = self.next_step();
        self.ctx.ui.status(&format!(
            "{step} {label}: {} in {} — {detail}",
            summary.status,
            display_elapsed(summary.wall)
        ));
        self.rows.push(Row::of_run(label, summary));
        (summary.status != RunStatus::Completed).then(|| ExitStatus::from(summary.status))
    }

    /// Approves the plan of the `planning` run, as `okstra approve <run>` does; returns its
    /// stages in dependency order.
    fn approve(&mut self, planning: &RunSummary) -> Result<Vec<u32>, CommandError> {
        let home = Home::new(&self.demo.home);
        let run_id = planning.run_id.to_string();
        let plan = load_plan(locate_plan(&home, &self.demo.project, &run_id)?)?;
        let record = okstra_core::report::ApprovalRecord::new(
            jiff::Timestamp::now(),
            okstra_core::report::ApprovalChannel::Demo,
            None,
        );
        let path = match approve_plan(&plan, record)? {
            Approval::Approved { plan, .. } | Approval::AlreadyApproved { plan } => plan,
        };
        let stages = plan.structured().map_or(&[][..], |p| &p.stages[..]);
        let step = self.next_step();
        self.ctx.ui.status(&format!(
            "{step} approve: {} — {}",
            CommandContext::display_path(&path, &self.demo.project),
            stage_map(stages)
        ));
        Ok(dependency_order(stages))
    }
}
