//! Owns the snapshot filters: the temp dir becomes `[TMP]`, ULID run ids `[RUN]`, RFC 3339
//! timestamps `[TS]`, 40-hex commit ids `[SHA]`, and the `okstra` binary of this build (which
//! okstra names in its next-step lines when it is not on PATH) `[OKSTRA]`.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

static ULID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[0-9A-HJKMNP-TV-Z]{26}\b").expect("valid regex"));
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
        .expect("valid regex")
});
static SHA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[0-9a-f]{40}\b").expect("valid regex"));
static ROTATED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{8}T\d{6}Z").expect("valid regex"));

/// The path of this build's `okstra` binary: beside the `deps/` folder that holds the test
/// binary (cargo's layout).
static OKSTRA_BIN: LazyLock<Option<String>> = LazyLock::new(|| {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    let profile = if dir.file_name()? == "deps" {
        dir.parent()?
    } else {
        dir
    };
    Some(profile.join("okstra").display().to_string())
});

/// Returns `text` with `tmp` (and its canonical form) replaced by `[TMP]`, the `okstra` binary
/// by `[OKSTRA]`, and ids, times and hashes replaced by tokens.
pub fn normalize(text: &str, tmp: &Path) -> String {
    let mut out = text.to_owned();
    if let Some(bin) = OKSTRA_BIN.as_deref() {
        out = out.replace(bin, "[OKSTRA]");
    }
    let canonical = fs_err::canonicalize(tmp).unwrap_or_else(|_| tmp.to_path_buf());
    for p in [canonical.as_path(), tmp] {
        let s = p.display().to_string();
        if !s.is_empty() {
            out = out.replace(&s, "[TMP]");
        }
    }
    let out = ULID.replace_all(&out, "[RUN]");
    let out = TIMESTAMP.replace_all(&out, "[TS]");
    let out = SHA.replace_all(&out, "[SHA]");
    ROTATED.replace_all(&out, "[STAMP]").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_tokens() {
        let text = "run 01M7Z6FV2T9TNWMJNH62CMKPP4 at 2026-11-21T13:59:46.010367176Z in /tmp/x/a \
                    commit dc3b45ba895989101ece4dac5b623e3ee6654425";
        assert_eq!(
            normalize(text, Path::new("/tmp/x")),
            "run [RUN] at [TS] in [TMP]/a commit [SHA]"
        );
        let bin = OKSTRA_BIN.as_deref().unwrap();
        assert_eq!(
            normalize(&format!("{bin} resume x"), Path::new("/tmp/x")),
            "[OKSTRA] resume x"
        );
    }
}
