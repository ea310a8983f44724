//! Owns the real-IO-test detector (SPEC §8): a changed or added test of the project's own suite
//! whose added lines open a network socket, a database connection, an HTTP / S3 / queue client
//! or write the real filesystem is a blocking finding — real-IO tests belong under the task's
//! `qa/`. It is a pattern check per language (`io_patterns`), made on the diff's added lines; a
//! use it can tell is mocked, in memory or in a temp folder is not flagged, and the verifier
//! judges the rest.

use std::collections::BTreeMap;

use super::diff::FileDiff;
use super::io_patterns::{
    IN_MEMORY_MARKERS, IO_PATTERNS, IoKind, IoPattern, MOCK_MARKERS, PYTHON_WRITE_MODES,
    TEMP_MARKERS,
};
use super::model::{DiffFinding, DiffSeverity};
use super::paths::{Language, TestScope, is_test_file, is_under, language_of, test_scope};

/// The rule of a real-IO test found in the source tree.
pub const REAL_IO_RULE: &str = "real-io-test-in-source-tree";

/// A file mentioning one of these (any case) talks HTTP to a local mock server: its HTTP
/// calls are not flagged.
pub const MOCK_SERVER_MARKERS: &[&str] = &[
    "mockito",
    "wiremock",
    "httpmock",
    "mockserver",
    "mockwebserver",
    "httptest.newserver",
    "nock(",
    "msw",
    "requests_mock",
    "responses.activate",
    "respx",
];

/// Returns whether the detector wants the head text of a changed file: a test file it checks
/// (for the mocks and temp folders declared in unchanged lines) or a Rust source under `src`
/// (for its `#[cfg(test)]` module).
pub fn wants_head_text(path: &str, qa_dir: &str) -> bool {
    let checked = matches!(
        language_of(path),
        Some(Language::Rust | Language::Python | Language::JsTs | Language::Go | Language::Jvm)
    );
    checked
        && !is_under(path, qa_dir)
        && (is_test_file(path) || test_scope(path, Some("#[cfg(test)]")).is_some())
}

/// Returns the blocking findings of real-IO tests in the source tree: one per added line that
/// opens real IO, at `path:line`. `head_texts` holds the head text of the files
/// [`wants_head_text`] named (a Rust source without its text has no test code); files under
/// `qa_dir` (the task's `qa/`, relative to the repository root) are never flagged.
pub fn detect_real_io_tests(
    files: &[FileDiff],
    head_texts: &BTreeMap<String, String>,
    qa_dir: &str,
) -> Vec<DiffFinding> {
    let mut out = Vec::new();
    for file in files {
        if file.deleted || file.added.is_empty() || is_under(&file.path, qa_dir) {
            continue;
        }
        let Some(language) = language_of(&file.path) else {
            continue;
        };
        let head = head_texts.get(&file.path).map(String::as_str);
        let Some(scope) = test_scope(&file.path, head) else {
            continue;
        };
        let context = FileContext::new(file, head, scope);
        for added in file.added.iter().filter(|l| scope.covers(l.line)) {
            if let Some(pattern) = real_io_call(language, &added.text, &context) {
                out.push(finding(&file.path, added.line, pattern, qa_dir));
            }
        }
    }
    out
}

fn finding(path: &str, line: u32, pattern: &IoPattern, qa_dir: &str) -> DiffFinding {
    let qa = qa_dir.trim_end_matches('/');
    DiffFinding {
        at: format!("{path}:{line}"),
        rule: REAL_IO_RULE.to_owned(),
        severity: DiffSeverity::Blocking,
        message: format!(
            "a test in the source tree opens {} (`{}`)",
            pattern.kind.describe(),
            core_name(pattern.needle)
        ),
        fix: if qa.is_empty() {
            "move it under the task's qa/ or inject a fake".to_owned()
        } else {
            format!("move it under the task's qa/ ({qa}/) or inject a fake")
        },
    }
}

/// What the whole test code of a file says about its IO.
struct FileContext {
    temp_folder: bool,
    mock_server: bool,
    mocked: Vec<String>,
}

impl FileContext {
    fn new(file: &FileDiff, head: Option<&str>, scope: TestScope) -> Self {
        let text = match head {
            Some(head) => head
                .lines()
                .zip(1u32..)
                .filter(|(_, n)| scope.covers(*n))
                .map(|(l, _)| l)
                .collect::<Vec<_>>()
                .join("\n"),
            None => file
                .added
                .iter()
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        };
        let lower = text.to_ascii_lowercase();
        Self {
            temp_folder: TEMP_MARKERS.iter().any(|m| lower.contains(m)),
            mock_server: MOCK_SERVER_MARKERS.iter().any(|m| lower.contains(m)),
            mocked: text
                .lines()
                .filter(|l| has_mock_marker(l))
                .flat_map(mocked_names)
                .collect(),
        }
    }

    fn is_mocked(&self, needle: &str) -> bool {
        let core = core_name(needle);
        let first = core.split(['.', ':']).next().unwrap_or(core);
        self.mocked.iter().any(|t| {
            t == core
                || t.ends_with(&format!(".{core}"))
                || core.starts_with(&format!("{t}."))
                || t.rsplit(['/', '-', '.']).next() == Some(first)
        })
    }
}

/// Returns the real-IO call an added line makes, unless the line is a comment, mocks
/// something, opens an in-memory database, or the file shows the call is a fake's.
fn real_io_call(
    language: Language,
    line: &str,
    context: &FileContext,
) -> Option<&'static IoPattern> {
    let trimmed = line.trim_start();
    let comment = match language {
        Language::Python => trimmed.starts_with('#'),
        _ => ["//", "/*", "*"].iter().any(|c| trimmed.starts_with(c)),
    };
    if comment || has_mock_marker(line) || IN_MEMORY_MARKERS.iter().any(|m| line.contains(m)) {
        return None;
    }
    IO_PATTERNS.iter().find(|p| {
        p.language == language
            && contains_at_word_start(line, p.needle)
            && !(p.kind == IoKind::Filesystem && context.temp_folder)
            && !(p.kind == IoKind::Http && context.mock_server)
            && (p.needle != "open(" || PYTHON_WRITE_MODES.iter().any(|m| line.contains(m)))
            && !context.is_mocked(p.needle)
    })
}

/// Returns the name a needle calls: `requests.get(` → `requests.get`, `new S3Client(` →
/// `S3Client`, `axios.` → `axios`.
fn core_name(needle: &str) -> &str {
    let n = needle.strip_prefix("new ").unwrap_or(needle);
    let n = n.trim_start_matches(['&', '.']);
    n.trim_end_matches(['(', '.', '{', ':'])
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.' || c == '$'
}

/// Returns whether `needle` is in `line` where no name goes on into it from the left.
fn contains_at_word_start(line: &str, needle: &str) -> bool {
    let check = needle.starts_with(|c: char| c.is_alphanumeric() || c == '_');
    line.match_indices(needle)
        .any(|(at, _)| !check || !line[..at].chars().next_back().is_some_and(is_word_char))
}

/// Returns whether a line mocks, stubs or fakes something: a marker starts a word or a
/// camel-case part (`MagicMock`, `jest.spyOn`, `mockResolvedValue`; not `dispatch`).
fn has_mock_marker(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    MOCK_MARKERS.iter().any(|m| {
        lower.match_indices(m).any(|(at, _)| {
            let before = line[..at].chars().next_back();
            let first = line[at..].chars().next();
            match before {
                None => true,
                Some(b) if !b.is_alphanumeric() => true,
                Some(b) => b.is_lowercase() && first.is_some_and(char::is_uppercase),
            }
        })
    })
}

/// Returns the names a mocking line mocks: the strings it quotes (`patch("requests.get")`,
/// `jest.mock('axios')`) and what it assigns to (`global.fetch = jest.fn()`).
fn mocked_names(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find(['"', '\'', '`']) {
        let quote = rest[start..].chars().next().unwrap_or('"');
        let after = &rest[start + 1..];
        let Some(end) = after.find(quote) else {
            break;
        };
        if !after[..end].is_empty() {
            out.push(after[..end].to_owned());
        }
        rest = &after[end + 1..];
    }
    if let Some((left, right)) = line.split_once('=')
        && !right.starts_with(['=', '>'])
        && !left.ends_with(['!', '<', '>', '='])
    {
        let target = left.trim().rsplit(' ').next().unwrap_or_default();
        if target.chars().any(char::is_alphanumeric)
            && target.chars().all(|c| is_word_char(c) || c == ':')
        {
            out.push(target.to_owned());
        }
    }
    out
}

#[cfg(test)]
#[path = "real_io_tests.rs"]
mod tests;
