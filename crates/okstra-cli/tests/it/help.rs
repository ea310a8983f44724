//! Snapshots of `okstra --help` and every subcommand's help.

use okstra_test_support::TestEnv;

use crate::common::okstra;

const COMMANDS: &[&[&str]] = &[
    &[],
    &["init"],
    &["run"],
    &["resume"],
    &["validate"],
    &["render"],
    &["plan"],
    &["plan", "check"],
    &["plan", "show"],
    &["plan", "answer"],
    &["plan", "import"],
    &["approve"],
    &["ledger"],
    &["ledger", "repair"],
    &["ledger", "show"],
    &["ctl"],
    &["ctl", "list"],
    &["ctl", "show"],
    &["ctl", "gc"],
    &["ctl", "status"],
    &["ctl", "rerun"],
    &["ctl", "batches"],
    &["ctl", "attach"],
    &["ctl", "kill"],
    &["ctl", "reindex"],
    &["ctl", "reconcile"],
    &["demo"],
    &["doctor"],
    &["install"],
    &["install", "claude-skill"],
    &["uninstall"],
    &["uninstall", "claude-skill"],
    &["wizard"],
    &["completions"],
    &["man"],
];

#[test]
fn help_snapshots() {
    let env = TestEnv::new_non_git();
    for cmd in COMMANDS {
        let mut args: Vec<&str> = cmd.to_vec();
        args.push("--help");
        let out = okstra(&env, &args);
        assert_eq!(out.code, Some(0), "{out}");
        let name = if cmd.is_empty() {
            "okstra".to_owned()
        } else {
            format!("okstra-{}", cmd.join("-"))
        };
        insta::assert_snapshot!(name, out.stdout);
    }
}

#[test]
fn no_arguments_prints_help_and_exits_2() {
    let env = TestEnv::new_non_git();
    let out = okstra(&env, &[]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("Usage: okstra"), "{out}");
}
