//! Owns the replay executor: answers from a scripted fixture instead of a model, in-process, with
//! the fixture's delay, usage, exit code, reported error or hang — under the same deadline and
//! Ctrl-C rules as a process. An executor's answer may carry a patch, which is applied with
//! `git apply` in the worker's folder (and committed with the answer's subject) before the
//! answer is given: a patch that does not apply makes the attempt an `error` with git's
//! message; a patch given to a read-only role is refused the same way, as its sandbox would.

use jiff::Timestamp;
use okstra_core::outcome::{AttemptResult, FailCause, INTERRUPTED};
use okstra_core::replay::ReplayAnswer;
use okstra_core::settings::WorkerLimits;
use okstra_core::tokens::TokenUsage;
use okstra_core::worker_name::Role;
use tokio_util::sync::CancellationToken;

use super::attempt::{AttemptEvent, ReplayLaunch, Reporter};
use crate::errors::GitError;
use crate::executor::{ExecutorError, apply_scripted_patch};
use crate::timer::after;

/// Runs a replay attempt.
pub(crate) async fn run_replay(
    launch: ReplayLaunch,
    limits: WorkerLimits,
    reporter: Reporter,
    cancel: CancellationToken,
) {
    let started_at = Timestamp::now();
    let ReplayLaunch {
        answer,
        workdir,
        role,
    } = launch;
    let result = match answer {
        None => AttemptResult::Failed {
            cause: FailCause::Reported,
            message: "the replay fixture has no answer for this worker and round".to_owned(),
            usage: TokenUsage::default(),
        },
        Some(answer) => {
            let result = answer_after_delay(&answer, limits, &reporter, &cancel).await;
            match (&result, &answer.patch) {
                (AttemptResult::Completed { .. }, Some(patch)) => {
                    match apply_patch(patch, answer.commit.clone(), workdir, role).await {
                        Ok(()) => result,
                        Err(message) => AttemptResult::Failed {
                            cause: FailCause::Reported,
                            message,
                            usage: answer.usage,
                        },
                    }
                }
                _ => result,
            }
        }
    };
    reporter.finished(result, None, started_at).await;
    reporter.send(AttemptEvent::Reaped { count: 0 }).await;
}

/// Applies an executor answer's patch (and commits it with `commit`) off the async threads;
/// returns the failure's message.
async fn apply_patch(
    patch: &str,
    commit: Option<String>,
    workdir: std::path::PathBuf,
    role: Role,
) -> Result<(), String> {
    if !role.writes() {
        return Err(format!(
            "the replay fixture gives the read-only {role} a patch: only the executor writes"
        ));
    }
    let patch = patch.to_owned();
    tokio::task::spawn_blocking(move || {
        apply_scripted_patch(&workdir, &patch, commit.as_deref()).map(|_| ())
    })
    .await
    .map_err(|e| format!("the replay patch did not finish: {e}"))?
    .map_err(|e| match e {
        // git's own words, without the temp file's name.
        ExecutorError::Git(GitError::Failed { stderr, .. }) => format!(
            "the replay patch does not apply: {}",
            stderr.lines().collect::<Vec<_>>().join("; ")
        ),
        other => format!("the replay patch does not apply: {other}"),
    })
}

async fn answer_after_delay(
    answer: &ReplayAnswer,
    limits: WorkerLimits,
    reporter: &Reporter,
    cancel: &CancellationToken,
) -> AttemptResult {
    let mut deadline = after(limits.deadline);
    let delay = std::time::Duration::from_millis(answer.delay_ms);
    let mut answered = after(delay);
    tokio::select! {
        () = &mut deadline => {
            reporter.send(AttemptEvent::DeadlineExpired).await;
            return AttemptResult::Failed {
                cause: FailCause::Timeout,
                message: format!(
                    "the deadline of {} passed",
                    okstra_core::duration::format_duration(limits.deadline)
                ),
                usage: TokenUsage::default(),
            };
        }
        () = cancel.cancelled() => {
            return AttemptResult::Failed {
                cause: FailCause::Interrupted,
                message: INTERRUPTED.to_owned(),
                usage: TokenUsage::default(),
            };
        }
        () = &mut answered, if !answer.hang => {}
    }
    if let Some(stderr) = &answer.stderr {
        for line in stderr.lines() {
            reporter.send(AttemptEvent::Stderr(line.to_owned())).await;
        }
    }
    let json = serde_json::json!({"replay": true, "text": answer.text, "usage": answer.usage});
    reporter.send(AttemptEvent::Stdout(json.to_string())).await;
    if let Some(message) = &answer.error {
        return AttemptResult::Failed {
            cause: FailCause::Reported,
            message: message.clone(),
            usage: answer.usage,
        };
    }
    if answer.exit_code != 0 {
        let last = answer
            .stderr
            .as_deref()
            .and_then(|s| s.lines().last())
            .map_or_else(String::new, |l| format!(": {l}"));
        return AttemptResult::Failed {
            cause: FailCause::Crash,
            message: format!(
                "the replay worker ended with exit code {}{last}",
                answer.exit_code
            ),
            usage: answer.usage,
        };
    }
    AttemptResult::Completed {
        text: answer.text.clone().unwrap_or_default(),
        usage: answer.usage,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use okstra_core::replay::{ReplayFixture, step_key};
    use okstra_test_support::GitRepoBuilder;
    use okstra_test_support::git_repo::git;
    use tokio::sync::mpsc;

    use super::*;
    use crate::worker::{AttemptEvent, Envelope};

    const RED: &str = "diff --git a/tests/total.sh b/tests/total.sh\nnew file mode 100644\n\
                       --- /dev/null\n+++ b/tests/total.sh\n@@ -0,0 +1 @@\n\
                       +test \"$(cat total.txt)\" = 3\n";
    const GREEN: &str = "diff --git a/total.txt b/total.txt\nnew file mode 100644\n\
                         --- /dev/null\n+++ b/total.txt\n@@ -0,0 +1 @@\n+3\n";
    const NOT_APPLYING: &str = "diff --git a/README.md b/README.md\n--- a/README.md\n\
                                +++ b/README.md\n@@ -1 +1 @@\n-# not this line\n+# totals\n";

    fn fixture() -> ReplayFixture {
        let fixture = serde_json::json!({"schemaVersion": "replay-fixture/v1", "workers": {
        "executor": {
            "step-1": {"text": "red", "patch": RED, "commit": "RED: a failing total test"},
            "step-2": {"text": "green", "patch": GREEN, "commit": "GREEN: totals are 3"},
            "step-3": {"text": "bad", "patch": NOT_APPLYING, "commit": "REFACTOR: x"},
            "step-4": {"text": "left", "patch": GREEN},
        }}});
        ReplayFixture::parse(&fixture.to_string()).unwrap()
    }

    fn limits() -> WorkerLimits {
        WorkerLimits {
            deadline: Duration::from_secs(60),
            stall_window: Duration::from_secs(60),
            kill_grace: Duration::from_secs(1),
            retry_limit: 3,
        }
    }

    /// Runs one replay attempt of `role` in `workdir` with the answer of fixture key `key`.
    fn attempt(workdir: &Path, role: Role, key: &str) -> AttemptResult {
        let answer = fixture().answer_at("executor", key, 1).cloned();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (tx, mut rx) = mpsc::channel::<Envelope>(16);
            let launch = ReplayLaunch {
                answer,
                workdir: workdir.to_path_buf(),
                role,
            };
            run_replay(
                launch,
                limits(),
                Reporter::new(0, 1, tx),
                CancellationToken::new(),
            )
            .await;
            let mut result = None;
            while let Some(envelope) = rx.recv().await {
                if let AttemptEvent::Finished(end) = envelope.event {
                    result = Some(end.result);
                }
            }
            result.expect("a Finished event")
        })
    }

    fn repo() -> (tempfile::TempDir, std::path::PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = GitRepoBuilder::new(tmp.path().join("repo")).build();
        (tmp, dir)
    }

    #[test]
    fn a_replay_executor_answering_two_steps_makes_two_real_commits() {
        let (_tmp, dir) = repo();
        let base = git(&dir, &["rev-parse", "HEAD"]);
        for (step, text) in [(1, "red"), (2, "green")] {
            let result = attempt(&dir, Role::Executor, &step_key(step));
            assert!(
                matches!(&result, AttemptResult::Completed { text: t, .. } if t == text),
                "{result:?}"
            );
        }
        assert_eq!(
            git(&dir, &["log", "--format=%s", &format!("{base}..HEAD")]),
            "GREEN: totals are 3\nRED: a failing total test"
        );
        assert_eq!(
            git(&dir, &["show", "--format=", "--name-only", "HEAD~1"]),
            "tests/total.sh"
        );
        assert_eq!(git(&dir, &["show", "HEAD:total.txt"]), "3");
        assert_eq!(
            git(&dir, &["show", "HEAD:tests/total.sh"]),
            "test \"$(cat total.txt)\" = 3"
        );
        assert_eq!(
            git(&dir, &["status", "--porcelain"]),
            "",
            "nothing left over"
        );
    }

    #[test]
    fn a_patch_that_does_not_apply_is_an_error_with_gits_message() {
        let (_tmp, dir) = repo();
        let head = git(&dir, &["rev-parse", "HEAD"]);
        let result = attempt(&dir, Role::Executor, &step_key(3));
        let AttemptResult::Failed { cause, message, .. } = result else {
            panic!("{result:?}")
        };
        assert_eq!(cause.status().as_str(), "error");
        assert_eq!(
            message,
            "the replay patch does not apply: error: patch failed: README.md:1; error: \
             README.md: patch does not apply"
        );
        assert_eq!(git(&dir, &["rev-parse", "HEAD"]), head);
        assert_eq!(git(&dir, &["status", "--porcelain"]), "");
    }

    #[test]
    fn a_patch_without_a_subject_is_left_uncommitted_and_a_read_only_role_cannot_apply_one() {
        let (_tmp, dir) = repo();
        let head = git(&dir, &["rev-parse", "HEAD"]);
        let result = attempt(&dir, Role::Verifier, &step_key(4));
        assert!(
            matches!(&result, AttemptResult::Failed { message, .. }
                if message.contains("read-only verifier a patch")),
            "{result:?}"
        );
        assert_eq!(git(&dir, &["status", "--porcelain"]), "");
        let result = attempt(&dir, Role::Executor, &step_key(4));
        assert!(
            matches!(result, AttemptResult::Completed { .. }),
            "{result:?}"
        );
        assert_eq!(git(&dir, &["rev-parse", "HEAD"]), head, "no commit");
        assert_eq!(git(&dir, &["status", "--porcelain"]), "?? total.txt");
    }

    #[test]
    fn outside_git_the_patch_is_applied_and_nothing_is_committed() {
        let tmp = tempfile::tempdir().unwrap();
        let result = attempt(tmp.path(), Role::Executor, &step_key(2));
        assert!(
            matches!(result, AttemptResult::Completed { .. }),
            "{result:?}"
        );
        assert_eq!(
            fs_err::read_to_string(tmp.path().join("total.txt")).unwrap(),
            "3\n"
        );
    }
}
