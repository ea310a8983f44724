//! Owns reading the text of `git diff --no-renames -U<n>` into files and their added and
//! removed lines with line numbers — what the DB gate and the real-IO detector look at. It
//! does not run git; a diff cut short (the engine bounds it) reads as far as it goes.

/// One line a diff added (numbered at the head) or removed (numbered at the base).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffLine {
    /// 1-based.
    pub line: u32,
    pub text: String,
}

/// One file of a diff.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileDiff {
    /// The path at the head; for a deleted file, the path it had.
    pub path: String,
    /// The file is gone at the head.
    pub deleted: bool,
    pub added: Vec<DiffLine>,
    pub removed: Vec<DiffLine>,
}

/// Lines still expected in the current hunk.
#[derive(Clone, Copy, Debug, Default)]
struct Hunk {
    old_line: u32,
    new_line: u32,
    old_left: u32,
    new_left: u32,
}

/// Returns the files of a unified diff as git prints it without rename detection, in order.
pub fn parse_unified_diff(text: &str) -> Vec<FileDiff> {
    let mut files: Vec<FileDiff> = Vec::new();
    let mut hunk: Option<Hunk> = None;
    for line in text.lines() {
        if let Some(h) = hunk.as_mut().filter(|h| h.old_left > 0 || h.new_left > 0) {
            let Some(file) = files.last_mut() else {
                break;
            };
            read_hunk_line(h, file, line);
            continue;
        }
        hunk = None;
        if let Some(rest) = line.strip_prefix("diff --git ") {
            files.push(FileDiff {
                path: header_path(rest).unwrap_or_default(),
                ..FileDiff::default()
            });
        } else if let Some(file) = files.last_mut() {
            if let Some(old) = line.strip_prefix("--- ") {
                if let Some(p) = side_path(old, "a/") {
                    file.path = p;
                }
            } else if let Some(new) = line.strip_prefix("+++ ") {
                match side_path(new, "b/") {
                    Some(p) => file.path = p,
                    None => file.deleted = true,
                }
            } else if line.starts_with("deleted file mode") {
                file.deleted = true;
            } else if let Some(h) = line.strip_prefix("@@ ").and_then(parse_hunk_header) {
                hunk = Some(h);
            }
        }
    }
    files
}

fn read_hunk_line(h: &mut Hunk, file: &mut FileDiff, line: &str) {
    match line.as_bytes().first() {
        Some(b'+') if h.new_left > 0 => {
            file.added.push(DiffLine {
                line: h.new_line,
                text: line[1..].to_owned(),
            });
            h.new_line += 1;
            h.new_left -= 1;
        }
        Some(b'-') if h.old_left > 0 => {
            file.removed.push(DiffLine {
                line: h.old_line,
                text: line[1..].to_owned(),
            });
            h.old_line += 1;
            h.old_left -= 1;
        }
        // "\ No newline at end of file" belongs to the line before it.
        Some(b'\\') => {}
        _ => {
            h.old_line += 1;
            h.new_line += 1;
            h.old_left = h.old_left.saturating_sub(1);
            h.new_left = h.new_left.saturating_sub(1);
        }
    }
}

/// Reads `-a[,b] +c[,d] @@…`.
fn parse_hunk_header(rest: &str) -> Option<Hunk> {
    let mut parts = rest.split(' ');
    let (old_line, old_left) = range(parts.next()?.strip_prefix('-')?)?;
    let (new_line, new_left) = range(parts.next()?.strip_prefix('+')?)?;
    Some(Hunk {
        old_line,
        new_line,
        old_left,
        new_left,
    })
}

fn range(text: &str) -> Option<(u32, u32)> {
    match text.split_once(',') {
        Some((start, count)) => Some((start.parse().ok()?, count.parse().ok()?)),
        None => Some((text.parse().ok()?, 1)),
    }
}

/// Returns the path of a `--- a/…` or `+++ b/…` line; `None` for `/dev/null`.
fn side_path(text: &str, prefix: &str) -> Option<String> {
    // git ends the line with a tab when the name has a space in it.
    let text = text.strip_suffix('\t').unwrap_or(text);
    if text == "/dev/null" {
        return None;
    }
    let name = if text.starts_with('"') {
        unquote(text)?
    } else {
        text.to_owned()
    };
    Some(name.strip_prefix(prefix).unwrap_or(&name).to_owned())
}

/// Returns the path of a `diff --git a/P b/P` header (both sides agree without renames).
fn header_path(rest: &str) -> Option<String> {
    if rest.starts_with('"') {
        let end = closing_quote(rest)?;
        let name = unquote(&rest[..=end])?;
        return name.strip_prefix("a/").map(str::to_owned);
    }
    let half = rest.len().checked_sub(1)? / 2;
    let (left, right) = (rest.get(..half)?, rest.get(half + 1..)?);
    let (left, right) = (left.strip_prefix("a/")?, right.strip_prefix("b/")?);
    (left == right).then(|| left.to_owned())
}

/// Returns the index of the quote that closes the C-quoted string `text` starts with.
fn closing_quote(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Returns a name git quoted C-style (`"a/caf\303\251 \"x\""`), undone.
fn unquote(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    let bytes = inner.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let c = *bytes.get(i + 1)?;
        i += 2;
        out.push(match c {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'a' => 7,
            b'b' => 8,
            b'f' => 12,
            b'v' => 11,
            b'0'..=b'7' => {
                let digits = inner.get(i - 1..i + 2)?;
                i += 2;
                u8::from_str_radix(digits, 8).ok()?
            }
            other => other,
        });
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "\
diff --git a/src/app.py b/src/app.py
index 1111111..2222222 100644
--- a/src/app.py
+++ b/src/app.py
@@ -3 +3,2 @@ def main():
-    old()
+    new()
+++counter
@@ -10,0 +12 @@ x
+    tail()
diff --git a/gone.sql b/gone.sql
deleted file mode 100644
index 3333333..0000000
--- a/gone.sql
+++ /dev/null
@@ -1,2 +0,0 @@
-DROP TABLE x;
--- a comment
diff --git a/new file.ts b/new file.ts
new file mode 100644
--- /dev/null
+++ b/new file.ts\t
@@ -0,0 +1 @@
+fetch(url)
\\ No newline at end of file
diff --git a/img.png b/img.png
Binary files a/img.png and b/img.png differ
diff --git \"a/caf\\303\\251.rs\" \"b/caf\\303\\251.rs\"
--- \"a/caf\\303\\251.rs\"
+++ \"b/caf\\303\\251.rs\"
@@ -1 +1 @@
-a
+b
";

    #[test]
    fn reads_files_hunks_and_line_numbers() {
        let files = parse_unified_diff(DIFF);
        let paths: Vec<_> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "src/app.py",
                "gone.sql",
                "new file.ts",
                "img.png",
                "café.rs"
            ]
        );
        let app = &files[0];
        assert_eq!(
            app.removed,
            [DiffLine {
                line: 3,
                text: "    old()".into()
            }]
        );
        let added: Vec<_> = app
            .added
            .iter()
            .map(|l| (l.line, l.text.as_str()))
            .collect();
        assert_eq!(
            added,
            [(3, "    new()"), (4, "++counter"), (12, "    tail()")],
            "a line that reads like a header inside a hunk is content"
        );
        assert!(files[1].deleted);
        assert_eq!(files[1].removed.len(), 2);
        assert_eq!(files[1].removed[1].text, "-- a comment");
        assert_eq!(files[2].added[0].text, "fetch(url)");
        assert!(files[3].added.is_empty());
        assert_eq!(files[4].added[0].text, "b");
    }

    #[test]
    fn a_diff_cut_short_reads_as_far_as_it_goes() {
        let cut = &DIFF[..DIFF.find("+    tail()").unwrap() + 6];
        let files = parse_unified_diff(cut);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].added.last().unwrap().text, "    t");
        assert!(parse_unified_diff("").is_empty());
        assert!(parse_unified_diff("garbage\n@@ -1 +1 @@\n+x\n").is_empty());
    }
}
