//! The write sandboxes of the real `claude`, `codex` and `gemini` binaries as okstra launches
//! them (`cargo xtask test` installs them and sets `OKSTRA_TEST_CLIS`; plain nextest leaves
//! these ignored), against the loopback model server: the worker is planned with the product's
//! `plan_entry`, its command line and environment come from `process_plan`, and the attempt
//! runs through the product's executor task — no argv is written here.
//!
//! As the executor (claude `bypassPermissions`, codex `workspace-write` with the git common dir
//! added, gemini `yolo`), a tool call writes a file in the stage worktree (a linked git
//! worktree), a shell tool call commits it, and one pushes — which the push guard makes fail:
//! nothing arrives in the bare remote. Claude and gemini commit; codex cannot (its sandbox keeps
//! `.git` read-only), so okstra chooses step mode for it and commits what it left. As a
//! read-only role (the verifier: claude `plan`, codex `read-only`, gemini `plan`), the same
//! write leaves no file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use okstra_core::TaskType;
use okstra_core::config::{AdapterKind, ProjectConfig};
use okstra_core::executor::{
    ExecutionMode, InvocationCommits, LEFTOVER_SUBJECT, StepModeReason, adapter_cannot_commit,
    choose_execution_mode, executor_cannot_commit,
};
use okstra_core::outcome::AttemptResult;
use okstra_core::settings::{RunSettings, SettingsLayer, WorkerLimits};
use okstra_core::worker_name::Role;
use okstra_test_support::git_repo::{RepoWithOrigin, git};
use okstra_test_support::model_server::{ModelServer, Protocol, Reply, Rule, Script, Usage};
use serde_json::json;
use tempfile::TempDir;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{LaunchInputs, process_plan};
use crate::executor::{commit_leftovers, executor_add_dirs};
use crate::run::roster::{PlanInputs, plan_entry};
use crate::worker::unix::{WORKER_TAG_VAR, is_root};
use crate::worker::{AttemptEvent, AttemptSpec, Envelope, Launch, ProcessLaunch, run_attempt};

const KEY: &str = "dummy-not-a-real-key";
const FINAL: &str = "Done.";
const PUSHED_REF: &str = "refs/heads/pushed-by-the-executor";
const COMMIT_SUBJECT: &str = "RED: written by the executor";

/// The folder of the pinned CLIs; panics (never skips) when it is not set up.
fn clis_dir() -> PathBuf {
    let dir = PathBuf::from(std::env::var_os("OKSTRA_TEST_CLIS").unwrap_or_else(|| {
        panic!("OKSTRA_TEST_CLIS is not set: run these tests with `cargo xtask test`")
    }));
    for cli in ["claude", "codex", "gemini"] {
        assert!(
            dir.join(cli).is_file(),
            "OKSTRA_TEST_CLIS is set but {} is missing: run `cargo xtask test`",
            dir.join(cli).display()
        );
    }
    dir
}

fn protocol(kind: AdapterKind) -> Protocol {
    match kind {
        AdapterKind::Claude => Protocol::Anthropic,
        AdapterKind::Codex => Protocol::Openai,
        _ => Protocol::Gemini,
    }
}

/// A repository with a bare remote, and a linked worktree on a stage branch.
struct Stage {
    _tmp: TempDir,
    root: PathBuf,
    bare: PathBuf,
    worktree: PathBuf,
}

impl Stage {
    fn new(kind: AdapterKind) -> Self {
        let tmp = tempfile::Builder::new()
            .prefix(&format!("okstra-exec-{kind}-"))
            .tempdir()
            .unwrap();
        let root = fs_err::canonicalize(tmp.path()).unwrap();
        let RepoWithOrigin { bare, worktree, .. } =
            RepoWithOrigin::new(&root, "okstra/feat/real-exec-stage-1");
        for dir in ["home/.gemini", "tmp"] {
            fs_err::create_dir_all(root.join(dir)).unwrap();
        }
        fs_err::write(
            root.join("home/.gemini/settings.json"),
            json!({"security": {"auth": {"selectedType": "gemini-api-key"}}}).to_string(),
        )
        .unwrap();
        Self {
            _tmp: tmp,
            root,
            bare,
            worktree,
        }
    }

    fn target(&self) -> PathBuf {
        self.worktree.join("written.txt")
    }

    /// okstra's own environment in this test: hermetic git with an identity, the CLIs on PATH.
    fn okstra_env(&self) -> BTreeMap<String, String> {
        let node = okstra_test_support::host_program("node");
        let git = okstra_test_support::host_program("git");
        let path = [
            clis_dir(),
            node.parent().unwrap().to_path_buf(),
            git.parent().unwrap().to_path_buf(),
            PathBuf::from("/usr/bin"),
            PathBuf::from("/bin"),
        ]
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(":");
        [
            ("PATH", path),
            ("HOME", self.root.join("home").display().to_string()),
            ("TERM", "dumb".to_owned()),
            ("LANG", "C.UTF-8".to_owned()),
            ("GIT_CONFIG_GLOBAL", "/dev/null".to_owned()),
            ("GIT_CONFIG_NOSYSTEM", "1".to_owned()),
            ("GIT_AUTHOR_NAME", "okstra test".to_owned()),
            ("GIT_AUTHOR_EMAIL", "test@okstra.invalid".to_owned()),
            ("GIT_COMMITTER_NAME", "okstra test".to_owned()),
            ("GIT_COMMITTER_EMAIL", "test@okstra.invalid".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }
}

/// What one attempt printed and how it ended.
struct Attempt {
    result: AttemptResult,
    output: String,
}

/// The scripted turn: a write, then (for the executor) a commit and a push through the CLI's
/// shell tool, then the final answer.
fn replies(kind: AdapterKind, stage: &Stage, writes: bool) -> Vec<Reply> {
    let usage = Usage::new(10, 0, 0, 5, 0);
    let commit = format!("git add -A && git commit -q -m '{COMMIT_SUBJECT}'");
    let push = format!("git push origin HEAD:{PUSHED_REF}");
    let (write, shell): (Reply, fn(&str, Usage) -> Reply) = match kind {
        AdapterKind::Claude => (
            Reply::tool_call(
                "Write",
                json!({"file_path": stage.target(), "content": "written\n"}),
                usage,
            ),
            |cmd, usage| {
                Reply::tool_call(
                    "Bash",
                    json!({"command": cmd, "description": "run git"}),
                    usage,
                )
            },
        ),
        AdapterKind::Codex => (
            Reply::tool_call(
                "apply_patch",
                json!("*** Begin Patch\n*** Add File: written.txt\n+written\n*** End Patch\n"),
                usage,
            ),
            |cmd, usage| Reply::tool_call("exec_command", json!({"cmd": cmd}), usage),
        ),
        _ => (
            Reply::tool_call(
                "write_file",
                json!({"file_path": "written.txt", "content": "written\n"}),
                usage,
            ),
            |cmd, usage| Reply::tool_call("run_shell_command", json!({"command": cmd}), usage),
        ),
    };
    let mut replies = vec![write];
    if writes {
        replies.extend([shell(&commit, usage), shell(&push, usage)]);
    }
    replies.push(Reply::text(FINAL, usage));
    replies
}

/// Plans `kind` as `role` with the product's code and runs one attempt in the stage worktree.
fn run(kind: AdapterKind, role: Role, stage: &Stage, server: &ModelServer) -> Attempt {
    let url = server.url();
    let project = json!({
        "projectId": "shop",
        "roles": {"executor": kind.as_str(), "verifier": kind.as_str()},
        "models": {"gemini": "gemini-2.5-flash"},
        "workerEnv": {
            "ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": url, "CLAUDE_CODE_MAX_RETRIES": "1",
            "MOCK_API_KEY": KEY, "GEMINI_API_KEY": KEY, "GOOGLE_GEMINI_BASE_URL": url,
        },
        "agents": {"codex": {"adapter": "codex", "extraArgs": [
            "-c", "model_provider=\"mock\"",
            "-c", "model_providers.mock.name=\"mock\"",
            "-c", format!("model_providers.mock.base_url=\"{url}/v1\""),
            "-c", "model_providers.mock.env_key=\"MOCK_API_KEY\"",
            "-c", "model_providers.mock.wire_api=\"responses\"",
            "-c", "model_providers.mock.request_max_retries=1",
            "-c", "model_providers.mock.stream_max_retries=1",
        ]}},
    });
    let (config, _) = ProjectConfig::parse(&project.to_string()).unwrap();
    let env = stage.okstra_env();
    let settings = RunSettings::resolve(
        TaskType::Implementation,
        &SettingsLayer::default(),
        &config,
        &env,
    )
    .unwrap();
    let entry = plan_entry(
        &PlanInputs {
            settings: &settings,
            config: &config,
            project_root: &stage.worktree,
            env: &env,
        },
        kind.as_str(),
        role,
    )
    .unwrap();
    let program = entry.program.clone().unwrap();
    let add_dirs = if role.writes() {
        executor_add_dirs(kind, &stage.worktree).unwrap()
    } else {
        Vec::new()
    };
    let tmpdir = stage.root.join(format!("tmp/{role}"));
    fs_err::create_dir_all(&tmpdir).unwrap();
    let plan = process_plan(
        &entry,
        &program,
        &LaunchInputs {
            workdir: &stage.worktree,
            add_dirs: &add_dirs,
            tmpdir: &tmpdir,
            worker_env: &settings.worker_env(),
            env: &env,
            is_root: is_root(),
        },
    )
    .unwrap();
    assert_eq!(
        plan.env_set.iter().any(|n| n == "GIT_CONFIG_COUNT"),
        role.writes(),
        "the push guard is the executor's only: {:?}",
        plan.env_set
    );
    let tag = format!("real-exec-{kind}-{role}-{}", std::process::id());
    let mut child_env = plan.env;
    child_env.insert(WORKER_TAG_VAR.to_owned(), tag.clone());
    let prompt = format!(
        "**Run:** real-exec\n**Worker:** {role} ({kind})\n\nokstra-sandbox-probe {role} {kind}: \
         write written.txt in your working folder."
    );
    let spec = AttemptSpec {
        slot: 0,
        attempt: 1,
        launch: Launch::Process(ProcessLaunch {
            kind,
            spec: plan.spec,
            env: child_env,
            prompt: Arc::from(prompt.as_str()),
            last_message_file: plan.last_message_file,
            tag,
        }),
        limits: WorkerLimits {
            deadline: Duration::from_secs(150),
            stall_window: Duration::from_secs(150),
            kill_grace: Duration::from_secs(1),
            retry_limit: 3,
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (tx, mut rx) = mpsc::channel::<Envelope>(1024);
        let task = tokio::spawn(run_attempt(spec, tx, CancellationToken::new()));
        let mut output = String::new();
        let mut result = None;
        while let Some(envelope) = rx.recv().await {
            match envelope.event {
                AttemptEvent::Stdout(line) | AttemptEvent::Stderr(line) => {
                    output.push_str(&line);
                    output.push('\n');
                }
                AttemptEvent::Finished(end) => result = Some(end.result),
                _ => {}
            }
        }
        task.await.unwrap();
        Attempt {
            result: result.expect("a Finished event"),
            output,
        }
    })
}

fn script(kind: AdapterKind, role: Role, stage: &Stage) -> Script {
    Script::new(vec![
        Rule::new(
            format!("okstra-sandbox-probe {role} {kind}"),
            replies(kind, stage, role.writes()),
        )
        .named("turn")
        .for_protocol(protocol(kind)),
    ])
}

fn assert_completed(kind: AdapterKind, attempt: &Attempt) {
    assert!(
        matches!(&attempt.result, AttemptResult::Completed { text, .. } if text.trim() == FINAL),
        "{kind}: {:?}\n{}",
        attempt.result,
        attempt.output
    );
}

/// Returns how many requests of the scripted turn the server answered.
fn turn_requests(server: &ModelServer) -> usize {
    server
        .requests()
        .into_iter()
        .filter(|r| r.rule.as_deref() == Some("turn"))
        .count()
}

fn refs(dir: &Path) -> String {
    git(dir, &["for-each-ref", "--format=%(refname)"])
}

/// The executor writes, commits (codex cannot: okstra does) and cannot push.
fn executor_writes(kind: AdapterKind) {
    let stage = Stage::new(kind);
    let server = ModelServer::start(script(kind, Role::Executor, &stage));
    let before = git(&stage.worktree, &["rev-parse", "HEAD"]);
    let remote_refs = refs(&stage.bare);
    let attempt = run(kind, Role::Executor, &stage, &server);
    assert_completed(kind, &attempt);
    assert_eq!(
        fs_err::read_to_string(stage.target()).unwrap(),
        "written\n",
        "{kind} as executor wrote the file\n{}",
        attempt.output
    );
    assert_eq!(
        refs(&stage.bare),
        remote_refs,
        "{kind}: nothing arrived in the remote"
    );
    assert!(
        attempt.output.contains("okstra-executor-never-pushes"),
        "{kind}: the push was refused by the guard\n{}",
        attempt.output
    );
    assert_eq!(
        turn_requests(&server),
        4,
        "{kind}: write, commit, push, answer"
    );
    let commits = git(
        &stage.worktree,
        &["log", "--format=%s", &format!("{before}..HEAD")],
    );
    let left = !git(&stage.worktree, &["status", "--porcelain"]).is_empty();
    if adapter_cannot_commit(kind) {
        // Codex's sandbox keeps .git read-only: no commit, the file left for okstra, which
        // drives codex one step at a time and commits itself.
        assert!(
            commits.is_empty() && left,
            "{kind} committed ({commits:?})\n{}",
            attempt.output
        );
        assert_eq!(
            choose_execution_mode(false, kind, false),
            ExecutionMode::StepByStep(StepModeReason::AdapterCannotCommit)
        );
        if attempt.output.contains("index.lock") {
            let seen = InvocationCommits {
                commits_made: 0,
                left_changes: left,
            };
            assert!(executor_cannot_commit(seen, &attempt.output));
        }
        let made = commit_leftovers(&stage.worktree)
            .unwrap()
            .expect("okstra commits");
        assert_eq!(made.subject, LEFTOVER_SUBJECT);
        assert_eq!(
            git(
                &stage.worktree,
                &["show", "--format=", "--name-only", "HEAD"]
            ),
            "written.txt"
        );
    } else {
        assert_eq!(
            commits, COMMIT_SUBJECT,
            "{kind} committed\n{}",
            attempt.output
        );
        assert!(!left, "{kind}: nothing left uncommitted");
    }
}

/// A read-only role asked to write the same way leaves no file.
fn read_only_holds(kind: AdapterKind) {
    let stage = Stage::new(kind);
    let server = ModelServer::start(script(kind, Role::Verifier, &stage));
    let attempt = run(kind, Role::Verifier, &stage, &server);
    assert_completed(kind, &attempt);
    assert!(
        !stage.target().exists(),
        "{kind} wrote in its read-only sandbox\n{}",
        attempt.output
    );
    assert_eq!(git(&stage.worktree, &["status", "--porcelain"]), "");
    assert_eq!(
        turn_requests(&server),
        2,
        "{kind}: the write was asked for, then the answer"
    );
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn claude_as_executor_writes_and_commits_in_the_stage_worktree_and_cannot_push() {
    executor_writes(AdapterKind::Claude);
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn codex_as_executor_writes_cannot_commit_and_cannot_push_so_okstra_commits() {
    executor_writes(AdapterKind::Codex);
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn gemini_as_executor_writes_and_commits_in_the_stage_worktree_and_cannot_push() {
    executor_writes(AdapterKind::Gemini);
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn claude_as_verifier_cannot_write() {
    read_only_holds(AdapterKind::Claude);
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn codex_as_verifier_cannot_write() {
    read_only_holds(AdapterKind::Codex);
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn gemini_as_verifier_cannot_write() {
    read_only_holds(AdapterKind::Gemini);
}
