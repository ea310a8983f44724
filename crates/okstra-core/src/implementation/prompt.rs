//! Owns what an implementation run's prompts say about its stage (SPEC §4 step 2, §8): the
//! stage itself (steps, Stage Validation, exit contract, rollback), the approved plan as
//! context, the carry sidecars of its dependencies (carry-in) and the task's qa folder for the
//! executor; the stage, the diff `base..head` and okstra's own evidence for the verifier —
//! never the executor's transcript. Text only: the engine reads the files and the diff.
//!
//! Every text that did not come from okstra (carry sidecars, the diff, command output) is put
//! in a fence longer than any run of backticks in it, so it cannot close its block.

use std::fmt::Write as _;

use crate::evidence::StageEvidence;
use crate::plan::Stage;
use crate::prompt::ContextSection;

/// The most bytes of one carry sidecar a prompt quotes.
pub const MAX_CARRY_BYTES: usize = 32 * 1024;
/// The most bytes of the diff the verifier's prompt quotes.
pub const MAX_PROMPT_DIFF_BYTES: usize = 256 * 1024;

/// One dependency's carry sidecar, as the prompt quotes it.
#[derive(Clone, Copy, Debug)]
pub struct CarryText<'a> {
    pub stage: u32,
    /// Where it is, as the prompt names it.
    pub path: &'a str,
    pub text: &'a str,
}

/// What the executor's prompt says besides the profile and the contract.
#[derive(Clone, Copy, Debug)]
pub struct ExecutorContext<'a> {
    pub stage: &'a Stage,
    /// The approved plan's markdown (its section 5).
    pub plan_markdown: &'a str,
    pub carry_in: &'a [CarryText<'a>],
    /// The task's qa folder (absolute), where real-IO tests go.
    pub qa_dir: &'a str,
    /// The commit rule of a whole-stage invocation, or the one step of a step-mode invocation.
    pub instruction: &'a str,
}

/// Returns the context sections of an executor's prompt: its stage and what to do now, the
/// qa folder, the carry-in, and the plan.
pub fn executor_sections(c: &ExecutorContext<'_>) -> Vec<ContextSection> {
    let carry = if c.carry_in.is_empty() {
        "This stage depends on no other stage: there is no carry-in.".to_owned()
    } else {
        let mut out = String::from(
            "The carry sidecars of the stages this one depends on (okstra's proof that they \
             passed, with their head commits and evidence):\n",
        );
        for carry in c.carry_in {
            let _ = write!(
                out,
                "\n### Stage {} (`{}`)\n\n{}\n",
                carry.stage,
                carry.path,
                fenced(&cut(carry.text, MAX_CARRY_BYTES), "json")
            );
        }
        out
    };
    vec![
        ContextSection {
            title: format!("Stage {} (your whole scope)", c.stage.number),
            body: format!("{}\n{}", stage_markdown(c.stage), c.instruction.trim_end()),
        },
        ContextSection {
            title: "Task qa folder".to_owned(),
            body: format!(
                "Real-IO tests (real database, network, external services, the real \
                 filesystem) go under `{}`, never in the source test tree.",
                c.qa_dir
            ),
        },
        ContextSection {
            title: "Carry-in".to_owned(),
            body: carry,
        },
        ContextSection {
            title: "The approved plan".to_owned(),
            body: c.plan_markdown.trim_end().to_owned(),
        },
    ]
}

/// What the verifier's prompt says besides the profile and the contract.
#[derive(Clone, Copy, Debug)]
pub struct VerifierContext<'a> {
    pub stage: &'a Stage,
    /// The diff of `base..head` (as git wrote it), and whether git's output was cut already.
    pub diff: &'a str,
    pub diff_truncated: bool,
    pub evidence: &'a StageEvidence,
}

/// Returns the context sections of a verifier's prompt: the stage, the diff `base..head`, and
/// okstra's evidence on the head.
pub fn verifier_sections(c: &VerifierContext<'_>) -> Vec<ContextSection> {
    let e = c.evidence;
    let mut diff = cut(c.diff, MAX_PROMPT_DIFF_BYTES);
    if c.diff_truncated {
        diff.push_str("\n… (the diff is longer: okstra read only its start)");
    }
    let commits: Vec<String> = e
        .commits
        .iter()
        .map(|c| format!("- `{}` {}", crate::implementation::short(&c.sha), c.subject))
        .collect();
    let evidence = serde_json::to_string_pretty(e).unwrap_or_default();
    vec![
        ContextSection {
            title: format!("Stage {} (what the plan asks)", c.stage.number),
            body: stage_markdown(c.stage),
        },
        ContextSection {
            title: format!(
                "The diff {}..{}",
                crate::implementation::short(&e.base),
                crate::implementation::short(&e.head)
            ),
            body: format!(
                "Commits, oldest first:\n\n{}\n\n{}",
                commits.join("\n"),
                fenced(&diff, "diff")
            ),
        },
        ContextSection {
            title: "okstra's evidence".to_owned(),
            body: format!(
                "What okstra ran and saw itself on the head (the Stage Validation, the TDD \
                 proof at the last RED commit, the DB gate, its own findings):\n\n{}",
                fenced(&evidence, "json")
            ),
        },
    ]
}

/// Returns a stage as the prompts show it: dependencies, slice, acceptance, the steps in
/// order, the Stage Validation, the exit contract and the rollback.
pub fn stage_markdown(stage: &Stage) -> String {
    let mut out = format!("**Stage {}: {}**\n\n", stage.number, one_line(&stage.title));
    let deps = if stage.depends_on.is_empty() {
        "(none)".to_owned()
    } else {
        stage
            .depends_on
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(out, "- depends-on: {deps}");
    let _ = writeln!(out, "- Slice value: {}", one_line(&stage.slice_value));
    let _ = writeln!(out, "- Acceptance: {}", one_line(&stage.acceptance));
    if let Some(reason) = &stage.tdd_exemption {
        let _ = writeln!(out, "- TDD exemption: {}", one_line(reason));
    }
    out.push_str("\nStepwise Execution Order:\n\n");
    for (n, step) in (1..).zip(&stage.steps) {
        let files = if step.files.is_empty() {
            String::new()
        } else {
            format!(
                " (files: {})",
                step.files
                    .iter()
                    .map(|f| format!("`{}`", one_line(f)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let _ = writeln!(out, "{n}. {}{files}", one_line(&step.action));
    }
    out.push_str(
        "\nStage Validation (okstra runs these itself at the head, and at the last RED \
         commit where they must fail):\n\n",
    );
    for command in &stage.validation {
        let _ = writeln!(out, "- `{}`", one_line(command));
    }
    out.push_str("\nStage Exit Contract:\n\n");
    for item in &stage.exit_contract {
        let _ = writeln!(out, "- {}", one_line(item));
    }
    let _ = writeln!(out, "\nRollback: {}", one_line(&stage.rollback));
    out
}

/// Returns `text` in a fenced block whose fence is longer than any run of backticks in it.
pub fn fenced(text: &str, info: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for ch in text.chars() {
        if ch == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{info}\n{}\n{fence}", text.trim_end_matches('\n'))
}

/// Returns `text` cut to at most `max` bytes on a character boundary, saying so when it was.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n… (cut at {max} bytes of {})", &text[..end], text.len())
}

/// Returns text on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[path = "prompt_tests.rs"]
mod tests;
