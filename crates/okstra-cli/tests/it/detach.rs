//! `okstra run --detach` with real tmux on a private server (`OKSTRA_TMUX_SOCKET`, its socket
//! in the test's own folder, the server killed when the test ends): a detached error-analysis
//! replay run runs to `completed` in its session `okstra-<short id>`, named in the manifest; an
//! implementation run runs detached (its session lives while its executor works); a run that
//! fails keeps its session open until Enter; with no tmux on PATH, or a refusal the run meets,
//! nothing is prepared and the exit is 2; a tmux that fails leaves the run prepared for
//! `okstra resume` and never puts the environment on its command line; and `resume` takes no
//! environment file but its own session's.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use okstra_test_support::TestEnv;
use okstra_test_support::fake_agent::Gate;
use serde_json::{Value, json};

use crate::common::{okstra, read_json, run_dir, wait_guarded, write_brief, write_project};
use crate::stage_kit::{carry, kit_env, shell_project, stage_dir};

/// A private tmux server for one test: `tmux` linked into the env's PATH, the env's okstra
/// pointed at it, and the server killed on drop.
pub(crate) struct PrivateTmux {
    program: PathBuf,
    /// Where the server's socket folder is (`TMUX_TMPDIR`).
    tmpdir: PathBuf,
    pub(crate) socket: String,
}

impl PrivateTmux {
    /// Links tmux into `env`'s PATH and points its okstra at a server of its own.
    pub(crate) fn new(env: &mut TestEnv) -> Self {
        let program = okstra_test_support::test_env::host_program("tmux");
        std::os::unix::fs::symlink(&program, env.bin().join("tmux")).unwrap();
        let root = env.root();
        let socket = format!(
            "okstra-{}",
            root.file_name().unwrap().to_string_lossy().to_lowercase()
        );
        env.set_env("OKSTRA_TMUX_SOCKET", &socket);
        env.set_env("TMUX_TMPDIR", root.to_str().unwrap());
        Self {
            program,
            tmpdir: root,
            socket,
        }
    }

    /// Returns `tmux -L <socket> args…` on this server.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.env_clear()
            .env("TMUX_TMPDIR", &self.tmpdir)
            .args(["-L", &self.socket])
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    /// Returns whether `session` exists.
    pub(crate) fn has_session(&self, session: &str) -> bool {
        let target = format!("={session}");
        self.command(&["has-session", "-t", &target])
            .output()
            .unwrap()
            .status
            .success()
    }

    /// Waits until `session` has ended: a control-mode client attached to it exits when the
    /// session is destroyed (or at once, when it is already gone). Under the watchdog.
    pub(crate) fn wait_ended(&self, session: &str) {
        let target = format!("={session}");
        let mut child = self
            .command(&["-C", "attach-session", "-t", &target])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Its stdin is held open until it exits: a control client ends at end of input.
        let stdin = child.stdin.take();
        wait_guarded(child);
        drop(stdin);
        assert!(!self.has_session(session), "{session} still exists");
    }
}

impl PrivateTmux {
    /// Waits until `session`'s pane shows `needle`: the pane is read once a control-mode
    /// client is attached, then again at each output it reports. Under the watchdog.
    pub(crate) fn wait_for_text(&self, session: &str, needle: &str) -> String {
        use std::io::{BufRead, BufReader};
        let target = format!("={session}");
        let mut child = self
            .command(&["-C", "attach-session", "-t", &target])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let mut events = BufReader::new(child.stdout.take().unwrap());
        let pid = child.id();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let watchdog = std::thread::spawn(move || {
            if done_rx.recv_timeout(crate::common::WATCHDOG).is_err() {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(i32::try_from(pid).unwrap_or(0)),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        });
        let mut line = String::new();
        let screen = loop {
            let out = self
                .command(&["capture-pane", "-p", "-J", "-t", &format!("{target}:")])
                .output()
                .unwrap();
            let screen = String::from_utf8_lossy(&out.stdout).into_owned();
            if screen.contains(needle) {
                break screen;
            }
            line.clear();
            let read = events.read_line(&mut line).unwrap_or(0);
            assert!(read > 0, "{session} never showed {needle:?}:\n{screen}");
        };
        let _ = done_tx.send(());
        drop(stdin);
        let _ = child.kill();
        let _ = child.wait();
        let _ = watchdog.join();
        screen
    }
}

impl Drop for PrivateTmux {
    fn drop(&mut self) {
        let _ = self.command(&["kill-server"]).output();
    }
}

/// Sets up `t/v` for an error-analysis run with replay analysers and writer; returns the
/// brief's path.
fn replay_project(env: &TestEnv) -> PathBuf {
    fs_err::write(
        env.project().join("fixture.json"),
        include_str!("fixtures/analysis.json"),
    )
    .unwrap();
    let replay = json!({"adapter": "replay", "fixture": "fixture.json"});
    write_project(
        env,
        &json!({"projectId": "shop", "agents": {"claude": replay, "codex": replay, "gemini": replay}}),
    );
    write_brief(env)
}

/// Returns the error-analysis manifest of `t/v` run `seq`.
fn analysis_manifest(env: &TestEnv, seq: u32) -> Value {
    read_json(
        &run_dir(env, "t/v", "error-analysis")
            .join(format!("manifests/run-manifest-error-analysis-{seq}.json")),
    )
}

#[test]
fn a_detached_replay_run_runs_to_completed_in_its_session() {
    let mut env = TestEnv::new();
    let tmux = PrivateTmux::new(&mut env);
    let brief = write_brief(&env);
    replay_project(&env);
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/v",
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
            "--detach",
            "--json",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let run_id = v["runId"].as_str().unwrap().to_owned();
    let session = v["sessionName"].as_str().unwrap().to_owned();
    assert_eq!(session, format!("okstra-{}", run_id[18..].to_lowercase()));
    assert_eq!(
        v["attach"].as_str().unwrap(),
        format!("tmux -L {} attach-session -t {session}", tmux.socket)
    );
    assert_eq!(analysis_manifest(&env, 1)["tmuxSession"], session.as_str());

    tmux.wait_ended(&session);
    assert!(
        !env.okstra_home()
            .join(format!("detached/{run_id}.env"))
            .exists(),
        "the session's okstra took its environment file"
    );
    let m = analysis_manifest(&env, 1);
    assert_eq!(m["status"], "completed", "{m}");
    assert_eq!(m["runId"], run_id.as_str());
    assert!(
        m["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["checkpoint"] == "resume"),
        "the session's okstra resume ran it: {m}"
    );
    let v = okstra(&env, &["validate", &run_id]);
    assert_eq!(v.code, Some(0), "{v}");
}

#[test]
fn an_implementation_run_runs_detached_while_its_session_lives() {
    let mut env = kit_env();
    let tmux = PrivateTmux::new(&mut env);
    let mut gate = Gate::new(&env.root().join("gate"));
    shell_project(&env, Some(&gate.arg()), false);
    let out = okstra(
        &env,
        &[
            "run",
            "implementation",
            "--task",
            "calc/ops",
            "--base-ref",
            "main",
            "--stage",
            "1",
            "--executor",
            "s1",
            "--directive",
            "Keep the public API unchanged.",
            "--detach",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let field = |name: &str| {
        out.stdout
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name:?} line: {out}"))
            .trim()
            .to_owned()
    };
    let run_id = field("run:");
    let session = field("session:");
    assert_eq!(
        field("attach:"),
        format!("tmux -L {} attach-session -t {session}", tmux.socket)
    );
    assert!(
        out.stderr.contains(&format!(
            "run {run_id} runs detached in tmux session {session}"
        )),
        "{out}"
    );
    // The executor waits on the gate: the run, and so its session, cannot have ended.
    assert!(tmux.has_session(&session), "{out}");
    gate.release(1);
    tmux.wait_ended(&session);

    let manifest = read_json(
        &stage_dir(&env, "calc/ops", 1).join("manifests/run-manifest-implementation-1.json"),
    );
    assert_eq!(manifest["status"], "completed", "{manifest}");
    assert_eq!(manifest["tmuxSession"], session.as_str());
    let c = carry(&env, "calc/ops", 1).expect("a carry");
    assert_eq!(c["runId"], run_id.as_str());
    assert_eq!(c["status"], "done", "{c}");
    // The directive, recorded at preparation, reached the executor and the verifier.
    let prompts: Vec<PathBuf> = fs_err::read_dir(stage_dir(&env, "calc/ops", 1).join("prompts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for role in ["executor", "verifier"] {
        let path = prompts
            .iter()
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(role))
            .unwrap_or_else(|| panic!("no {role} prompt in {prompts:?}"));
        let text = fs_err::read_to_string(path).unwrap();
        assert!(
            text.contains("## Directive from the user\n\nKeep the public API unchanged.\n"),
            "{role}: {text}"
        );
    }
}

#[test]
fn without_tmux_on_path_nothing_is_prepared_and_the_exit_is_2() {
    let env = TestEnv::new();
    let brief = replay_project(&env);
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/v",
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
            "--detach",
        ],
    );
    assert_eq!(out.code, Some(2), "{out}");
    insta::assert_snapshot!(out.stderr, @r"
    error: tmux is not on PATH: a detached run runs in a tmux session
    hint: install tmux, or run without --detach to run in the foreground
    ");
    assert!(!env.project().join(".okstra/tasks").exists(), "{out}");
}

#[test]
fn a_refused_detached_run_is_refused_here_and_starts_no_session() {
    let mut env = TestEnv::new();
    let tmux = PrivateTmux::new(&mut env);
    let brief = replay_project(&env);
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/v",
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
            "--related",
            "other/task",
            "--detach",
        ],
    );
    assert_eq!(out.code, Some(2), "{out}");
    insta::assert_snapshot!(out.stderr, @r"
    error: related task other/task does not exist in project shop (no .okstra/tasks/other/task)
    hint: name a task of this project as <group>/<id> (`okstra ctl list` shows the tasks' runs)
    ");
    assert!(!run_dir(&env, "t/v", "error-analysis").exists(), "{out}");
    let ls = tmux.command(&["list-sessions"]).output().unwrap();
    assert!(!ls.status.success(), "no server, so no session: {ls:?}");
}

#[test]
fn a_failed_detached_run_keeps_its_session_open_until_enter() {
    let mut env = TestEnv::new();
    let tmux = PrivateTmux::new(&mut env);
    let brief = write_brief(&env);
    let failing = crate::common::fake(&["--exit", "1"]);
    write_project(
        &env,
        &json!({"projectId": "shop", "workers": {"error-analysis": ["a", "b"]},
                "roles": {"report-writer": "w"},
                "agents": {"a": failing, "b": failing, "w": crate::common::writer()}}),
    );
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/v",
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
            "--detach",
            "--json",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let session = v["sessionName"].as_str().unwrap().to_owned();
    let screen = tmux.wait_for_text(&session, "press Enter to close this session");
    assert!(screen.contains("exited with status 3"), "{screen}");
    assert_eq!(analysis_manifest(&env, 1)["status"], "failed");
    assert!(tmux.has_session(&session));
    let target = format!("={session}:");
    let sent = tmux
        .command(&["send-keys", "-t", &target, "Enter"])
        .output()
        .unwrap();
    assert!(sent.status.success(), "{sent:?}");
    tmux.wait_ended(&session);
}

#[test]
fn a_tmux_that_fails_leaves_the_run_prepared_for_resume() {
    use std::os::unix::fs::PermissionsExt;
    let mut env = TestEnv::new();
    env.set_env("API_TOKEN", "s3cr3t-value");
    let brief = replay_project(&env);
    let tmux = env.bin().join("tmux");
    fs_err::write(&tmux, "#!/bin/sh\necho 'server exploded' >&2\nexit 1\n").unwrap();
    fs_err::set_permissions(&tmux, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/v",
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
            "--detach",
        ],
    );
    assert_eq!(out.code, Some(1), "{out}");
    let m = analysis_manifest(&env, 1);
    let run_id = m["runId"].as_str().unwrap().to_owned();
    assert_eq!(m["status"], "prepared");
    assert!(out.stderr.contains("new-session -d -s okstra-"), "{out}");
    assert!(out.stderr.contains("server exploded"), "{out}");
    // The environment goes in a private file, never on tmux's command line; the file of a
    // session that never started is removed.
    assert!(out.stderr.contains(" -e PATH=… "), "{out}");
    assert!(!out.stderr.contains("API_TOKEN"), "{out}");
    assert!(out.stderr.contains(" --env-file "), "{out}");
    assert!(
        !env.okstra_home()
            .join(format!("detached/{run_id}.env"))
            .exists()
    );
    assert!(
        out.stderr.contains(&format!(
            "hint: run {run_id} is prepared: `okstra resume {run_id}` runs it in the foreground"
        )),
        "{out}"
    );
    let resumed = okstra(&env, &["resume", &run_id]);
    assert_eq!(resumed.code, Some(0), "{resumed}");
    assert_eq!(analysis_manifest(&env, 1)["status"], "completed");
}

#[test]
fn resume_takes_no_environment_file_but_its_sessions() {
    let env = TestEnv::new();
    let brief = replay_project(&env);
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/v",
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
            "--prepare-only",
            "--json",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let run_id = serde_json::from_str::<Value>(&out.stdout).unwrap()["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let precious = env.root().join("notes.env");
    fs_err::write(&precious, "A=1\0").unwrap();
    let out = okstra(
        &env,
        &["resume", &run_id, "--env-file", precious.to_str().unwrap()],
    );
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("is not the environment file of this run's session"),
        "{out}"
    );
    assert!(precious.exists(), "left alone");
    assert_eq!(analysis_manifest(&env, 1)["status"], "prepared");
}
