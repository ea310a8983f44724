//! Tests of a stage's evidence on real git repositories: a small shell program (`calc.sh`)
//! with a real test script (`test.sh`), a stage worktree, and commits made the way an executor
//! makes them (`RED:`, `GREEN:`, `REFACTOR:`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use okstra_core::evidence::{DbGateStatus, DiffSeverity, StageEvidence, TddVerdict};
use okstra_core::plan::Stage;
use okstra_core::redact::Redactor;
use okstra_test_support::fake_agent::{ReadyFifo, live_pids};
use okstra_test_support::git_repo::{GitRepoBuilder, commit_file, git};
use tokio_util::sync::CancellationToken;

use super::{
    CommandLimits, CommandRunner, EvidenceError, StageEvidenceRequest, collect_stage_evidence,
};

const CALC: &str =
    "case \"$1\" in\n  add) echo $(($2 + $3)) ;;\n  *) echo \"unknown: $1\" >&2; exit 2 ;;\nesac\n";
const CALC_MUL: &str = "case \"$1\" in\n  add) echo $(($2 + $3)) ;;\n  mul) echo $(($2 * $3)) ;;\n  *) echo \"unknown: $1\" >&2; exit 2 ;;\nesac\n";
const TEST: &str =
    "[ \"$(sh calc.sh add 2 3)\" = 5 ] || { echo 'FAIL add'; exit 1; }\necho 'ok add'\n";
const TEST_MUL: &str = "[ \"$(sh calc.sh add 2 3)\" = 5 ] || { echo 'FAIL add'; exit 1; }\necho 'ok add'\n[ \"$(sh calc.sh mul 2 3)\" = 6 ] || { echo 'FAIL mul'; exit 1; }\necho 'ok mul'\n";
const QA: &str = ".okstra/tasks/g/t/qa";

/// A project repository, a stage worktree on its own branch, and a scratch folder.
struct Project {
    tmp: tempfile::TempDir,
    repo: PathBuf,
    stage: PathBuf,
    scratch: PathBuf,
    base: String,
}

impl Project {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let repo = GitRepoBuilder::new(tmp.path().join("project"))
            .file("calc.sh", CALC)
            .file("test.sh", TEST)
            .build();
        let base = git(&repo, &["rev-parse", "HEAD"]);
        let stage = tmp.path().join("stage-1");
        let stage_arg = stage.display().to_string();
        git(
            &repo,
            &[
                "worktree",
                "add",
                "-q",
                "-b",
                "okstra/s-1",
                &stage_arg,
                &base,
            ],
        );
        let scratch = tmp.path().join("run-tmp");
        fs_err::create_dir(&scratch).unwrap();
        Self {
            tmp,
            repo,
            stage,
            scratch,
            base,
        }
    }

    fn commit(&self, path: &str, content: &str, subject: &str) -> String {
        commit_file(&self.stage, path, content, subject)
    }

    /// RED (the failing mul test), then GREEN (mul).
    fn red_green(&self) -> (String, String) {
        let red = self.commit("test.sh", TEST_MUL, "RED: mul is tested");
        let green = self.commit("calc.sh", CALC_MUL, "GREEN: mul");
        (red, green)
    }

    fn head(&self) -> String {
        git(&self.stage, &["rev-parse", "HEAD"])
    }

    fn runner(&self, env: &[(&str, &str)], cancel: CancellationToken) -> CommandRunner {
        let mut vars =
            BTreeMap::from([("PATH".to_owned(), std::env::var("PATH").unwrap_or_default())]);
        vars.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let limits = CommandLimits {
            deadline: Duration::from_secs(30),
            kill_grace: Duration::from_millis(300),
        };
        CommandRunner::new(&vars, Redactor::from_env(&vars), &self.repo, limits, cancel)
    }

    async fn evidence_with(
        &self,
        stage: &Stage,
        qa_commands: &BTreeMap<String, Option<String>>,
    ) -> Result<StageEvidence, EvidenceError> {
        let head = self.head();
        let request = StageEvidenceRequest {
            worktree: &self.stage,
            base: &self.base,
            head: &head,
            stage,
            qa_commands,
            qa_dir: QA,
            scratch: &self.scratch,
        };
        collect_stage_evidence(&self.runner(&[], CancellationToken::new()), &request).await
    }

    async fn evidence(&self) -> StageEvidence {
        self.evidence_with(&stage(&["sh test.sh"]), &BTreeMap::new())
            .await
            .unwrap()
    }

    /// Asserts no scratch worktree is left: git knows two worktrees, the scratch folder is empty.
    fn assert_no_scratch_left(&self) {
        let list = git(&self.repo, &["worktree", "list", "--porcelain"]);
        assert_eq!(list.matches("worktree ").count(), 2, "{list}");
        let left: Vec<_> = fs_err::read_dir(&self.scratch).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    }
}

fn stage(validation: &[&str]) -> Stage {
    Stage {
        number: 1,
        title: "Multiply".into(),
        validation: validation.iter().map(|v| (*v).to_owned()).collect(),
        ..Stage::default()
    }
}

#[tokio::test]
async fn a_red_commit_that_fails_and_a_head_that_passes_prove_the_stage() {
    let p = Project::new();
    let (red, green) = p.red_green();
    let refactor = p.commit(
        "calc.sh",
        &format!("# calculator\n{CALC_MUL}"),
        "REFACTOR: title",
    );
    let e = p.evidence().await;

    assert_eq!(
        (e.base.as_str(), e.head.as_str()),
        (p.base.as_str(), refactor.as_str())
    );
    let tree = git(&p.stage, &["rev-parse", &format!("{refactor}^{{tree}}")]);
    assert_eq!(e.head_tree, tree);
    let commits: Vec<_> = e
        .commits
        .iter()
        .map(|c| (c.sha.as_str(), c.subject.as_str()))
        .collect();
    assert_eq!(
        commits,
        [
            (red.as_str(), "RED: mul is tested"),
            (green.as_str(), "GREEN: mul"),
            (refactor.as_str(), "REFACTOR: title"),
        ]
    );
    assert_eq!(e.files_changed, ["calc.sh", "test.sh"]);

    assert_eq!(e.validation.len(), 1);
    let v = &e.validation[0];
    assert_eq!((v.command.as_str(), v.exit_code), ("sh test.sh", Some(0)));
    assert_eq!(v.output_tail, "ok add\nok mul\n");
    assert_eq!(v.commit, refactor);
    assert_eq!(
        v.cwd,
        p.stage.display().to_string(),
        "outside the project root"
    );

    let proof = &e.tdd_proof;
    assert_eq!(proof.verdict, TddVerdict::Proven, "{}", proof.reason);
    assert_eq!(proof.red_commit.as_deref(), Some(red.as_str()));
    assert_eq!(proof.at_red.len(), 1);
    assert_eq!(proof.at_red[0].exit_code, Some(1));
    assert_eq!(proof.at_red[0].commit, red);
    assert_eq!(
        proof.at_red[0].output_tail, "ok add\nunknown: mul\nFAIL mul\n",
        "stderr interleaved with stdout"
    );
    assert_eq!(
        proof.reason,
        format!(
            "the Stage Validation fails at the RED commit {} (`sh test.sh` exited 1) and passes \
             at the head",
            &red[..12]
        )
    );
    assert_eq!(e.db_gate.status, DbGateStatus::NotApplicable);
    assert!(e.findings.is_empty());
    assert!(e.failures().is_empty(), "{:?}", e.failures());
    p.assert_no_scratch_left();
}

#[tokio::test]
async fn a_stage_with_no_red_commit_fails_the_proof() {
    let p = Project::new();
    p.commit("test.sh", TEST_MUL, "GREEN: mul with its test");
    p.commit("calc.sh", CALC_MUL, "GREEN: mul");
    let e = p.evidence().await;
    assert_eq!(e.tdd_proof.verdict, TddVerdict::NoRedCommit);
    assert!(e.validation[0].passed());
    assert_eq!(
        e.failures(),
        [
            "TDD proof: no commit of the stage has a subject starting `RED:`, so nothing shows a \
          test failing before the change"
        ]
    );
    p.assert_no_scratch_left();
}

#[tokio::test]
async fn a_red_commit_whose_validation_already_passes_fails_the_proof() {
    let p = Project::new();
    let red = p.commit(
        "test.sh",
        &format!("{TEST}[ \"$(sh calc.sh add 1 1)\" = 2 ] || exit 1\n"),
        "RED: add of ones is tested",
    );
    p.commit(
        "calc.sh",
        &format!("# add only\n{CALC}"),
        "GREEN: nothing to do",
    );
    let e = p.evidence().await;
    assert_eq!(e.tdd_proof.verdict, TddVerdict::RedPassed);
    assert_eq!(e.tdd_proof.at_red[0].exit_code, Some(0));
    assert_eq!(e.tdd_proof.red_commit.as_deref(), Some(red.as_str()));
    let failures = e.failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].contains("already passes at the RED commit"),
        "{failures:?}"
    );
    p.assert_no_scratch_left();
}

#[tokio::test]
async fn a_head_that_fails_its_validation_fails_the_stage() {
    let p = Project::new();
    p.commit("test.sh", TEST_MUL, "RED: mul is tested");
    p.commit(
        "calc.sh",
        &format!("# mul some day\n{CALC}"),
        "GREEN: not quite",
    );
    let e = p.evidence().await;
    assert_eq!(e.validation[0].exit_code, Some(1));
    assert_eq!(e.tdd_proof.verdict, TddVerdict::HeadFails);
    assert!(
        e.tdd_proof.at_red.is_empty(),
        "RED is not run when the head fails"
    );
    assert_eq!(
        e.failures(),
        [
            "Stage Validation `sh test.sh` exited 1",
            "TDD proof: the Stage Validation fails at the head: `sh test.sh` exited 1",
        ]
    );
    p.assert_no_scratch_left();
}

#[tokio::test]
async fn an_exempt_stage_records_the_plans_reason() {
    let p = Project::new();
    p.commit("README.md", "# calc\n", "GREEN: document calc");
    let mut s = stage(&["sh test.sh"]);
    s.tdd_exemption = Some("documentation only".into());
    let e = p.evidence_with(&s, &BTreeMap::new()).await.unwrap();
    assert_eq!(e.tdd_proof.verdict, TddVerdict::Exempt);
    assert_eq!(
        e.tdd_proof.reason,
        "the plan exempts this stage from TDD: documentation only"
    );
    assert!(e.failures().is_empty());
}

#[tokio::test]
async fn evidence_is_refused_off_the_head_or_with_uncommitted_changes() {
    let p = Project::new();
    let (red, _) = p.red_green();
    let s = stage(&["sh test.sh"]);
    let qa = BTreeMap::new();
    let runner = p.runner(&[], CancellationToken::new());
    let off = StageEvidenceRequest {
        worktree: &p.stage,
        base: &p.base,
        head: &red,
        stage: &s,
        qa_commands: &qa,
        qa_dir: QA,
        scratch: &p.scratch,
    };
    let err = collect_stage_evidence(&runner, &off).await.unwrap_err();
    assert!(
        matches!(err, EvidenceError::HeadNotCheckedOut { .. }),
        "{err}"
    );
    let unknown = StageEvidenceRequest {
        head: "no-such-branch",
        ..off
    };
    let err = collect_stage_evidence(&runner, &unknown).await.unwrap_err();
    assert!(
        err.to_string()
            .ends_with("`no-such-branch` names no commit"),
        "{err}"
    );
    fs_err::write(p.stage.join("calc.sh"), "exit 0\n").unwrap();
    let err = p.evidence_with(&s, &qa).await.unwrap_err();
    assert!(
        matches!(err, EvidenceError::UncommittedChanges { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn the_db_gate_runs_the_plans_db_step_else_qa_db_test_else_is_unverified() {
    let p = Project::new();
    p.red_green();
    p.commit(
        "migrations/001_users.sql",
        "CREATE TABLE users (id INT);\n",
        "GREEN: users table",
    );
    p.commit(
        "db-test.sh",
        "echo \"db ok on $1\"\n",
        "GREEN: db test script",
    );
    let triggers = [
        "migrations/001_users.sql (migrations/**)",
        "migrations/001_users.sql (*.sql)",
    ];

    let e = p.evidence().await;
    assert_eq!(e.db_gate.status, DbGateStatus::Unverified);
    assert_eq!(e.db_gate.triggers, triggers);
    assert_eq!(e.db_gate.evidence, None);
    assert!(
        e.failures().is_empty(),
        "an unverified gate does not fail the stage"
    );

    let qa = BTreeMap::from([(
        "db-test".to_owned(),
        Some("sh db-test.sh replica".to_owned()),
    )]);
    let e = p.evidence_with(&stage(&["sh test.sh"]), &qa).await.unwrap();
    assert_eq!(e.db_gate.status, DbGateStatus::Verified);
    let run = e.db_gate.evidence.as_ref().unwrap();
    assert_eq!(
        (run.command.as_str(), run.exit_code),
        ("sh db-test.sh replica", Some(0))
    );
    assert_eq!(run.output_tail, "db ok on replica\n");
    assert_eq!(run.commit, e.head);

    // The plan's own DB step wins over qaCommands, and it failing fails the stage.
    let s = stage(&["sh test.sh", "DB: sh db-test.sh plan; exit 4"]);
    let e = p.evidence_with(&s, &qa).await.unwrap();
    assert_eq!(e.db_gate.status, DbGateStatus::Failed);
    let run = e.db_gate.evidence.as_ref().unwrap();
    assert_eq!(
        (run.command.as_str(), run.exit_code),
        ("DB: sh db-test.sh plan; exit 4", Some(4))
    );
    assert!(
        e.failures()
            .contains(&"the DB validation failed".to_owned())
    );
    p.assert_no_scratch_left();
}

#[tokio::test]
async fn real_io_tests_in_the_source_tree_are_blocking_findings() {
    let p = Project::new();
    p.red_green();
    p.commit(
        "tests/test_api.py",
        "import requests\n\ndef test_users():\n    r = requests.get('https://api.example.com/users')\n    assert r.ok\n",
        "GREEN: api test",
    );
    p.commit(
        &format!("{QA}/test_live.py"),
        "import requests\nrequests.get('https://api.example.com/users')\n",
        "GREEN: live check under qa",
    );
    p.commit(
        "src/lib.rs",
        "pub fn dial() {\n    let _ = std::net::TcpStream::connect(\"db:5432\");\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn dials() {\n        std::net::TcpStream::connect(\"db:5432\").unwrap();\n    }\n}\n",
        "GREEN: dial",
    );
    let e = p.evidence().await;
    let at: Vec<_> = e
        .findings
        .iter()
        .map(|f| (f.at.as_str(), f.severity))
        .collect();
    assert_eq!(
        at,
        [
            ("src/lib.rs:9", DiffSeverity::Blocking),
            ("tests/test_api.py:4", DiffSeverity::Blocking),
        ]
    );
    assert_eq!(
        e.findings[1].fix,
        "move it under the task's qa/ (.okstra/tasks/g/t/qa/) or inject a fake"
    );
    assert!(
        e.failures()
            .contains(&"tests/test_api.py:4 real-io-test-in-source-tree: a test in the source tree opens an HTTP client (`requests.get`)".to_owned()),
        "{:?}",
        e.failures()
    );
}

#[tokio::test]
async fn a_diff_too_large_to_read_whole_is_an_advisory_finding() {
    let p = Project::new();
    p.red_green();
    let big = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n".repeat(140_000);
    p.commit("data/generated.txt", &big, "GREEN: generated data");
    let e = p.evidence().await;
    assert_eq!(e.findings.len(), 1);
    assert_eq!(e.findings[0].rule, "diff-too-large");
    assert_eq!(e.findings[0].severity, DiffSeverity::Advisory);
    assert!(e.failures().is_empty());
    assert_eq!(
        e.files_changed,
        ["calc.sh", "data/generated.txt", "test.sh"]
    );
}

#[tokio::test]
async fn an_interruption_at_the_red_commit_still_removes_the_scratch_worktree() {
    let p = Project::new();
    let fifo = ReadyFifo::new(&p.tmp.path().join("ready"));
    let pids = p.tmp.path().join("red.pids");
    // At the RED commit the test says it is running, then hangs; at the head it passes.
    p.commit(
        "test.sh",
        "echo $$ > \"$PIDS\"; echo ready > \"$READY_FIFO\"; sleep 30\n",
        "RED: hangs",
    );
    p.commit("test.sh", TEST, "GREEN: passes");
    let cancel = CancellationToken::new();
    let (fifo_arg, pids_arg) = (fifo.arg(), pids.display().to_string());
    let runner = p.runner(
        &[("READY_FIFO", &fifo_arg), ("PIDS", &pids_arg)],
        cancel.clone(),
    );
    let waiter = tokio::task::spawn_blocking(move || {
        fifo.wait_for(1);
        cancel.cancel();
    });
    let s = stage(&["sh test.sh"]);
    let qa = BTreeMap::new();
    let head = p.head();
    let request = StageEvidenceRequest {
        worktree: &p.stage,
        base: &p.base,
        head: &head,
        stage: &s,
        qa_commands: &qa,
        qa_dir: QA,
        scratch: &p.scratch,
    };
    let err = collect_stage_evidence(&runner, &request).await.unwrap_err();
    waiter.await.unwrap();
    assert!(matches!(err, EvidenceError::Interrupted), "{err}");
    assert_eq!(live_pids(&pids), Vec::<u32>::new());
    p.assert_no_scratch_left();
}

#[tokio::test]
async fn the_red_checkout_has_the_stage_worktrees_ignored_dependency_folders() {
    let p = Project::new();
    p.commit(
        ".gitignore",
        "node_modules/\n",
        "chore: ignore installed packages",
    );
    // An installed package the tests load, as `npm install` leaves one: ignored, untracked.
    let lib = p.stage.join("node_modules/check");
    fs_err::create_dir_all(&lib).unwrap();
    fs_err::write(lib.join("index.sh"), "echo 'check loaded'\n").unwrap();
    let uses_dep = format!(". node_modules/check/index.sh\n{TEST_MUL}");
    p.commit("test.sh", &uses_dep, "RED: mul is tested");
    p.commit("calc.sh", CALC_MUL, "GREEN: mul");
    let e = p.evidence().await;
    assert_eq!(e.tdd_proof.verdict, TddVerdict::Proven, "{:?}", e.tdd_proof);
    let at_red = &e.tdd_proof.at_red[0].output_tail;
    // It fails at RED for the right reason: mul is missing, not the package.
    assert!(at_red.contains("check loaded"), "{at_red}");
    assert!(at_red.contains("FAIL mul"), "{at_red}");
    // The package is still there, and no scratch checkout is left.
    assert!(lib.join("index.sh").is_file());
    p.assert_no_scratch_left();
}
