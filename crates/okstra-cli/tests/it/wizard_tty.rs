//! The terminal wizard in a real pseudo-terminal: okstra runs in a tmux pane on a private
//! socket (`tmux -L <unique>`, its server killed at the end), keystrokes go in with `send-keys`
//! and the screen comes back with `capture-pane`. A person's keys walk the wizard and start a
//! run with replay workers that runs to the end; Esc goes back one step; Ctrl-C leaves with
//! exit 130 and nothing written (no run, no wizard state). Also: a refused answer is shown and
//! asked again, typing finds an existing task by its name, Space unticks in a multi pick, an
//! implementation run's multi-line steps (approve the plan, the stage, the executor), Korean.
//! `okstra` with no arguments in a terminal is the wizard; without one it prints the help and
//! exits 2.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use okstra_test_support::TestEnv;
use serde_json::json;

use crate::common::{okstra, okstra_bin, write_project};

/// What the pane's shell writes when the command ended, before its exit status.
const EXITED: &str = "[the command exited with status ";

/// How long a screen may take to show what a test waits for.
const SCREEN_TIMEOUT: Duration = Duration::from_secs(30);

/// A tmux server of its own with one pane running a command; killed when dropped.
struct Pane {
    socket: String,
    config: PathBuf,
}

impl Pane {
    /// Starts `argv` in a 120×40 pane, with exactly `env`'s variables (and TERM).
    fn start(env: &TestEnv, argv: &[&str]) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let socket = format!(
            "okstra-w3-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        // remain-on-exit keeps the pane (and its exit status) after the command ends;
        // escape-time 0 makes a lone Esc an Esc at once, not the start of Alt+key.
        let config = env.root().join(format!("{socket}.conf"));
        fs_err::write(
            &config,
            "set -g remain-on-exit on\nset -s escape-time 0\nset -g history-limit 5000\n",
        )
        .unwrap();
        let pane = Self { socket, config };
        let probe = env.command("true");
        let mut cmd = pane.tmux();
        cmd.args([
            "new-session",
            "-d",
            "-s",
            "w",
            "-x",
            "120",
            "-y",
            "40",
            "-c",
        ])
        .arg(env.project())
        .arg("--")
        .arg("env")
        .arg("-i")
        .arg("TERM=xterm-256color");
        for (key, value) in probe.get_envs() {
            if let Some(value) = value {
                let mut pair = key.to_os_string();
                pair.push("=");
                pair.push(value);
                cmd.arg(pair);
            }
        }
        // The shell waits for the command and writes its exit status on the screen, then stays
        // (tmux itself may leave an exited pane unreaped for a long while).
        cmd.args(["/bin/sh", "-c"])
            .arg(format!("\"$@\"; echo \"{EXITED}$?]\"; read -r _"))
            .arg("sh")
            .args(argv);
        let out = cmd.output().expect("run tmux");
        assert!(out.status.success(), "tmux new-session: {out:?}");
        pane
    }

    /// Returns a tmux command on this pane's server.
    fn tmux(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-L")
            .arg(&self.socket)
            .arg("-f")
            .arg(&self.config)
            .stdin(Stdio::null());
        cmd
    }

    /// Sends keys (tmux key names: `Enter`, `Escape`, `C-c`, `Down`, or literal text with `-l`).
    fn keys(&self, keys: &[&str]) {
        let out = self
            .tmux()
            .args(["send-keys", "-t", "w"])
            .args(keys)
            .output()
            .expect("tmux send-keys");
        assert!(out.status.success(), "send-keys {keys:?}: {out:?}");
    }

    /// Types `text` literally.
    fn type_text(&self, text: &str) {
        self.keys(&["-l", text]);
    }

    /// Returns the screen and its scrollback, as text.
    fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-J", "-S", "-", "-t", "w"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen, after the first `skip` occurrences of `needle`, shows it once
    /// more; returns the screen. Panics with the screen after [`SCREEN_TIMEOUT`].
    #[expect(
        clippy::disallowed_methods,
        reason = "tmux tells no one when a screen changes: the screen is polled, 20 times a second"
    )]
    fn wait_for_nth(&self, needle: &str, n: usize) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.matches(needle).count() >= n {
                return screen;
            }
            assert!(
                start.elapsed() < SCREEN_TIMEOUT,
                "the screen never showed {needle:?} ({n} times):\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen shows `needle`; returns the screen.
    fn wait_for(&self, needle: &str) -> String {
        self.wait_for_nth(needle, 1)
    }

    /// Waits for the command to end; returns its exit status and the screen.
    fn wait_exit(&self) -> (i32, String) {
        let screen = self.wait_for(EXITED);
        let code = screen
            .lines()
            .find_map(|l| l.strip_prefix(EXITED))
            .and_then(|code| code.trim().trim_end_matches(']').parse().ok())
            .unwrap_or_else(|| panic!("no exit status on the screen:\n{screen}"));
        (code, screen)
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").output();
    }
}

/// Makes `env`'s project one whose three analysers (and report writer) are replay agents.
fn replay_project(env: &TestEnv) {
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
}

/// Returns every file under the project's `.okstra/` and the central home (a test of "nothing
/// written").
fn okstra_files(env: &TestEnv) -> Vec<String> {
    let mut files = TestEnv::files_under(&env.project().join(".okstra"));
    files.extend(
        TestEnv::files_under(&env.okstra_home())
            .into_iter()
            .map(|f| format!("home/{f}")),
    );
    files
}

/// Picks the option of the current list that `filter` (typed) leaves first.
fn pick(pane: &Pane, filter: &str) {
    pane.type_text(filter);
    pane.keys(&["Enter"]);
}

/// Types a line of text and Enter.
fn answer(pane: &Pane, text: &str) {
    pane.type_text(text);
    pane.keys(&["Enter"]);
}

#[test]
fn a_persons_keys_start_an_analysis_that_runs_to_the_end() {
    let env = TestEnv::new();
    replay_project(&env);
    let pane = Pane::start(&env, &[okstra_bin(), "wizard"]);
    pane.wait_for("What should okstra do?");
    pick(&pane, "error-an");
    pane.wait_for("task type: error-analysis");
    pane.wait_for("Name the new task as group/id");
    answer(&pane, "checkout/cent-short");
    pane.wait_for("task: checkout/cent-short");
    pane.wait_for("Where does its brief come from?");
    pick(&pane, "text I type");
    pane.wait_for("Write the brief");
    answer(&pane, "The total is off by one cent.");
    pane.wait_for("brief: The total is off by one cent.");
    pane.wait_for("Which commit does its branch start from?");
    pick(&pane, "current branch");
    pane.wait_for("base ref: main");
    pane.wait_for("Run a coverage critic");
    pick(&pane, "no critic");
    pane.wait_for("Which analysers should work on it?");
    // The project's three analysers are selected already: Enter keeps them.
    pane.keys(&["Enter"]);
    pane.wait_for("workers: ");
    pane.wait_for("Models and run options per role");
    pick(&pane, "defaults");
    pane.wait_for("The run works on branch");
    pick(&pane, "yes");
    let screen = pane.wait_for("Start it?");
    assert!(
        screen.contains("okstra run error-analysis --task checkout/cent-short"),
        "the confirm step shows the command:\n{screen}"
    );
    pick(&pane, "yes");
    let (code, screen) = pane.wait_exit();
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("running: okstra run error-analysis --task checkout/cent-short"),
        "{screen}"
    );
    let runs = env
        .project()
        .join(".okstra/tasks/checkout/cent-short/runs/error-analysis");
    let manifest: serde_json::Value = serde_json::from_str(
        &fs_err::read_to_string(runs.join("manifests/run-manifest-error-analysis-1.json"))
            .unwrap_or_else(|e| panic!("{e}\n{screen}")),
    )
    .unwrap();
    assert_eq!(manifest["status"], "completed", "{manifest}");
    assert!(
        !env.project().join(".okstra/wizard/state.json").exists(),
        "the terminal wizard keeps its state in memory"
    );
}

#[test]
fn esc_goes_back_one_step() {
    let env = TestEnv::new();
    replay_project(&env);
    let pane = Pane::start(&env, &[okstra_bin(), "wizard"]);
    pane.wait_for("What should okstra do?");
    pick(&pane, "error-an");
    pane.wait_for("Name the new task as group/id");
    pane.keys(&["Escape"]);
    // Back at the task type, which is asked again; another answer takes its place.
    pane.wait_for_nth("What should okstra do?", 2);
    pick(&pane, "requirements-disc");
    pane.wait_for("task type: requirements-discovery");
    pane.wait_for_nth("Name the new task as group/id", 2);
    answer(&pane, "checkout/scope");
    pane.wait_for("Where does its brief come from?");
    pane.keys(&["Escape"]);
    pane.wait_for_nth("Name the new task as group/id", 3);
    answer(&pane, "checkout/other");
    pane.wait_for("task: checkout/other");
    pane.wait_for_nth("Where does its brief come from?", 2);
    pane.keys(&["C-c"]);
    let (code, screen) = pane.wait_exit();
    assert_eq!(code, 130, "{screen}");
    let echoes: Vec<&str> = screen
        .lines()
        .filter(|l| l.starts_with("task type: ") || l.starts_with("task: "))
        .collect();
    assert_eq!(
        echoes,
        [
            "task type: error-analysis",
            "task type: requirements-discovery",
            "task: checkout/scope",
            "task: checkout/other",
        ],
        "{screen}"
    );
}

#[test]
fn ctrl_c_leaves_and_writes_nothing() {
    let env = TestEnv::new();
    replay_project(&env);
    let before = okstra_files(&env);
    let pane = Pane::start(&env, &[okstra_bin(), "wizard"]);
    pane.wait_for("What should okstra do?");
    pick(&pane, "error-an");
    pane.wait_for("Name the new task as group/id");
    answer(&pane, "checkout/cent-short");
    pane.wait_for("Where does its brief come from?");
    pick(&pane, "text I type");
    pane.wait_for("Write the brief");
    answer(&pane, "The total is off by one cent.");
    pane.wait_for("Which commit does its branch start from?");
    pane.keys(&["C-c"]);
    let (code, screen) = pane.wait_exit();
    assert_eq!(code, 130, "{screen}");
    assert!(
        screen.contains("left the wizard: no run was started and no answer was kept"),
        "{screen}"
    );
    assert_eq!(
        okstra_files(&env),
        before,
        "no run, no task, no wizard state"
    );
}

#[test]
fn okstra_with_no_arguments_in_a_terminal_is_the_wizard() {
    let env = TestEnv::new();
    let pane = Pane::start(&env, &[okstra_bin()]);
    pane.wait_for("What should okstra do?");
    pane.keys(&["C-c"]);
    let (code, screen) = pane.wait_exit();
    assert_eq!(code, 130, "{screen}");
    // Without a terminal, the help.
    let out = okstra(&env, &[]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(out.stderr.contains("Usage: okstra"), "{out}");
}

#[test]
fn the_terminal_wizard_refuses_without_a_terminal() {
    let env = TestEnv::new();
    let out = okstra(&env, &["wizard"]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: the terminal wizard needs a terminal (stdin and stderr); from a program, use --json
    hint: `okstra wizard --json next` prints the first step of the same wizard
    ");
}

#[test]
fn a_refused_answer_is_shown_and_the_step_asked_again() {
    let env = TestEnv::new();
    replay_project(&env);
    let pane = Pane::start(&env, &[okstra_bin(), "wizard"]);
    pane.wait_for("What should okstra do?");
    pick(&pane, "error-an");
    pane.wait_for("Name the new task as group/id");
    answer(&pane, "no-slash");
    // The machine's message, then the same step again.
    let screen = pane.wait_for_nth("Name the new task as group/id", 2);
    assert!(
        screen.contains(
            "warning: \"no-slash\" is not a task: expected <group>/<id>, e.g. payments/dev-9495"
        ),
        "{screen}"
    );
    answer(&pane, "checkout/cent-short");
    pane.wait_for("task: checkout/cent-short");
    pane.keys(&["C-c"]);
    let (code, screen) = pane.wait_exit();
    assert_eq!(code, 130, "{screen}");
}

#[test]
fn the_terminal_wizard_speaks_the_chosen_language() {
    let env = TestEnv::new();
    let pane = Pane::start(&env, &[okstra_bin(), "wizard", "--language", "ko"]);
    let screen = pane.wait_for("okstra 로 무엇을 할까요?");
    assert!(screen.contains("Esc 이전 단계"), "{screen}");
    pane.keys(&["C-c"]);
    let (code, screen) = pane.wait_exit();
    assert_eq!(code, 130, "{screen}");
    assert!(
        screen.contains("마법사를 종료했습니다: 실행하지 않았고 답도 남기지 않았습니다"),
        "{screen}"
    );
}

#[test]
fn an_existing_task_is_found_by_typing_its_name_and_its_previous_settings_are_offered() {
    let env = TestEnv::new();
    // An earlier analysis of t/v (replay analysers) gives the project a task and a previous run.
    crate::common::replay_run_summary(&env);
    let pane = Pane::start(&env, &[okstra_bin(), "wizard"]);
    pane.wait_for("What should okstra do?");
    pick(&pane, "error-an");
    let screen = pane.wait_for("Which task? (1 in this project, by group)");
    assert!(
        screen.contains("t · v"),
        "the task under its group:\n{screen}"
    );
    pick(&pane, "t/v");
    pane.wait_for("task: t/v");
    pane.wait_for("The task has a brief.");
    pick(&pane, "current brief");
    pane.wait_for("Run a coverage critic");
    pick(&pane, "no critic");
    pane.wait_for("Which analysers should work on it?");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("Reuse the settings of the task's previous run");
    pane.keys(&["C-c"]);
    let (code, _) = pane.wait_exit();
    assert_eq!(code, 130, "{screen}");
}

#[test]
fn space_unticks_an_analyser_in_the_multi_pick() {
    let env = TestEnv::new();
    replay_project(&env);
    let pane = Pane::start(&env, &[okstra_bin(), "wizard"]);
    pane.wait_for("What should okstra do?");
    pick(&pane, "error-an");
    pane.wait_for("Name the new task as group/id");
    answer(&pane, "checkout/cent-short");
    pane.wait_for("Where does its brief come from?");
    pick(&pane, "text I type");
    pane.wait_for("Write the brief");
    answer(&pane, "The total is off by one cent.");
    pane.wait_for("Which commit does its branch start from?");
    pick(&pane, "current branch");
    pane.wait_for("Run a coverage critic");
    pick(&pane, "no critic");
    pane.wait_for("Which analysers should work on it?");
    // Filter to gemini, untick it, confirm: the other two stay ticked.
    pane.type_text("gemini");
    pane.keys(&["Space", "Enter"]);
    pane.wait_for("workers: claude,codex");
    pane.wait_for("Models and run options per role");
    pane.keys(&["C-c"]);
    let (code, screen) = pane.wait_exit();
    assert_eq!(code, 130, "{screen}");
}

#[test]
fn an_implementation_run_is_asked_its_plan_stage_and_executor() {
    use crate::plan_replay::{fixture_with, planning_project, run_planning};
    let env = TestEnv::new();
    planning_project(&env, &fixture_with(|_| {}));
    let (code, summary) = run_planning(&env, "pay/ok");
    assert_eq!(code, Some(0), "{summary}");
    let pane = Pane::start(&env, &[okstra_bin(), "wizard"]);
    pane.wait_for("What should okstra do?");
    pick(&pane, "implementation —");
    pane.wait_for("task type: implementation");
    pane.wait_for("Which task?");
    pick(&pane, "pay/ok");
    pane.wait_for("Which plan should the implementation follow?");
    pick(&pane, "latest plan");
    // The confirm's other lines (the plan, how it stands) are printed above its question.
    let screen = pane.wait_for("Proceed with implementation of this plan?");
    assert!(
        screen.contains("it is not approved yet: yes approves it"),
        "{screen}"
    );
    pick(&pane, "yes");
    pane.wait_for("approved plan: ");
    pane.wait_for("Which stage should this run implement?");
    pick(&pane, "auto");
    pane.wait_for("stage: auto");
    let screen = pane.wait_for("Which agent implements the stage (the executor)?");
    for cli in ["claude — ", "codex — ", "gemini — "] {
        assert!(
            screen.contains(cli),
            "the executor step offers {cli}:\n{screen}"
        );
    }
    pane.keys(&["C-c"]);
    let (code, screen) = pane.wait_exit();
    assert_eq!(code, 130, "{screen}");
}
