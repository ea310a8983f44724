//! Owns the TDD proof's verdict (SPEC §8): which commit is the stage's RED, and what the
//! Stage Validation's results at that commit and at the head prove, with the reason in plain
//! words. The engine checks the commit out and runs the commands.

use super::model::{CommandEvidence, StageCommit, TddProof, TddVerdict};

/// The subject prefix of a step's failing-test commit.
pub const RED_PREFIX: &str = "RED:";

/// Returns the last commit (of `commits`, oldest first) whose subject starts `RED:`.
pub fn last_red_commit(commits: &[StageCommit]) -> Option<&StageCommit> {
    commits
        .iter()
        .rev()
        .find(|c| c.subject.trim_start().starts_with(RED_PREFIX))
}

/// Returns the proof of an exempt stage.
pub fn exempt(reason: &str) -> TddProof {
    TddProof {
        verdict: TddVerdict::Exempt,
        red_commit: None,
        at_red: vec![],
        reason: format!("the plan exempts this stage from TDD: {}", reason.trim()),
    }
}

/// Returns the proof of a stage with no `RED:` commit.
pub fn no_red_commit() -> TddProof {
    TddProof {
        verdict: TddVerdict::NoRedCommit,
        red_commit: None,
        at_red: vec![],
        reason: "no commit of the stage has a subject starting `RED:`, so nothing shows a test \
                 failing before the change"
            .to_owned(),
    }
}

/// Returns the proof of a stage run outside git: none can be made; the validation at the
/// head is what okstra has (`at_head` failing is still a failure of the stage).
pub fn no_git(at_head: &[CommandEvidence]) -> TddProof {
    if let Some(failed) = at_head.iter().find(|c| !c.passed()) {
        return TddProof {
            verdict: TddVerdict::HeadFails,
            red_commit: None,
            at_red: vec![],
            reason: format!("the Stage Validation fails: `{}`", failed.command),
        };
    }
    TddProof {
        verdict: TddVerdict::NoGit,
        red_commit: None,
        at_red: vec![],
        reason: "the project is not in git: there are no commits, so okstra cannot prove the \
                 test failed before the change; the Stage Validation passes"
            .to_owned(),
    }
}

/// Returns the first command of a validation that did not pass, described.
pub fn first_failure(results: &[CommandEvidence]) -> Option<String> {
    results.iter().find(|c| !c.passed()).map(|c| {
        let how = c.exit_code.map_or_else(
            || "did not finish".to_owned(),
            |code| format!("exited {code}"),
        );
        format!("`{}` {how}", c.command)
    })
}

/// Returns the verdict for a stage with a RED commit, from the Stage Validation at the head
/// and (unless the head already fails, when it is not run) at the RED commit.
pub fn decide(red: &str, at_red: Vec<CommandEvidence>, at_head: &[CommandEvidence]) -> TddProof {
    let short = red.get(..12).unwrap_or(red);
    let (verdict, reason) = if at_head.is_empty() {
        (
            TddVerdict::RedPassed,
            "the stage has no Stage Validation commands, so nothing can fail at the RED commit"
                .to_owned(),
        )
    } else if let Some(fail) = first_failure(at_head) {
        (
            TddVerdict::HeadFails,
            format!("the Stage Validation fails at the head: {fail}"),
        )
    } else if let Some(fail) = first_failure(&at_red) {
        (
            TddVerdict::Proven,
            format!(
                "the Stage Validation fails at the RED commit {short} ({fail}) and passes at the \
                 head"
            ),
        )
    } else {
        (
            TddVerdict::RedPassed,
            format!(
                "the Stage Validation already passes at the RED commit {short}, so its tests do \
                 not show the missing behaviour"
            ),
        )
    };
    TddProof {
        verdict,
        red_commit: Some(red.to_owned()),
        at_red,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(command: &str, exit_code: Option<i32>) -> CommandEvidence {
        CommandEvidence {
            command: command.into(),
            cwd: ".".into(),
            commit: "c".into(),
            exit_code,
            duration_ms: 1,
            output_tail: String::new(),
            note: None,
        }
    }

    fn commit(sha: &str, subject: &str) -> StageCommit {
        StageCommit {
            sha: sha.into(),
            subject: subject.into(),
        }
    }

    #[test]
    fn the_last_red_commit_is_found() {
        let commits = [
            commit("a", "RED: parse fails"),
            commit("b", "GREEN: parse"),
            commit("c", "RED: total fails"),
            commit("d", "GREEN: total"),
            commit("e", "REFACTOR: names"),
        ];
        assert_eq!(last_red_commit(&commits).unwrap().sha, "c");
        assert!(last_red_commit(&commits[1..2]).is_none());
        assert!(last_red_commit(&[commit("x", "red: lower case")]).is_none());
    }

    #[test]
    fn verdicts_and_reasons() {
        let head_ok = [run("sh test.sh", Some(0))];
        let proven = decide(
            "0123456789abcdef",
            vec![run("sh test.sh", Some(1))],
            &head_ok,
        );
        assert_eq!(proven.verdict, TddVerdict::Proven);
        assert_eq!(
            proven.reason,
            "the Stage Validation fails at the RED commit 0123456789ab (`sh test.sh` exited 1) \
             and passes at the head"
        );
        let passed = decide("abc", vec![run("sh test.sh", Some(0))], &head_ok);
        assert_eq!(passed.verdict, TddVerdict::RedPassed);
        assert!(
            passed
                .reason
                .contains("already passes at the RED commit abc")
        );
        let head_fails = decide("abc", vec![], &[run("sh test.sh", None)]);
        assert_eq!(head_fails.verdict, TddVerdict::HeadFails);
        assert!(head_fails.reason.ends_with("`sh test.sh` did not finish"));
        assert_eq!(decide("abc", vec![], &[]).verdict, TddVerdict::RedPassed);
        assert_eq!(
            exempt(" docs only ").reason,
            "the plan exempts this stage from TDD: docs only"
        );
        assert!(exempt("x").verdict.holds() && !no_red_commit().verdict.holds());
    }
}
