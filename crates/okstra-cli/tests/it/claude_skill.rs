//! `okstra install claude-skill` / `okstra uninstall claude-skill`: the embedded SKILL.md lands
//! in Claude Code's skills folder (HOME, CLAUDE_CONFIG_DIR or --dir), a second install is a
//! no-op, a changed file is neither overwritten nor removed without --force, and uninstall
//! removes only what install wrote.

use okstra_test_support::TestEnv;

use crate::common::okstra;

/// The skill as this okstra ships it.
const SKILL: &str = include_str!("../../skill/okstra-run/SKILL.md");

#[test]
fn install_writes_the_skill_into_claudes_folder_once() {
    let env = TestEnv::new_non_git();
    let out = okstra(&env, &["install", "claude-skill"]);
    insta::assert_snapshot!(out, @r"
    exit: 0
    ----- stdout -----
    ----- stderr -----
    installed the Claude Code skill okstra-run: [TMP]/home/.claude/skills/okstra-run/SKILL.md
      new Claude Code sessions offer it: ask Claude to start an okstra run
    ");
    let path = env.home().join(".claude/skills/okstra-run/SKILL.md");
    assert_eq!(fs_err::read_to_string(&path).unwrap(), SKILL);
    let again = okstra(&env, &["install", "claude-skill"]);
    insta::assert_snapshot!(again, @r"
    exit: 0
    ----- stdout -----
    ----- stderr -----
    the Claude Code skill okstra-run is already installed: [TMP]/home/.claude/skills/okstra-run/SKILL.md (unchanged)
    ");
    assert_eq!(
        TestEnv::files_under(&env.home().join(".claude")),
        ["skills/okstra-run/SKILL.md"]
    );
}

#[test]
fn a_changed_skill_is_kept_unless_forced() {
    let env = TestEnv::new_non_git();
    let dir = env.root().join("skills");
    let dir_arg = dir.to_str().unwrap();
    assert_eq!(
        okstra(&env, &["install", "claude-skill", "--dir", dir_arg]).code,
        Some(0)
    );
    let path = dir.join("okstra-run/SKILL.md");
    fs_err::write(&path, "my own edits\n").unwrap();
    let out = okstra(&env, &["install", "claude-skill", "--dir", dir_arg]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/skills/okstra-run/SKILL.md differs from the skill this okstra ships
    hint: it was edited by hand or written by another okstra version
    hint: keep it, or pass --force to replace it with okstra's
    ");
    assert_eq!(fs_err::read_to_string(&path).unwrap(), "my own edits\n");
    let out = okstra(&env, &["uninstall", "claude-skill", "--dir", dir_arg]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/skills/okstra-run/SKILL.md differs from the skill this okstra ships
    hint: it was edited by hand or written by another okstra version
    hint: keep it, or pass --force to remove it anyway
    ");
    assert!(path.exists());

    let out = okstra(
        &env,
        &["install", "claude-skill", "--dir", dir_arg, "--force"],
    );
    insta::assert_snapshot!(out, @r"
    exit: 0
    ----- stdout -----
    ----- stderr -----
    replaced [TMP]/skills/okstra-run/SKILL.md with the skill this okstra ships (--force)
    ");
    assert_eq!(fs_err::read_to_string(&path).unwrap(), SKILL);

    fs_err::write(&path, "edited again\n").unwrap();
    let out = okstra(
        &env,
        &["uninstall", "claude-skill", "--dir", dir_arg, "--force"],
    );
    assert_eq!(out.code, Some(0), "{out}");
    assert!(!dir.join("okstra-run").exists());
}

#[test]
fn uninstall_removes_only_what_install_wrote() {
    let mut env = TestEnv::new_non_git();
    // Claude Code's own configuration folder, when the user moved it.
    let config = env.root().join("claude-config");
    env.set_env("CLAUDE_CONFIG_DIR", config.to_str().unwrap());
    assert_eq!(okstra(&env, &["install", "claude-skill"]).code, Some(0));
    let folder = config.join("skills/okstra-run");
    assert_eq!(
        fs_err::read_to_string(folder.join("SKILL.md")).unwrap(),
        SKILL
    );
    assert!(!env.home().join(".claude").exists());
    let notes = folder.join("notes.md");
    fs_err::write(&notes, "the user's own file\n").unwrap();
    let out = okstra(&env, &["uninstall", "claude-skill"]);
    insta::assert_snapshot!(out, @r"
    exit: 0
    ----- stdout -----
    ----- stderr -----
    removed the Claude Code skill okstra-run: [TMP]/claude-config/skills/okstra-run/SKILL.md
      kept [TMP]/claude-config/skills/okstra-run: other files are in it
    ");
    assert!(notes.exists());
    assert!(!folder.join("SKILL.md").exists());
    fs_err::remove_file(&notes).unwrap();

    assert_eq!(okstra(&env, &["install", "claude-skill"]).code, Some(0));
    let out = okstra(&env, &["uninstall", "claude-skill"]);
    insta::assert_snapshot!(out, @r"
    exit: 0
    ----- stdout -----
    ----- stderr -----
    removed the Claude Code skill okstra-run: [TMP]/claude-config/skills/okstra-run/SKILL.md
    ");
    assert!(!folder.exists());
    assert!(config.join("skills").is_dir(), "the skills folder stays");
    let out = okstra(&env, &["uninstall", "claude-skill"]);
    insta::assert_snapshot!(out, @r"
    exit: 0
    ----- stdout -----
    ----- stderr -----
    the Claude Code skill okstra-run is not installed: no [TMP]/claude-config/skills/okstra-run/SKILL.md (nothing removed)
    ");
}

#[test]
fn a_folder_in_the_way_is_refused() {
    let env = TestEnv::new_non_git();
    let dir = env.root().join("skills");
    fs_err::create_dir_all(dir.join("okstra-run/SKILL.md")).unwrap();
    let out = okstra(
        &env,
        &[
            "install",
            "claude-skill",
            "--dir",
            dir.to_str().unwrap(),
            "--force",
        ],
    );
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/skills/okstra-run/SKILL.md is not a regular file
    hint: move it out of the way, or choose --dir DIR
    ");
}

/// Every `okstra wizard --json <call>` the skill tells Claude to run is a call okstra has (its
/// help exits 0), so the skill cannot drift from the protocol unnoticed.
#[test]
fn every_wizard_call_the_skill_names_exists() {
    let env = TestEnv::new_non_git();
    let mut calls: Vec<&str> = SKILL
        .split("okstra wizard --json ")
        .skip(1)
        .filter_map(|rest| rest.split(|c: char| !c.is_ascii_lowercase()).next())
        .filter(|call| !call.is_empty())
        .collect();
    calls.sort_unstable();
    calls.dedup();
    assert_eq!(
        calls,
        ["back", "next", "reset", "run", "state", "submit"],
        "the calls the skill names"
    );
    for call in calls {
        let out = okstra(&env, &["wizard", "--json", call, "--help"]);
        assert_eq!(out.code, Some(0), "okstra wizard --json {call}: {out}");
    }
    let out = okstra(&env, &["wizard", "--json", "run", "--detach", "--help"]);
    assert_eq!(out.code, Some(0), "{out}");
    // The skill submits every value after `--`: one that looks like a flag (`-h`, `-q`) is
    // still the answer, and the reply is the protocol's JSON, not clap's help or usage.
    assert!(SKILL.contains("okstra wizard --json submit <step> -- <value>"));
    for value in ["-h", "-q", "--", "- a list item"] {
        let out = okstra(
            &env,
            &["wizard", "--json", "submit", "task_type", "--", value],
        );
        assert_eq!(out.code, Some(2), "{value:?}: {out}");
        let reply: serde_json::Value = serde_json::from_str(out.stdout.trim())
            .unwrap_or_else(|e| panic!("{value:?}: {e}: {out}"));
        assert_eq!(reply["error"]["step"], "task_type", "{value:?}: {reply}");
    }
}
