//! Owns what a changed file's path says about it: its language, whether it is a test of the
//! project's own suite (the source test tree of SPEC §8: `src/**`, `test/**`, `tests/**`,
//! `**/__test__/**`, `**/__tests__/**`, `*.spec.*`, `*.test.*`, and each language's naming
//! convention), and whether it sits under a folder such as the task's `qa/`. Paths are
//! repository-relative with `/` separators, as git prints them.

/// A language the evidence checks know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Language {
    Rust,
    Python,
    /// JavaScript and TypeScript.
    JsTs,
    Go,
    /// Java and Kotlin.
    Jvm,
    /// Ruby, PHP, C#, Scala, Elixir: known as code, with no real-IO patterns of their own.
    OtherCode,
}

/// Where in a test file the test code is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestScope {
    /// The whole file is test code.
    WholeFile,
    /// A Rust source file: the lines from this one (its first `#[cfg(test)]`) to the end.
    FromLine(u32),
}

/// Returns the file name of a path.
pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Returns the folders a path is in, outermost first.
pub fn folders(path: &str) -> impl Iterator<Item = &str> {
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    parts.into_iter()
}

/// Returns the extension of a file name (after its last dot), if it has one.
pub fn extension(name: &str) -> Option<&str> {
    name.rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| !ext.is_empty())
        .filter(|_| !name.starts_with('.') || name.matches('.').count() > 1)
}

/// Returns the language of a file by its extension.
pub fn language_of(path: &str) -> Option<Language> {
    Some(match extension(file_name(path))? {
        "rs" => Language::Rust,
        "py" => Language::Python,
        "js" | "jsx" | "mjs" | "cjs" | "ts" | "tsx" | "mts" | "cts" => Language::JsTs,
        "go" => Language::Go,
        "java" | "kt" | "kts" => Language::Jvm,
        "rb" | "php" | "cs" | "scala" | "ex" | "exs" => Language::OtherCode,
        _ => return None,
    })
}

/// Returns whether `path` is `folder` or inside it (`folder` relative, no trailing `/`
/// needed); an empty folder contains nothing.
pub fn is_under(path: &str, folder: &str) -> bool {
    let folder = folder.trim_matches('/');
    !folder.is_empty()
        && path
            .strip_prefix(folder)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Folder names whose files are tests of the project's suite.
pub const TEST_FOLDERS: [&str; 4] = ["test", "tests", "__test__", "__tests__"];

/// Returns whether a file's name or folders make it a test of the project's own suite, by the
/// source-test-tree globs and each language's naming convention (Rust's in-file test modules
/// are [`rust_test_scope`]'s).
pub fn is_test_file(path: &str) -> bool {
    let name = file_name(path);
    if folders(path).any(|f| TEST_FOLDERS.contains(&f)) {
        return true;
    }
    if name.contains(".spec.") || name.contains(".test.") {
        return true;
    }
    let Some((stem, _)) = name.rsplit_once('.') else {
        return false;
    };
    match language_of(path) {
        Some(Language::Go) => stem.ends_with("_test"),
        Some(Language::Python) => {
            stem.starts_with("test_") || stem.ends_with("_test") || stem == "conftest"
        }
        Some(Language::Jvm) => ["Test", "Tests", "IT", "Spec"]
            .iter()
            .any(|s| stem.len() > s.len() && stem.ends_with(s)),
        Some(Language::Rust) => {
            stem == "tests" || stem == "test" || stem.ends_with("_test") || stem.ends_with("_tests")
        }
        _ => false,
    }
}

/// Returns where the test code of a file is: the whole of a test file; in a Rust file under a
/// `src` folder, the lines from its first `#[cfg(test)]` on (the usual `mod tests` at the
/// bottom), when its text at the head is known; `None` for a file with no test code.
pub fn test_scope(path: &str, head_text: Option<&str>) -> Option<TestScope> {
    if is_test_file(path) {
        return Some(TestScope::WholeFile);
    }
    if language_of(path) == Some(Language::Rust) && folders(path).any(|f| f == "src") {
        return head_text.and_then(rust_test_scope);
    }
    None
}

/// Returns the scope of a Rust file's `#[cfg(test)]` code, if it has any.
pub fn rust_test_scope(text: &str) -> Option<TestScope> {
    text.lines()
        .zip(1u32..)
        .find(|(l, _)| l.trim() == "#[cfg(test)]")
        .map(|(_, n)| TestScope::FromLine(n))
}

impl TestScope {
    /// Returns whether a line (1-based, at the head) is test code.
    pub fn covers(self, line: u32) -> bool {
        match self {
            TestScope::WholeFile => true,
            TestScope::FromLine(from) => line >= from,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_files_by_folder_glob_and_convention() {
        for path in [
            "tests/it.rs",
            "crates/x/tests/it/main.rs",
            "test/app.js",
            "web/src/__tests__/a.tsx",
            "web/src/__test__/a.js",
            "src/user.spec.ts",
            "lib/user.test.mjs",
            "pkg/store/store_test.go",
            "app/test_models.py",
            "app/models_test.py",
            "conftest.py",
            "src/test/java/a/UserRepositoryTest.java",
            "app/src/main/kotlin/UserTests.kt",
            "src/evidence/tests.rs",
            "src/db_test.rs",
        ] {
            assert!(is_test_file(path), "{path}");
        }
        for path in [
            "src/main.rs",
            "src/testing.py",
            "pkg/store/store.go",
            "app/contest.py",
            "src/Test.java",
            "README.md",
            "docs/tests.md.txt",
            "latest/x.py",
        ] {
            assert!(!is_test_file(path), "{path}");
        }
    }

    #[test]
    fn rust_sources_have_test_code_after_cfg_test() {
        let text = "fn a() {}\n\n#[cfg(test)]\nmod tests {\n    fn b() {}\n}\n";
        let scope = test_scope("src/lib.rs", Some(text)).unwrap();
        assert_eq!(scope, TestScope::FromLine(3));
        assert!(!scope.covers(1) && scope.covers(5));
        assert_eq!(test_scope("src/lib.rs", Some("fn a() {}\n")), None);
        assert_eq!(test_scope("src/lib.rs", None), None);
        assert_eq!(test_scope("build.rs", Some(text)), None, "not under src");
        assert_eq!(test_scope("tests/a.rs", None), Some(TestScope::WholeFile));
    }

    #[test]
    fn folders_languages_and_prefixes() {
        assert_eq!(folders("a/b/c.rs").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(language_of("x/y.tsx"), Some(Language::JsTs));
        assert_eq!(language_of("Makefile"), None);
        assert_eq!(language_of(".py"), None);
        assert!(is_under(
            ".okstra/tasks/g/i/qa/t.py",
            ".okstra/tasks/g/i/qa/"
        ));
        assert!(!is_under(
            ".okstra/tasks/g/i/qa2/t.py",
            ".okstra/tasks/g/i/qa"
        ));
        assert!(!is_under("a.py", ""));
    }
}
