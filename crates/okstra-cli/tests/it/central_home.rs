//! The central home as the environment names it: a relative `OKSTRA_HOME` means the folder
//! okstra was started in (also under `-C`), and a home that is a file is the user's to fix.

use okstra_test_support::TestEnv;
use serde_json::Value;

use crate::common::{okstra, okstra_cmd};

#[test]
fn a_relative_home_is_taken_against_the_start_folder_also_under_dash_c() {
    let env = TestEnv::new();
    // Started in the temp root, working in the project through -C.
    let mut cmd = okstra_cmd(
        &env,
        &[
            "-C",
            "project",
            "run",
            "error-analysis",
            "--task",
            "g/a",
            "--base-ref",
            "main",
            "--prepare-only",
            "--json",
        ],
    );
    cmd.current_dir(env.root()).env("OKSTRA_HOME", "state");
    let out = env.run(cmd);
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let home = env.root().join("state");
    assert_eq!(
        v["worktree"]["path"].as_str().unwrap(),
        home.join("worktrees/project/g/a/task")
            .display()
            .to_string(),
        "{out}"
    );
    assert!(home.join("index/runs.jsonl").is_file(), "{out}");
    assert!(
        !env.project().join("state").exists(),
        "a second home in the project"
    );

    // The same home, named relative to the project, from the project.
    let mut cmd = okstra_cmd(&env, &["ctl", "list", "--json"]);
    cmd.env("OKSTRA_HOME", "../state");
    let out = env.run(cmd);
    assert_eq!(out.code, Some(0), "{out}");
    let rows: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(rows[0]["runId"], v["runId"], "{out}");
}

#[test]
fn a_home_that_is_a_file_is_refused_with_its_path() {
    let mut env = TestEnv::new();
    fs_err::write(env.root().join("afile"), "").unwrap();
    env.set_env(
        "OKSTRA_HOME",
        &env.root().join("afile").display().to_string(),
    );
    let out = okstra(&env, &["init"]);
    insta::assert_snapshot!(out, @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: OKSTRA_HOME="[TMP]/afile" cannot be the central home: [TMP]/afile is a file, not a folder
    hint: point OKSTRA_HOME at a folder (okstra creates it when missing), or unset it to use ~/.okstra
    "#);
    env.set_env("OKSTRA_HOME", "../afile/home");
    let out = okstra(&env, &["ctl", "list"]);
    insta::assert_snapshot!(out, @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: OKSTRA_HOME="../afile/home" cannot be the central home: [TMP]/project/../afile is a file, not a folder
    hint: point OKSTRA_HOME at a folder (okstra creates it when missing), or unset it to use ~/.okstra
    "#);
}
