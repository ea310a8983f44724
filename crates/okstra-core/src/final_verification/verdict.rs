//! Owns the whole-task verdict of a final-verification run (SPEC §3, issue 12), computed by
//! okstra from what it ran and what convergence decided: `aborted-non-result` when fewer than
//! two verifiers answered; `accepted` when every command passed and no finding of severity
//! high or critical is left undisputed (whatever its class: a worker-unique critical finding
//! nobody disputed blocks); `rejected` otherwise, with the reasons. Disputed high or critical
//! findings do not block: they are the warnings. A stage branch that does not merge into the
//! task branch rejects the run before any verifier is asked.
//!
//! It does not run anything or read any file: the engine hands it the facts.

use crate::evidence::CommandEvidence;
use crate::final_verification::record::FinalVerdict;
use crate::findings::model::{ConsensusClass, Severity};

/// The fewest verifiers that must answer for a verdict to mean anything.
pub const MIN_VERIFIERS: usize = 2;

/// A converged finding, as the verdict weighs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeighedFinding<'a> {
    /// `F-<n>`.
    pub id: &'a str,
    pub title: &'a str,
    pub severity: Severity,
    pub class: ConsensusClass,
}

/// A stage branch that does not merge into the task branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeConflict {
    pub stage: u32,
    /// The branch it was merged into.
    pub task_branch: String,
    /// The conflicting files (sorted).
    pub files: Vec<String>,
}

impl std::fmt::Display for MergeConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stage {} does not merge into {}: conflicting files {}",
            self.stage,
            self.task_branch,
            if self.files.is_empty() {
                "(git named none)".to_owned()
            } else {
                self.files.join(", ")
            }
        )
    }
}

/// What the verdict is decided from.
#[derive(Clone, Copy, Debug)]
pub struct VerdictInputs<'a> {
    /// The stage branch that did not merge, when one did not (nothing else was done then).
    pub conflict: Option<&'a MergeConflict>,
    /// The verifiers asked.
    pub asked: &'a [String],
    /// The verifiers that answered with a findings block.
    pub answered: &'a [String],
    /// okstra's own runs of `qaCommands` and the Validation Checklist.
    pub commands: &'a [CommandEvidence],
    pub findings: &'a [WeighedFinding<'a>],
}

/// The verdict with its reasons and warnings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerdictOutcome {
    pub verdict: FinalVerdict,
    /// Why it is not `accepted` (empty when it is).
    pub reasons: Vec<String>,
    /// What does not block but a reviewer should see.
    pub warnings: Vec<String>,
}

/// Returns the verdict of a final-verification run.
pub fn decide_final_verdict(inputs: &VerdictInputs<'_>) -> VerdictOutcome {
    if let Some(conflict) = inputs.conflict {
        return VerdictOutcome {
            verdict: FinalVerdict::Rejected,
            reasons: vec![conflict.to_string()],
            warnings: Vec::new(),
        };
    }
    let mut reasons = Vec::new();
    let mut warnings = Vec::new();
    for command in inputs.commands.iter().filter(|c| !c.passed()) {
        reasons.push(command_failure(command));
    }
    if inputs.commands.is_empty() {
        warnings.push(
            "okstra ran no command: the plan has no Validation Checklist and `qaCommands` sets \
             neither `test` nor `lint`"
                .to_owned(),
        );
    }
    for finding in inputs.findings {
        if !matches!(finding.severity, Severity::Critical | Severity::High) {
            continue;
        }
        let line = format!(
            "{} ({}, {}): {}",
            finding.id,
            finding.severity,
            finding.class,
            one_line(finding.title)
        );
        if finding.class == ConsensusClass::Disputed {
            warnings.push(line);
        } else {
            reasons.push(line);
        }
    }
    let verdict = if inputs.answered.len() < MIN_VERIFIERS {
        reasons.insert(
            0,
            format!(
                "{} of {} verifiers answered; a verdict needs at least {MIN_VERIFIERS}",
                inputs.answered.len(),
                inputs.asked.len()
            ),
        );
        FinalVerdict::AbortedNonResult
    } else if reasons.is_empty() {
        FinalVerdict::Accepted
    } else {
        FinalVerdict::Rejected
    };
    VerdictOutcome {
        verdict,
        reasons,
        warnings,
    }
}

/// The most characters of a finding's title a reason or warning keeps.
const TITLE_CHARS: usize = 160;

/// Returns a worker's title on one line (its whitespace runs made one space), cut to
/// [`TITLE_CHARS`]: a reason is one line wherever it is shown.
fn one_line(title: &str) -> String {
    let line = title.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= TITLE_CHARS {
        return line;
    }
    let mut cut: String = line.chars().take(TITLE_CHARS).collect();
    cut.push('…');
    cut
}

/// Returns the reason a command gives: what exited how.
fn command_failure(command: &CommandEvidence) -> String {
    match command.exit_code {
        Some(code) => format!("`{}` exited {code}", command.command),
        None => format!(
            "`{}` did not finish ({})",
            command.command,
            command.note.as_deref().unwrap_or("no exit code")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(cmd: &str, exit: Option<i32>) -> CommandEvidence {
        CommandEvidence {
            command: cmd.to_owned(),
            cwd: ".".to_owned(),
            commit: "c".to_owned(),
            exit_code: exit,
            duration_ms: 5,
            output_tail: String::new(),
            note: exit.is_none().then(|| "deadline".to_owned()),
        }
    }

    fn finding(id: &str, severity: Severity, class: ConsensusClass) -> WeighedFinding<'_> {
        WeighedFinding {
            id,
            title: "a title",
            severity,
            class,
        }
    }

    fn names(n: usize) -> Vec<String> {
        ["claude", "codex", "gemini"][..n]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    }

    fn decide(
        answered: usize,
        commands: &[CommandEvidence],
        findings: &[WeighedFinding<'_>],
    ) -> VerdictOutcome {
        decide_final_verdict(&VerdictInputs {
            conflict: None,
            asked: &names(3),
            answered: &names(answered),
            commands,
            findings,
        })
    }

    #[test]
    fn passing_commands_and_no_blocking_finding_accept() {
        let out = decide(
            2,
            &[command("sh test.sh", Some(0))],
            &[
                finding("F-1", Severity::Medium, ConsensusClass::WorkerUnique),
                finding("F-2", Severity::Low, ConsensusClass::FullConsensus),
            ],
        );
        assert_eq!(out.verdict, FinalVerdict::Accepted);
        assert!(out.reasons.is_empty(), "{out:?}");
        assert!(out.warnings.is_empty(), "{out:?}");
    }

    #[test]
    fn an_undisputed_high_or_critical_finding_rejects_whatever_its_class() {
        for class in [
            ConsensusClass::WorkerUnique,
            ConsensusClass::PartialConsensus,
            ConsensusClass::FullConsensus,
        ] {
            for severity in [Severity::Critical, Severity::High] {
                let out = decide(
                    3,
                    &[command("t", Some(0))],
                    &[finding("F-7", severity, class)],
                );
                assert_eq!(out.verdict, FinalVerdict::Rejected, "{class} {severity}");
                assert_eq!(out.reasons, [format!("F-7 ({severity}, {class}): a title")]);
            }
        }
    }

    #[test]
    fn disputed_high_findings_are_warnings_not_reasons() {
        let out = decide(
            2,
            &[command("t", Some(0))],
            &[
                finding("F-1", Severity::High, ConsensusClass::Disputed),
                finding("F-2", Severity::Critical, ConsensusClass::Disputed),
            ],
        );
        assert_eq!(out.verdict, FinalVerdict::Accepted);
        assert_eq!(
            out.warnings,
            [
                "F-1 (high, disputed): a title",
                "F-2 (critical, disputed): a title"
            ]
        );
    }

    #[test]
    fn a_failing_or_unfinished_command_rejects() {
        let out = decide(
            3,
            &[
                command("sh ok.sh", Some(0)),
                command("sh lint.sh", Some(1)),
                command("sh slow.sh", None),
            ],
            &[],
        );
        assert_eq!(out.verdict, FinalVerdict::Rejected);
        assert_eq!(
            out.reasons,
            [
                "`sh lint.sh` exited 1",
                "`sh slow.sh` did not finish (deadline)"
            ]
        );
    }

    #[test]
    fn fewer_than_two_verifiers_abort_whatever_else_holds() {
        for answered in [0, 1] {
            let out = decide(answered, &[command("t", Some(0))], &[]);
            assert_eq!(out.verdict, FinalVerdict::AbortedNonResult);
            assert_eq!(
                out.reasons[0],
                format!("{answered} of 3 verifiers answered; a verdict needs at least 2")
            );
        }
        // A failing command is still named.
        let out = decide(1, &[command("t", Some(2))], &[]);
        assert_eq!(out.verdict, FinalVerdict::AbortedNonResult);
        assert_eq!(out.reasons.len(), 2, "{out:?}");
    }

    #[test]
    fn a_worker_title_becomes_one_short_line() {
        let long = "x".repeat(300);
        let titles = ["two\nlines\r\n  here", long.as_str()];
        let findings: Vec<WeighedFinding<'_>> = titles
            .iter()
            .map(|t| WeighedFinding {
                id: "F-1",
                title: t,
                severity: Severity::High,
                class: ConsensusClass::WorkerUnique,
            })
            .collect();
        let out = decide(2, &[command("t", Some(0))], &findings);
        assert_eq!(out.reasons[0], "F-1 (high, worker-unique): two lines here");
        assert_eq!(
            out.reasons[1].chars().count(),
            "F-1 (high, worker-unique): ".len() + 161
        );
        assert!(out.reasons[1].ends_with('…'));
    }

    #[test]
    fn no_command_at_all_is_a_warning() {
        let out = decide(2, &[], &[]);
        assert_eq!(out.verdict, FinalVerdict::Accepted);
        assert_eq!(out.warnings.len(), 1);
        assert!(out.warnings[0].starts_with("okstra ran no command"));
    }

    #[test]
    fn a_merge_conflict_rejects_naming_the_stage_and_files() {
        let conflict = MergeConflict {
            stage: 3,
            task_branch: "okstra/feat/calc-ops".to_owned(),
            files: vec!["lib/a.sh".to_owned(), "lib/b.sh".to_owned()],
        };
        let out = decide_final_verdict(&VerdictInputs {
            conflict: Some(&conflict),
            asked: &[],
            answered: &[],
            commands: &[],
            findings: &[],
        });
        assert_eq!(out.verdict, FinalVerdict::Rejected);
        assert_eq!(
            out.reasons,
            [
                "stage 3 does not merge into okstra/feat/calc-ops: conflicting files lib/a.sh, lib/b.sh"
            ]
        );
    }
}
