//! `okstra install claude-mcp` / `okstra uninstall claude-mcp`: the entry `claude mcp add`
//! writes, in the user config (`~/.claude.json`, `$CLAUDE_CONFIG_DIR/.claude.json`) or the
//! project's `.mcp.json`; idempotent, the rest of the file kept, a foreign entry kept without
//! `--force`; and the real `claude` finding the server and connecting to it.

use std::process::Stdio;

use okstra_test_support::TestEnv;
use serde_json::{Value, json};

use crate::common::{okstra, okstra_bin, okstra_in, run_guarded};
use crate::real_clis::clis_dir;

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&fs_err::read_to_string(path).unwrap()).unwrap()
}

fn our_entry() -> Value {
    json!({"type": "stdio", "command": okstra_bin(), "args": ["mcp"], "env": {}})
}

#[test]
fn user_scope_writes_claude_json_once_keeps_the_rest_and_uninstall_removes_it() {
    let env = TestEnv::new();
    let config = env.home().join(".claude.json");
    fs_err::write(
        &config,
        r#"{"userID":"me","mcpServers":{"other":{"command":"x"}}}"#,
    )
    .unwrap();

    let out = okstra(&env, &["install", "claude-mcp"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stderr.contains("registered the MCP server okstra"),
        "{}",
        out.stderr
    );
    // The equivalents for the other agent CLIs, on stdout.
    assert!(
        out.stdout
            .contains(&format!("codex mcp add okstra -- {} mcp", okstra_bin()))
    );
    assert!(
        out.stdout.contains("[mcp_servers.okstra]"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("gemini mcp add --scope user okstra"),
        "{}",
        out.stdout
    );
    let written = read_json(&config);
    assert_eq!(written["mcpServers"]["okstra"], our_entry());
    assert_eq!(written["mcpServers"]["other"], json!({"command": "x"}));
    assert_eq!(written["userID"], "me");

    let again = okstra(&env, &["install", "claude-mcp"]);
    assert_eq!(again.code, Some(0));
    assert!(
        again.stderr.contains("already registered"),
        "{}",
        again.stderr
    );

    let out = okstra(&env, &["uninstall", "claude-mcp"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let left = read_json(&config);
    assert!(left["mcpServers"].get("okstra").is_none(), "{left}");
    assert_eq!(left["mcpServers"]["other"], json!({"command": "x"}));
    let none = okstra(&env, &["uninstall", "claude-mcp"]);
    assert_eq!(none.code, Some(0));
    assert!(none.stderr.contains("not registered"), "{}", none.stderr);
}

#[test]
fn a_foreign_okstra_entry_is_kept_without_force() {
    let mut env = TestEnv::new();
    let dir = env.root().join("claude-config");
    env.set_env("CLAUDE_CONFIG_DIR", dir.to_str().unwrap());
    fs_err::create_dir_all(&dir).unwrap();
    let config = dir.join(".claude.json");
    let foreign = json!({"mcpServers": {"okstra": {"command": "/usr/bin/something-else"}}});
    fs_err::write(&config, foreign.to_string()).unwrap();

    let out = okstra(&env, &["install", "claude-mcp"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("is not the one okstra registers"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--force"), "{}", out.stderr);
    assert_eq!(read_json(&config), foreign);
    let out = okstra(&env, &["uninstall", "claude-mcp"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert_eq!(read_json(&config), foreign);

    let out = okstra(&env, &["install", "claude-mcp", "--force"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(read_json(&config)["mcpServers"]["okstra"], our_entry());
    assert!(
        !env.home().join(".claude.json").exists(),
        "wrote HOME's config too"
    );
}

#[test]
fn project_scope_writes_the_projects_mcp_json_from_a_subfolder() {
    let env = TestEnv::new();
    let sub = env.project().join("src");
    fs_err::create_dir_all(&sub).unwrap();
    let out = okstra_in(&env, &sub, &["install", "claude-mcp", "--scope", "project"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let written = read_json(&env.project().join(".mcp.json"));
    assert_eq!(written, json!({"mcpServers": {"okstra": our_entry()}}));
    assert!(!env.home().join(".claude.json").exists());
    let out = okstra_in(
        &env,
        &sub,
        &["uninstall", "claude-mcp", "--scope", "project"],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        read_json(&env.project().join(".mcp.json")),
        json!({"mcpServers": {}})
    );
}

#[test]
fn a_config_that_is_not_json_is_refused_untouched() {
    let env = TestEnv::new();
    let config = env.home().join(".claude.json");
    fs_err::write(&config, "{ not json").unwrap();
    let out = okstra(&env, &["install", "claude-mcp"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains(".claude.json: not JSON"),
        "{}",
        out.stderr
    );
    assert_eq!(fs_err::read_to_string(&config).unwrap(), "{ not json");
}

/// The real `claude` reads the entry install wrote, starts `okstra mcp` and completes the
/// handshake (`claude mcp list` checks each server's health); after uninstall it lists none.
#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn real_claude_connects_to_the_server_install_registered() {
    let mut env = TestEnv::new();
    for dir in ["/bin", "/usr/bin"] {
        env.prepend_path(dir);
    }
    let node = okstra_test_support::host_program("node");
    env.prepend_path(node.parent().expect("node lives in a folder"));
    let list = |env: &TestEnv| {
        let mut cmd = env.command(clis_dir().join("claude"));
        cmd.args(["mcp", "list"])
            .env("DISABLE_AUTOUPDATER", "1")
            .env("TERM", "dumb")
            .current_dir(env.project())
            .stdin(Stdio::null());
        run_guarded(env, cmd)
    };
    let out = okstra(&env, &["install", "claude-mcp"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let listed = list(&env);
    let line = format!("okstra: {} mcp - ✔ Connected", okstra_bin());
    assert!(
        listed.stdout.contains(&line),
        "claude mcp list:\n{}{}",
        listed.stdout,
        listed.stderr
    );

    let out = okstra(&env, &["uninstall", "claude-mcp"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let listed = list(&env);
    assert!(!listed.stdout.contains("okstra:"), "{}", listed.stdout);
}
