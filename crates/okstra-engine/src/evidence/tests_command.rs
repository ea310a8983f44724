//! Tests of the evidence command runner on real processes: exit codes, interleaved output,
//! the environment, the deadline (killing the command and its children), escaped
//! descendants, interruption, the bounded and redacted tail.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use okstra_core::evidence::OUTPUT_TAIL_BYTES;
use okstra_core::redact::Redactor;
use okstra_test_support::fake_agent::live_pids;
use tokio_util::sync::CancellationToken;

use super::{CommandLimits, CommandRunner};

const LIMITS: CommandLimits = CommandLimits {
    deadline: Duration::from_secs(20),
    kill_grace: Duration::from_millis(300),
};

fn runner_with(
    root: &Path,
    env: &BTreeMap<String, String>,
    limits: CommandLimits,
) -> CommandRunner {
    CommandRunner::new(
        env,
        Redactor::from_env(env),
        root,
        limits,
        CancellationToken::new(),
    )
}

fn base_env() -> BTreeMap<String, String> {
    BTreeMap::from([("PATH".to_owned(), std::env::var("PATH").unwrap_or_default())])
}

#[tokio::test]
async fn records_the_exit_code_and_the_output_interleaved_as_it_came() {
    let root = tempfile::tempdir().unwrap();
    let sub = root.path().join("app");
    fs_err::create_dir(&sub).unwrap();
    let runner = runner_with(root.path(), &base_env(), LIMITS);
    let e = runner
        .run(
            "echo out1; echo err1 >&2; echo out2; exit 3",
            root.path(),
            "abc",
        )
        .await;
    assert_eq!(e.exit_code, Some(3));
    assert_eq!(e.output_tail, "out1\nerr1\nout2\n");
    assert_eq!((e.cwd.as_str(), e.commit.as_str()), (".", "abc"));
    assert_eq!(e.note, None);
    assert!(!e.passed());

    let e = runner.run("pwd", &sub, "abc").await;
    assert!(e.passed());
    assert_eq!(e.cwd, "app");
    let elsewhere = tempfile::tempdir().unwrap();
    let e = runner.run("true", elsewhere.path(), "abc").await;
    assert_eq!(e.cwd, elsewhere.path().display().to_string());
}

#[tokio::test]
async fn the_command_line_is_one_argument_of_sh_and_a_db_marker_does_not_run() {
    let root = tempfile::tempdir().unwrap();
    let runner = runner_with(root.path(), &base_env(), LIMITS);
    let e = runner
        .run(
            r#"printf '%s\n' "a b" '$(echo no)'; echo "$0""#,
            root.path(),
            "c",
        )
        .await;
    assert_eq!(e.output_tail, "a b\n$(echo no)\nsh\n");
    let e = runner.run("DB: echo db ok", root.path(), "c").await;
    assert_eq!(e.command, "DB: echo db ok", "recorded as written");
    assert_eq!(e.output_tail, "db ok\n");
}

#[tokio::test]
async fn the_environment_is_okstras_minus_okstra_and_git_location_and_stdin_is_closed() {
    let root = tempfile::tempdir().unwrap();
    let mut env = base_env();
    env.insert("OKSTRA_HOME".into(), "/home/x/.okstra".into());
    env.insert("OKSTRA_TEST_KILL_AT".into(), "prepare".into());
    env.insert("GIT_DIR".into(), "/elsewhere/.git".into());
    env.insert("LANG_HINT".into(), "kept".into());
    let runner = runner_with(root.path(), &env, LIMITS);
    let e = runner
        .run(
            "env | grep -E '^(OKSTRA|GIT_DIR|LANG_HINT)' | grep -v OKSTRA_WORKER_TAG | sort; \
             cat; echo \"stdin: $?\"",
            root.path(),
            "c",
        )
        .await;
    assert_eq!(e.output_tail, "LANG_HINT=kept\nstdin: 0\n");
}

#[tokio::test]
async fn a_deadline_kills_a_hanging_command_and_its_children() {
    let root = tempfile::tempdir().unwrap();
    let limits = CommandLimits {
        deadline: Duration::from_millis(400),
        kill_grace: Duration::from_millis(300),
    };
    let runner = runner_with(root.path(), &base_env(), limits);
    let pids = root.path().join("pids");
    // A child that ignores SIGTERM (only SIGKILL ends it), and a leader that waits on it.
    let e = runner
        .run(
            "(trap '' TERM; echo started; sleep 30) & echo $! > pids; echo $$ >> pids; wait",
            root.path(),
            "c",
        )
        .await;
    assert_eq!(e.exit_code, None);
    assert_eq!(e.note.as_deref(), Some("killed at the deadline of 400ms"));
    assert!(
        e.duration_ms >= 400 && e.duration_ms < 10_000,
        "{}",
        e.duration_ms
    );
    assert_eq!(e.output_tail, "started\n");
    let listed = fs_err::read_to_string(&pids).unwrap();
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert_eq!(live_pids(&pids), Vec::<u32>::new(), "every process is gone");
}

#[tokio::test]
async fn a_descendant_that_left_the_group_is_killed_when_the_command_ends() {
    let root = tempfile::tempdir().unwrap();
    let runner = runner_with(root.path(), &base_env(), LIMITS);
    let e = runner
        .run(
            "setsid sh -c 'echo $$ > escaped; exec sleep 30' & \
             while [ ! -s escaped ]; do :; done; echo done",
            root.path(),
            "c",
        )
        .await;
    assert_eq!(e.exit_code, Some(0));
    assert_eq!(e.output_tail, "done\n");
    assert_eq!(live_pids(&root.path().join("escaped")), Vec::<u32>::new());
}

#[tokio::test]
async fn an_interruption_stops_the_command() {
    let root = tempfile::tempdir().unwrap();
    let cancel = CancellationToken::new();
    let env = base_env();
    let runner = CommandRunner::new(
        &env,
        Redactor::default(),
        root.path(),
        LIMITS,
        cancel.clone(),
    );
    cancel.cancel();
    let e = runner.run("sleep 30", root.path(), "c").await;
    assert_eq!(e.exit_code, None);
    assert_eq!(e.note.as_deref(), Some("interrupted: okstra was stopped"));
    assert!(runner.interrupted());
}

#[tokio::test]
async fn a_command_that_cannot_start_has_no_exit_code_and_says_why() {
    let root = tempfile::tempdir().unwrap();
    let runner = runner_with(root.path(), &base_env(), LIMITS);
    let missing = root.path().join("gone");
    let e = runner.run("true", &missing, "c").await;
    assert_eq!(e.exit_code, None);
    let note = e.note.unwrap();
    assert!(note.starts_with("could not start `sh -c` in "), "{note}");
    assert!(note.contains("gone"), "{note}");
}

#[tokio::test]
async fn the_tail_is_bounded_redacted_and_valid_utf8() {
    let root = tempfile::tempdir().unwrap();
    let mut env = base_env();
    env.insert("SERVICE_TOKEN".into(), "tok-0123456789-secret".into());
    let runner = runner_with(root.path(), &env, LIMITS);
    // 200 KiB of output, the token printed near the end and across the last 4 KiB, then
    // three-byte characters so the cut falls inside one.
    let e = runner
        .run(
            "i=0; while [ $i -lt 3200 ]; do \
               echo 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'; \
               i=$((i+1)); done; \
             echo \"token=$SERVICE_TOKEN\"; \
             i=0; while [ $i -lt 1360 ]; do printf '한'; i=$((i+1)); done; echo",
            root.path(),
            "c",
        )
        .await;
    assert!(e.passed());
    assert!(
        e.output_tail.len() <= OUTPUT_TAIL_BYTES,
        "{}",
        e.output_tail.len()
    );
    assert!(!e.output_tail.contains("secret"), "the token never appears");
    assert!(!e.output_tail.contains("tok-0123"));
    assert!(e.output_tail.contains("token=***"));
    assert!(e.output_tail.ends_with("한한\n"));
    assert!(!e.output_tail.contains('\u{fffd}'));
}
