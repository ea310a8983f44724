//! Owns a release-handoff run's hand-off phase (SPEC §3, §8): the gate checked again on the
//! task branch's current head, the writer asked for the PR title and body narrative (its
//! block redacted; a writer that gives none leaves okstra's own records and a note), the PR
//! body assembled from okstra's records and placed in the project's PR template, written to
//! `reports/pr-body-<seq>.md` — then, only when asked, the task branch pushed and the PR
//! opened. Its report is `handoff_report`'s.

use okstra_core::config::Language;
use okstra_core::handoff::{
    HandoffBlock, HandoffReport, PrInputs, PrOutcome, PushOutcome, build_pr_content,
    check_handoff_answer, fill_template,
};
use okstra_core::outcome::AnswerContract;
use okstra_core::prompt::{ContextSection, profile};
use okstra_core::report::sha256_hex;
use okstra_core::run_paths::RoundTag;
use okstra_core::status::WorkerStatus;
use okstra_core::{TaskType, handoff::HandoffStage, report::ReportFinding};

use super::imp::Run;
use super::prompts::PromptKind;
use super::request::NewRun;
use crate::errors::RunError;
use crate::handoff::{
    PrAsk, Ready, check_ready, open_pr, push_branch, read_findings, read_stages, read_template,
    read_tokens, refuse_unready,
};

impl Run {
    /// Writes the PR body, and pushes and opens the PR when asked.
    pub(crate) async fn hand_off(&mut self) -> Result<(), RunError> {
        if self.interrupted() {
            return Ok(());
        }
        let root = std::path::PathBuf::from(&self.manifest().project_root);
        let task = self.paths.task().clone();
        let key = self.manifest().task_key().to_string();
        let ready = check_ready(&task, &key, &root)?;
        let stages = read_stages(&task)?;
        let findings = read_findings(&ready.paths).unwrap_or_else(|| {
            self.found.handoff.notes.push(format!(
                "final verification {} has no readable report: no finding is listed",
                ready.record.run_id
            ));
            Vec::new()
        });
        let tokens = read_tokens(&task);
        let (template_source, template) = read_template(
            &root,
            self.found.handoff.pr_template.as_deref(),
            &okstra_core::run_paths::ProjectPaths::new(&root).project_json(),
        )?;
        let block = self.ask_handoff_writer(&ready, &stages, &findings).await?;
        // Interrupted while the writer worked: nothing is written, pushed or opened.
        if self.interrupted() {
            return Ok(());
        }
        let content = build_pr_content(&PrInputs {
            block: &block,
            verification: &ready.record,
            stages: &stages,
            findings: &findings,
            tokens: &tokens,
            replay: self.manifest().replay,
            language: self.settings.language.value,
        });
        let body = fill_template(&template, &content);
        let body_path = self.paths.pr_body();
        crate::fs_atomic::write_text(&body_path, &body)?;
        let ask = self.found.handoff.ask.clone().unwrap_or_default();
        let branch = ready.record.task_branch.clone();
        let push = if ask.push {
            // The verified head itself, not whatever the branch points at by now.
            push_branch(&root, &ask.remote, &branch, &ready.record.verified_head)
        } else {
            PushOutcome::NotAsked
        };
        let pr = if !ask.open_pr {
            PrOutcome::NotAsked
        } else if push.failed() {
            PrOutcome::Failed {
                message: "not opened: the push was rejected".to_owned(),
            }
        } else {
            open_pr(&PrAsk {
                repo: &root,
                title: &content.title,
                body_file: &body_path,
                branch: &branch,
                draft: ask.draft,
                unpushed: (!ask.push)
                    .then_some((ask.remote.as_str(), ready.record.verified_head.as_str())),
                env: &self.env,
            })
        };
        let record_path = ready.paths.final_verification_record();
        self.found.handoff.record = Some((
            self.rel(&record_path),
            sha256_hex(
                &fs_err::read(&record_path).map_err(crate::errors::PathError::at(&record_path))?,
            ),
        ));
        self.found.handoff.block = Some(block);
        self.found.handoff.report = Some(HandoffReport {
            title: content.title.clone(),
            pr_body_path: self.rel(&body_path),
            pr_body_sha256: sha256_hex(body.as_bytes()),
            pr_body: body,
            template: template_source,
            task_branch: branch,
            head: ready.record.verified_head.clone(),
            final_verification_run_id: ready.record.run_id.clone(),
            final_verification_seq: ready.record.run_seq,
            push,
            pr,
        });
        Ok(())
    }

    /// Asks the writer for the PR title and body narrative; a writer that gives no valid
    /// block leaves a plain one from okstra's records, and a note saying so.
    async fn ask_handoff_writer(
        &mut self,
        ready: &Ready,
        stages: &[HandoffStage],
        findings: &[ReportFinding],
    ) -> Result<HandoffBlock, RunError> {
        let context = self.handoff_context(ready, stages, findings);
        let kind = PromptKind {
            title: "Release hand-off",
            profile: profile(TaskType::ReleaseHandoff),
            contract: AnswerContract::Handoff,
        };
        let writer = self.roster.report_writer.clone();
        let worker = self.planned(&writer, RoundTag::Round(0), kind, &context)?;
        let results = self.dispatch(vec![worker]).await?;
        self.found.handoff.workers.clone_from(&results);
        let answer = results
            .first()
            .and_then(|r| match (r.status, r.text.as_deref()) {
                (WorkerStatus::Completed, Some(text)) => check_handoff_answer(text).ok(),
                _ => None,
            });
        if let Some(block) = answer {
            return Ok(self.redacted(&block));
        }
        let why = results.first().map_or_else(
            || "it did not run".to_owned(),
            |r| {
                format!(
                    "it ended {}{}",
                    r.status,
                    r.reason
                        .as_ref()
                        .map(|w| format!(": {w}"))
                        .unwrap_or_default()
                )
            },
        );
        self.found.handoff.notes.push(format!(
            "the writer gave no PR narrative ({why}); the body holds okstra's records only"
        ));
        Ok(HandoffBlock {
            title: format!("{}: verified changes", self.manifest().task_key()),
            summary: format!(
                "The changes of task {}, accepted by final verification {}.",
                self.manifest().task_key(),
                ready.record.run_id
            ),
            changes: Vec::new(),
            risks: Vec::new(),
        })
    }

    /// Returns the writer's block with every field redacted.
    fn redacted(&self, block: &HandoffBlock) -> HandoffBlock {
        let r = |s: &str| self.redactor.redact(s).into_owned();
        HandoffBlock {
            title: r(&block.title),
            summary: r(&block.summary),
            changes: block.changes.iter().map(|s| r(s)).collect(),
            risks: block.risks.iter().map(|s| r(s)).collect(),
        }
    }

    /// Returns what the writer reads besides the brief: the language, the verification, the
    /// stages with their commits, and the findings that remain.
    fn handoff_context(
        &self,
        ready: &Ready,
        stages: &[HandoffStage],
        findings: &[ReportFinding],
    ) -> Vec<ContextSection> {
        let v = &ready.record;
        let language = match self.settings.language.value {
            Language::En => "English (en)",
            Language::Ko => "Korean (ko)",
        };
        let mut stage_text = String::new();
        for s in stages {
            stage_text.push_str(&format!("- Stage {}\n", s.stage));
            for c in &s.commits {
                stage_text.push_str(&format!(
                    "  - {} {}\n",
                    c.sha.get(..12).unwrap_or(&c.sha),
                    c.subject
                ));
            }
        }
        let mut finding_text = String::new();
        for f in findings {
            finding_text.push_str(&format!(
                "- {} ({}, {}): {}\n",
                f.id,
                f.severity.as_str(),
                f.class.as_str(),
                f.title
            ));
        }
        vec![
            self.context_section(),
            ContextSection {
                title: "Report language".to_owned(),
                body: format!("Write in {language}."),
            },
            ContextSection {
                title: "Final verification".to_owned(),
                body: format!(
                    "Run {} (seq {}) accepted the task branch {} at {} (diff {}..{}).",
                    v.run_id, v.run_seq, v.task_branch, v.verified_head, v.anchor, v.verified_head
                ),
            },
            ContextSection {
                title: "Stages and commits".to_owned(),
                body: if stage_text.is_empty() {
                    "(no carry sidecar)".to_owned()
                } else {
                    stage_text
                },
            },
            ContextSection {
                title: "Findings that remain".to_owned(),
                body: if finding_text.is_empty() {
                    "(none)".to_owned()
                } else {
                    finding_text
                },
            },
        ]
    }

    /// Returns, for a release-handoff run, whether it handed off: the PR body written, and
    /// neither the push nor the PR (when asked) failed. `None` for any other run.
    pub(crate) fn handed_off(&self) -> Option<bool> {
        (self.manifest().task_type == TaskType::ReleaseHandoff).then(|| {
            self.found
                .handoff
                .report
                .as_ref()
                .is_some_and(|r| !r.push.failed() && !r.pr.failed())
        })
    }
}

impl NewRun {
    /// Refuses a hand-off whose task has no accepted final verification of the task branch's
    /// current head, or whose `prTemplate` cannot be read.
    pub(crate) fn refuse_unready_handoff(&self) -> Result<(), RunError> {
        let task = self
            .project
            .paths
            .task(self.group.segment(), self.id.segment());
        Ok(refuse_unready(
            &self.project,
            &task,
            &self.task_key().to_string(),
        )?)
    }
}
