//! Owns what goes into worker prompts (SPEC §4 step 2, §5.2): the brief, the task's prior
//! reports, the run's context section, the run-wide guidance (the related tasks' latest
//! reports and the user's directive, from the run's recipe), and rendering one worker's prompt
//! from its parts with the anchor headers. Every phase that asks a worker something builds its
//! prompt here, so the guidance reaches every worker.

use std::path::{Path, PathBuf};

use okstra_core::TaskType;
use okstra_core::document::{parse_json, typed};
use okstra_core::manifest::RunRecipe;
use okstra_core::outcome::AnswerContract;
use okstra_core::prompt::{
    ContextSection, EXECUTOR_CONTRACT, FINDINGS_CONTRACT, NARRATIVE_CONTRACT,
    PLAN_NARRATIVE_CONTRACT, PLAN_VERDICTS_CONTRACT, PromptInput, STAGE_VERDICT_CONTRACT,
    VERDICTS_CONTRACT, render_prompt,
};
use okstra_core::report::ReportData;
use okstra_core::run_paths::{ArtifactKind, ProjectPaths, RoundTag, TaskPaths};

use super::dispatcher::PlannedWorker;
use super::imp::Run;
use super::roster::RosterEntry;
use crate::errors::{PathError, PriorReportError, RunError};

/// The task-type-specific part of a prompt.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PromptKind<'a> {
    pub(crate) title: &'a str,
    pub(crate) profile: &'a str,
    pub(crate) contract: AnswerContract,
}

/// Returns the title of a task type's prompts.
pub(crate) fn title(task_type: TaskType) -> &'static str {
    match task_type {
        TaskType::RequirementsDiscovery => "Requirements discovery",
        TaskType::ErrorAnalysis => "Error analysis",
        TaskType::ImplementationPlanning => "Implementation planning",
        TaskType::Implementation => "Implementation",
        TaskType::FinalVerification => "Final verification",
        TaskType::ReleaseHandoff => "Release hand-off",
    }
}

/// Returns the text of a contract, as the prompt's last part.
fn contract_text(contract: AnswerContract) -> &'static str {
    match contract {
        AnswerContract::Findings => FINDINGS_CONTRACT,
        AnswerContract::Verdicts => VERDICTS_CONTRACT,
        AnswerContract::Narrative => NARRATIVE_CONTRACT,
        AnswerContract::Plan => PLAN_NARRATIVE_CONTRACT,
        AnswerContract::PlanVerdicts { .. } => PLAN_VERDICTS_CONTRACT,
        AnswerContract::Executor => EXECUTOR_CONTRACT,
        AnswerContract::StageVerdict => STAGE_VERDICT_CONTRACT,
        AnswerContract::Handoff => okstra_core::prompt::HANDOFF_CONTRACT,
    }
}

/// Reads what every prompt of a run shares, before anything of the run is written: the brief
/// (`new_brief`, the text of `--brief`, else the task's `brief.md` when it has one) and the
/// task's latest report of every other task type. An unreadable brief or prior report is an
/// error that names the file.
pub(crate) fn read_shared(
    task: &TaskPaths,
    task_type: TaskType,
    new_brief: Option<&str>,
) -> Result<(String, Vec<ContextSection>), RunError> {
    let brief = read_brief(task, new_brief)?;
    Ok((brief, prior_reports(task, task_type)?))
}

/// Returns the brief a run gives its workers: `new_brief`, else the task's `brief.md`, else
/// nothing (an empty text).
pub(crate) fn read_brief(task: &TaskPaths, new_brief: Option<&str>) -> Result<String, RunError> {
    if let Some(text) = new_brief {
        return Ok(text.to_owned());
    }
    let path = task.brief();
    match fs_err::read_to_string(&path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(source) => Err(RunError::Brief { path, source }),
    }
}

/// Returns the task's latest report of every other task type, as prompt context.
fn prior_reports(
    task: &TaskPaths,
    task_type: TaskType,
) -> Result<Vec<ContextSection>, PriorReportError> {
    latest_reports(task, Some(task_type), "Prior report: ")
}

/// Returns the sections a run's recipe adds to every prompt of the run: the latest report of
/// every task type of each related task (`--related`), then the user's directive
/// (`--directive`). A related task that is gone meanwhile gives nothing.
pub(crate) fn read_guidance(
    project: &ProjectPaths,
    recipe: Option<&RunRecipe>,
) -> Result<Vec<ContextSection>, RunError> {
    let Some(recipe) = recipe else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for related in &recipe.related {
        let Ok((group, id)) = okstra_core::TaskKey::parse_task_arg(related) else {
            continue;
        };
        let task = project.task(group.segment(), id.segment());
        out.extend(latest_reports(
            &task,
            None,
            &format!("Related task {related}: "),
        )?);
    }
    if let Some(directive) = recipe.directive.as_deref().filter(|d| !d.trim().is_empty()) {
        out.push(ContextSection {
            title: "Directive from the user".to_owned(),
            body: directive.trim().to_owned(),
        });
    }
    Ok(out)
}

/// Returns the task's latest report of every task type but `skip`, as prompt context titled
/// `<title_prefix><task type> #<seq>`.
fn latest_reports(
    task: &TaskPaths,
    skip: Option<TaskType>,
    title_prefix: &str,
) -> Result<Vec<ContextSection>, PriorReportError> {
    let mut out = Vec::new();
    for other in TaskType::ALL {
        if Some(other) == skip {
            continue;
        }
        let dir = task.run_dir(other, None).join("reports");
        let Some(path) = latest_report(&dir)? else {
            continue;
        };
        let text = fs_err::read_to_string(&path).map_err(PathError::at(&path))?;
        let data: ReportData =
            parse_json(&text)
                .and_then(typed)
                .map_err(|source| PriorReportError::Invalid {
                    path: path.clone(),
                    source,
                })?;
        out.push(ContextSection {
            title: format!("{title_prefix}{other} #{}", data.frontmatter.run_seq),
            body: format!(
                "{}\n\n(full report: {})",
                data.narrative.summary.trim(),
                path.with_extension("").with_extension("md").display()
            ),
        });
    }
    Ok(out)
}

impl Run {
    /// Returns the context section every prompt of the run starts with.
    pub(crate) fn context_section(&self) -> ContextSection {
        ContextSection {
            title: "Context".to_owned(),
            body: format!(
                "- Task: {}\n- Working directory: {} ({})",
                self.manifest().task_key(),
                self.inputs.workdir.display(),
                self.manifest().worktree.status
            ),
        }
    }

    /// Returns a worker of a round with its prompt: the anchor headers, the kind's profile,
    /// the brief, `context`, and the contract.
    pub(crate) fn planned(
        &self,
        entry: &RosterEntry,
        round: RoundTag,
        kind: PromptKind<'_>,
        context: &[ContextSection],
    ) -> Result<PlannedWorker, RunError> {
        let m = self.manifest();
        // The run-wide guidance (related reports, the directive) follows the phase's context.
        let context: Vec<ContextSection> = context
            .iter()
            .chain(&self.inputs.guidance)
            .cloned()
            .collect();
        let result_path = self
            .paths
            .artifact(&entry.worker, ArtifactKind::Result, round, 1);
        let prompt = render_prompt(&PromptInput {
            run_id: &m.run_id.to_string(),
            task_type: m.task_type,
            seq: m.run_seq.get(),
            stage: m.stage.map(okstra_core::Stage::get),
            worker: entry.worker.as_str(),
            kind: entry.kind.as_str(),
            role: entry.role,
            project_root: &m.project_root,
            result_path: &result_path.display().to_string(),
            round,
            workdir: &self.inputs.workdir.display().to_string(),
            title: kind.title,
            profile: kind.profile,
            brief: if self.inputs.brief.trim().is_empty() {
                "(no brief was given)"
            } else {
                &self.inputs.brief
            },
            context: &context,
            contract: contract_text(kind.contract),
        })?;
        Ok(PlannedWorker {
            entry: entry.clone(),
            round,
            prompt,
            contract: Some(kind.contract),
        })
    }
}

/// Returns the newest `final-report-*.data.json` of a reports folder (by its seq), if any.
fn latest_report(dir: &Path) -> Result<Option<PathBuf>, PathError> {
    let entries = match fs_err::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(PathError::at(dir)(e)),
    };
    let seq = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".data.json"))
            .and_then(|n| n.rsplit('-').next())
            .and_then(|n| n.parse::<u32>().ok())
    };
    let mut latest: Option<(u32, PathBuf)> = None;
    for entry in entries {
        let path = entry.map_err(PathError::at(dir))?.path();
        if let Some(n) = seq(&path)
            && latest.as_ref().is_none_or(|(best, _)| n > *best)
        {
            latest = Some((n, path));
        }
    }
    Ok(latest.map(|(_, p)| p))
}
