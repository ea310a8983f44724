//! `okstra doctor` with fake `claude`, `codex` and `gemini` programs on a PATH the test
//! controls: where each CLI is, its version, and its login state by the checks doctor makes —
//! `claude auth status` (JSON), `codex login status` (exit code) unless an API-key variable is
//! set, and for gemini a key variable or the auth type `~/.gemini/settings.json` selects.

use std::path::{Path, PathBuf};

use okstra_test_support::TestEnv;
use serde_json::json;

use crate::common::{okstra, write_project};

/// Writes an executable `sh` script named `name` into `dir`.
fn script(dir: &Path, name: &str, body: &str) {
    let path = dir.join(name);
    fs_err::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
    fs_err::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
}

/// A fake `claude`: `--version`, and `auth status` printing `status` (JSON).
fn fake_claude(dir: &Path, status: &str) {
    script(
        dir,
        "claude",
        &format!(
            "if [ \"$1\" = --version ]; then echo '2.1.197 (Claude Code)'; exit 0; fi\n\
             if [ \"$1 $2\" = 'auth status' ]; then echo '{status}'; exit 0; fi\n\
             echo \"unexpected: $*\" >&2; exit 2\n"
        ),
    );
}

/// A fake `codex`: `--version`, and `login status` exiting `code` (0: logged in).
fn fake_codex(dir: &Path, code: i32) {
    let answer = if code == 0 {
        "echo 'Logged in using ChatGPT'"
    } else {
        "echo 'Not logged in' >&2"
    };
    script(
        dir,
        "codex",
        &format!(
            "if [ \"$1\" = --version ]; then echo 'codex-cli 0.169.0'; exit 0; fi\n\
             if [ \"$1 $2\" = 'login status' ]; then {answer}; exit {code}; fi\n\
             echo \"unexpected: $*\" >&2; exit 2\n"
        ),
    );
}

/// A fake `gemini`: `--version` only (doctor never asks gemini about its login).
fn fake_gemini(dir: &Path) {
    script(
        dir,
        "gemini",
        "if [ \"$1\" = --version ]; then echo '0.43.0'; exit 0; fi\n\
         echo \"unexpected: $*\" >&2; exit 2\n",
    );
}

/// Returns doctor's output with each run of spaces between table columns shortened to two:
/// the PATH column is as wide as the temp dir's real path, which differs between machines.
fn columns(out: &okstra_test_support::CommandOutput) -> String {
    let text = out.to_string();
    let mut lines = Vec::new();
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let mut cells = line.trim_start().split("  ").filter(|c| !c.is_empty());
        let mut joined = cells.next().unwrap_or_default().to_owned();
        for cell in cells {
            joined.push_str("  ");
            joined.push_str(cell.trim_start());
        }
        lines.push(format!("{}{joined}", &line[..indent]));
    }
    lines.join("\n")
}

/// Returns a folder for fake CLIs, put in front of `env`'s PATH.
fn clis(env: &mut TestEnv) -> PathBuf {
    let dir = env.root().join("clis");
    fs_err::create_dir_all(&dir).unwrap();
    env.prepend_path(&dir);
    dir
}

#[test]
fn every_cli_logged_in() {
    let mut env = TestEnv::new();
    let dir = clis(&mut env);
    fake_claude(&dir, r#"{"loggedIn": true, "authMethod": "claude.ai"}"#);
    fake_codex(&dir, 0);
    fake_gemini(&dir);
    let settings = env.home().join(".gemini");
    fs_err::create_dir_all(&settings).unwrap();
    fs_err::write(
        settings.join("settings.json"),
        json!({"security": {"auth": {"selectedType": "oauth-personal"}}}).to_string(),
    )
    .unwrap();
    write_project(
        &env,
        &json!({"projectId": "shop", "agents": {"local": {"adapter": "command", "argv": ["llm"]}}}),
    );
    let out = okstra(&env, &["doctor"]);
    insta::assert_snapshot!(columns(&out), @r"
    exit: 0
    ----- stdout -----
    CLI  PATH  VERSION  LOGIN  VERDICT
    claude  [TMP]/clis/claude  2.1.197 (Claude Code)  logged-in  ready
    codex  [TMP]/clis/codex  codex-cli 0.169.0  logged-in  ready
    gemini  [TMP]/clis/gemini  0.43.0  logged-in  ready
      claude: claude auth status: claude.ai
      codex: codex login status: Logged in using ChatGPT
      gemini: ~/.gemini/settings.json selects oauth-personal

    sandboxes by role:
    ROLE  CLAUDE  CODEX  GEMINI
    analysis  --permission-mode plan (read-only)  -s read-only  --approval-mode plan (read-only)
    critic  --permission-mode plan (read-only)  -s read-only  --approval-mode plan (read-only)
    report-writer  --permission-mode plan (read-only)  -s read-only  --approval-mode plan (read-only)
    verifier  --permission-mode plan (read-only)  -s read-only  --approval-mode plan (read-only)
    executor  --permission-mode bypassPermissions (writes)  -s workspace-write (writes; git common dir added)  --approval-mode yolo (writes)

    configured agents (.okstra/project.json):
      local: command, not-installed: llm not found on PATH (agents.local.argv in .okstra/project.json)
    ----- stderr -----
    ");
}

#[test]
fn no_cli_logged_in() {
    let mut env = TestEnv::new();
    let dir = clis(&mut env);
    fake_claude(&dir, r#"{"loggedIn": false}"#);
    fake_codex(&dir, 1);
    fake_gemini(&dir);
    let out = okstra(&env, &["doctor"]);
    insta::assert_snapshot!(columns(&out), @r"
    exit: 2
    ----- stdout -----
    CLI  PATH  VERSION  LOGIN  VERDICT
    claude  [TMP]/clis/claude  2.1.197 (Claude Code)  not-logged-in  not-logged-in
    codex  [TMP]/clis/codex  codex-cli 0.169.0  not-logged-in  not-logged-in
    gemini  [TMP]/clis/gemini  0.43.0  not-logged-in  not-logged-in
      claude: claude auth status: not logged in (run `claude` and /login, or set ANTHROPIC_API_KEY)
      codex: codex login status: not logged in (run `codex login`, or set CODEX_API_KEY); okstra will not start codex workers, which would retry forever
      gemini: no auth method: run `gemini` once to log in, or set GEMINI_API_KEY

    sandboxes by role:
    ROLE  CLAUDE  CODEX  GEMINI
    analysis  --permission-mode plan (read-only)  -s read-only  --approval-mode plan (read-only)
    critic  --permission-mode plan (read-only)  -s read-only  --approval-mode plan (read-only)
    report-writer  --permission-mode plan (read-only)  -s read-only  --approval-mode plan (read-only)
    verifier  --permission-mode plan (read-only)  -s read-only  --approval-mode plan (read-only)
    executor  --permission-mode bypassPermissions (writes)  -s workspace-write (writes; git common dir added)  --approval-mode yolo (writes)
    ----- stderr -----
    error: no worker can run: claude is not-logged-in, codex is not-logged-in, gemini is not-logged-in
    hint: install a worker CLI and log in to it (each line above says how), or configure an agent in .okstra/project.json
    hint: `okstra demo` shows a whole run with scripted workers, with no CLI at all
    ");
}

#[test]
fn api_keys_and_a_missing_cli() {
    let mut env = TestEnv::new();
    let dir = clis(&mut env);
    // `codex login status` says not logged in, but the key variable wins; claude is not on
    // PATH at all.
    fake_codex(&dir, 1);
    fake_gemini(&dir);
    env.set_env("CODEX_API_KEY", "sk-test");
    env.set_env("GEMINI_API_KEY", "test-key");
    let out = okstra(&env, &["doctor"]);
    insta::assert_snapshot!(columns(&out), @r"
    exit: 0
    ----- stdout -----
    CLI  PATH  VERSION  LOGIN  VERDICT
    claude  not found  -  unknown  not-installed
    codex  [TMP]/clis/codex  codex-cli 0.169.0  key-configured  ready
    gemini  [TMP]/clis/gemini  0.43.0  key-configured  ready
      claude: not on PATH: install it with `npm install -g @anthropic-ai/claude-code`
      codex: CODEX_API_KEY is set
      gemini: GEMINI_API_KEY is set

    sandboxes by role:
    ROLE  CLAUDE  CODEX  GEMINI
    analysis  --permission-mode plan (read-only)  -s read-only  --approval-mode plan (read-only)
    critic  --permission-mode plan (read-only)  -s read-only  --approval-mode plan (read-only)
    report-writer  --permission-mode plan (read-only)  -s read-only  --approval-mode plan (read-only)
    verifier  --permission-mode plan (read-only)  -s read-only  --approval-mode plan (read-only)
    executor  --permission-mode bypassPermissions (writes)  -s workspace-write (writes; git common dir added)  --approval-mode yolo (writes)
    ----- stderr -----
    ");
}

#[test]
fn json_output() {
    let mut env = TestEnv::new();
    let dir = clis(&mut env);
    fake_claude(&dir, r#"{"loggedIn": true, "authMethod": "api-key"}"#);
    fake_codex(&dir, 1);
    let out = okstra(&env, &["doctor", "--json"]);
    insta::assert_snapshot!(out, @r#"
    exit: 0
    ----- stdout -----
    {
      "agents": [],
      "canRun": true,
      "clis": [
        {
          "cli": "claude",
          "detail": "claude auth status: api-key",
          "login": "logged-in",
          "path": "[TMP]/clis/claude",
          "sandboxes": {
            "analysis": "--permission-mode plan (read-only)",
            "critic": "--permission-mode plan (read-only)",
            "executor": "--permission-mode bypassPermissions (writes)",
            "report-writer": "--permission-mode plan (read-only)",
            "verifier": "--permission-mode plan (read-only)"
          },
          "verdict": "ready",
          "version": "2.1.197 (Claude Code)"
        },
        {
          "cli": "codex",
          "detail": "codex login status: not logged in (run `codex login`, or set CODEX_API_KEY); okstra will not start codex workers, which would retry forever",
          "login": "not-logged-in",
          "path": "[TMP]/clis/codex",
          "sandboxes": {
            "analysis": "-s read-only",
            "critic": "-s read-only",
            "executor": "-s workspace-write (writes; git common dir added)",
            "report-writer": "-s read-only",
            "verifier": "-s read-only"
          },
          "verdict": "not-logged-in",
          "version": "codex-cli 0.169.0"
        },
        {
          "cli": "gemini",
          "detail": "not on PATH: install it with `npm install -g @google/gemini-cli`",
          "login": "unknown",
          "path": null,
          "sandboxes": {
            "analysis": "--approval-mode plan (read-only)",
            "critic": "--approval-mode plan (read-only)",
            "executor": "--approval-mode yolo (writes)",
            "report-writer": "--approval-mode plan (read-only)",
            "verifier": "--approval-mode plan (read-only)"
          },
          "verdict": "not-installed",
          "version": null
        }
      ]
    }
    ----- stderr -----
    "#);
}

/// Returns the `codex:` detail line of doctor's output.
fn codex_detail(out: &okstra_test_support::CommandOutput) -> String {
    out.stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("codex: "))
        .unwrap_or_else(|| panic!("no codex line: {out}"))
        .to_owned()
}

#[test]
fn codex_s_own_config_toml_decides_its_provider() {
    let mut env = TestEnv::new();
    let dir = clis(&mut env);
    // `login status` says "Not logged in": a provider of its own does not need a login.
    fake_codex(&dir, 1);
    let codex_home = env.root().join("codex-home");
    fs_err::create_dir_all(&codex_home).unwrap();
    fs_err::write(
        codex_home.join("config.toml"),
        "model_provider = \"mock\"\n\n[model_providers.mock]\nname = \"mock\"\n\
         base_url = \"http://127.0.0.1:9/v1\"\nenv_key = \"MOCK_API_KEY\"\n",
    )
    .unwrap();
    env.set_env("CODEX_HOME", codex_home.to_str().unwrap());
    let out = okstra(&env, &["doctor", "--json"]);
    assert_eq!(
        out.code,
        Some(2),
        "codex is the only CLI, and it cannot run: {out}"
    );
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["clis"][1]["login"], "not-logged-in", "the key is not set");
    let out = okstra(&env, &["doctor"]);
    assert_eq!(
        codex_detail(&out),
        "model provider mock reads its key from MOCK_API_KEY, which is not set; okstra will not \
         start codex workers until it is"
    );
    env.set_env("MOCK_API_KEY", "k");
    let out = okstra(&env, &["doctor"]);
    assert_eq!(
        codex_detail(&out),
        "model provider mock reads its key from MOCK_API_KEY, which is set"
    );
    // A provider without a key variable (a local server) needs none.
    fs_err::write(
        codex_home.join("config.toml"),
        "model_provider = \"local\"\n[model_providers.local]\nbase_url = \"http://127.0.0.1:9/v1\"\n",
    )
    .unwrap();
    let out = okstra(&env, &["doctor"]);
    assert_eq!(codex_detail(&out), "model provider local needs no key");
}

/// Returns each CLI's `verdict` and the top-level `canRun` of `doctor --json`.
fn verdicts(out: &okstra_test_support::CommandOutput) -> (Vec<String>, bool) {
    let v: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"));
    let verdicts = v["clis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}: {}",
                c["cli"].as_str().unwrap(),
                c["verdict"].as_str().unwrap()
            )
        })
        .collect();
    (verdicts, v["canRun"].as_bool().unwrap())
}

#[test]
fn json_verdicts_say_which_cli_can_run_and_no_runnable_cli_exits_2() {
    let mut env = TestEnv::new();
    let dir = clis(&mut env);
    fake_claude(&dir, r#"{"loggedIn": false, "authMethod": "none"}"#);
    fake_codex(&dir, 0);
    let out = okstra(&env, &["doctor", "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(
        verdicts(&out),
        (
            vec![
                "claude: not-logged-in".to_owned(),
                "codex: ready".to_owned(),
                "gemini: not-installed".to_owned()
            ],
            true
        )
    );

    // codex logged out too: nothing can run. The JSON still says why, and doctor exits 2.
    fake_codex(&dir, 1);
    let out = okstra(&env, &["doctor", "--json"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert_eq!(
        verdicts(&out),
        (
            vec![
                "claude: not-logged-in".to_owned(),
                "codex: not-logged-in".to_owned(),
                "gemini: not-installed".to_owned()
            ],
            false
        )
    );
    insta::assert_snapshot!(out.stderr, @r"
    error: no worker can run: claude is not-logged-in, codex is not-logged-in, gemini is not-installed
    hint: install a worker CLI and log in to it (each line above says how), or configure an agent in .okstra/project.json
    hint: `okstra demo` shows a whole run with scripted workers, with no CLI at all
    ");

    // A login check that does not answer leaves the CLI to decide: it can run.
    fake_claude(&dir, "not json");
    let out = okstra(&env, &["doctor", "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(verdicts(&out).0[0], "claude: login-unknown");
}

#[test]
fn a_configured_agent_that_can_run_is_enough() {
    let env = TestEnv::new();
    // No worker CLI on PATH at all; the project's command agent is a program that exists.
    write_project(
        &env,
        &json!({"projectId": "shop",
            "agents": {"local": {"adapter": "command", "argv": ["git", "--version"]},
                       "broken": {"adapter": "replay", "fixture": "missing.json"}}}),
    );
    let out = okstra(&env, &["doctor", "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["canRun"], true);
    let agents: Vec<(&str, &str)> = v["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(agents, [("broken", "misconfigured"), ("local", "ready")]);
    assert!(
        v["agents"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("missing.json"),
        "{out}"
    );
}
