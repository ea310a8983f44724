//! The worker environment policy (SPEC §5.1), secret redaction, replay labelling, the dry run
//! and the JSON summary, through the real `okstra` binary.

use okstra_test_support::TestEnv;
use serde_json::json;

use crate::common::{
    FINDINGS, fake, okstra, okstra_cmd, read_json, run_dir, run_guarded, write_brief, write_project,
};

#[test]
fn worker_environment_follows_the_policy_and_secrets_are_redacted() {
    let mut env = TestEnv::new();
    env.set_env("OKSTRA_TEST_SOMETHING", "must-not-leak");
    env.set_env("GH_TOKEN", "ghp_supersecretvalue");
    let env_file = env.root().join("worker-env");
    write_project(
        &env,
        &json!({"projectId": "shop", "workerEnv": {"MY_API_KEY": "sekrit-value-123", "EXTRA": "on"},
        "agents": {"x": fake(&[
            "--env-file", env_file.to_str().unwrap(),
            "--stderr", "calling with sekrit-value-123 and ghp_supersecretvalue",
            "--text", &format!("the key was sekrit-value-123\n{FINDINGS}"),
        ])}}),
    );
    let brief = write_brief(&env);
    let out = run_guarded(
        &env,
        okstra_cmd(
            &env,
            &[
                "run",
                "error-analysis",
                "--task",
                "p/e",
                "--brief",
                brief.to_str().unwrap(),
                "--base-ref",
                "main",
                "--workers",
                "x",
            ],
        ),
    );
    assert_eq!(out.code, Some(0), "{out}");
    let vars = fs_err::read_to_string(&env_file).unwrap();
    let get = |k: &str| {
        vars.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .map(str::to_owned)
    };
    assert_eq!(
        get("HOME"),
        Some(env.home().display().to_string()),
        "HOME is kept"
    );
    assert_eq!(
        get("GH_TOKEN").as_deref(),
        Some("ghp_supersecretvalue"),
        "env is inherited"
    );
    assert_eq!(
        get("MY_API_KEY").as_deref(),
        Some("sekrit-value-123"),
        "workerEnv applies"
    );
    assert_eq!(get("EXTRA").as_deref(), Some("on"));
    let okstra_vars: Vec<&str> = vars
        .lines()
        .filter(|l| l.starts_with("OKSTRA_") && !l.starts_with("OKSTRA_WORKER_TAG="))
        .collect();
    assert_eq!(
        okstra_vars,
        Vec::<&str>::new(),
        "no OKSTRA_* variable is inherited"
    );
    let tmpdir = get("TMPDIR").unwrap();
    assert!(tmpdir.contains("okstra-"), "a private TMPDIR: {tmpdir}");
    assert_ne!(tmpdir, env.root().join("tmp").display().to_string());
    assert!(
        !std::path::Path::new(&tmpdir).exists(),
        "the private TMPDIR is removed afterwards"
    );

    let dir = run_dir(&env, "p/e", "error-analysis");
    let errors =
        fs_err::read_to_string(dir.join("worker-results/x-worker-errors-error-analysis-1.log"))
            .unwrap();
    assert_eq!(errors, "calling with *** and ***\n");
    let result =
        fs_err::read_to_string(dir.join("worker-results/x-worker-error-analysis-1.md")).unwrap();
    assert!(result.contains("---\nthe key was ***\n"), "{result}");
    let team = read_json(&dir.join("state/team-state-1.json"));
    let env_set: Vec<&str> = team["workers"][0]["envSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        env_set,
        ["EXTRA", "MY_API_KEY", "OKSTRA_WORKER_TAG", "TMPDIR"]
    );
    let team_text = fs_err::read_to_string(dir.join("state/team-state-1.json")).unwrap();
    assert!(
        !team_text.contains("sekrit-value-123"),
        "team state records names, never values"
    );
}

#[test]
fn replay_workers_are_labelled_everywhere() {
    let env = TestEnv::new();
    let fixture = env.project().join("fixture.json");
    fs_err::write(
        &fixture,
        json!({"schemaVersion": "replay-fixture/v1", "workers": {
            "scripted-worker": {"0": {"text": FINDINGS, "usage": {"inputTotal": 7, "output": 3}}},
            "report-writer": {"0": {"text": crate::common::NARRATIVE}}
        }})
        .to_string(),
    )
    .unwrap();
    write_project(
        &env,
        &json!({"projectId": "shop", "roles": {"report-writer": "scripted"},
            "agents": {"scripted": {"adapter": "replay", "fixture": "fixture.json"}}}),
    );
    let brief = write_brief(&env);
    let out = run_guarded(
        &env,
        okstra_cmd(
            &env,
            &[
                "run",
                "error-analysis",
                "--task",
                "p/r",
                "--brief",
                brief.to_str().unwrap(),
                "--base-ref",
                "main",
                "--workers",
                "scripted",
                "--json",
            ],
        ),
    );
    assert_eq!(out.code, Some(0), "{out}");
    let summary: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["replay"], true);
    assert_eq!(summary["workers"][0]["kind"], "replay");
    assert_eq!(summary["workers"][0]["tokens"]["inputTotal"], 7);
    let dir = run_dir(&env, "p/r", "error-analysis");
    let result =
        fs_err::read_to_string(dir.join("worker-results/scripted-worker-error-analysis-1.md"))
            .unwrap();
    assert!(result.contains("replay: true"), "{result}");
    assert!(result.ends_with(&format!("---\n{FINDINGS}\n")), "{result}");
    let audit = fs_err::read_to_string(
        dir.join("worker-results/scripted-worker-audit-error-analysis-1.md"),
    )
    .unwrap();
    assert!(audit.contains("REPLAY"), "{audit}");
    let manifest = read_json(&dir.join("manifests/run-manifest-error-analysis-1.json"));
    assert_eq!(manifest["replay"], true);
    let team = read_json(&dir.join("state/team-state-1.json"));
    assert_eq!(team["workers"][0]["replay"], true);
}

#[test]
fn json_summary_and_cli_versions_in_team_state() {
    let env = TestEnv::new();
    let agent = json!({
        "adapter": "claude",
        "binary": crate::common::fake_agent().display().to_string(),
        "extraArgs": ["--format", "claude", "--text", FINDINGS, "--usage",
            "{\"inputTokens\":30,\"outputTokens\":5,\"cacheReadInputTokens\":10,\"cacheCreationInputTokens\":2,\"costUSD\":0.5}"],
    });
    write_project(
        &env,
        &json!({"projectId": "shop", "agents": {"claude": agent}, "models": {"claude": "sonnet"}}),
    );
    let brief = write_brief(&env);
    let out = run_guarded(
        &env,
        okstra_cmd(
            &env,
            &[
                "run",
                "error-analysis",
                "--task",
                "p/j",
                "--brief",
                brief.to_str().unwrap(),
                "--base-ref",
                "main",
                "--workers",
                "claude",
                "--model",
                "claude=opus",
                "--json",
            ],
        ),
    );
    assert_eq!(out.code, Some(0), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["status"], "completed");
    let w = &v["workers"][0];
    assert_eq!(w["worker"], "claude-worker");
    assert_eq!(w["model"], "opus", "--model beats project.json");
    assert_eq!(
        w["tokens"],
        json!({"inputTotal": 42, "cacheRead": 10, "cacheWrite": 2, "output": 5, "reasoning": null, "costUsd": 0.5})
    );
    let dir = run_dir(&env, "p/j", "error-analysis");
    let team = read_json(&dir.join("state/team-state-1.json"));
    assert_eq!(
        team["workers"][0]["cli"]["path"],
        crate::common::fake_agent().display().to_string()
    );
    assert_eq!(team["workers"][0]["cli"]["version"], "ok");
    let transcript = fs_err::read_to_string(
        dir.join("worker-results/claude-worker-transcript-error-analysis-1.jsonl"),
    )
    .unwrap();
    assert_eq!(
        transcript.lines().count(),
        2,
        "the raw event stream: {transcript}"
    );
    let prompt =
        fs_err::read_to_string(dir.join("prompts/claude-worker-error-analysis-1.prompt.md"))
            .unwrap();
    // SPEC §5.2: the prompt starts with the five anchor headers, in this order.
    let run_id = v["runId"].as_str().unwrap();
    let head: Vec<&str> = prompt.lines().take(5).collect();
    assert_eq!(
        head,
        [
            format!("**Run:** {run_id} (error-analysis #1)"),
            "**Worker:** analysis (claude)".to_owned(),
            format!("**Project Root:** {}", env.project().display()),
            format!(
                "**Result Path:** {}",
                dir.join("worker-results/claude-worker-error-analysis-1.md")
                    .display()
            ),
            "**Round:** 0".to_owned(),
        ],
        "{prompt}"
    );
}

#[test]
fn dry_run_says_which_rounds_each_task_type_makes() {
    let env = TestEnv::new();
    for (task_type, rounds) in [
        (
            "implementation-planning",
            "up to 2 convergence rounds, then the plan-body verification round (-pbv)",
        ),
        ("requirements-discovery", "up to 1 convergence round"),
    ] {
        let out = okstra(
            &env,
            &[
                "run",
                task_type,
                "--task",
                "payments/dev-1",
                "--base-ref",
                "main",
                "--brief-text",
                "# Checkout fails",
                "--dry-run",
            ],
        );
        assert!(
            out.stdout
                .contains(&format!("budget:   no limit; {rounds}\n")),
            "{task_type}: {out}"
        );
    }
    let out = okstra(
        &env,
        &[
            "run",
            "implementation-planning",
            "--task",
            "payments/dev-1",
            "--base-ref",
            "main",
            "--brief-text",
            "# Checkout fails",
            "--dry-run",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["planBodyRound"], true, "{v}");
}

#[test]
fn dry_run_prints_each_worker_and_writes_nothing() {
    let env = TestEnv::new();
    let before = TestEnv::files_under(&env.root());
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "payments/dev-1",
            "--base-ref",
            "main",
            "--workers",
            "claude,codex,gemini",
            "--model",
            "gemini=gemini-2.5-flash",
            "--deadline",
            "90s",
            "--brief-text",
            "# Checkout fails",
            "--dry-run",
        ],
    );
    // No worker CLI is on TestEnv's PATH: the real run would be refused (preflight.rs).
    assert_eq!(out.code, Some(2), "{out}");
    let after = TestEnv::files_under(&env.root());
    assert_eq!(before, after, "a dry run writes nothing");
    let text = out.stdout_normalized();
    let text = text.replace("[TMP]/tmp/okstra-<run-id>", "[TMPDIR]/okstra-<run-id>");
    insta::assert_snapshot!(text, @r"
    dry run: error-analysis on payments/dev-1 — nothing is written
    folder:   [TMP]/home/.okstra/worktrees/project/payments/dev-1/task (to be created from main)
    budget:   no limit; up to 2 convergence rounds

    claude-worker (claude, analysis)
      command:  -
      folder:   [TMP]/home/.okstra/worktrees/project/payments/dev-1/task
      sandbox:  -
      model:    opus
      deadline: 90s
      not-run:  claude CLI not found (claude is not on PATH): install it with `npm install -g @anthropic-ai/claude-code`, or set agents.claude.binary in .okstra/project.json

    codex-worker (codex, analysis)
      command:  -
      folder:   [TMP]/home/.okstra/worktrees/project/payments/dev-1/task
      sandbox:  -
      model:    gpt-5.5
      deadline: 90s
      not-run:  codex CLI not found (codex is not on PATH): install it with `npm install -g @openai/codex`, or set agents.codex.binary in .okstra/project.json

    gemini-worker (gemini, analysis)
      command:  -
      folder:   [TMP]/home/.okstra/worktrees/project/payments/dev-1/task
      sandbox:  -
      model:    gemini-2.5-flash
      deadline: 90s
      not-run:  gemini CLI not found (gemini is not on PATH): install it with `npm install -g @google/gemini-cli`, or set agents.gemini.binary in .okstra/project.json

    report-writer (claude, report-writer)
      command:  -
      folder:   [TMP]/home/.okstra/worktrees/project/payments/dev-1/task
      sandbox:  -
      model:    opus
      deadline: 90s
      not-run:  claude CLI not found (claude is not on PATH): install it with `npm install -g @anthropic-ai/claude-code`, or set agents.claude.binary in .okstra/project.json
    ");
}

#[test]
fn dry_run_shows_exact_command_lines() {
    let mut env = TestEnv::new();
    let bin = env.root().join("clis");
    fs_err::create_dir_all(&bin).unwrap();
    for cli in ["claude", "codex", "gemini"] {
        std::os::unix::fs::symlink(crate::common::fake_agent(), bin.join(cli)).unwrap();
    }
    env.prepend_path(&bin);
    // fake-agent answers claude's and codex's login checks; gemini's is a key variable.
    env.set_env("GEMINI_API_KEY", "test-key");
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "payments/dev-1",
            "--base-ref",
            "main",
            "--brief-text",
            "# Checkout fails",
            "--dry-run",
            "--json",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let v = &v["workers"];
    let folder = env
        .okstra_home()
        .join("worktrees/project/payments/dev-1/task");
    let folder = folder.display();
    let tmp = env.root().join("tmp/okstra-<run-id>");
    let tmp = tmp.display();
    assert_eq!(
        v[0]["command"],
        format!(
            "{}/claude -p --output-format stream-json --verbose --model opus --permission-mode plan",
            bin.display()
        )
    );
    assert_eq!(
        v[1]["command"],
        format!(
            "{}/codex exec --json --skip-git-repo-check --ephemeral -C {folder} -m gpt-5.5 -s read-only -o '{tmp}/codex-worker-r0/last-message.txt' -",
            bin.display()
        )
    );
    assert_eq!(
        v[2]["command"],
        format!(
            "{}/gemini --output-format stream-json --skip-trust --approval-mode plan",
            bin.display()
        )
    );
    assert_eq!(v[0]["sandbox"], "--permission-mode plan (read-only)");
    assert_eq!(v[1]["deadline"], "30m");
}
