//! Data on stdout that cannot be written: a full disk is okstra's failure (exit 1, named), a
//! reader that closed the pipe (`okstra ctl list | head -1`) ends okstra quietly with its own
//! status.

use okstra_test_support::TestEnv;

use crate::common::{okstra, okstra_cmd};

/// Returns an env with one prepared run, so `ctl list` has a table to print.
fn env_with_a_run() -> TestEnv {
    let env = TestEnv::new();
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "g/a",
            "--base-ref",
            "main",
            "--prepare-only",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    env
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_to_stdout_is_an_internal_failure() {
    let env = env_with_a_run();
    for args in [&["ctl", "list"][..], &["ctl", "list", "--json"]] {
        let full = fs_err::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let mut cmd = okstra_cmd(&env, args);
        cmd.stdout(full.into_parts().0);
        let out = env.run(cmd);
        assert_eq!(out.code, Some(1), "{args:?}: {out}");
        assert_eq!(
            out.stderr, "error: cannot write to stdout: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_commands_status() {
    let env = env_with_a_run();
    let (reader, writer) = std::io::pipe().unwrap();
    // No reader: every write gets EPIPE, as after `head -1` has exited.
    drop(reader);
    let mut cmd = okstra_cmd(&env, &["ctl", "list"]);
    cmd.stdout(writer);
    let out = env.run(cmd);
    insta::assert_snapshot!(out, @r"
    exit: 0
    ----- stdout -----
    ----- stderr -----
    ");
}
