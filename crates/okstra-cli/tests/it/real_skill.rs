//! The `okstra-run` Claude Code skill, driven: `okstra install claude-skill` writes it into a
//! private HOME, then the real `claude` runs against the loopback model server with a scripted
//! model (first a Bash call of `okstra wizard --json next`, then text). The first request lists
//! the skill by name and description — Claude Code loaded it from the folder install wrote, and
//! stops listing it once uninstall removed it, and finds it under CLAUDE_CONFIG_DIR too — and
//! the wizard's JSON reply, as okstra printed it, reaches the next request as the Bash call's
//! result. Ignored without `OKSTRA_TEST_CLIS`.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use okstra_test_support::TestEnv;
use okstra_test_support::model_server::{
    ModelServer, Protocol, Reply, RequestRecord, Rule, Script, Usage,
};
use serde_json::{Value, json};

use crate::common::{okstra, okstra_bin, run_guarded};
use crate::real_clis::clis_dir;

const KEY: &str = "dummy-not-a-real-key";
/// What the user asks Claude; the script's rule matches it.
const ASK: &str = "Please start an okstra run for this project.";
/// The command the scripted model runs through Bash.
const COMMAND: &str = "okstra wizard --json next";
/// The skill as this okstra ships it.
const SKILL: &str = include_str!("../../skill/okstra-run/SKILL.md");

/// Returns the skill's frontmatter field `key`.
fn frontmatter(key: &str) -> &'static str {
    let (front, _) = SKILL
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .expect("SKILL.md has a frontmatter block");
    front
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(": "))
        .unwrap_or_else(|| panic!("no `{key}` in the frontmatter"))
}

/// Returns a folder holding only a link to the `okstra` under test, for PATH.
fn okstra_on_path(env: &TestEnv) -> PathBuf {
    let dir = env.root().join("okstra-bin");
    fs_err::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(okstra_bin(), dir.join("okstra")).unwrap();
    dir
}

/// Runs `claude -p ASK` in the project with Bash allowed only for okstra; returns its result
/// object.
fn ask_claude(env: &TestEnv, server: &ModelServer) -> Value {
    let mut cmd = env.command(clis_dir().join("claude"));
    cmd.args(["-p", ASK, "--output-format", "json"])
        .args(["--allowedTools", "Bash(okstra *)"])
        .env("ANTHROPIC_API_KEY", KEY)
        .env("ANTHROPIC_BASE_URL", server.url())
        .env("CLAUDE_CODE_MAX_RETRIES", "1")
        .env("DISABLE_AUTOUPDATER", "1")
        .env("TERM", "dumb")
        .stdin(Stdio::null());
    let out = run_guarded(env, cmd);
    assert_eq!(out.code, Some(0), "{out}");
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// Returns the scripted turn's requests (the server also answers Claude's title request).
fn turn(server: &ModelServer) -> Vec<RequestRecord> {
    server
        .requests_of(Protocol::Anthropic)
        .into_iter()
        .filter(|r| r.rule.as_deref() == Some("skill"))
        .collect()
}

/// Returns the text of every `tool_result` block of the request's last message.
fn tool_results(request: &RequestRecord) -> Vec<String> {
    let last = request.body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .expect("the request has messages");
    let blocks = last["content"].as_array().cloned().unwrap_or_default();
    blocks
        .iter()
        .filter(|b| b["type"] == "tool_result")
        .map(|b| match &b["content"] {
            Value::String(text) => text.clone(),
            Value::Array(parts) => parts
                .iter()
                .filter_map(|p| p["text"].as_str())
                .collect::<Vec<_>>()
                .join(""),
            other => other.to_string(),
        })
        .collect()
}

fn lists_the_skill(request: &RequestRecord) -> bool {
    let listing = format!("- {}: {}", frontmatter("name"), frontmatter("description"));
    any_text(&request.body, &|text| text.contains(&listing))
}

/// Returns whether any string in `value` satisfies `pred`.
fn any_text(value: &Value, pred: &dyn Fn(&str) -> bool) -> bool {
    match value {
        Value::String(text) => pred(text),
        Value::Array(items) => items.iter().any(|v| any_text(v, pred)),
        Value::Object(map) => map.values().any(|v| any_text(v, pred)),
        _ => false,
    }
}

fn wire(env: &mut TestEnv) {
    for dir in ["/bin", "/usr/bin"] {
        env.prepend_path(dir);
    }
    let node = okstra_test_support::host_program("node");
    env.prepend_path(node.parent().expect("node lives in a folder"));
    env.prepend_path(clis_dir());
    let okstra_dir = okstra_on_path(env);
    env.prepend_path(okstra_dir);
}

fn script() -> Script {
    Script::new(vec![
        Rule::new(
            ASK,
            vec![
                Reply::tool_call(
                    "Bash",
                    json!({"command": COMMAND, "description": "Ask okstra's wizard for its first step"}),
                    Usage::new(100, 0, 0, 10, 0),
                ),
                Reply::text("The wizard asks for the task type.", Usage::new(150, 0, 0, 10, 0)),
            ],
        )
        .named("skill")
        .for_protocol(Protocol::Anthropic),
    ])
}

fn wizard_reply(env: &TestEnv, project: &Path) -> String {
    let args: Vec<&str> = COMMAND.split(' ').skip(1).collect();
    let out = crate::common::okstra_in(env, project, &args);
    assert_eq!(out.code, Some(0), "{out}");
    out.stdout
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn claude_loads_the_installed_skill_and_the_wizards_json_reaches_the_model() {
    let mut env = TestEnv::new();
    wire(&mut env);
    assert_eq!(okstra(&env, &["init"]).code, Some(0));
    let out = okstra(&env, &["install", "claude-skill"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        env.home()
            .join(".claude/skills/okstra-run/SKILL.md")
            .is_file()
    );

    let server = ModelServer::start(script());
    let result = ask_claude(&env, &server);
    assert_eq!(result["is_error"], false, "{result}");
    assert_eq!(result["result"], "The wizard asks for the task type.");
    assert_eq!(result["permission_denials"], json!([]), "{result}");

    let turn = turn(&server);
    assert_eq!(turn.len(), 2, "a Bash call, then the answer");
    assert!(
        lists_the_skill(&turn[0]),
        "the first request lists the okstra-run skill by name and description"
    );
    // What okstra printed for the model's Bash call is what the wizard says now (`next` does
    // not change the wizard's state).
    let printed = wizard_reply(&env, env.project());
    let reply: Value = serde_json::from_str(&printed).expect("one JSON object");
    assert_eq!(reply["step"], "task_type", "{reply}");
    let results = tool_results(&turn[1]);
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0].trim_end(), printed.trim_end());

    // Uninstalled, Claude Code no longer offers it.
    assert_eq!(okstra(&env, &["uninstall", "claude-skill"]).code, Some(0));
    let server = ModelServer::start(script());
    ask_claude(&env, &server);
    let again = self::turn(&server);
    assert!(!again.is_empty());
    assert!(
        !lists_the_skill(&again[0]),
        "the skill is gone from the listing"
    );

    // A user who moved Claude Code's configuration (CLAUDE_CONFIG_DIR) gets it there.
    let config = env.root().join("claude-config");
    env.set_env("CLAUDE_CONFIG_DIR", config.to_str().unwrap());
    assert_eq!(okstra(&env, &["install", "claude-skill"]).code, Some(0));
    assert!(config.join("skills/okstra-run/SKILL.md").is_file());
    let server = ModelServer::start(script());
    ask_claude(&env, &server);
    let moved = self::turn(&server);
    assert!(!moved.is_empty());
    assert!(
        lists_the_skill(&moved[0]),
        "Claude Code reads the skill from $CLAUDE_CONFIG_DIR/skills"
    );
}
