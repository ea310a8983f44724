//! `okstra validate` and `okstra render`: a valid run passes; changing one byte in the report
//! data, the markdown, a result header or the convergence record fails and names that path.

use std::path::Path;

use okstra_test_support::TestEnv;

use crate::common::{okstra, okstra_cmd, replay_run, run_guarded};

/// Changes the first byte of `needle` in the file to a different letter, runs validate, and
/// restores the file.
fn tampered(env: &TestEnv, run: &str, file: &Path, needle: &str) -> String {
    let original = fs_err::read(file).unwrap();
    let text = String::from_utf8(original.clone()).unwrap();
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in {}", file.display()));
    let mut bytes = original.clone();
    bytes[at] = if bytes[at] == b'x' { b'y' } else { b'x' };
    fs_err::write(file, &bytes).unwrap();
    let out = okstra(env, &["validate", run]);
    fs_err::write(file, &original).unwrap();
    assert_eq!(out.code, Some(3), "{}: {out}", file.display());
    out.stdout
}

#[test]
fn one_changed_byte_anywhere_is_found_and_named() {
    let env = TestEnv::new();
    let (run, dir) = replay_run(&env);
    let ok = okstra(&env, &["validate", &run]);
    assert_eq!(ok.code, Some(0), "{ok}");
    assert!(ok.stdout.starts_with("ok: run "), "{ok}");

    let data = dir.join("reports/final-report-error-analysis-1.data.json");
    let out = tampered(&env, &run, &data, "Scripted summary");
    assert!(
        out.contains(&format!(
            "FAIL {}",
            dir.join("reports/final-report-error-analysis-1.md")
                .display()
        )),
        "{out}"
    );
    assert!(out.contains("dataSha256 is"), "{out}");

    let md = dir.join("reports/final-report-error-analysis-1.md");
    let out = tampered(&env, &run, &md, "Scripted analysis");
    assert!(
        out.contains(&format!(
            "FAIL {}: [report-markdown] was edited",
            md.display()
        )),
        "{out}"
    );

    let result = dir.join("worker-results/codex-worker-error-analysis-1.md");
    let header = fs_err::read_to_string(&result).unwrap();
    let started = header
        .lines()
        .find(|l| l.starts_with("startedAt:"))
        .unwrap()
        .to_owned();
    let out = tampered(&env, &run, &result, &started[12..]);
    assert!(
        out.contains(&format!("FAIL {}: [result-header]", result.display())),
        "{out}"
    );

    let conv = dir.join("state/convergence-1.json");
    let out = tampered(&env, &run, &conv, "still not sure");
    assert!(
        out.contains(&format!("FAIL {}: [convergence]", conv.display())),
        "{out}"
    );

    // And a structural change the hash alone would also catch is named by its check.
    let out = tampered(&env, &run, &result, "worker: codex-worker");
    assert!(out.contains("[result-header]"), "{out}");
    assert_eq!(
        okstra(&env, &["validate", &run]).code,
        Some(0),
        "every file was restored"
    );
}

#[test]
fn render_rewrites_the_markdown_and_the_page_from_their_data() {
    let env = TestEnv::new();
    let (run, dir) = replay_run(&env);
    let md = dir.join("reports/final-report-error-analysis-1.md");
    let page = dir.join("reports/final-report-error-analysis-1.html");
    let original = fs_err::read_to_string(&md).unwrap();
    let original_page = fs_err::read_to_string(&page).unwrap();
    assert!(
        original_page.starts_with("<!DOCTYPE html>"),
        "the run wrote its page"
    );
    fs_err::write(&md, "edited by hand\n").unwrap();
    assert_eq!(okstra(&env, &["validate", &run]).code, Some(3));
    // A page that records another data hash fails validation, naming the page.
    let sha = okstra_core::report::html::html_data_sha256(&original_page)
        .unwrap()
        .to_owned();
    fs_err::write(&page, original_page.replace(&sha, &"0".repeat(64))).unwrap();
    let data = dir.join("reports/final-report-error-analysis-1.data.json");
    let out = okstra(&env, &["render", data.to_str().unwrap()]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(
        out.stdout.trim(),
        format!("{}\n{}", md.display(), page.display())
    );
    assert_eq!(fs_err::read_to_string(&md).unwrap(), original);
    assert_eq!(
        fs_err::read_to_string(&page).unwrap(),
        original_page,
        "deterministic"
    );
    assert_eq!(okstra(&env, &["validate", &run]).code, Some(0));
    fs_err::write(&page, original_page.replace(&sha, &"0".repeat(64))).unwrap();
    let out = okstra(&env, &["validate", &run]);
    assert_eq!(out.code, Some(3), "{out}");
    assert!(
        out.stdout.contains("report-html") || out.stderr.contains("report-html"),
        "{out}"
    );
    assert!(
        format!("{out}").contains("final-report-error-analysis-1.html"),
        "{out}"
    );
    // A page edited by hand, its hash kept, fails too: it is compared with what it renders to.
    let edited = original_page.replace("</main>", "<script>alert(1)</script></main>");
    fs_err::write(&page, edited).unwrap();
    let out = okstra(&env, &["validate", &run]);
    assert_eq!(out.code, Some(3), "{out}");
    assert!(format!("{out}").contains("was edited"), "{out}");
    fs_err::write(&page, &original_page).unwrap();
    assert_eq!(okstra(&env, &["validate", &run]).code, Some(0));
    // A run without a page (made before pages) still validates.
    fs_err::remove_file(&page).unwrap();
    assert_eq!(okstra(&env, &["validate", &run]).code, Some(0));
    let bad = okstra(&env, &["render", md.to_str().unwrap()]);
    assert_eq!(bad.code, Some(2), "{bad}");
    assert!(bad.stderr.contains("is not a report data file"), "{bad}");
}

#[test]
fn the_demo_runs_without_network_or_credentials_and_validates() {
    let env = TestEnv::new();
    let dir = env.root().join("demo");
    let out = run_guarded(
        &env,
        okstra_cmd(&env, &["demo", dir.to_str().unwrap(), "--only", "analysis"]),
    );
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stderr.contains("REPLAY workers"), "{out}");
    assert!(
        out.stdout
            .contains("replay:  answers came from scripted replay fixtures"),
        "{out}"
    );
    let report = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("report:  "))
        .unwrap_or_else(|| panic!("no report line: {out}"));
    assert!(Path::new(report).is_file());
    assert!(
        out.stdout.contains(
            "findings: 1 full-consensus, 1 partial-consensus, 1 worker-unique, 1 disputed"
        ),
        "{out}"
    );
    let run = out
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("validate the run: "))
        .and_then(|l| l.rsplit(' ').next())
        .unwrap()
        .to_owned();
    let mut validate = okstra_cmd(&env, &["validate", &run]);
    validate.env("OKSTRA_HOME", dir.join("okstra-home"));
    let v = env.run(validate);
    assert_eq!(v.code, Some(0), "{v}");
    // It never touched the test's own OKSTRA_HOME.
    assert!(!env.okstra_home().join("index").exists());
    let again = okstra(&env, &["demo", dir.to_str().unwrap()]);
    assert_eq!(again.code, Some(2), "{again}");
}
