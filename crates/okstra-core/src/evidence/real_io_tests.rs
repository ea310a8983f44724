//! Tests of the real-IO-test detector: per language, what it flags and what it must not.

use std::collections::BTreeMap;

use super::*;
use crate::evidence::diff::DiffLine;

const QA: &str = ".okstra/tasks/g/t/qa";

fn added(path: &str, lines: &[&str]) -> FileDiff {
    FileDiff {
        path: path.to_owned(),
        deleted: false,
        added: lines
            .iter()
            .zip(1u32..)
            .map(|(t, n)| DiffLine {
                line: n,
                text: (*t).to_owned(),
            })
            .collect(),
        removed: vec![],
    }
}

fn flagged(path: &str, lines: &[&str]) -> Vec<String> {
    flagged_with(path, lines, &BTreeMap::new())
}

fn flagged_with(path: &str, lines: &[&str], heads: &BTreeMap<String, String>) -> Vec<String> {
    detect_real_io_tests(&[added(path, lines)], heads, QA)
        .into_iter()
        .map(|f| format!("{} {}", f.at, f.message))
        .collect()
}

#[test]
fn a_finding_names_the_line_the_rule_and_the_qa_folder() {
    let findings = detect_real_io_tests(
        &[added(
            "tests/api.rs",
            &["let s = TcpStream::connect(addr)?;"],
        )],
        &BTreeMap::new(),
        QA,
    );
    assert_eq!(
        findings,
        [DiffFinding {
            at: "tests/api.rs:1".into(),
            rule: REAL_IO_RULE.into(),
            severity: DiffSeverity::Blocking,
            message: "a test in the source tree opens a network socket (`TcpStream::connect`)"
                .into(),
            fix: "move it under the task's qa/ (.okstra/tasks/g/t/qa/) or inject a fake".into(),
        }]
    );
}

#[test]
fn rust_integration_tests_and_cfg_test_modules() {
    assert_eq!(
        flagged(
            "tests/client.rs",
            &[
                "let body = reqwest::blocking::get(url)?.text()?;",
                "// reqwest::get(url) in a comment",
                "std::fs::write(\"out.txt\", b\"x\")?;",
            ]
        ),
        [
            "tests/client.rs:1 a test in the source tree opens an HTTP client (`reqwest`)",
            "tests/client.rs:3 a test in the source tree opens the real filesystem (`std::fs::write`)",
        ]
    );
    // In a source file, only the lines from its #[cfg(test)] on are tests.
    let head = "use std::net::TcpStream;\nfn dial() { TcpStream::connect(ADDR); }\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() { TcpStream::connect(ADDR); }\n}\n";
    let heads = BTreeMap::from([("src/net.rs".to_owned(), head.to_owned())]);
    let lines: Vec<&str> = head.lines().collect();
    assert_eq!(
        flagged_with("src/net.rs", &lines, &heads),
        ["src/net.rs:7 a test in the source tree opens a network socket (`TcpStream::connect`)"]
    );
    assert!(
        flagged("src/net.rs", &lines).is_empty(),
        "no head text: no known test code"
    );
    // A temp folder, an in-memory database, a mock server.
    assert!(
        flagged(
            "tests/store.rs",
            &[
                "let dir = tempfile::tempdir()?;",
                "fs::write(dir.path().join(\"a\"), \"x\")?;",
                "let db = Connection::open(\":memory:\")?;",
                "let conn = Connection::open_in_memory()?;",
            ]
        )
        .is_empty()
    );
    assert!(
        flagged(
            "tests/http.rs",
            &[
                "let server = mockito::Server::new();",
                "let got = reqwest::blocking::get(server.url())?;",
            ]
        )
        .is_empty()
    );
}

#[test]
fn python_tests() {
    assert_eq!(
        flagged(
            "tests/test_users.py",
            &[
                "conn = psycopg2.connect(DSN)",
                "r = requests.get('https://api.example.com')",
                "s3 = boto3.client('s3')",
                "with open('report.txt', 'w') as f:",
                "with open('fixture.json') as f:",
                "# requests.get(url) in a comment",
                "db = sqlite3.connect(':memory:')",
                "sock = socket.socket(socket.AF_INET)",
            ]
        ),
        [
            "tests/test_users.py:1 a test in the source tree opens a database connection (`psycopg2.connect`)",
            "tests/test_users.py:2 a test in the source tree opens an HTTP client (`requests.get`)",
            "tests/test_users.py:3 a test in the source tree opens a cloud storage or queue client (`boto3.client`)",
            "tests/test_users.py:4 a test in the source tree opens the real filesystem (`open`)",
            "tests/test_users.py:8 a test in the source tree opens a network socket (`socket.socket`)",
        ]
    );
    // The same calls, mocked.
    assert!(
        flagged(
            "app/users_test.py",
            &[
                "@patch('app.users.requests.get')",
                "def test_fetch(mock_get):",
                "    requests.get('https://api.example.com')",
                "    s3 = MagicMock(boto3.client('s3'))",
                "    mocker.patch('boto3.client')",
                "    boto3.client('s3')",
            ]
        )
        .is_empty()
    );
    // A mock declared in an unchanged line of the file.
    let heads = BTreeMap::from([(
        "tests/test_api.py".to_owned(),
        "from unittest.mock import patch\n\n@patch(\"requests.post\")\ndef test_post(m):\n    requests.post(URL)\n".to_owned(),
    )]);
    assert!(flagged_with("tests/test_api.py", &["    requests.post(URL)"], &heads).is_empty());
}

#[test]
fn javascript_and_typescript_tests() {
    assert_eq!(
        flagged(
            "web/src/__tests__/api.test.ts",
            &[
                "const res = await fetch('https://api.example.com/users');",
                "const { data } = await axios.get(url);",
                "const db = new PrismaClient();",
                "fs.writeFileSync('out.json', '{}');",
                "const x = prefetch(url);",
                "store.dispatch(fetch(url));",
            ]
        ),
        [
            "web/src/__tests__/api.test.ts:1 a test in the source tree opens an HTTP client (`fetch`)",
            "web/src/__tests__/api.test.ts:2 a test in the source tree opens an HTTP client (`axios`)",
            "web/src/__tests__/api.test.ts:3 a test in the source tree opens a database connection (`PrismaClient`)",
            "web/src/__tests__/api.test.ts:4 a test in the source tree opens the real filesystem (`fs.writeFileSync`)",
            "web/src/__tests__/api.test.ts:6 a test in the source tree opens an HTTP client (`fetch`)",
        ]
    );
    assert!(
        flagged(
            "src/user.spec.js",
            &[
                "jest.mock('axios');",
                "axios.get.mockResolvedValue({ data: [] });",
                "const { data } = await axios.get(url);",
                "global.fetch = jest.fn(() => Promise.resolve(ok));",
                "const res = await fetch('/api/users');",
                "jest.spyOn(fs, 'writeFileSync');",
            ]
        )
        .is_empty()
    );
}

#[test]
fn go_tests() {
    assert_eq!(
        flagged(
            "internal/store/store_test.go",
            &[
                "\tdb, err := sql.Open(\"postgres\", dsn)",
                "\tresp, err := http.Get(\"https://example.com\")",
                "\tconn, err := net.Dial(\"tcp\", addr)",
                "\tdb, mock, err := sqlmock.New()",
            ]
        ),
        [
            "internal/store/store_test.go:1 a test in the source tree opens a database connection (`sql.Open`)",
            "internal/store/store_test.go:2 a test in the source tree opens an HTTP client (`http.Get`)",
            "internal/store/store_test.go:3 a test in the source tree opens a network socket (`net.Dial`)",
        ]
    );
    assert!(
        flagged(
            "api/handler_test.go",
            &[
                "\tsrv := httptest.NewServer(handler)",
                "\tresp, err := http.Get(srv.URL)",
                "\tdir := t.TempDir()",
                "\tos.WriteFile(filepath.Join(dir, \"a\"), data, 0o600)",
            ]
        )
        .is_empty()
    );
}

#[test]
fn java_and_kotlin_tests() {
    assert_eq!(
        flagged(
            "src/test/java/shop/OrderRepositoryTest.java",
            &[
                "Connection c = DriverManager.getConnection(URL);",
                "HttpClient client = HttpClient.newHttpClient();",
                "Socket s = new Socket(\"localhost\", 5432);",
                "WebSocket ws = factory.create();",
            ]
        ),
        [
            "src/test/java/shop/OrderRepositoryTest.java:1 a test in the source tree opens a database connection (`DriverManager.getConnection`)",
            "src/test/java/shop/OrderRepositoryTest.java:2 a test in the source tree opens an HTTP client (`HttpClient.newHttpClient`)",
            "src/test/java/shop/OrderRepositoryTest.java:3 a test in the source tree opens a network socket (`Socket`)",
        ]
    );
    assert!(
        flagged(
            "app/src/test/kotlin/OrderTests.kt",
            &[
                "val client = mock<HttpClient>()",
                "val repo = Mockito.mock(Repo::class.java)",
                "val conn = DriverManager.getConnection(\"jdbc:h2:mem:test\")",
            ]
        )
        .is_empty()
    );
}

#[test]
fn only_tests_outside_the_task_qa_folder_are_flagged() {
    let io = ["conn = psycopg2.connect(DSN)"];
    assert!(flagged(".okstra/tasks/g/t/qa/test_db.py", &io).is_empty());
    assert!(flagged("app/db.py", &io).is_empty(), "not a test");
    assert!(flagged("docs/tests/notes.md", &io).is_empty(), "not code");
    let mut deleted = added("tests/test_db.py", &io);
    deleted.deleted = true;
    assert!(detect_real_io_tests(&[deleted], &BTreeMap::new(), QA).is_empty());
    assert_eq!(
        flagged("tests/test_db.py", &io).len(),
        1,
        "a test under tests/ is"
    );
}

#[test]
fn head_texts_are_wanted_for_tests_and_rust_sources() {
    assert!(wants_head_text("tests/test_a.py", QA));
    assert!(wants_head_text("src/lib.rs", QA));
    assert!(wants_head_text("crates/x/src/a/b.rs", QA));
    assert!(!wants_head_text("src/app.py", QA));
    assert!(!wants_head_text("build.rs", QA));
    assert!(!wants_head_text(".okstra/tasks/g/t/qa/test_a.py", QA));
    assert!(!wants_head_text("tests/data.json", QA));
}

#[test]
fn the_readme_lists_every_real_io_pattern() {
    let readme = include_str!("../../../../README.md");
    let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    for p in crate::evidence::io_patterns::IO_PATTERNS {
        assert!(
            flat.contains(&format!("`{}`", p.needle)),
            "README.md's Real-IO tests list misses `{}`",
            p.needle
        );
    }
}
