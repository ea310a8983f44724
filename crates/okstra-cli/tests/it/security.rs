//! What okstra keeps private and safe (SPEC §5.1, STYLE.md §2 "worker output is untrusted"):
//! secrets planted in every role's answers reach no file; every file and folder okstra makes is
//! 0600 / 0700 whatever the umask; worker bytes reach the terminal escaped; worker temp folders
//! are never a planted path and never survive their run.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use okstra_test_support::TestEnv;
use serde_json::{Value, json};

use crate::common::{
    FINDINGS, fake, okstra, okstra_cmd, read_json, run_dir, run_guarded, write_brief,
    write_project, writer,
};

const API_KEY: &str = "supersecret123";
const GH_TOKEN: &str = "ghp_plantedtoken987";
const DB_PASSWORD: &str = "hunter2hunter2";

/// Every file under `dir`, with its bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs_err::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            let meta = fs_err::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() {
                out.push((p.clone(), fs_err::read(&p).unwrap()));
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// A verdicts block agreeing, with `reason`, to every finding it may be sent (`F-1` … `F-3`).
fn verdicts(reason: &str) -> String {
    let items: Vec<String> = (1..=3)
        .map(|n| {
            format!(
                "{{\"findingId\": \"F-{n}\", \"verdict\": \"AGREE\", \"reason\": \"{reason}\"}}"
            )
        })
        .collect();
    format!("```json\n{{\"verdicts\": [{}]}}\n```", items.join(", "))
}

fn findings(id: &str, title: &str) -> String {
    format!(
        "Found.\n```json\n{{\"findings\": [{{\"id\": \"{id}\", \"title\": \"{title}\", \"severity\": \"high\", \"evidence\": [\"README.md:1\"], \"claim\": \"the key {API_KEY} is logged\", \"reasoning\": \"token {GH_TOKEN}\"}}], \"summary\": \"s\"}}\n```"
    )
}

#[test]
fn secrets_in_every_role_s_answers_reach_no_file() {
    let mut env = TestEnv::new();
    env.set_env("MY_API_KEY", API_KEY);
    env.set_env("GH_TOKEN", GH_TOKEN);
    // The fixture lives outside the project and the home: it is the test's input, not okstra's.
    let fixture = env.root().join("fixture.json");
    fs_err::write(
        &fixture,
        json!({"schemaVersion": "replay-fixture/v1", "workers": {
            "a-worker": {
                "0": {"text": findings("A-1", &format!("Key {API_KEY} in logs")), "stderr": format!("using {API_KEY}")},
                "1": {"text": verdicts(&format!("agreed, {DB_PASSWORD} and {API_KEY}"))},
                "3": {"text": verdicts(&format!("gap is real: {GH_TOKEN}"))}
            },
            "b-worker": {
                "0": {"text": findings("B-1", "Different")},
                "1": {"text": verdicts(&format!("yes {API_KEY}"))},
                "3": {"text": verdicts("fine")}
            },
            "critic": {"3": {"text": findings("K-1", &format!("Gap {DB_PASSWORD}"))}},
            "report-writer": {"0": {"text": format!(
                "env: MY_API_KEY={API_KEY} GH_TOKEN={GH_TOKEN} DB_PASSWORD={DB_PASSWORD}\n```json\n{{\"summary\": \"The key is {API_KEY}.\", \"analysis\": \"{GH_TOKEN}\", \"recommendations\": [\"rotate {DB_PASSWORD}\"]}}\n```"
            )}}
        }})
        .to_string(),
    )
    .unwrap();
    let replay = json!({"adapter": "replay", "fixture": fixture.display().to_string()});
    write_project(
        &env,
        &json!({"projectId": "shop", "roles": {"report-writer": "a"},
            "workerEnv": {"DB_PASSWORD": DB_PASSWORD},
            "agents": {"a": replay, "b": replay}}),
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
                "s/e",
                "--brief",
                brief.to_str().unwrap(),
                "--base-ref",
                "main",
                "--workers",
                "a,b",
                "--critic",
                "a",
            ],
        ),
    );
    assert_eq!(out.code, Some(0), "{out}");
    let dir = run_dir(&env, "s/e", "error-analysis");
    // The run really carried the answers: the critic's gap and the writer's summary are there.
    let data = read_json(&dir.join("reports/final-report-error-analysis-1.data.json"));
    assert_eq!(data["narrative"]["summary"], "The key is ***.");
    assert!(
        data["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["title"] == "Gap ***"),
        "{data}"
    );
    let mut leaks = Vec::new();
    let project_json = env.project().join(".okstra/project.json");
    for root in [env.project().join(".okstra"), env.okstra_home()] {
        // project.json is the user's own file, with the workerEnv they wrote.
        for (path, bytes) in files(&root).into_iter().filter(|(p, _)| *p != project_json) {
            for secret in [API_KEY, GH_TOKEN, DB_PASSWORD] {
                if contains(&bytes, secret) {
                    leaks.push(format!("{} holds {secret}", path.display()));
                }
            }
        }
    }
    assert_eq!(leaks, Vec::<String>::new());
    for secret in [API_KEY, GH_TOKEN, DB_PASSWORD] {
        assert!(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "{out}"
        );
    }
}

fn mode(path: &Path) -> u32 {
    fs_err::symlink_metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every file and folder under `dir` that okstra made, with its mode; git worktrees' contents
/// are git's and skipped.
fn modes(dir: &Path, out: &mut Vec<(PathBuf, u32)>) {
    for entry in fs_err::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.join(".git").exists() {
            continue;
        }
        out.push((p.clone(), mode(&p)));
        if p.is_dir() && !p.is_symlink() {
            modes(&p, out);
        }
    }
}

#[test]
fn every_file_and_folder_okstra_makes_is_private_under_umask_022() {
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    let env = TestEnv::new();
    write_project(
        &env,
        &json!({"projectId": "shop", "roles": {"report-writer": "writer"},
            "agents": {"x": fake(&["--text", FINDINGS]), "writer": writer()}}),
    );
    // project.json was written by the test; okstra rewrites nothing of it.
    fs_err::set_permissions(
        env.project().join(".okstra/project.json"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    fs_err::set_permissions(
        env.project().join(".okstra"),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    let brief = write_brief(&env);
    let out = run_guarded(
        &env,
        okstra_cmd(
            &env,
            &[
                "run",
                "error-analysis",
                "--task",
                "m/o",
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
    let mut seen = Vec::new();
    modes(&env.project().join(".okstra"), &mut seen);
    modes(&env.okstra_home(), &mut seen);
    let wrong: Vec<String> = seen
        .iter()
        .filter(|(p, m)| {
            let want = if p.is_dir() { 0o700 } else { 0o600 };
            *m != want
        })
        .map(|(p, m)| format!("{} is {m:o}", p.display()))
        .collect();
    assert_eq!(wrong, Vec::<String>::new());
    assert!(seen.len() > 20, "the run made its files: {seen:?}");
    let worktrees = env.okstra_home().join("worktrees");
    assert_eq!(mode(&worktrees), 0o700);
    // A worktree keeps git's own modes.
    let task = worktrees.join("shop/m/o/task");
    assert_eq!(
        mode(&task.join("README.md")),
        0o644,
        "git's mode under umask 022"
    );
}

#[test]
fn worker_bytes_reach_the_terminal_escaped() {
    let env = TestEnv::new();
    let hostile = "\u{1b}]0;TITLE\u{7}\u{1b}[2J boom";
    write_project(
        &env,
        &json!({"projectId": "shop", "roles": {"report-writer": "writer"},
            "agents": {"x": fake(&["--exit", "3", "--stderr", hostile]), "writer": writer()}}),
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
                "h/o",
                "--brief",
                brief.to_str().unwrap(),
                "--base-ref",
                "main",
                "--workers",
                "x",
            ],
        ),
    );
    assert_eq!(out.code, Some(3), "{out}");
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !stream.contains('\u{1b}') && !stream.contains('\u{7}'),
            "raw control bytes: {stream:?}"
        );
    }
    assert!(
        out.stderr.contains("\\u{1b}]0;TITLE\\u{7}\\u{1b}[2J boom"),
        "shown escaped: {}",
        out.stderr
    );
}

/// Runs the prepared run `run_id` to its end with `okstra resume`.
fn resume(env: &TestEnv, run_id: &str) -> okstra_test_support::CommandOutput {
    run_guarded(env, okstra_cmd(env, &["resume", run_id]))
}

#[test]
fn a_planted_temp_path_is_never_used_nor_emptied() {
    let env = TestEnv::new();
    let seen = env.root().join("worker-env");
    write_project(
        &env,
        &json!({"projectId": "shop", "roles": {"report-writer": "writer"},
            "agents": {"x": fake(&["--env-file", seen.to_str().unwrap(), "--text", FINDINGS]),
                       "writer": writer()}}),
    );
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/p",
            "--base-ref",
            "main",
            "--workers",
            "x",
            "--prepare-only",
            "--json",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let run_id = serde_json::from_str::<Value>(&out.stdout).unwrap()["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    // The old, predictable names of the run's temp folders, planted as symlinks to a victim.
    let victim = env.root().join("victim");
    fs_err::create_dir_all(victim.join("x-worker-r0")).unwrap();
    fs_err::write(victim.join("keep.txt"), "mine").unwrap();
    fs_err::write(victim.join("x-worker-r0/keep.txt"), "mine").unwrap();
    let tmp = env.root().join("tmp");
    std::os::unix::fs::symlink(&victim, tmp.join(format!("okstra-{run_id}"))).unwrap();
    let out = resume(&env, &run_id);
    assert_eq!(out.code, Some(0), "{out}");
    let vars = fs_err::read_to_string(&seen).unwrap();
    let tmpdir = vars
        .lines()
        .find_map(|l| l.strip_prefix("TMPDIR="))
        .unwrap()
        .to_owned();
    assert!(
        !Path::new(&tmpdir).starts_with(tmp.join(format!("okstra-{run_id}"))),
        "{tmpdir}"
    );
    assert!(!tmpdir.starts_with(victim.to_str().unwrap()), "{tmpdir}");
    assert_eq!(
        fs_err::read_to_string(victim.join("keep.txt")).unwrap(),
        "mine"
    );
    assert_eq!(
        fs_err::read_to_string(victim.join("x-worker-r0/keep.txt")).unwrap(),
        "mine"
    );
    // Nothing of the run is left in TMPDIR but the planted link.
    let left: Vec<String> = fs_err::read_dir(&tmp)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, [format!("okstra-{run_id}")]);
}

#[test]
fn a_temp_folder_left_by_a_kill_after_the_end_is_removed_by_resume() {
    let env = TestEnv::new();
    write_project(
        &env,
        &json!({"projectId": "shop", "roles": {"report-writer": "writer"},
            "agents": {"x": fake(&["--text", FINDINGS]), "writer": writer()}}),
    );
    let brief = write_brief(&env);
    let mut cmd = okstra_cmd(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/k",
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
            "--workers",
            "x",
        ],
    );
    cmd.env("OKSTRA_TEST_KILL_AT", "persist");
    let out = run_guarded(&env, cmd);
    assert_eq!(out.code, None, "killed at persist: {out}");
    let dir = run_dir(&env, "t/k", "error-analysis");
    let team = read_json(&dir.join("state/team-state-1.json"));
    let root = PathBuf::from(
        team["tmpRoot"]
            .as_str()
            .expect("the temp folder is recorded"),
    );
    assert!(root.is_dir(), "left behind by the kill");
    let manifest = read_json(&dir.join("manifests/run-manifest-error-analysis-1.json"));
    let out = resume(&env, manifest["runId"].as_str().unwrap());
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stderr.contains("nothing to resume"), "{out}");
    assert!(!root.exists(), "resume removed the leftover");
    let team = read_json(&dir.join("state/team-state-1.json"));
    assert_eq!(team.get("tmpRoot"), None);
}
