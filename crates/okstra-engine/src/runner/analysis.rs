//! Owns the analysis steps of a run (SPEC §4 steps 2–6): round 0 with every analyser under the
//! findings contract, merging into `F-<n>` findings, the convergence rounds with their queues,
//! and the opt-in critic with the one reverify round of its gaps. Core decides who gets what
//! and which class a finding has; this module renders the prompts, dispatches the rounds and
//! records them in `state/convergence-<seq>.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::findings::FindingsBlock;
use okstra_core::findings::check::{check_findings_answer, check_verdicts_answer};
use okstra_core::findings::converge::{
    ConvergenceState, CriticRecord, Queue, RoundAnswer, RoundKind,
};
use okstra_core::findings::merge::{merge_findings, merge_from};
use okstra_core::findings::present::{render_converged, render_reverify_findings};
use okstra_core::prompt::{
    CRITIC_PROFILE, ContextSection, FINDINGS_CONTRACT, PromptInput, REVERIFY_PROFILE,
    VERDICTS_CONTRACT, profile, render_prompt,
};
use okstra_core::result_header::CliInfo;
use okstra_core::run_paths::{ArtifactKind, RoundTag, relative_to};
use okstra_core::status::WorkerStatus;
use okstra_core::tokens::TokenUsage;

use super::dispatcher::run_round;
use super::plan::{ProcessInputs, RosterEntry, launch_for};
use super::{PlannedWorker, ResultCheck, RunContext, WorkerResult};
use crate::errors::RunError;
use crate::fs_atomic::write_json;
use crate::kill_hook;

/// What every prompt and launch of a run needs besides the run state.
#[derive(Clone, Debug)]
pub struct FlowInputs {
    pub brief: String,
    pub workdir: PathBuf,
    pub env: BTreeMap<String, String>,
    pub worker_env: BTreeMap<String, String>,
    pub is_root: bool,
    /// The task's prior reports, as prompt context.
    pub prior: Vec<ContextSection>,
}

/// The budget of a run (SPEC §11): once reached, no new round or worker starts.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Budget {
    pub max_tokens: Option<u64>,
    pub max_cost_usd: Option<f64>,
}

impl Budget {
    /// Returns why the budget is reached by `used`, if it is.
    pub fn reached(&self, used: &TokenUsage) -> Option<String> {
        if let (Some(max), Some(total)) = (self.max_tokens, used.total())
            && total >= max
        {
            return Some(format!("{total} tokens used of a budget of {max}"));
        }
        if let (Some(max), Some(cost)) = (self.max_cost_usd, used.cost_usd)
            && cost >= max
        {
            return Some(format!("${cost:.4} spent of a budget of ${max:.4}"));
        }
        None
    }
}

/// The workers a run can call, with their CLIs.
#[derive(Clone, Debug)]
pub struct Team {
    pub analysers: Vec<RosterEntry>,
    pub clis: BTreeMap<String, Option<CliInfo>>,
}

impl Team {
    fn analyser(&self, worker: &str) -> Option<&RosterEntry> {
        self.analysers.iter().find(|e| e.worker.as_str() == worker)
    }
}

/// Returns a worker's prompt.
#[expect(clippy::too_many_arguments, reason = "the parts of one prompt")]
pub(crate) fn prompt_for(
    ctx: &RunContext,
    inputs: &FlowInputs,
    entry: &RosterEntry,
    round: RoundTag,
    title: &str,
    profile_text: &str,
    context: &[ContextSection],
    contract: &str,
) -> Result<String, RunError> {
    let result_path = ctx
        .paths
        .artifact(&entry.worker, ArtifactKind::Result, round, 1);
    Ok(render_prompt(&PromptInput {
        run_id: &ctx.manifest.run_id.to_string(),
        task_type: ctx.manifest.task_type,
        seq: ctx.manifest.run_seq.get(),
        stage: ctx.manifest.stage.map(okstra_core::Stage::get),
        worker: entry.worker.as_str(),
        kind: entry.kind.as_str(),
        role: entry.role,
        project_root: &ctx.manifest.project_root,
        result_path: &result_path.display().to_string(),
        round,
        workdir: &inputs.workdir.display().to_string(),
        title,
        profile: profile_text,
        brief: if inputs.brief.trim().is_empty() {
            "(no brief was given)"
        } else {
            &inputs.brief
        },
        context,
        contract,
    })?)
}

/// Returns a planned worker for an entry in a round.
pub(crate) fn planned(
    ctx: &RunContext,
    inputs: &FlowInputs,
    team: &Team,
    entry: &RosterEntry,
    round: RoundTag,
    prompt: String,
    check: Option<ResultCheck>,
) -> Result<PlannedWorker, RunError> {
    let launch = launch_for(
        entry,
        &ProcessInputs {
            workdir: &inputs.workdir,
            add_dirs: &[],
            tmpdir: ctx.tmp_root.join(format!("{}-r{round}", entry.worker)),
            worker_env: &inputs.worker_env,
            env: &inputs.env,
            is_root: inputs.is_root,
        },
    )?;
    Ok(PlannedWorker {
        worker: entry.worker.clone(),
        kind: entry.kind,
        role: entry.role,
        model: entry.model.clone(),
        round,
        cli: team.clis.get(entry.worker.as_str()).cloned().flatten(),
        launch,
        prompt,
        check,
    })
}

fn findings_check() -> ResultCheck {
    Arc::new(|text: &str| check_findings_answer(text).map(|_| ()))
}

fn verdicts_check() -> ResultCheck {
    Arc::new(|text: &str| check_verdicts_answer(text).map(|_| ()))
}

pub(crate) fn emit(ctx: &mut RunContext, event: &RunEvent) {
    (ctx.sink)(event);
    if event.is_recorded() {
        ctx.manifest.push_event(event.to_manifest(Timestamp::now()));
    }
}

fn run_context_section(ctx: &RunContext, inputs: &FlowInputs) -> ContextSection {
    ContextSection {
        title: "Context".to_owned(),
        body: format!(
            "- Task: {}\n- Working directory: {} ({})",
            ctx.manifest.task_key,
            inputs.workdir.display(),
            ctx.manifest.worktree.status
        ),
    }
}

/// Runs round 0: every analyser, under the findings contract. Returns the results.
pub(crate) async fn round_zero(
    ctx: &mut RunContext,
    inputs: &FlowInputs,
    team: &Team,
) -> Result<Vec<WorkerResult>, RunError> {
    let round = RoundTag::Round(0);
    let mut context = vec![run_context_section(ctx, inputs)];
    context.extend(inputs.prior.iter().cloned());
    let mut workers = Vec::with_capacity(team.analysers.len());
    for entry in &team.analysers {
        let prompt = prompt_for(
            ctx,
            inputs,
            entry,
            round,
            super::imp::title(ctx.manifest.task_type),
            profile(ctx.manifest.task_type),
            &context,
            FINDINGS_CONTRACT,
        )?;
        workers.push(planned(
            ctx,
            inputs,
            team,
            entry,
            round,
            prompt,
            Some(findings_check()),
        )?);
    }
    if !ctx.manifest.passed(Checkpoint::Prompts) {
        emit(
            ctx,
            &RunEvent::Prompts {
                count: workers.len(),
            },
        );
        ctx.manifest
            .pass_checkpoint(Checkpoint::Prompts, Timestamp::now());
        ctx.save_manifest()?;
        kill_hook::passed(Checkpoint::Prompts);
    }
    let results = run_round(ctx, workers).await?;
    if !ctx.cancel.is_cancelled() {
        // An interrupted round is not collected: its interrupted workers run again on resume.
        ctx.manifest
            .pass_checkpoint(Checkpoint::Collect, Timestamp::now());
        ctx.save_manifest()?;
        kill_hook::passed(Checkpoint::Collect);
    }
    Ok(results)
}

/// Returns the convergence state after round 0: the completed analysers' findings, merged.
pub(crate) fn initial_state(
    ctx: &RunContext,
    results: &[WorkerResult],
    max_rounds: u32,
) -> ConvergenceState {
    let blocks: Vec<(String, FindingsBlock)> = results
        .iter()
        .filter(|r| r.status == WorkerStatus::Completed)
        .filter_map(|r| {
            let block = check_findings_answer(r.text.as_deref()?).ok()?;
            Some((r.worker.to_string(), block))
        })
        .collect();
    let analysers = blocks.iter().map(|(w, _)| w.clone()).collect();
    ConvergenceState::new(
        ctx.manifest.run_id.to_string(),
        max_rounds,
        analysers,
        merge_findings(&blocks, 0),
    )
}

fn rounds_tokens(results: &[WorkerResult]) -> TokenUsage {
    results
        .iter()
        .fold(TokenUsage::default(), |acc, r| acc.plus(&r.usage))
}

/// Runs one reverify round of `queue` and records it.
async fn reverify_round(
    ctx: &mut RunContext,
    inputs: &FlowInputs,
    team: &Team,
    state: &mut ConvergenceState,
    round: u32,
    kind: RoundKind,
    queue: &Queue,
) -> Result<(), RunError> {
    let tag = RoundTag::Round(round);
    let mut workers = Vec::new();
    let mut prompts = BTreeMap::new();
    for (worker, ids) in &queue.recipients {
        let Some(entry) = team.analyser(worker) else {
            continue;
        };
        let context = vec![
            run_context_section(ctx, inputs),
            ContextSection {
                title: "Findings to re-verify".to_owned(),
                body: render_reverify_findings(state, ids),
            },
        ];
        let prompt = prompt_for(
            ctx,
            inputs,
            entry,
            tag,
            "Re-verification",
            REVERIFY_PROFILE,
            &context,
            VERDICTS_CONTRACT,
        )?;
        let path = ctx
            .paths
            .artifact(&entry.worker, ArtifactKind::Prompt, tag, 1);
        prompts.insert(
            worker.clone(),
            relative_to(&path, Path::new(&ctx.manifest.project_root))
                .display()
                .to_string(),
        );
        workers.push(planned(
            ctx,
            inputs,
            team,
            entry,
            tag,
            prompt,
            Some(verdicts_check()),
        )?);
    }
    let results = run_round(ctx, workers).await?;
    let mut outcomes = BTreeMap::new();
    for r in &results {
        let outcome = match (r.status, r.text.as_deref().map(check_verdicts_answer)) {
            (WorkerStatus::Completed, Some(Ok(block))) => RoundAnswer::Answered(block),
            (status, _) => {
                // A reverify call that timed out or failed: the worker is skipped from now on
                // and its missing answers never count as DISAGREE.
                if let Some(row) = ctx.team.worker_mut(r.worker.as_str(), tag) {
                    row.status = WorkerStatus::VerificationError;
                }
                RoundAnswer::VerificationError(format!(
                    "{status}: {}",
                    r.reason.as_deref().unwrap_or("no answer")
                ))
            }
        };
        outcomes.insert(r.worker.to_string(), outcome);
    }
    state.record_round(
        round,
        kind,
        queue,
        outcomes,
        prompts,
        rounds_tokens(&results),
    );
    write_json(&ctx.paths.convergence(), state)?;
    ctx.save_team()?;
    Ok(())
}

/// Runs the convergence rounds (SPEC §6.3) until the queue is empty, the rounds are spent or the
/// budget is reached. Rounds already recorded (a resumed run) are not run again.
pub(crate) async fn converge(
    ctx: &mut RunContext,
    inputs: &FlowInputs,
    team: &Team,
    state: &mut ConvergenceState,
    budget: Budget,
) -> Result<(), RunError> {
    let done = state
        .rounds
        .iter()
        .filter(|r| r.kind == RoundKind::Reverify)
        .map(|r| r.round)
        .max()
        .unwrap_or(0);
    for round in (done + 1)..=state.max_rounds {
        if let Some(reason) = budget.reached(&ctx.team.total_tokens()) {
            stop_for_budget(ctx, state, &reason)?;
            break;
        }
        let queue = state.next_queue(None);
        if queue.is_empty() {
            break;
        }
        emit(
            ctx,
            &RunEvent::Convergence {
                round,
                queue: queue.findings.len(),
            },
        );
        reverify_round(ctx, inputs, team, state, round, RoundKind::Reverify, &queue).await?;
    }
    ctx.manifest
        .pass_checkpoint(Checkpoint::Convergence, Timestamp::now());
    write_json(&ctx.paths.convergence(), state)?;
    ctx.save_manifest()?;
    kill_hook::passed(Checkpoint::Convergence);
    Ok(())
}

/// Records that the budget stopped the run's rounds.
pub(crate) fn stop_for_budget(
    ctx: &mut RunContext,
    state: &mut ConvergenceState,
    reason: &str,
) -> Result<(), RunError> {
    if state.stopped.is_none() {
        state.stopped = Some(format!("budget reached: {reason}"));
        emit(
            ctx,
            &RunEvent::Budget {
                reason: reason.to_owned(),
            },
        );
        write_json(&ctx.paths.convergence(), state)?;
    }
    Ok(())
}

/// Runs the critic (opt-in): one worker looks for coverage gaps in the converged findings; its
/// gaps are added as findings and go through one reverify round.
pub(crate) async fn critic(
    ctx: &mut RunContext,
    inputs: &FlowInputs,
    team: &Team,
    critic: &RosterEntry,
    state: &mut ConvergenceState,
    budget: Budget,
) -> Result<(), RunError> {
    let round = state.max_rounds + 1;
    let tag = RoundTag::Round(round);
    if state.critic.is_none() {
        if let Some(reason) = budget.reached(&ctx.team.total_tokens()) {
            stop_for_budget(ctx, state, &reason)?;
            return Ok(());
        }
        let context = vec![
            run_context_section(ctx, inputs),
            ContextSection {
                title: "Converged findings".to_owned(),
                body: render_converged(state),
            },
        ];
        let prompt = prompt_for(
            ctx,
            inputs,
            critic,
            tag,
            "Coverage critic",
            CRITIC_PROFILE,
            &context,
            FINDINGS_CONTRACT,
        )?;
        let worker = planned(
            ctx,
            inputs,
            team,
            critic,
            tag,
            prompt,
            Some(findings_check()),
        )?;
        let results = run_round(ctx, vec![worker]).await?;
        let result = &results[0];
        let gaps = match (
            result.status,
            result.text.as_deref().map(check_findings_answer),
        ) {
            (WorkerStatus::Completed, Some(Ok(block))) => merge_from(
                &[(result.worker.to_string(), block)],
                round,
                state.next_finding_number(),
            ),
            _ => Vec::new(),
        };
        let ids: Vec<String> = gaps.iter().map(|f| f.id.clone()).collect();
        state.add_findings(gaps);
        state.critic = Some(CriticRecord {
            provider: critic.agent.clone(),
            round,
            status: result.status.to_string(),
            gaps: ids.clone(),
        });
        emit(
            ctx,
            &RunEvent::Critic {
                provider: critic.agent.clone(),
                gaps: ids.len(),
            },
        );
        write_json(&ctx.paths.convergence(), state)?;
    }
    let gaps = state
        .critic
        .as_ref()
        .map(|c| c.gaps.clone())
        .unwrap_or_default();
    let reverified = state.rounds.iter().any(|r| r.kind == RoundKind::Critic);
    if !gaps.is_empty() && !reverified {
        if let Some(reason) = budget.reached(&ctx.team.total_tokens()) {
            stop_for_budget(ctx, state, &reason)?;
        } else {
            let queue = state.next_queue(Some(&gaps));
            if !queue.is_empty() {
                reverify_round(ctx, inputs, team, state, round, RoundKind::Critic, &queue).await?;
            }
        }
    }
    ctx.manifest
        .pass_checkpoint(Checkpoint::Critic, Timestamp::now());
    ctx.save_manifest()?;
    kill_hook::passed(Checkpoint::Critic);
    Ok(())
}
