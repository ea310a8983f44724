//! Report pages from the outside: the demo writes one page per run (each recording its data's
//! hash) and ends with the task's overview; `task show` lists the runs and stages; `open`
//! opens a page with the platform's opener or prints where it is. In headless Chromium (under
//! `cargo xtask test`): the pages are not blank at 1280 and 375 px and never scroll sideways
//! at 375 px.

use std::path::{Path, PathBuf};
use std::process::Command;

use okstra_core::report::html::html_data_sha256;
use okstra_core::report::sha256_hex;
use okstra_test_support::TestEnv;
use serde_json::Value;

use crate::common::{okstra_cmd, okstra_in};
use crate::demo_workflow::{demo_env, run_demo};

const TASK: &str = "checkout/cent-short";

/// Runs the demo; returns the env (its OKSTRA_HOME set to the demo's), the sample project and
/// the overview page the demo printed last.
fn demo() -> (TestEnv, PathBuf, PathBuf) {
    let mut env = demo_env(true);
    let (out, dir, _) = run_demo(&env);
    assert_eq!(out.code, Some(0), "{out}");
    let last = out.stdout.lines().last().unwrap_or_default();
    let overview = PathBuf::from(
        last.strip_prefix("overview: ")
            .unwrap_or_else(|| panic!("the demo's last line is not the overview: {last:?}")),
    );
    env.set_env("OKSTRA_HOME", dir.join("okstra-home").to_str().unwrap());
    (env, dir.join("shop"), overview)
}

/// Every report page under `task_root`.
fn pages(task_root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![task_root.join("runs")];
    while let Some(dir) = dirs.pop() {
        for entry in fs_err::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn the_demo_writes_a_page_per_run_and_ends_with_the_task_overview() {
    let (env, project, overview) = demo();
    let task_root = project.join(".okstra/tasks/checkout/cent-short");
    assert_eq!(overview, task_root.join("overview.html"));
    let pages = pages(&task_root);
    // error-analysis, planning, three stages, final verification, hand-off.
    assert_eq!(pages.len(), 7, "{pages:?}");
    for page in &pages {
        let html = fs_err::read_to_string(page).unwrap();
        let data = page.with_file_name(
            page.file_name()
                .unwrap()
                .to_string_lossy()
                .replace(".html", ".data.json"),
        );
        let sha = sha256_hex(&fs_err::read(&data).unwrap());
        assert_eq!(
            html_data_sha256(&html),
            Some(sha.as_str()),
            "{}",
            page.display()
        );
        assert!(html.contains("<svg"), "{}: no timeline", page.display());
    }
    let fv = pages
        .iter()
        .find(|p| p.to_string_lossy().contains("final-verification"))
        .unwrap();
    let fv = fs_err::read_to_string(fv).unwrap();
    for stage in 1..=3 {
        assert!(
            fv.contains(&format!("data-stage=\"{stage}\"")),
            "final verification draws stage {stage}"
        );
    }
    assert_eq!(
        fv.matches("class=\"stage st-done\"").count(),
        3,
        "three stages, all done"
    );

    // The hand-off's page shows the verdict it rests on, and the same Stage Map.
    let handoff = pages
        .iter()
        .find(|p| p.to_string_lossy().contains("release-handoff"))
        .unwrap();
    let handoff = fs_err::read_to_string(handoff).unwrap();
    assert!(
        handoff.contains("<section id=\"verdict\">") && handoff.contains(">accepted<"),
        "no verdict on the hand-off page"
    );
    assert_eq!(handoff.matches("class=\"stage st-done\"").count(), 3);

    // The overview links every run's page, and every link resolves.
    let html = fs_err::read_to_string(&overview).unwrap();
    let links: Vec<&str> = html
        .split("href=\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    for page in &pages {
        let rel = page.strip_prefix(&task_root).unwrap().display().to_string();
        assert!(links.contains(&rel.as_str()), "{rel} not linked");
    }
    for link in links {
        assert!(task_root.join(link).is_file(), "{link} does not resolve");
    }

    // task show --json: every run in order, every stage done.
    let out = okstra_in(&env, &project, &["task", "show", TASK, "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let types: Vec<&str> = v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["taskType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "error-analysis",
            "implementation-planning",
            "implementation",
            "implementation",
            "implementation",
            "final-verification",
            "release-handoff"
        ]
    );
    let states: Vec<&str> = v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["done", "done", "done"]);
    assert_eq!(v["latest"].as_array().unwrap().len(), 5);

    // task show --html rewrites the same page; an unknown task is the user's error.
    let before = fs_err::read_to_string(&overview).unwrap();
    let out = okstra_in(&env, &project, &["task", "show", TASK, "--html"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(out.stdout.trim(), overview.display().to_string());
    assert_eq!(
        fs_err::read_to_string(&overview).unwrap(),
        before,
        "deterministic"
    );
    let out = okstra_in(&env, &project, &["task", "show", "no/such"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(out.stderr.contains("task no/such has no folder"), "{out}");
}

#[test]
fn open_uses_the_platform_opener_or_prints_the_path() {
    let (mut env, project, overview) = demo();
    // No opener on PATH: the path, and why nothing opened.
    let out = okstra_in(&env, &project, &["open", TASK]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(out.stdout.trim(), overview.display().to_string());
    assert!(
        out.stderr
            .contains("no browser could be opened (no xdg-open on PATH)"),
        "{out}"
    );

    // An opener that records what it was asked to open.
    let bin = env.root().join("opener");
    fs_err::create_dir_all(&bin).unwrap();
    let log = env.root().join("opened.fifo");
    nix::unistd::mkfifo(&log, nix::sys::stat::Mode::S_IRWXU).unwrap();
    let script = bin.join("xdg-open");
    fs_err::write(
        &script,
        format!("#!/bin/sh\necho \"$1\" >> {}\n", log.display()),
    )
    .unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut fs_err::metadata(&script).unwrap().permissions(),
        0o755,
    );
    Command::new("chmod")
        .arg("755")
        .arg(&script)
        .status()
        .unwrap();
    env.prepend_path(&bin);
    let run_id = {
        let out = okstra_in(
            &env,
            &project,
            &["ctl", "list", "--type", "final-verification", "--json"],
        );
        let v: Value = serde_json::from_str(&out.stdout).unwrap();
        v[0]["runId"]
            .as_str()
            .unwrap_or_else(|| panic!("{v}"))
            .to_owned()
    };
    let out = okstra_in(&env, &project, &["open", &run_id]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stderr.contains("opening it with xdg-open"), "{out}");
    // The opener runs on its own: its line comes through the fifo when it runs.
    let opened = read_fifo(&log);
    // From here on the opener opens nothing (no reader would take its line).
    fs_err::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
    assert!(
        opened
            .trim()
            .ends_with("final-report-final-verification-1.html"),
        "{opened}"
    );
    assert_eq!(opened.trim(), out.stdout.trim());

    // From outside the project, a run id still finds its page.
    let out = okstra_in(&env, &env.root(), &["open", &run_id]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stdout
            .trim()
            .ends_with("final-report-final-verification-1.html"),
        "{out}"
    );
    let out = env.run(okstra_cmd(&env, &["open", "01NOSUCHRUN"]));
    assert_eq!(out.code, Some(2), "{out}");
    // A run whose page is gone (a run made before pages) is refused, saying how to write it;
    // validate does not miss the page.
    let page = PathBuf::from(out_path_of(&env, &project, &run_id));
    fs_err::remove_file(&page).unwrap();
    let out = okstra_in(&env, &project, &["open", &run_id]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.contains("has no report page") && out.stderr.contains("okstra render"),
        "{out}"
    );
    assert_eq!(
        okstra_in(&env, &project, &["validate", &run_id]).code,
        Some(0)
    );
}

/// Returns the Chromium `cargo xtask test` found or installed.
fn chromium() -> PathBuf {
    let path = std::env::var_os("OKSTRA_TEST_CHROMIUM").unwrap_or_else(|| {
        panic!("OKSTRA_TEST_CHROMIUM is not set: run this test with `cargo xtask test`")
    });
    PathBuf::from(path)
}

/// Runs headless Chromium at `width` px on `page` with `args`; returns its stdout.
fn headless(scratch: &Path, width: u32, page: &Path, args: &[String]) -> String {
    let profile = tempfile::tempdir_in(scratch).unwrap();
    // The flags this machine needs: no sandbox as root, and nothing that reaches the network.
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},1600"))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .env("HOME", profile.path())
        .output()
        .expect("start chromium");
    assert!(out.status.success(), "chromium failed: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Returns a page that shows `html` in a frame exactly `width` px wide: headless Chromium
/// will not make a window narrower than 500 px, and a frame's width is its page's viewport.
fn framed(scratch: &Path, width: u32, html: &str, name: &str) -> PathBuf {
    let escaped = html
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let path = scratch.join(name);
    fs_err::write(
        &path,
        format!(
            "<!DOCTYPE html><html><head><title>-</title></head><body style=\"margin:0\"><iframe style=\"width:{width}px;height:1600px;border:0\" srcdoc=\"{escaped}\"></iframe></body></html>"
        ),
    )
    .unwrap();
    path
}

/// Takes a screenshot of `page` at `width` px; returns the PNG's size in bytes.
fn screenshot(scratch: &Path, width: u32, page: &Path, png: &Path) -> u64 {
    let shown = if width < 500 {
        framed(
            scratch,
            width,
            &fs_err::read_to_string(page).unwrap(),
            "framed.html",
        )
    } else {
        page.to_path_buf()
    };
    headless(
        scratch,
        width.max(500),
        &shown,
        &[format!("--screenshot={}", png.display())],
    );
    fs_err::metadata(png).unwrap().len()
}

/// Returns `(scrollWidth, clientWidth)` of `page`'s document shown `width` px wide, measured
/// by a script added to a copy of the page (the page itself has none).
fn widths(scratch: &Path, width: u32, page: &Path) -> (u64, u64) {
    let probe = "<script>var e=document.documentElement;parent.document.title='sw='+e.scrollWidth+' cw='+e.clientWidth;</script></body>";
    let html = fs_err::read_to_string(page)
        .unwrap()
        .replace("</body>", probe);
    let frame = framed(scratch, width, &html, "probe.html");
    let dom = headless(scratch, 800, &frame, &["--dump-dom".to_owned()]);
    let title = dom
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or_else(|| panic!("no title in the dumped DOM of {}", page.display()));
    let number = |key: &str| {
        title
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {key} in {title:?}: the probe did not run"))
    };
    (number("sw="), number("cw="))
}

#[test]
#[ignore = "needs chromium: cargo xtask test"]
fn the_demo_pages_are_not_blank_and_never_scroll_sideways_in_chromium() {
    let (env, _, overview) = demo();
    let task_root = overview.parent().unwrap().to_path_buf();
    let all = pages(&task_root);
    let find = |kind: &str| {
        all.iter()
            .find(|p| p.to_string_lossy().contains(kind))
            .unwrap_or_else(|| panic!("no {kind} page"))
            .clone()
    };
    let plan = find("implementation-planning");
    let fv = find("final-verification");
    let scratch = env.root().join("chromium");
    fs_err::create_dir_all(&scratch).unwrap();
    let blank_page = scratch.join("blank.html");
    fs_err::write(&blank_page, "<!DOCTYPE html><html><body></body></html>").unwrap();
    let blank = screenshot(&scratch, 1280, &blank_page, &scratch.join("blank.png"));
    // The probe tells a page that scrolls sideways: a 900 px wide block at 375 px does.
    let wide = scratch.join("wide.html");
    fs_err::write(
        &wide,
        "<!DOCTYPE html><html><body><div style=\"width:900px\">x</div></body></html>",
    )
    .unwrap();
    let (scroll, client) = widths(&scratch, 375, &wide);
    assert!(
        scroll > client && client == 375,
        "the probe measured {scroll} / {client}"
    );
    for page in [&plan, &fv, &overview] {
        for width in [1280, 375] {
            let png = scratch.join(format!("{width}.png"));
            let size = screenshot(&scratch, width, page, &png);
            assert!(
                size > blank * 4,
                "{} at {width} px looks blank: {size} bytes, a blank page {blank}",
                page.display()
            );
            if width == 1280
                && std::env::var_os("OKSTRA_UPDATE_SCREENSHOTS").is_some()
                && page != &overview
            {
                let name = if page == &plan {
                    "report-plan.png"
                } else {
                    "report-final-verification.png"
                };
                let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
                fs_err::create_dir_all(&docs).unwrap();
                fs_err::copy(&png, docs.join(name)).unwrap();
            }
        }
        let (scroll, client) = widths(&scratch, 375, page);
        assert_eq!(client, 375, "{} was not shown 375 px wide", page.display());
        assert!(
            scroll <= client,
            "{} scrolls sideways at 375 px: scrollWidth {scroll} > clientWidth {client}",
            page.display()
        );
    }
}

/// Returns the page path `open` prints for `run` (with no opener it only prints it).
fn out_path_of(env: &TestEnv, project: &Path, run: &str) -> String {
    let out = okstra_in(env, project, &["open", run]);
    assert_eq!(out.code, Some(0), "{out}");
    out.stdout.trim().to_owned()
}

/// Reads what a writer puts in the fifo at `path`; after 30 s a watchdog writes `timeout`.
fn read_fifo(path: &Path) -> String {
    use std::io::{Read, Write};
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let watched = path.to_path_buf();
    std::thread::spawn(move || {
        if done_rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .is_err()
            && let Ok(mut f) = fs_err::OpenOptions::new().write(true).open(&watched)
        {
            let _ = f.write_all(b"timeout\n");
        }
    });
    let mut text = String::new();
    fs_err::File::open(path)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let _ = done_tx.send(());
    assert_ne!(text, "timeout\n", "the opener never ran");
    text
}
