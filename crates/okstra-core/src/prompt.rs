//! Owns worker prompts (SPEC §5.2): the five anchor headers in their fixed order (`**Run:**`,
//! `**Worker:**`, `**Project Root:**`, `**Result Path:**`, `**Round:**`), then the profile
//! text of the task type and role, the brief, the context sections and the output contract —
//! rendered with minijinja from templates embedded from `templates/prompts/`.

use minijinja::{Environment, UndefinedBehavior, context};
use serde::Serialize;
use thiserror::Error;

use crate::run_paths::RoundTag;
use crate::task_type::TaskType;
use crate::worker_name::Role;

const WORKER_TEMPLATE: &str = include_str!("../templates/prompts/worker.md.j2");
/// The findings contract every analyser answers with (SPEC §6.1).
pub const FINDINGS_CONTRACT: &str = include_str!("../templates/prompts/contract-findings.md");

/// The profile of a reverify round (SPEC §6.3).
pub const REVERIFY_PROFILE: &str = include_str!("../templates/prompts/reverify.md");
/// The profile of the critic (SPEC §4 step 6).
pub const CRITIC_PROFILE: &str = include_str!("../templates/prompts/critic.md");
/// The profile of the report writer (SPEC §7.1).
pub const REPORT_WRITER_PROFILE: &str = include_str!("../templates/prompts/report-writer.md");
/// The verdicts contract of a reverify round.
pub const VERDICTS_CONTRACT: &str = include_str!("../templates/prompts/contract-verdicts.md");
/// The narrative contract of the report writer.
pub const NARRATIVE_CONTRACT: &str = include_str!("../templates/prompts/contract-narrative.md");
/// The narrative contract of the report writer of a plan (implementation-planning): the
/// narrative with the structured plan, shown as an exact example of its schema.
pub const PLAN_NARRATIVE_CONTRACT: &str =
    include_str!("../templates/prompts/contract-plan-narrative.md");
/// The contract of the release hand-off's writer: the PR title and body narrative.
pub const HANDOFF_CONTRACT: &str = include_str!("../templates/prompts/contract-handoff.md");
/// The profile of the plan-body verification round (SPEC §7.3).
pub const PLAN_BODY_PROFILE: &str = include_str!("../templates/prompts/plan-body.md");
/// The verdicts contract of the plan-body verification round.
pub const PLAN_VERDICTS_CONTRACT: &str =
    include_str!("../templates/prompts/contract-plan-verdicts.md");

/// The profile of an implementation run's executor (SPEC §8): test-first, one commit per plan
/// step with the step's action as its subject, real-IO tests under the task's qa folder, never
/// push.
pub const EXECUTOR_PROFILE: &str =
    include_str!("../templates/prompts/profiles/implementation-executor.md");
/// The output contract of an implementation run's executor: an account, no JSON block.
pub const EXECUTOR_CONTRACT: &str = include_str!("../templates/prompts/contract-executor.md");
/// The verdict contract of a stage's verifier (SPEC §8).
pub const STAGE_VERDICT_CONTRACT: &str =
    include_str!("../templates/prompts/contract-stage-verdict.md");
/// The verifier's profile template: the rule catalog of SPEC §8, with the hexagonal overlay
/// when enabled.
const VERIFIER_TEMPLATE: &str =
    include_str!("../templates/prompts/profiles/implementation-verifier.md");

/// Returns the profile of a stage's verifier: the rule catalog of SPEC §8, with the hexagonal
/// overlay's rules only when `hexagonal` (`verifier.hexagonal` in project.json) is true.
pub fn verifier_profile(hexagonal: bool) -> Result<String, PromptError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_template("verifier", VERIFIER_TEMPLATE)
        .map_err(|e| PromptError(e.to_string()))?;
    env.get_template("verifier")
        .and_then(|t| t.render(context! { hexagonal => hexagonal }))
        .map_err(|e| PromptError(e.to_string()))
}

/// Returns the profile text of a task type.
pub fn profile(task_type: TaskType) -> &'static str {
    match task_type {
        TaskType::RequirementsDiscovery => {
            include_str!("../templates/prompts/profiles/requirements-discovery.md")
        }
        TaskType::ErrorAnalysis => include_str!("../templates/prompts/profiles/error-analysis.md"),
        TaskType::ImplementationPlanning => {
            include_str!("../templates/prompts/profiles/implementation-planning.md")
        }
        TaskType::Implementation => EXECUTOR_PROFILE,
        TaskType::FinalVerification => {
            include_str!("../templates/prompts/profiles/final-verification.md")
        }
        TaskType::ReleaseHandoff => {
            include_str!("../templates/prompts/profiles/release-handoff.md")
        }
    }
}

/// A titled block of context (prior reports, carry-in sidecars, queued findings …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContextSection {
    pub title: String,
    pub body: String,
}

/// What a worker prompt is made of.
#[derive(Clone, Debug)]
pub struct PromptInput<'a> {
    pub run_id: &'a str,
    pub task_type: TaskType,
    pub seq: u32,
    pub stage: Option<u32>,
    pub worker: &'a str,
    pub kind: &'a str,
    pub role: Role,
    pub project_root: &'a str,
    pub result_path: &'a str,
    pub round: RoundTag,
    pub workdir: &'a str,
    pub title: &'a str,
    pub profile: &'a str,
    pub brief: &'a str,
    pub context: &'a [ContextSection],
    pub contract: &'a str,
}

/// A template that failed to render (a bug in a shipped template).
#[derive(Debug, Error)]
#[error("cannot render the worker prompt: {0}")]
pub struct PromptError(String);

/// Returns the worker's prompt.
pub fn render_prompt(input: &PromptInput<'_>) -> Result<String, PromptError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_template("worker", WORKER_TEMPLATE)
        .map_err(|e| PromptError(e.to_string()))?;
    let template = env
        .get_template("worker")
        .map_err(|e| PromptError(e.to_string()))?;
    let mut text = template
        .render(context! {
            run_id => input.run_id,
            task_type => input.task_type.as_str(),
            seq => input.seq,
            stage => input.stage,
            role => input.role.as_str(),
            kind => input.kind,
            worker => input.worker,
            project_root => input.project_root,
            result_path => input.result_path,
            round => input.round.to_string(),
            workdir => input.workdir,
            read_only => !input.role.writes(),
            title => input.title,
            profile => input.profile.trim_end(),
            brief => input.brief.trim_end(),
            context => minijinja::Value::from(minijinja::value::Serde(input.context)),
            contract => input.contract.trim_end(),
        })
        .map_err(|e| PromptError(e.to_string()))?;
    text.push('\n');
    Ok(text)
}

/// The anchor header keys, in their required order.
pub const ANCHOR_KEYS: [&str; 5] = [
    "**Run:**",
    "**Worker:**",
    "**Project Root:**",
    "**Result Path:**",
    "**Round:**",
];

/// Returns whether a prompt starts with the five anchor headers in order.
pub fn has_anchor_headers(prompt: &str) -> bool {
    let mut lines = prompt.lines();
    ANCHOR_KEYS
        .iter()
        .all(|key| lines.next().is_some_and(|l| l.starts_with(key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_starts_with_anchor_headers() {
        let context = [ContextSection {
            title: "Prior reports".into(),
            body: "none".into(),
        }];
        let text = render_prompt(&PromptInput {
            run_id: "01JABCDEFGHJKMNPQRSTVWXYZ0",
            task_type: TaskType::ErrorAnalysis,
            seq: 2,
            stage: None,
            worker: "claude-worker",
            kind: "claude",
            role: Role::Analysis,
            project_root: "/p",
            result_path: "/p/.okstra/x.md",
            round: RoundTag::Round(0),
            workdir: "/w",
            title: "Error analysis",
            profile: profile(TaskType::ErrorAnalysis),
            brief: "Checkout fails.",
            context: &context,
            contract: FINDINGS_CONTRACT,
        })
        .unwrap();
        assert!(has_anchor_headers(&text), "{text}");
        let head: Vec<&str> = text.lines().take(5).collect();
        assert_eq!(
            head,
            [
                "**Run:** 01JABCDEFGHJKMNPQRSTVWXYZ0 (error-analysis #2)",
                "**Worker:** analysis (claude)",
                "**Project Root:** /p",
                "**Result Path:** /p/.okstra/x.md",
                "**Round:** 0",
            ]
        );
        assert!(text.contains("## Brief\n\nCheckout fails."));
        assert!(text.contains("## Prior reports\n\nnone"));
        assert!(text.contains("read-only"));
        assert!(text.contains("```json"));
        assert!(!has_anchor_headers("**Worker:** x\n**Run:** y"));
    }

    #[test]
    fn the_verifier_gets_the_hexagonal_rules_only_when_enabled() {
        let plain = verifier_profile(false).unwrap();
        let hexagonal = verifier_profile(true).unwrap();
        for rule in [
            "plan-discrepancy",
            "tautological-assertion",
            "untruthful-name",
            "real-io-test-in-source-tree",
            "newly-orphaned-code",
            "long-function",
            "mixed-read-write",
            "weak-name",
        ] {
            assert!(plain.contains(rule) && hexagonal.contains(rule), "{rule}");
        }
        assert!(!plain.contains("hexagonal-"), "{plain}");
        for rule in [
            "hexagonal-logic-in-port",
            "hexagonal-impure-adapter",
            "hexagonal-domain-outside-domain",
        ] {
            assert!(hexagonal.contains(rule), "{rule}");
        }
        assert!(!plain.contains("{%") && !hexagonal.contains("{%"));
        assert!(
            !plain.contains("\n\n\n") && !hexagonal.contains("\n\n\n"),
            "{plain}"
        );
    }

    #[test]
    fn the_executor_profile_says_the_rules_okstra_checks() {
        for rule in [
            "RED:",
            "GREEN:",
            "REFACTOR:",
            "okstra: uncommitted executor changes",
            "qa folder",
            "Never push",
            "TDD exemption:",
            "db-test",
        ] {
            assert!(EXECUTOR_PROFILE.contains(rule), "{rule}");
        }
        assert_eq!(profile(TaskType::Implementation), EXECUTOR_PROFILE);
    }

    #[test]
    fn the_final_verification_profile_says_what_decides_the_verdict() {
        let text = profile(TaskType::FinalVerification);
        for rule in [
            "read-only",
            "Requirement Coverage",
            "Stage Exit Contract",
            "carry sidecars",
            "Do not\n  re-run them",
            "high or critical finding that no other verifier disputes",
        ] {
            assert!(text.contains(rule), "{rule}");
        }
    }
}
