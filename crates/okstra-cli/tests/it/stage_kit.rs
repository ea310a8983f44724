//! The kit of the implementation-run tests: a small real program (`calc.sh`, one shell file
//! per operation under `lib/`) with real tests (`tests/t<n>.sh`), an approved plan of its
//! stages, and scripted replay executors whose patches make the real RED and GREEN commits —
//! one replay agent per stage (`s<n>`), a replay verifier (`judge`) — so a stage run goes
//! through okstra's real evidence: the validation run at the head, the TDD proof at the RED
//! commit in a scratch worktree, the DB gate.

use std::path::{Path, PathBuf};

use okstra_test_support::git_repo::git;
use okstra_test_support::{CommandOutput, TestEnv};
use serde_json::{Value, json};

use crate::common::{okstra, okstra_cmd, run_guarded, write_project};
use crate::plan::write_plan;

/// The program of stage 1: `sh calc.sh <op> <args…>` runs `lib/<op>.sh`.
pub(crate) const CALC: &str =
    "#!/bin/sh\nop=\"$1\"\nshift\n. \"$(dirname \"$0\")/lib/$op.sh\"\n\"$op\" \"$@\"\n";

/// One stage of the kit's plan: its number, dependencies, test (RED) and code (GREEN) files.
#[derive(Clone, Debug)]
pub(crate) struct KitStage {
    pub n: u32,
    pub deps: Vec<u32>,
    /// The files its RED step adds (path, content).
    pub red: Vec<(String, String)>,
    /// The files its GREEN step adds (path, content).
    pub green: Vec<(String, String)>,
}

/// Returns `(path, content)` owned.
fn file(path: &str, content: &str) -> (String, String) {
    (path.to_owned(), content.to_owned())
}

/// Returns a test that `sh calc.sh <call>` prints `want`.
fn test_of(call: &str, want: &str) -> String {
    format!("#!/bin/sh\nset -e\ntest \"$(sh calc.sh {call})\" = {want}\n")
}

/// The four stages of the Done-when: 2 and 3 depend on 1, 4 on both — add, then mul and sub
/// side by side, then `muladd` which needs both.
pub(crate) fn four_stages() -> Vec<KitStage> {
    vec![
        KitStage {
            n: 1,
            deps: vec![],
            red: vec![file("tests/t1.sh", &test_of("add 2 3", "5"))],
            green: vec![
                file("calc.sh", CALC),
                file("lib/add.sh", "add() { echo $(( $1 + $2 )); }\n"),
            ],
        },
        KitStage {
            n: 2,
            deps: vec![1],
            red: vec![file("tests/t2.sh", &test_of("mul 2 3", "6"))],
            green: vec![file("lib/mul.sh", "mul() { echo $(( $1 * $2 )); }\n")],
        },
        KitStage {
            n: 3,
            deps: vec![1],
            red: vec![file("tests/t3.sh", &test_of("sub 5 3", "2"))],
            green: vec![file("lib/sub.sh", "sub() { echo $(( $1 - $2 )); }\n")],
        },
        KitStage {
            n: 4,
            deps: vec![2, 3],
            red: vec![file("tests/t4.sh", &test_of("mulsub 2 3 1", "5"))],
            green: vec![file(
                "lib/mulsub.sh",
                ". \"$(dirname \"$0\")/lib/mul.sh\"\n. \"$(dirname \"$0\")/lib/sub.sh\"\n\
                 mulsub() { sub \"$(mul \"$1\" \"$2\")\" \"$3\"; }\n",
            )],
        },
    ]
}

/// Returns the markdown of the kit's plan: one stage per `KitStage`, RED then GREEN, its
/// validation `sh tests/t<n>.sh`.
pub(crate) fn kit_plan(stages: &[KitStage]) -> String {
    let list = |deps: &[u32]| {
        if deps.is_empty() {
            "(none)".to_owned()
        } else {
            deps.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let all = stages
        .iter()
        .map(|s| s.n.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut text = format!(
        "---\napproved: false\n---\n\n# Implementation Plan\n\n## 1. Clarification Items\n\n\
         | id | question | answer | Blocks | Status |\n|---|---|---|---|---|\n\
         | C-1 | Shell only? | Yes. | none | resolved |\n\n\
         ## 5. Implementation Plan\n\n## 5.1 Requirement Coverage\n\n\
         | requirement | stages | note |\n|---|---|---|\n| calc computes | {all} | — |\n\n\
         ## 5.2 Option Candidates\n\n### Option 1: One script\n\nAll in calc.sh.\n\n\
         #### Trade-off\n\n- Merges conflict.\n\n### Option 2: One file per operation\n\n\
         lib/<op>.sh.\n\n#### Trade-off\n\n- More files.\n\n## 5.3 Recommended Option\n\n\
         Option 2: One file per operation\n\nStages merge cleanly.\n\n\
         ## 5.4 Implementation Plan Deliverables\n\n| id | kind | item |\n|---|---|---|\n\
         | P-1 | option | Option 1: One script |\n| P-2 | option | Option 2: One file per operation |\n"
    );
    let mut p = 3;
    for s in stages {
        text.push_str(&format!("| P-{p} | stage | Stage {}: Op {} |\n", s.n, s.n));
        p += 1;
    }
    text.push_str(&format!(
        "| P-{p} | validation | sh tests/t1.sh |\n\n## 5.5 Stage Map\n\n### Dependency Graph\n\n\
         | stage | title | depends-on |\n|---|---|---|\n"
    ));
    for s in stages {
        text.push_str(&format!("| {} | Op {} | {} |\n", s.n, s.n, list(&s.deps)));
    }
    for s in stages {
        let red_files = s
            .red
            .iter()
            .map(|(p, _)| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let green_files = s
            .green
            .iter()
            .map(|(p, _)| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ");
        text.push_str(&format!(
            "\n## 5.5.{n} Stage {n}: Op {n}\n\ndepends-on: {}\n\
             Slice value: operation {n} works.\nAcceptance: `sh tests/t{n}.sh` passes.\n\n\
             ### Stepwise Execution Order\n\n| # | action | files |\n|---|---|---|\n\
             | 1 | RED: a failing test of op {n} | {red_files} |\n\
             | 2 | GREEN: implement op {n} | {green_files} |\n\n\
             ### Stage Validation\n\n- `sh tests/t{n}.sh`\n\n\
             ### Stage Exit Contract\n\n- Op {n} is tested.\n\n### Rollback\n\nRevert it.\n",
            list(&s.deps),
            n = s.n
        ));
    }
    text.push_str("\n## 5.6 Validation Checklist\n\n- `sh tests/t1.sh` — the first test passes\n");
    text
}

/// Returns the unified diff that adds `files` (new files only).
pub(crate) fn add_patch(files: &[(String, String)]) -> String {
    let mut out = String::new();
    for (path, content) in files {
        let lines: Vec<&str> = content.lines().collect();
        out.push_str(&format!(
            "diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{} @@\n",
            lines.len()
        ));
        for line in lines {
            out.push_str(&format!("+{line}\n"));
        }
    }
    out
}

/// Returns a replay answer of the executor that applies `patch` and commits it as `subject`.
pub(crate) fn step_answer(patch: &str, subject: &str) -> Value {
    json!({"text": format!("Did: {subject}"), "patch": patch, "commit": subject,
           "usage": {"inputTotal": 100, "output": 10}})
}

/// Returns the executor fixture of a stage driven step by step: RED then GREEN.
pub(crate) fn stage_fixture(s: &KitStage) -> Value {
    json!({"schemaVersion": "replay-fixture/v1", "workers": {"executor": {
        "step-1": step_answer(&add_patch(&s.red), &format!("RED: a failing test of op {}", s.n)),
        "step-2": step_answer(&add_patch(&s.green), &format!("GREEN: implement op {}", s.n)),
    }}})
}

/// Returns a verifier answer of `verdict` with `findings`.
pub(crate) fn verdict_answer(verdict: &str, findings: &Value) -> Value {
    let block = json!({"verdict": verdict, "findings": findings});
    json!({"text": format!("I read the diff and the evidence.\n\n```json\n{block}\n```"),
           "usage": {"inputTotal": 50, "output": 5}})
}

/// Writes a replay fixture under `fixtures/` of the project; returns its project path.
pub(crate) fn write_fixture(env: &TestEnv, name: &str, fixture: &Value) -> String {
    let rel = format!("fixtures/{name}.json");
    let path = env.project().join(&rel);
    fs_err::create_dir_all(path.parent().unwrap()).unwrap();
    fs_err::write(&path, serde_json::to_string_pretty(fixture).unwrap()).unwrap();
    rel
}

/// The programs the kit's program and tests run, linked into the env's `bin/`.
const KIT_PROGRAMS: &[&str] = &["sh", "dirname", "cat", "mkdir", "head"];

/// Returns a hermetic env whose PATH also has the shell and the few programs the kit's
/// program, tests and shell executor run.
pub(crate) fn kit_env() -> TestEnv {
    let env = TestEnv::new();
    for program in KIT_PROGRAMS {
        let target = okstra_test_support::test_env::host_program(program);
        std::os::unix::fs::symlink(target, env.bin().join(program)).unwrap();
    }
    env
}

/// Sets the project up: step mode, one replay executor per stage (`s<n>`, from
/// `fixtures/s<n>.json`), the replay verifier `judge` answering `judge` (a verifier fixture),
/// and `extra` keys merged in.
pub(crate) fn kit_project(env: &TestEnv, stages: &[KitStage], judge: &Value, extra: &Value) {
    let mut agents = serde_json::Map::new();
    for s in stages {
        let rel = write_fixture(env, &format!("s{}", s.n), &stage_fixture(s));
        agents.insert(
            format!("s{}", s.n),
            json!({"adapter": "replay", "fixture": rel}),
        );
    }
    let rel = write_fixture(env, "judge", judge);
    agents.insert(
        "judge".to_owned(),
        json!({"adapter": "replay", "fixture": rel}),
    );
    let mut project = json!({"projectId": "project", "killGrace": "200ms",
        "executor": {"stepMode": true}, "roles": {"verifier": "judge"}, "agents": agents});
    if let (Some(p), Some(e)) = (project.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            p.insert(k.clone(), v.clone());
        }
    }
    write_project(env, &project);
}

/// Returns a verifier fixture that always answers `verdict` with no finding.
pub(crate) fn judge(verdict: &str) -> Value {
    let findings = if verdict == "PASS" {
        json!([])
    } else {
        json!([{"at": "lib/x.sh:1", "rule": "plan-discrepancy", "severity": "blocking",
                "message": "the stage does not do what the plan says", "fix": "do it"}])
    };
    json!({"schemaVersion": "replay-fixture/v1",
           "workers": {"verifier": {"0": verdict_answer(verdict, &findings)}}})
}

/// Imports the kit's plan into `task` and approves it; returns the plan's run id.
pub(crate) fn approve_kit_plan(env: &TestEnv, task: &str, stages: &[KitStage]) -> String {
    write_plan(env, "kit-plan.md", &kit_plan(stages));
    let out = okstra(
        env,
        &["plan", "import", "kit-plan.md", "--task", task, "--json"],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let run = v["runId"].as_str().unwrap().to_owned();
    let out = okstra(env, &["approve", &run]);
    assert_eq!(out.code, Some(0), "{out}");
    run
}

/// Runs `okstra run implementation --task <task> --base-ref main --stage <n> --executor s<n>
/// <extra…>` with the watchdog.
pub(crate) fn run_stage(env: &TestEnv, task: &str, n: u32, extra: &[&str]) -> CommandOutput {
    let stage = n.to_string();
    let executor = format!("s{n}");
    let mut args = vec![
        "run",
        "implementation",
        "--task",
        task,
        "--base-ref",
        "main",
        "--stage",
        &stage,
        "--executor",
        &executor,
    ];
    args.extend_from_slice(extra);
    run_guarded(env, okstra_cmd(env, &args))
}

/// Returns the run directory of stage `n` of `task`.
pub(crate) fn stage_dir(env: &TestEnv, task: &str, n: u32) -> PathBuf {
    env.project()
        .join(".okstra/tasks")
        .join(task)
        .join(format!("runs/implementation/stage-{n}"))
}

/// Returns the carry of stage `n` of `task`, when there is one.
pub(crate) fn carry(env: &TestEnv, task: &str, n: u32) -> Option<Value> {
    let path = env
        .project()
        .join(".okstra/tasks")
        .join(task)
        .join(format!("runs/implementation/carry/stage-{n}.json"));
    fs_err::read_to_string(path)
        .ok()
        .map(|t| serde_json::from_str(&t).unwrap())
}

/// Returns the subjects of `base..head` in `dir`, oldest first.
pub(crate) fn subjects(dir: &Path, range: &str) -> Vec<String> {
    git(dir, &["log", "--reverse", "--format=%s", range])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The shell executor of stage 1 (a `command` agent driven whole): it waits on the gate given
/// as its first argument (when one is), writes and commits the RED test, then the GREEN code —
/// left uncommitted when its second argument is `leave` — then tries `git push` to `origin`
/// and says whether the push went through.
const SHELL_EXECUTOR: &str = r#"#!/bin/sh
cat > /dev/null
if [ -n "$1" ]; then head -c 1 "$1" > /dev/null; fi
set -e
if [ ! -f tests/t1.sh ]; then
  mkdir -p tests
  printf '%s\n' '#!/bin/sh' 'set -e' 'test "$(sh calc.sh add 2 3)" = 5' > tests/t1.sh
  git add tests/t1.sh
  git commit -q -m "RED: a failing test of op 1"
fi
if [ ! -f lib/add.sh ]; then
  mkdir -p lib
  printf '%s\n' '#!/bin/sh' 'op="$1"' 'shift' '. "$(dirname "$0")/lib/$op.sh"' '"$op" "$@"' > calc.sh
  printf '%s\n' 'add() { echo $(( $1 + $2 )); }' > lib/add.sh
  if [ "$2" != leave ]; then
    git add calc.sh lib/add.sh
    git commit -q -m "GREEN: implement op 1"
  fi
fi
set +e
if git push -q origin HEAD:refs/heads/pushed-by-executor 2>/dev/null; then
  echo "push: went through"
else
  echo "push: refused"
fi
echo "Did stage 1."
"#;

/// Writes the shell executor and returns its agent entry (`command`), waiting on `gate` first
/// when given, leaving its GREEN code uncommitted when `leave`.
pub(crate) fn shell_executor(env: &TestEnv, gate: Option<&str>, leave: bool) -> Value {
    script_agent(
        env,
        "shell-executor.sh",
        SHELL_EXECUTOR,
        &[gate.unwrap_or(""), if leave { "leave" } else { "" }],
    )
}

/// Sets the kit up with the shell executor as `s1`, driven whole; approves the plan.
pub(crate) fn shell_project(env: &TestEnv, gate: Option<&str>, leave: bool) {
    let stages = four_stages();
    kit_project(
        env,
        &stages,
        &judge("PASS"),
        &json!({"executor": {"stepMode": false}}),
    );
    set_agent(env, "s1", shell_executor(env, gate, leave));
    approve_kit_plan(env, "calc/ops", &stages);
}

/// Sets the agent `name` of the project's `project.json` to `agent`.
pub(crate) fn set_agent(env: &TestEnv, name: &str, agent: Value) {
    let path = env.project().join(".okstra/project.json");
    let mut project: Value = serde_json::from_str(&fs_err::read_to_string(&path).unwrap()).unwrap();
    project["agents"][name] = agent;
    fs_err::write(&path, project.to_string()).unwrap();
}

/// Writes `script` as a file of the env and returns a `command` agent running it with `sh`
/// and `args`.
pub(crate) fn script_agent(env: &TestEnv, file: &str, script: &str, args: &[&str]) -> Value {
    let path = env.root().join(file);
    fs_err::write(&path, script).unwrap();
    let mut argv = vec!["sh".to_owned(), path.display().to_string()];
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    json!({"adapter": "command", "argv": argv})
}
