//! Owns the snapshot filters: the temp dir becomes `[TMP]`, ULID run ids `[RUN]`, RFC 3339
//! timestamps `[TS]`, 40-hex commit ids `[SHA]`.

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

/// Returns `text` with `tmp` (and its canonical form) replaced by `[TMP]`, and ids, times and
/// hashes replaced by tokens.
pub fn normalize(text: &str, tmp: &Path) -> String {
    let mut out = text.to_owned();
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
    }
}
