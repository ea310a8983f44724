//! Owns the review phase of a final-verification run (SPEC §3, issue 12): the analysers, as
//! read-only verifiers, review the merged diff `anchor..head` against the approved plan —
//! every requirement covered, every exit contract met — with the stages' carry sidecars and
//! okstra's own command evidence in their prompts; their findings go through convergence as
//! in an analysis run (`round_zero`, `converge`). After a merge conflict no verifier is asked:
//! there is nothing merged to review.

use std::fmt::Write as _;

use okstra_core::config::Language;
use okstra_core::plan::render_plan_markdown;
use okstra_core::prompt::ContextSection;

use super::imp::Run;
use crate::errors::RunError;

/// The most bytes of the plan a prompt carries.
const PLAN_BYTES: usize = 48 * 1024;
/// The most bytes of one carry sidecar a prompt carries.
const CARRY_BYTES: usize = 12 * 1024;

impl Run {
    /// Asks the verifiers and converges their findings.
    pub(crate) async fn fv_review(&mut self) -> Result<(), RunError> {
        if self.found.fv.conflict.is_some() {
            // The run's convergence record says no verifier was asked.
            self.save_convergence()?;
            return Ok(());
        }
        self.found.fv.context = self.fv_context();
        self.analyse().await?;
        self.converge().await
    }

    /// Returns the sections the verifiers' prompts carry: what to review, okstra's evidence,
    /// the plan, and the carries.
    fn fv_context(&self) -> Vec<ContextSection> {
        let fv = &self.found.fv;
        let wt = &self.manifest().worktree;
        let anchor = wt
            .anchor_base_commit
            .as_deref()
            .unwrap_or("(none recorded)");
        let head = fv.head.as_deref().unwrap_or("(not in git)");
        let mut review = format!(
            "- Task branch: {}\n- Review the merged diff `git diff {anchor}..{head}` in the \
             working directory, read-only: change nothing, commit nothing.\n- Check it against \
             the approved plan below: every requirement of its Requirement Coverage covered, \
             every stage's Exit Contract met, nothing built that the plan does not ask for.\n\n\
             | stage | branch | done head | merge commit |\n|---|---|---|---|\n",
            fv.task_branch
                .as_deref()
                .unwrap_or("(none: the project root)"),
        );
        for s in &fv.merged {
            let _ = writeln!(
                review,
                "| {} | {} | {} | {} |",
                s.stage,
                s.branch,
                s.head,
                s.merge_commit
                    .as_deref()
                    .unwrap_or("(already in the branch)")
            );
        }
        let mut sections = vec![ContextSection {
            title: "What to verify".to_owned(),
            body: review,
        }];
        sections.push(ContextSection {
            title: "okstra's evidence on the merged head".to_owned(),
            body: self.fv_evidence_text(),
        });
        if let Some(ready) = &fv.ready {
            let plan = render_plan_markdown(&ready.plan.body, Language::En)
                .unwrap_or_else(|e| format!("(the plan cannot be rendered: {e})"));
            sections.push(ContextSection {
                title: format!("Approved plan (run {})", ready.plan.run_id),
                body: clip(&plan, PLAN_BYTES),
            });
            for (stage, path, text) in &ready.carries {
                sections.push(ContextSection {
                    title: format!("Carry of stage {stage} ({})", self.rel(path)),
                    body: format!("```json\n{}\n```", clip(text.trim(), CARRY_BYTES)),
                });
            }
        }
        sections
    }

    /// Returns okstra's commands as the verifiers read them: each with its exit and, when it
    /// failed, its output tail.
    fn fv_evidence_text(&self) -> String {
        let commands = &self.found.fv.commands;
        if commands.is_empty() {
            return "okstra ran no command (no `qaCommands` test or lint, no Validation \
                    Checklist)."
                .to_owned();
        }
        let mut text = String::from(
            "okstra ran these itself; exit codes are facts, not claims.\n\n\
             | command | exit | duration |\n|---|---|---|\n",
        );
        for c in commands {
            let exit = c.exit_code.map_or("none".to_owned(), |e| e.to_string());
            let _ = writeln!(text, "| `{}` | {exit} | {} ms |", c.command, c.duration_ms);
        }
        for c in commands.iter().filter(|c| !c.passed()) {
            let _ = write!(
                text,
                "\nOutput tail of `{}`:\n\n```text\n{}\n```\n",
                c.command,
                c.output_tail.trim_end()
            );
        }
        text
    }
}

/// Returns `text` cut to at most `max` bytes at a character boundary, saying so when cut.
fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n… (cut at {max} bytes)", &text[..end])
}
