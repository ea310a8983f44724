//! The short demo's (`okstra demo --only analysis`) whole terminal output: the progress lines
//! in the README's words, the run's summary once (absolute paths), and closing commands that
//! work where the user stands. The whole workflow's demo is `demo_workflow`.

use okstra_test_support::{CommandOutput, TestEnv};

use crate::common::{okstra_bin, okstra_cmd, run_guarded};

/// Returns `out` for a snapshot: normalized (the binary's path is `[OKSTRA]`), and each run of
/// consecutive `collect` lines in name order (concurrent workers finish in any order).
fn demo_text(out: &CommandOutput) -> String {
    let text = out.to_string();
    let mut lines: Vec<String> = Vec::new();
    let mut collects: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.starts_with("collect ") {
            collects.push(line.to_owned());
            continue;
        }
        collects.sort();
        lines.append(&mut collects);
        lines.push(line.to_owned());
    }
    collects.sort();
    lines.append(&mut collects);
    lines.join("\n")
}

/// Runs a line the demo printed, as a user pastes it into a shell in `dir` (whose PATH has the
/// system's `rm`).
fn sh(env: &TestEnv, dir: &std::path::Path, line: &str) -> CommandOutput {
    let mut cmd = env.command("/bin/sh");
    let mut path = env.path_var();
    path.push(":/usr/bin:/bin");
    cmd.arg("-c").arg(line).env("PATH", path).current_dir(dir);
    env.run(cmd)
}

#[test]
fn the_demo_shows_steps_a_summary_once_and_commands_that_work() {
    let env = TestEnv::new();
    let dir = env.root().join("demo");
    let out = run_guarded(
        &env,
        okstra_cmd(&env, &["demo", dir.to_str().unwrap(), "--only", "analysis"]),
    );
    assert_eq!(out.code, Some(0), "{out}");
    insta::with_settings!({filters => vec![
        (r"\b\d+\.\ds\b", "[DUR]"),
        (r"\b\d+m\d{2}s\b", "[DUR]"),
    ]}, {
        insta::assert_snapshot!("demo", demo_text(&out));
    });
    assert!(
        !out.stdout.contains("prepare") && !out.stderr.contains("run [RUN]"),
        "progress on stderr, the summary on stdout: {out}"
    );

    // The printed commands work from another folder than the demo's.
    let elsewhere = env.root().join("elsewhere");
    fs_err::create_dir_all(&elsewhere).unwrap();
    let line = |label: &str| {
        out.stderr
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label:?} line: {out}"))
            .trim()
            .to_owned()
    };
    let report = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("report:"))
        .unwrap()
        .trim();
    assert!(std::path::Path::new(report).is_file(), "{report}");
    let validate = sh(&env, &elsewhere, &line("validate the run:"));
    assert_eq!(validate.code, Some(0), "{validate}");
    assert!(!env.okstra_home().join("index").exists(), "the test's home");
    let removed = sh(&env, &elsewhere, &line("remove the demo:"));
    assert_eq!(removed.code, Some(0), "{removed}");
    assert!(!dir.exists());
}

#[test]
fn the_validate_command_names_okstra_when_it_is_on_path() {
    let mut env = TestEnv::new();
    // A folder on PATH whose `okstra` is this very binary (a link to it).
    let bin = env.root().join("okstra-bin");
    fs_err::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(okstra_bin(), bin.join("okstra")).unwrap();
    env.prepend_path(&bin);
    let dir = env.root().join("demo");
    let out = run_guarded(
        &env,
        okstra_cmd(&env, &["demo", dir.to_str().unwrap(), "--only", "analysis"]),
    );
    assert_eq!(out.code, Some(0), "{out}");
    let validate = out
        .stderr_normalized()
        .lines()
        .find(|l| l.starts_with("validate the run:"))
        .unwrap()
        .to_owned();
    assert_eq!(
        validate,
        "validate the run: OKSTRA_HOME=[TMP]/demo/okstra-home okstra validate [RUN]"
    );

    // Another `okstra` first on PATH is not this one: the full path is printed.
    let other = env.root().join("other-bin");
    fs_err::create_dir_all(&other).unwrap();
    fs_err::write(other.join("okstra"), "#!/bin/sh\nexit 0\n").unwrap();
    fs_err::set_permissions(
        other.join("okstra"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    env.prepend_path(&other);
    let dir = env.root().join("demo2");
    let out = run_guarded(
        &env,
        okstra_cmd(&env, &["demo", dir.to_str().unwrap(), "--only", "analysis"]),
    );
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stderr_normalized().contains(" [OKSTRA] validate [RUN]"),
        "{out}"
    );
}

#[test]
fn the_demo_refuses_a_folder_that_is_not_empty_or_not_a_folder() {
    let env = TestEnv::new();
    let full = env.root().join("full");
    fs_err::create_dir_all(&full).unwrap();
    fs_err::write(full.join("keep.txt"), "mine\n").unwrap();
    let file = env.root().join("a-file");
    fs_err::write(&file, "mine\n").unwrap();
    for (dir, says) in [(&full, "is not empty"), (&file, "is not a folder")] {
        let out = run_guarded(&env, okstra_cmd(&env, &["demo", dir.to_str().unwrap()]));
        assert_eq!(out.code, Some(2), "{out}");
        assert!(out.stderr.contains(says), "{out}");
        assert!(
            out.stderr
                .contains("hint: run `okstra demo` with no folder"),
            "{out}"
        );
    }
    assert_eq!(
        fs_err::read_to_string(full.join("keep.txt")).unwrap(),
        "mine\n"
    );
    assert_eq!(fs_err::read_to_string(&file).unwrap(), "mine\n");
}
