//! Owns the report step (SPEC §4 step 8, §7.1): the report writer supplies only the narrative;
//! okstra assembles the rest of the report data from its own state (findings and classes from
//! the convergence record, the worker table from team state, rounds, tokens, budget, critic),
//! validates it against the committed schema, writes `final-report-<tt>-<seq>.data.json`, and
//! renders the markdown sibling itself with the data's `dataSha256`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use jiff::Timestamp;
use okstra_core::TaskType;
use okstra_core::config::Language;
use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::findings::converge::ConvergenceState;
use okstra_core::findings::present::render_converged;
use okstra_core::prompt::{
    ContextSection, NARRATIVE_CONTRACT, PLAN_NARRATIVE_CONTRACT, REPORT_WRITER_PROFILE,
};
use okstra_core::report::{
    BudgetNote, ClassCounts, CriticNote, Integrity, Narrative, ReportData, ReportFinding,
    ReportFrontmatter, ReportRound, ReportTokens, ReportVerdict, ReportWorker, parse_narrative,
    render_markdown, sha256_hex, validate_report_value,
};
use okstra_core::run_paths::RoundTag;
use okstra_core::status::WorkerStatus;

use super::analysis::{Budget, FlowInputs, Team, emit, planned, prompt_for};
use super::dispatcher::run_round;
use super::plan::RosterEntry;
use super::{ResultCheck, RunContext};
use crate::errors::RunError;
use crate::fs_atomic::{write_bytes, write_text};
use crate::kill_hook;

/// What the report step used.
#[derive(Clone, Debug)]
pub struct ReportInputs<'a> {
    pub writer: Option<&'a RosterEntry>,
    pub language: Language,
    pub budget: Budget,
}

/// Returns the narrative okstra writes itself when no report writer answered.
fn fallback_narrative(why: &str, state: &ConvergenceState) -> Narrative {
    Narrative {
        summary: format!(
            "okstra wrote this report without a report writer ({why}). The findings, classes, \
             workers and tokens below are okstra's own record."
        ),
        analysis: format!(
            "{} findings were recorded; see the sections below.",
            state.findings.len()
        ),
        recommendations: Vec::new(),
        plan_body: None,
        clarifications: Vec::new(),
    }
}

fn narrative_check() -> ResultCheck {
    Arc::new(|text: &str| parse_narrative(text).map(|_| ()).map_err(|e| e.to_string()))
}

/// Runs the report writer, then writes and renders the report. Returns the markdown path.
pub(crate) async fn report(
    ctx: &mut RunContext,
    inputs: &FlowInputs,
    team: &Team,
    state: &ConvergenceState,
    report: &ReportInputs<'_>,
) -> Result<PathBuf, RunError> {
    let mut notes = Vec::new();
    let budget_reason = report.budget.reached(&ctx.team.total_tokens());
    let narrative = match (report.writer, &budget_reason) {
        (_, Some(reason)) => {
            emit(
                ctx,
                &RunEvent::Budget {
                    reason: reason.clone(),
                },
            );
            fallback_narrative(&format!("the budget was reached: {reason}"), state)
        }
        (None, None) => fallback_narrative("none is configured", state),
        (Some(writer), None) => {
            let tag = RoundTag::Round(0);
            let context = vec![
                ContextSection {
                    title: "Report language".to_owned(),
                    body: format!(
                        "Write in {} ({}).",
                        match report.language {
                            Language::En => "English",
                            Language::Ko => "Korean",
                        },
                        report.language.as_str()
                    ),
                },
                ContextSection {
                    title: "Converged findings".to_owned(),
                    body: render_converged(state),
                },
            ];
            let contract = if ctx.manifest.task_type == TaskType::ImplementationPlanning {
                PLAN_NARRATIVE_CONTRACT
            } else {
                NARRATIVE_CONTRACT
            };
            let prompt = prompt_for(
                ctx,
                inputs,
                writer,
                tag,
                "Report writer",
                REPORT_WRITER_PROFILE,
                &context,
                contract,
            )?;
            let worker = planned(
                ctx,
                inputs,
                team,
                writer,
                tag,
                prompt,
                Some(narrative_check()),
            )?;
            let results = run_round(ctx, vec![worker]).await?;
            let r = &results[0];
            match r.text.as_deref().map(parse_narrative) {
                Some(Ok(narrative)) if r.status == WorkerStatus::Completed => narrative,
                _ => {
                    let why = format!(
                        "the report writer ended {}: {}",
                        r.status,
                        r.reason.as_deref().unwrap_or("no answer")
                    );
                    notes.push(why.clone());
                    fallback_narrative(&why, state)
                }
            }
        }
    };
    let mut data = assemble(
        ctx,
        state,
        narrative,
        report,
        budget_reason.as_deref(),
        notes,
    );
    data.integrity = integrity(ctx)?;
    let value = serde_json::to_value(&data).map_err(|e| RunError::ResultFile {
        message: format!("cannot encode the report data: {e}"),
    })?;
    if let Err(violations) = validate_report_value(&value) {
        let first = violations
            .first()
            .map(|v| format!("{}: {}", v.path, v.message))
            .unwrap_or_default();
        return Err(RunError::ResultFile {
            message: format!("the report data does not match its schema ({first})"),
        });
    }
    let mut bytes = serde_json::to_vec_pretty(&data).map_err(|e| RunError::ResultFile {
        message: format!("cannot encode the report data: {e}"),
    })?;
    bytes.push(b'\n');
    let data_path = ctx.paths.report_data();
    write_bytes(&data_path, &bytes)?;
    let markdown =
        render_markdown(&data, &sha256_hex(&bytes)).map_err(|e| RunError::ResultFile {
            message: format!("cannot render the report: {e}"),
        })?;
    let md_path = ctx.paths.report_markdown();
    write_text(&md_path, &markdown)?;
    emit(
        ctx,
        &RunEvent::Report {
            path: okstra_core::run_paths::relative_to(
                &md_path,
                std::path::Path::new(&ctx.manifest.project_root),
            )
            .display()
            .to_string(),
        },
    );
    ctx.manifest
        .pass_checkpoint(Checkpoint::Report, Timestamp::now());
    ctx.save_manifest()?;
    kill_hook::passed(Checkpoint::Report);
    Ok(md_path)
}

/// Returns the report data of a run from okstra's own state plus the writer's narrative.
pub fn assemble(
    ctx: &RunContext,
    state: &ConvergenceState,
    narrative: Narrative,
    report: &ReportInputs<'_>,
    budget_reason: Option<&str>,
    notes: Vec<String>,
) -> ReportData {
    let classes = state.compute_classes();
    let latest = state.latest_answers();
    let mut verdicts: BTreeMap<&str, Vec<ReportVerdict>> = BTreeMap::new();
    for round in &state.rounds {
        for (worker, items) in &round.answers {
            let sent = round.sent.get(worker);
            for item in items {
                if sent.is_some_and(|s| s.contains(&item.finding_id)) {
                    verdicts
                        .entry(item.finding_id.as_str())
                        .or_default()
                        .push(ReportVerdict {
                            worker: worker.clone(),
                            round: round.round,
                            verdict: item.verdict,
                            reason: item.reason.clone(),
                        });
                }
            }
        }
    }
    let findings: Vec<ReportFinding> = state
        .findings
        .iter()
        .map(|f| {
            let mine = latest.get(f.id.as_str());
            let by = |v: okstra_core::findings::Verdict| -> Vec<String> {
                mine.map(|m| {
                    m.iter()
                        .filter(|(_, a)| a.verdict == v)
                        .map(|(w, _)| (*w).to_owned())
                        .collect()
                })
                .unwrap_or_default()
            };
            ReportFinding {
                id: f.id.clone(),
                title: f.title.clone(),
                severity: f.severity,
                class: classes
                    .get(&f.id)
                    .copied()
                    .unwrap_or(okstra_core::findings::ConsensusClass::WorkerUnique),
                claim: f.claim.clone(),
                reasoning: f.reasoning.clone(),
                evidence: f.evidence.clone(),
                authors: f.authors.clone(),
                sources: f.sources.clone(),
                agreed_by: by(okstra_core::findings::Verdict::Agree),
                disagreed_by: by(okstra_core::findings::Verdict::Disagree),
                unsure_by: by(okstra_core::findings::Verdict::Unsure),
                verdicts: verdicts.remove(f.id.as_str()).unwrap_or_default(),
                round: f.round,
            }
        })
        .collect();
    let workers = ctx
        .team
        .workers
        .iter()
        .map(|w| ReportWorker {
            worker: w.worker.clone(),
            kind: w.kind.clone(),
            role: w.role.clone(),
            model: w.model.clone(),
            round: w.round,
            status: w.status,
            reason: w.reason.clone(),
            attempts: u32::try_from(w.attempts.len()).unwrap_or(u32::MAX),
            duration_ms: w.duration_ms,
            tokens: w.tokens,
            replay: w.replay,
        })
        .collect();
    let rounds = state
        .rounds
        .iter()
        .map(|r| ReportRound {
            round: r.round,
            queue: r.queue.clone(),
            answered_by: r.answers.keys().cloned().collect(),
            skipped_workers: r.skipped_workers.clone(),
            tokens: r.tokens,
        })
        .collect();
    let stopped = state
        .stopped
        .clone()
        .or_else(|| budget_reason.map(|r| format!("budget reached: {r}")));
    let budget = (report.budget.max_tokens.is_some() || report.budget.max_cost_usd.is_some())
        .then(|| BudgetNote {
            max_tokens: report.budget.max_tokens,
            max_cost_usd: report.budget.max_cost_usd,
            reached: stopped.is_some(),
            message: stopped.clone().map_or_else(
                || "the budget was not reached".to_owned(),
                |s| format!("{s}; okstra started no further round or worker and finished the report with what it had"),
            ),
        });
    let critic = state.critic.as_ref().map(|c| CriticNote {
        provider: c.provider.clone(),
        gaps: u32::try_from(c.gaps.len()).unwrap_or(u32::MAX),
    });
    ReportData {
        schema_version: ReportData::current_schema_version(),
        frontmatter: ReportFrontmatter {
            task_key: ctx.manifest.task_key.clone(),
            task_type: ctx.manifest.task_type,
            run_id: ctx.manifest.run_id.to_string(),
            run_seq: ctx.manifest.run_seq.get(),
            stage: ctx.manifest.stage.map(okstra_core::Stage::get),
            language: report.language,
            approved: (ctx.manifest.task_type == TaskType::ImplementationPlanning).then_some(false),
            generated_at: Timestamp::now(),
            replay: ctx.manifest.replay,
        },
        narrative,
        class_counts: ClassCounts::from_findings(&findings),
        findings,
        workers,
        rounds,
        tokens: ReportTokens {
            total: ctx.team.total_tokens(),
        },
        budget,
        critic,
        notes,
        integrity: Integrity::default(),
    }
}

/// Returns the hashes of the convergence record and of every completed worker's result file,
/// as they are now.
fn integrity(ctx: &RunContext) -> Result<Integrity, RunError> {
    let root = std::path::Path::new(&ctx.manifest.project_root);
    let conv = ctx.paths.convergence();
    let convergence_sha256 = match fs_err::read(&conv) {
        Ok(bytes) => Some(sha256_hex(&bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(crate::errors::PathError {
                path: conv,
                source: e,
            }
            .into());
        }
    };
    let mut results = BTreeMap::new();
    for row in &ctx.team.workers {
        if row.status != WorkerStatus::Completed {
            continue;
        }
        if let Some(rel) = &row.result_path {
            let path = root.join(rel);
            let bytes = fs_err::read(&path).map_err(crate::errors::PathError::at(&path))?;
            results.insert(rel.clone(), sha256_hex(&bytes));
        }
    }
    Ok(Integrity {
        convergence_sha256,
        results,
    })
}
