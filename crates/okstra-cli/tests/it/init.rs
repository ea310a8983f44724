//! `okstra init`.

use okstra_test_support::TestEnv;

use crate::common::okstra;

#[test]
fn init_writes_project_json_excludes_and_registers() {
    let env = TestEnv::new();
    let out = okstra(&env, &["init"]);
    insta::assert_snapshot!(out, @r"
    exit: 0
    ----- stdout -----
    ----- stderr -----
    initialised okstra project `project` in [TMP]/project
      wrote .okstra/project.json
      added .okstra/ to [TMP]/project/.git/info/exclude
      registered in [TMP]/home/.okstra/projects/project/meta.json
    next: [OKSTRA] doctor   (checks the worker CLIs)
    then: [OKSTRA] run error-analysis --task <group>/<id> --brief <FILE> --base-ref <REF>
    ");
    let project_json = fs_err::read_to_string(env.project().join(".okstra/project.json")).unwrap();
    insta::assert_snapshot!(project_json, @r#"
    {
      "schemaVersion": "project/v1",
      "projectId": "project",
      "language": "en"
    }
    "#);
    let exclude = fs_err::read_to_string(env.project().join(".git/info/exclude")).unwrap();
    assert_eq!(exclude.lines().filter(|l| *l == ".okstra/").count(), 1);
    // git no longer sees .okstra/.
    let status = okstra_test_support::git_repo::git(env.project(), &["status", "--porcelain"]);
    assert_eq!(status, "");

    // Idempotent.
    let again = okstra(&env, &["init"]);
    insta::assert_snapshot!(again, @r"
    exit: 0
    ----- stdout -----
    ----- stderr -----
    okstra project `project` is already initialised in [TMP]/project
      registered in [TMP]/home/.okstra/projects/project/meta.json
    next: [OKSTRA] doctor   (checks the worker CLIs)
    then: [OKSTRA] run error-analysis --task <group>/<id> --brief <FILE> --base-ref <REF>
    ");
    let exclude = fs_err::read_to_string(env.project().join(".git/info/exclude")).unwrap();
    assert_eq!(exclude.lines().filter(|l| *l == ".okstra/").count(), 1);
    let meta =
        fs_err::read_to_string(env.okstra_home().join("projects/project/meta.json")).unwrap();
    assert_eq!(meta.matches("\"path\"").count(), 1, "{meta}");
}

#[test]
fn init_korean_tracked_with_project_id() {
    let env = TestEnv::new();
    let out = okstra(
        &env,
        &[
            "init",
            "--language",
            "ko",
            "--track",
            "--project-id",
            "My Shop",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let project_json = fs_err::read_to_string(env.project().join(".okstra/project.json")).unwrap();
    assert!(
        project_json.contains("\"projectId\": \"my-shop\""),
        "{project_json}"
    );
    assert!(
        project_json.contains("\"language\": \"ko\""),
        "{project_json}"
    );
    let exclude = fs_err::read_to_string(env.project().join(".git/info/exclude")).unwrap();
    assert!(!exclude.contains(".okstra/"));
}

#[test]
fn init_outside_git() {
    let env = TestEnv::new_non_git();
    let out = okstra(&env, &["init"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stderr.contains("not a git repository"), "{out}");
}

#[test]
fn init_warns_about_unknown_keys_and_refuses_broken_json() {
    let env = TestEnv::new();
    fs_err::create_dir_all(env.project().join(".okstra")).unwrap();
    fs_err::write(
        env.project().join(".okstra/project.json"),
        "{\"projectId\":\"shop\",\"colour\":\"red\"}",
    )
    .unwrap();
    let out = okstra(&env, &["init"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stderr
            .contains("warning: .okstra/project.json: unknown key `colour` (ignored)"),
        "{out}"
    );
    fs_err::write(
        env.project().join(".okstra/project.json"),
        "{\n\"projectId\": \"shop\",\n}",
    )
    .unwrap();
    let out = okstra(&env, &["init"]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/.okstra/project.json: line 3, column 1: trailing comma
    hint: fix the JSON syntax of .okstra/project.json at line 3, column 1; it is a JSON object whose keys are all optional but projectId
    ");
}
