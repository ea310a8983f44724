//! Owns the replay executor: answers from a scripted fixture instead of a model, in-process, with
//! the fixture's delay, usage, exit code, reported error or hang — under the same deadline and
//! Ctrl-C rules as a process.

use jiff::Timestamp;
use okstra_core::outcome::{AttemptResult, FailCause, INTERRUPTED};
use okstra_core::replay::ReplayAnswer;
use okstra_core::settings::WorkerLimits;
use okstra_core::tokens::TokenUsage;
use tokio_util::sync::CancellationToken;

use super::attempt::{AttemptEvent, Reporter};
use crate::timer::after;

/// Runs a replay attempt.
pub(crate) async fn run_replay(
    answer: Option<ReplayAnswer>,
    limits: WorkerLimits,
    reporter: Reporter,
    cancel: CancellationToken,
) {
    let started_at = Timestamp::now();
    let result = match answer {
        None => AttemptResult::Failed {
            cause: FailCause::Reported,
            message: "the replay fixture has no answer for this worker and round".to_owned(),
            usage: TokenUsage::default(),
        },
        Some(answer) => answer_after_delay(answer, limits, &reporter, &cancel).await,
    };
    reporter.finished(result, None, started_at).await;
    reporter.send(AttemptEvent::Reaped { count: 0 }).await;
}

async fn answer_after_delay(
    answer: ReplayAnswer,
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
    if let Some(message) = answer.error {
        return AttemptResult::Failed {
            cause: FailCause::Reported,
            message,
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
        text: answer.text.unwrap_or_default(),
        usage: answer.usage,
    }
}
