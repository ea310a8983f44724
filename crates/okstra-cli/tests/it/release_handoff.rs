//! `okstra run release-handoff` on a real git repository with a local bare repository as
//! `origin` and a replay writer: the PR body written from the project's PR template (headings
//! kept) and pushed only with `--push` (the bare repository then has the task branch's
//! commits); refused with no accepted final verification and after a commit added since it;
//! a push the remote rejects (a pre-receive hook) is a clear failure that loses nothing; and
//! `--open-pr` with no `gh` on PATH (the command to run) and with a fake `gh` that records
//! its argv. The final-verification records and carry sidecars are written by hand here: the
//! whole workflow is the demo's test.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use okstra_test_support::git_repo::{commit_file, git};
use okstra_test_support::{CommandOutput, TestEnv};
use serde_json::{Value, json};

use crate::common::{okstra, okstra_cmd, read_json, run_dir, run_guarded, write_project};

pub(crate) const TASK: &str = "calc/ops";

/// The writer's answer: the PR title and narrative block.
const WRITER: &str = "Here is the hand-off.\n\n```json\n{\"title\": \"Add the calculator ops\", \"summary\": \"Adds add and mul to calc.\", \"changes\": [\"calc: add\", \"calc: mul\"], \"risks\": [\"mul overflows past 2^63\"]}\n```";

/// A project PR template of the usual shape.
const TEMPLATE: &str = "\
## Description

<!-- What does this change and why? -->

Fixes #

## Type of change

- [ ] Bug fix
- [ ] New feature

## How Has This Been Tested?

- [ ] I ran the tests

## Checklist

- [ ] Docs updated
";

/// A task ready to hand off: its worktree and branch, two stage commits on the branch.
pub(crate) struct Handoff {
    pub(crate) env: TestEnv,
    pub(crate) origin: PathBuf,
    pub(crate) worktree: PathBuf,
    pub(crate) branch: String,
}

impl Handoff {
    /// Returns the task branch's head.
    pub(crate) fn head(&self) -> String {
        git(
            self.env.project(),
            &["rev-parse", &format!("refs/heads/{}", self.branch)],
        )
    }

    /// Writes final-verification record `seq` with `verdict` about `head`.
    pub(crate) fn verify(&self, seq: u32, verdict: &str, head: &str) {
        let dir = run_dir(&self.env, TASK, "final-verification").join("state");
        fs_err::create_dir_all(&dir).unwrap();
        let reasons: Vec<&str> = if verdict == "accepted" {
            vec![]
        } else {
            vec!["qa test exited 1"]
        };
        let record = json!({
            "schemaVersion": "final-verification/v1",
            "runId": format!("FV-{seq}"),
            "runSeq": seq,
            "planRunId": "PLAN",
            "taskBranch": self.branch,
            "anchor": git(self.env.project(), &["rev-parse", "main"]),
            "verifiedHead": head,
            "verdict": verdict,
            "reasons": reasons,
            "warnings": [],
            "stages": [
                {"stage": 1, "branch": format!("{}-stage-1", self.branch), "head": head, "mergeCommit": null},
                {"stage": 2, "branch": format!("{}-stage-2", self.branch), "head": head, "mergeCommit": null}
            ],
            "commands": [{"command": "sh tests/run.sh", "cwd": ".", "commit": head, "exitCode": 0,
                          "durationMs": 120, "outputTail": "ok", "note": null}],
            "verifiersAsked": ["claude", "codex"],
            "verifiersAnswered": ["claude", "codex"],
        });
        fs_err::write(
            dir.join(format!("final-verification-{seq}.json")),
            serde_json::to_string_pretty(&record).unwrap(),
        )
        .unwrap();
    }

    /// Runs `okstra run release-handoff --task calc/ops extra…`.
    pub(crate) fn hand_off(&self, extra: &[&str]) -> CommandOutput {
        let mut args = vec!["run", "release-handoff", "--task", TASK];
        args.extend_from_slice(extra);
        run_guarded(&self.env, okstra_cmd(&self.env, &args))
    }

    /// Returns the branches of the bare `origin`.
    pub(crate) fn remote_branches(&self) -> String {
        git(
            &self.origin,
            &["for-each-ref", "--format=%(refname)", "refs/heads"],
        )
    }

    /// Returns the hand-off run `seq`'s report data.
    pub(crate) fn data(&self, seq: u32) -> Value {
        read_json(&run_dir(&self.env, TASK, "release-handoff").join(format!(
            "reports/final-report-release-handoff-{seq}.data.json"
        )))
    }
}

/// Returns a project with a replay writer, `origin` a local bare repository, the task
/// prepared (its worktree and branch) with two stages committed on the task branch and their
/// carry sidecars, and `project` merged into project.json.
pub(crate) fn ready(project: &Value) -> Handoff {
    ready_with(project, WRITER)
}

/// Returns [`ready`]'s task with a writer that answers `writer`.
pub(crate) fn ready_with(project: &Value, writer: &str) -> Handoff {
    let env = TestEnv::new();
    let origin = env.root().join("origin.git");
    git(
        &env.root(),
        &["init", "-q", "--bare", origin.to_str().unwrap()],
    );
    git(
        env.project(),
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    let fixture = json!({
        "schemaVersion": "replay-fixture/v1",
        "workers": {"report-writer": {"0": {"text": writer, "usage": {"inputTotal": 300, "output": 60}}}}
    });
    fs_err::write(env.project().join("fixture.json"), fixture.to_string()).unwrap();
    let mut config = json!({
        "projectId": "calc",
        "agents": {"claude": {"adapter": "replay", "fixture": "fixture.json"}},
    });
    if let (Some(c), Some(extra)) = (config.as_object_mut(), project.as_object()) {
        c.extend(extra.clone());
    }
    write_project(&env, &config);
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            TASK,
            "--base-ref",
            "main",
            "--brief-text",
            "Add calculator ops",
            "--prepare-only",
            "--json",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let prepared: Value = serde_json::from_str(&out.stdout).unwrap();
    let worktree = PathBuf::from(prepared["worktree"]["path"].as_str().unwrap());
    let branch = prepared["worktree"]["branch"].as_str().unwrap().to_owned();
    let carry_dir = env
        .project()
        .join(".okstra/tasks")
        .join(TASK)
        .join("runs/implementation/carry");
    fs_err::create_dir_all(&carry_dir).unwrap();
    for (n, op) in [(1, "add"), (2, "mul")] {
        let base = git(&worktree, &["rev-parse", "HEAD"]);
        let red = commit_file(
            &worktree,
            &format!("tests/t{n}.sh"),
            "exit 1\n",
            &format!("RED: a failing test of {op}"),
        );
        let green = commit_file(
            &worktree,
            &format!("lib/{op}.sh"),
            &format!("{op}() {{ :; }}\n"),
            &format!("GREEN: implement {op}"),
        );
        let carry = json!({
            "schemaVersion": "carry/v1", "stage": n, "status": "done",
            "stageCommitRange": {"base": base, "head": green},
            "commits": [{"sha": red, "subject": format!("RED: a failing test of {op}")},
                        {"sha": green, "subject": format!("GREEN: implement {op}")}],
            "dbGate": {"status": "not-applicable"},
        });
        fs_err::write(carry_dir.join(format!("stage-{n}.json")), carry.to_string()).unwrap();
    }
    Handoff {
        env,
        origin,
        worktree,
        branch,
    }
}

/// Writes the project's PR template where GitHub looks for it.
fn write_template(env: &TestEnv, rel: &str, text: &str) {
    let path = env.project().join(rel);
    fs_err::create_dir_all(path.parent().unwrap()).unwrap();
    fs_err::write(path, text).unwrap();
}

/// Returns the `## ` heading lines of a markdown text.
fn headings(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.starts_with("## ")).collect()
}

#[test]
fn hands_off_from_the_project_template_and_pushes_only_with_push() {
    let h = ready(&json!({}));
    write_template(&h.env, ".github/pull_request_template.md", TEMPLATE);
    let head = h.head();
    h.verify(1, "accepted", &head);

    let out = h.hand_off(&[]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stdout
            .contains("push:    not asked: nothing was pushed"),
        "{out}"
    );
    assert_eq!(h.remote_branches(), "", "nothing is pushed without --push");
    let body_path = run_dir(&h.env, TASK, "release-handoff").join("reports/pr-body-1.md");
    let body = fs_err::read_to_string(&body_path).unwrap();
    // The template's headings are kept, in order; the parts it has no heading for follow.
    assert_eq!(
        headings(&body),
        [
            "## Description",
            "## Type of change",
            "## How Has This Been Tested?",
            "## Checklist",
            "## Changes",
            "## Remaining findings",
            "## Cost"
        ],
        "{body}"
    );
    let at = |s: &str| {
        body.find(s)
            .unwrap_or_else(|| panic!("{s:?} not in:\n{body}"))
    };
    assert!(
        at("## Description") < at("Adds add and mul to calc.")
            && at("Adds add and mul") < at("Fixes #")
    );
    assert!(at("## How Has This Been Tested?") < at("`FV-1` (run 1) **accepted**"));
    assert!(at("| `sh tests/run.sh` | 0 | 0.1 s |") < at("## Checklist"));
    assert!(body.contains("- [ ] I ran the tests") && body.contains("- [ ] Docs updated"));
    for subject in [
        "RED: a failing test of add",
        "GREEN: implement add",
        "GREEN: implement mul",
    ] {
        assert!(body.contains(subject), "{subject}: {body}");
    }
    assert!(body.contains("- mul overflows past 2^63"));
    assert!(body.contains("replay worker"));
    let data = h.data(1);
    let handoff = &data["handoff"];
    assert_eq!(handoff["title"], "Add the calculator ops");
    assert_eq!(handoff["template"], ".github/pull_request_template.md");
    assert_eq!(handoff["prBody"], body.as_str());
    assert_eq!(handoff["head"], head.as_str());
    assert_eq!(handoff["push"]["status"], "not-asked");
    let run_id = data["frontmatter"]["runId"].as_str().unwrap().to_owned();
    let v = okstra(&h.env, &["validate", &run_id]);
    assert_eq!(v.code, Some(0), "{v}");

    let out = h.hand_off(&["--push"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stdout
            .contains(&format!("push:    pushed {} to origin", h.branch)),
        "{out}"
    );
    assert_eq!(h.remote_branches(), format!("refs/heads/{}", h.branch));
    assert_eq!(
        git(
            &h.origin,
            &["rev-parse", &format!("refs/heads/{}", h.branch)]
        ),
        head
    );
    let pushed = git(&h.origin, &["log", "--format=%s", &h.branch]);
    for subject in [
        "RED: a failing test of add",
        "GREEN: implement add",
        "RED: a failing test of mul",
        "GREEN: implement mul",
    ] {
        assert!(
            pushed.lines().any(|l| l == subject),
            "{subject} not pushed: {pushed}"
        );
    }
    assert_eq!(h.data(2)["handoff"]["push"]["status"], "pushed");
    // Tampering with the PR body is what validate catches.
    let body2 = run_dir(&h.env, TASK, "release-handoff").join("reports/pr-body-2.md");
    fs_err::write(&body2, "edited\n").unwrap();
    let id2 = h.data(2)["frontmatter"]["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let v = okstra(&h.env, &["validate", &id2]);
    assert_ne!(v.code, Some(0), "{v}");
    assert!(
        v.stdout.contains("pr-body") || v.stderr.contains("pr-body"),
        "{v}"
    );
}

#[test]
fn a_push_the_remote_rejects_fails_clearly_and_loses_nothing() {
    let h = ready(&json!({}));
    let hook = h.origin.join("hooks/pre-receive");
    fs_err::write(
        &hook,
        "#!/bin/sh\necho 'branch protection: pushes are closed' >&2\nexit 1\n",
    )
    .unwrap();
    fs_err::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let head = h.head();
    h.verify(1, "accepted", &head);
    let out = h.hand_off(&["--push", "--open-pr"]);
    assert_eq!(out.code, Some(3), "{out}");
    assert!(
        out.stdout
            .contains(&format!("push:    REJECTED: origin refused {}", h.branch)),
        "{out}"
    );
    assert!(
        out.stdout.contains("branch protection: pushes are closed"),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("pr:      NOT OPENED: not opened: the push was rejected"),
        "{out}"
    );
    assert_eq!(h.remote_branches(), "");
    assert_eq!(h.head(), head, "the task branch is untouched");
    assert!(
        run_dir(&h.env, TASK, "release-handoff")
            .join("reports/pr-body-1.md")
            .is_file()
    );
    let data = h.data(1);
    assert_eq!(data["handoff"]["push"]["status"], "rejected");
    let run_id = data["frontmatter"]["runId"].as_str().unwrap().to_owned();
    let v = okstra(&h.env, &["validate", &run_id]);
    assert_eq!(v.code, Some(0), "the failed run's files are whole: {v}");
}

#[test]
fn open_pr_with_no_gh_on_path_says_what_to_run() {
    let h = ready(&json!({"prTemplate": "docs/pr.md"}));
    write_template(&h.env, "docs/pr.md", "### Summary\n\n### Test plan\n");
    h.verify(1, "accepted", &h.head());
    let out = h.hand_off(&["--open-pr", "--draft"]);
    assert_eq!(out.code, Some(0), "{out}");
    let body = run_dir(&h.env, TASK, "release-handoff").join("reports/pr-body-1.md");
    let want = format!(
        "pr:      gh is not on PATH, so no PR was opened; to open it, run:\n  gh pr create --title 'Add the calculator ops' --body-file {} --head {} --draft\n",
        body.display(),
        h.branch
    );
    assert!(out.stdout.contains(&want), "{out}");
    let text = fs_err::read_to_string(&body).unwrap();
    assert!(text.starts_with("### Summary\n"), "{text}");
    assert!(text.contains("### Test plan\n"), "{text}");
    assert_eq!(h.data(1)["handoff"]["template"], "prTemplate docs/pr.md");
    assert_eq!(h.data(1)["handoff"]["pr"]["status"], "gh-missing");
    // A prTemplate that does not exist is refused before anything is written.
    fs_err::remove_file(h.env.project().join("docs/pr.md")).unwrap();
    let out = h.hand_off(&[]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(out.stderr.contains("docs/pr.md (prTemplate in"), "{out}");
}

#[test]
fn open_pr_runs_gh_with_the_title_body_file_and_draft() {
    let mut h = ready(&json!({}));
    let fake = h.env.root().join("fake-gh");
    fs_err::create_dir_all(&fake).unwrap();
    let argv = fake.join("argv");
    let script = format!(
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '{}'; done\necho https://example.invalid/calc/pull/7\n",
        argv.display()
    );
    fs_err::write(fake.join("gh"), script).unwrap();
    fs_err::set_permissions(fake.join("gh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    h.env.prepend_path(&fake);
    h.verify(1, "accepted", &h.head());
    let out = h.hand_off(&["--push", "--open-pr", "--draft"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stdout
            .contains("pr:      opened https://example.invalid/calc/pull/7"),
        "{out}"
    );
    let body = run_dir(&h.env, TASK, "release-handoff").join("reports/pr-body-1.md");
    let recorded = fs_err::read_to_string(&argv).unwrap();
    let body_arg = body.display().to_string();
    assert_eq!(
        recorded.lines().collect::<Vec<_>>(),
        [
            "pr",
            "create",
            "--title",
            "Add the calculator ops",
            "--body-file",
            body_arg.as_str(),
            "--head",
            h.branch.as_str(),
            "--draft"
        ]
    );
    assert_eq!(
        h.data(1)["handoff"]["pr"]["url"],
        "https://example.invalid/calc/pull/7"
    );
    assert_eq!(h.remote_branches(), format!("refs/heads/{}", h.branch));
}

#[test]
fn a_resumed_hand_off_writes_its_body_and_pushes_nothing() {
    let h = ready(&json!({}));
    h.verify(1, "accepted", &h.head());
    let mut cmd = okstra_cmd(
        &h.env,
        &["run", "release-handoff", "--task", TASK, "--push"],
    );
    cmd.env("OKSTRA_TEST_KILL_AT", "prepare");
    let out = run_guarded(&h.env, cmd);
    assert_eq!(out.code, None, "okstra was not killed: {out}");
    let dir = run_dir(&h.env, TASK, "release-handoff");
    assert!(!dir.join("reports/pr-body-1.md").exists());
    let manifest = read_json(&dir.join("manifests/run-manifest-release-handoff-1.json"));
    let run_id = manifest["runId"].as_str().unwrap().to_owned();
    let out = run_guarded(&h.env, okstra_cmd(&h.env, &["resume", &run_id]));
    assert_eq!(out.code, Some(0), "{out}");
    assert!(dir.join("reports/pr-body-1.md").is_file());
    assert_eq!(h.data(1)["handoff"]["push"]["status"], "not-asked");
    assert_eq!(h.remote_branches(), "", "a resumed hand-off never pushes");
}

#[test]
fn a_writer_with_no_valid_block_leaves_okstras_records_and_a_note() {
    let narrative =
        "```json\n{\"summary\": \"s\", \"analysis\": \"a\", \"recommendations\": []}\n```";
    let h = ready_with(&json!({}), narrative);
    h.verify(1, "accepted", &h.head());
    let out = h.hand_off(&[]);
    assert_eq!(out.code, Some(0), "{out}");
    let data = h.data(1);
    assert_eq!(data["handoff"]["title"], "calc:calc:ops: verified changes");
    let notes = data["notes"].to_string();
    assert!(notes.contains("the writer gave no PR narrative"), "{notes}");
    let body = data["handoff"]["prBody"].as_str().unwrap();
    assert!(body.contains("GREEN: implement mul"), "{body}");
    let run_id = data["frontmatter"]["runId"].as_str().unwrap().to_owned();
    let v = okstra(&h.env, &["validate", &run_id]);
    assert_eq!(v.code, Some(0), "{v}");
}

#[test]
fn open_pr_without_push_needs_the_verified_head_on_the_remote() {
    let mut h = ready(&json!({}));
    let fake = h.env.root().join("fake-gh");
    fs_err::create_dir_all(&fake).unwrap();
    let argv = fake.join("argv");
    let script = format!(
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '{}'; done\necho https://example.invalid/calc/pull/8\n",
        argv.display()
    );
    fs_err::write(fake.join("gh"), script).unwrap();
    fs_err::set_permissions(fake.join("gh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    h.env.prepend_path(&fake);
    let head = h.head();
    h.verify(1, "accepted", &head);
    // The branch is not on origin: gh is not run, and the run says what to do.
    let out = h.hand_off(&["--open-pr"]);
    assert_eq!(out.code, Some(3), "{out}");
    assert!(out.stdout.contains("run the hand-off with --push"), "{out}");
    assert!(!argv.exists(), "gh was not run");
    assert_eq!(h.remote_branches(), "", "nothing was pushed");
    // Pushed by hand at the verified head: the PR opens without --push.
    git(
        &h.worktree,
        &[
            "push",
            "-q",
            "origin",
            &format!("{head}:refs/heads/{}", h.branch),
        ],
    );
    let out = h.hand_off(&["--open-pr"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stdout
            .contains("pr:      opened https://example.invalid/calc/pull/8"),
        "{out}"
    );
}
