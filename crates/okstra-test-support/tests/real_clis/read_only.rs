//! A write attempt in each CLI's read-only mode: refused, and the refusal visible.

use super::*;

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn claude_plan_mode_denies_write() {
    let sandbox = Sandbox::new(Cli::Claude);
    let target = sandbox.work().join("written.txt");
    let script = Script::new(vec![
        Rule::new(
            Cli::Claude.anchor(),
            vec![
                Reply::tool_call(
                    "Write",
                    json!({"file_path": target, "content": "written\n"}),
                    Usage::new(10, 0, 0, 5, 0),
                ),
                Reply::text("The write was refused.", Usage::new(20, 0, 0, 4, 0)),
            ],
        )
        .named("turn"),
    ]);
    let server = ModelServer::start(script);
    let args = argv(Cli::Claude, &server, &["--permission-mode", "plan"]);
    let run = run(
        Cli::Claude,
        &sandbox,
        &server,
        &prompt(Cli::Claude, "Write written.txt."),
        &args,
        &[("CLAUDE_CODE_MAX_RETRIES", "1")],
    );
    assert_eq!(run.code, Some(0), "{}", run.context());
    assert!(!target.exists(), "plan mode must not write the file");
    assert!(
        run.of_type("system")
            .any(|e| e["subtype"] == "init" && e["permissionMode"] == "plan"),
        "{}",
        run.context()
    );
    let denial = run
        .of_type("user")
        .flat_map(|e| {
            e["message"]["content"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|c| c["type"] == "tool_result")
        .expect("a tool_result event");
    assert_eq!(denial["is_error"], true);
    assert!(
        denial["content"]
            .as_str()
            .is_some_and(|c| c.contains("while in plan mode")),
        "{denial}"
    );
    let result = run.last_of_type("result");
    let denials = result["permission_denials"]
        .as_array()
        .expect("permission_denials");
    assert_eq!(denials.len(), 1);
    assert_eq!(denials[0]["tool_name"], "Write");
    let offered = requests_of_rule(&server, "turn")[0].tool_names();
    for tool in ["Write", "Edit", "Bash", "NotebookEdit"] {
        assert!(
            offered.iter().any(|t| t == tool),
            "claude offers {tool}: {offered:?}"
        );
    }
    save_transcript(Cli::Claude, "write-denied", &sandbox, &run, false);
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn codex_read_only_sandbox_denies_write() {
    let sandbox = Sandbox::new(Cli::Codex);
    let script = Script::new(vec![
        Rule::new(
            Cli::Codex.anchor(),
            vec![
                // The freeform apply_patch tool takes the raw patch as its input.
                Reply::tool_call(
                    "apply_patch",
                    json!("*** Begin Patch\n*** Add File: patched.txt\n+written\n*** End Patch\n"),
                    Usage::new(10, 0, 0, 5, 0),
                ),
                Reply::tool_call(
                    "exec_command",
                    json!({"cmd": "echo written > shell.txt"}),
                    Usage::new(12, 0, 0, 5, 0),
                ),
                Reply::text("Both writes were refused.", Usage::new(20, 0, 0, 4, 0)),
            ],
        )
        .named("turn"),
    ]);
    let server = ModelServer::start(script);
    let args = argv(Cli::Codex, &server, &["-s", "read-only"]);
    let run = run(
        Cli::Codex,
        &sandbox,
        &server,
        &prompt(Cli::Codex, "Write two files."),
        &args,
        &[],
    );
    assert_eq!(run.code, Some(0), "{}", run.context());
    assert!(
        !sandbox.work().join("patched.txt").exists(),
        "apply_patch must not write"
    );
    assert!(
        !sandbox.work().join("shell.txt").exists(),
        "the shell must not write"
    );
    let turn = requests_of_rule(&server, "turn");
    assert_eq!(turn.len(), 3);
    // The refusals travel back to the model as tool outputs.
    let patch_output = turn[1].body.to_string();
    assert!(
        patch_output.contains("patch rejected: writing is blocked by read-only sandbox"),
        "{patch_output}"
    );
    let shell_output = turn[2].body.to_string();
    assert!(
        shell_output.contains("Read-only file system"),
        "{shell_output}"
    );
    // On stdout Codex 0.169 shows no item for either refused call; stderr logs the patch one.
    assert!(
        run.stderr
            .contains("patch rejected: writing is blocked by read-only sandbox"),
        "{}",
        run.context()
    );
    assert!(
        run.of_type("item.completed")
            .all(|e| e["item"]["type"] != "file_change"),
        "no file_change item may complete\n{}",
        run.context()
    );
    let message = run
        .of_type("item.completed")
        .filter(|e| e["item"]["type"] == "agent_message")
        .last()
        .expect("agent_message");
    assert_eq!(message["item"]["text"], "Both writes were refused.");
    let offered = turn[0].tool_names();
    for tool in ["exec_command", "apply_patch"] {
        assert!(
            offered.iter().any(|t| t == tool),
            "codex offers {tool}: {offered:?}"
        );
    }
    save_transcript(Cli::Codex, "write-denied", &sandbox, &run, true);
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn gemini_plan_mode_denies_write() {
    let sandbox = Sandbox::new(Cli::Gemini);
    sandbox.gemini_settings(None);
    let script = Script::new(vec![
        Rule::new(
            Cli::Gemini.anchor(),
            vec![
                Reply::tool_call(
                    "write_file",
                    json!({"file_path": "written.txt", "content": "written\n"}),
                    Usage::new(10, 0, 0, 5, 0),
                ),
                Reply::text("The write was refused.", Usage::new(20, 0, 0, 4, 0)),
            ],
        )
        .named("turn"),
    ]);
    let server = ModelServer::start(script);
    let args = argv(Cli::Gemini, &server, &["--approval-mode", "plan"]);
    let run = run(
        Cli::Gemini,
        &sandbox,
        &server,
        &prompt(Cli::Gemini, "Write written.txt."),
        &args,
        &[],
    );
    assert_eq!(run.code, Some(0), "{}", run.context());
    assert!(
        !sandbox.work().join("written.txt").exists(),
        "plan mode must not write the file"
    );
    let tool_use = run.last_of_type("tool_use");
    assert_eq!(tool_use["tool_name"], "write_file");
    let denial = run.last_of_type("tool_result");
    assert_eq!(denial["status"], "error");
    assert_eq!(denial["error"]["type"], "policy_violation");
    assert!(
        denial["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Plan Mode")),
        "{denial}"
    );
    assert_eq!(run.last_of_type("result")["status"], "success");
    let offered = requests_of_rule(&server, "turn")[0].tool_names();
    for tool in ["write_file", "replace"] {
        assert!(
            offered.iter().any(|t| t == tool),
            "gemini plan mode offers {tool}: {offered:?}"
        );
    }
    assert!(
        !offered.iter().any(|t| t == "run_shell_command"),
        "no shell in plan mode: {offered:?}"
    );
    save_transcript(Cli::Gemini, "write-denied", &sandbox, &run, false);
}
