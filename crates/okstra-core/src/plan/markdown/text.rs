//! Owns the text rules shared by the plan renderer and parser, kept in step so that every
//! rendered plan parses back to the same model: how untrusted text is written so that it can
//! never open a block that changes the document's structure (a heading, a fence, a setext
//! underline, an HTML block), how that escaping is undone, table cells, code spans, the
//! `Label: value` lines of a stage, `depends-on` lists and the `Stage N` / `Option N` headings.

use std::borrow::Cow;

/// What is written for an empty value.
pub(crate) const DASH: &str = "—";

/// Returns whether text stands for nothing: `None.`, `—` or blank (what the renderer writes
/// for an empty list or text).
pub(crate) fn says_none(text: &str) -> bool {
    matches!(
        text.trim(),
        "" | "None" | "None." | "none" | "none." | "—" | "-"
    )
}

/// Returns text on one line: every run of whitespace becomes one space.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Returns the part of a line after its indentation, when that indentation is at most three
/// spaces (deeper or tabbed lines cannot open a block at this level).
fn after_indent(line: &str) -> Option<(usize, &str)> {
    let rest = line.trim_start_matches(' ');
    let indent = line.len() - rest.len();
    (indent <= 3 && !rest.starts_with('\t')).then_some((indent, rest))
}

/// Returns whether a line (after its indentation) would open or close a block: an ATX heading,
/// a code fence, a setext underline, or an HTML block that runs past blank lines.
fn opens_block(rest: &str) -> bool {
    let hashes = rest.len() - rest.trim_start_matches('#').len();
    if (1..=6).contains(&hashes)
        && rest[hashes..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == '\t')
    {
        return true;
    }
    if rest.starts_with("```") || rest.starts_with("~~~") {
        return true;
    }
    let bare = rest.trim_end();
    if !bare.is_empty() && (bare.chars().all(|c| c == '=') || bare.chars().all(|c| c == '-')) {
        return true;
    }
    let lower = rest.get(..10).unwrap_or(rest).to_ascii_lowercase();
    rest.starts_with("<!")
        || rest.starts_with("<?")
        || ["<script", "<pre", "<style", "<textarea"]
            .iter()
            .any(|tag| {
                lower.starts_with(tag)
                    && lower[tag.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| c == ' ' || c == '>' || c == '\t')
            })
}

/// Returns one line written so that it opens no block: a backslash goes before a line that
/// would (and before one that already starts with backslashes in front of such a line, so
/// that [`unguard_line`] undoes exactly this).
pub(crate) fn guard_line(line: &str) -> Cow<'_, str> {
    match after_indent(line) {
        Some((indent, rest)) if opens_block(rest.trim_start_matches('\\')) => {
            Cow::Owned(format!("{}\\{rest}", &line[..indent]))
        }
        _ => Cow::Borrowed(line),
    }
}

/// Undoes [`guard_line`].
pub(crate) fn unguard_line(line: &str) -> Cow<'_, str> {
    match after_indent(line) {
        Some((indent, rest))
            if rest.starts_with('\\') && opens_block(rest.trim_start_matches('\\')) =>
        {
            Cow::Owned(format!("{}{}", &line[..indent], &rest[1..]))
        }
        _ => Cow::Borrowed(line),
    }
}

/// Returns free text (markdown) as a block that opens no heading, fence or HTML block: line
/// endings normalized, trailing spaces and outer blank lines dropped, runs of blank lines
/// made one, each line guarded.
pub(crate) fn guard_block(text: &str) -> String {
    // A lone `\r` ends a line in markdown too.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(text.len() + 8);
    let mut blank = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push_str("\n\n");
        } else if !out.is_empty() {
            out.push('\n');
        }
        blank = false;
        out.push_str(&guard_line(line));
    }
    out
}

/// Undoes [`guard_block`] on text read back from a document.
pub(crate) fn unguard_block(text: &str) -> String {
    let lines: Vec<Cow<'_, str>> = text.trim().lines().map(unguard_line).collect();
    guard_free(&lines.join("\n"))
}

/// Returns text normalized the way [`guard_block`] normalizes it, without guarding.
fn guard_free(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push_str("\n\n");
        } else if !out.is_empty() {
            out.push('\n');
        }
        blank = false;
        out.push_str(line);
    }
    out
}

/// Returns inline text (a list item, a label value) on one line and guarded.
pub(crate) fn inline(text: &str) -> String {
    guard_line(&one_line(text)).into_owned()
}

/// Returns a table cell: one line, `|` escaped; `—` when empty.
pub(crate) fn cell(text: &str) -> String {
    let line = one_line(text);
    if line.is_empty() {
        DASH.to_owned()
    } else {
        line.replace('|', "\\|")
    }
}

/// Returns a cell's value, `—` (or `-`) read as empty.
pub(crate) fn cell_text(value: &str) -> String {
    let value = value.trim();
    if value == DASH || value == "-" {
        String::new()
    } else {
        value.to_owned()
    }
}

/// Returns a heading title: one line, a trailing `#` escaped (it would close the heading).
pub(crate) fn heading_title(title: &str) -> String {
    let mut line = one_line(title);
    if line.ends_with('#') {
        line.pop();
        line.push_str("\\#");
    }
    line
}

/// Undoes [`heading_title`].
pub(crate) fn unheading_title(title: &str) -> String {
    match title.strip_suffix("\\#") {
        Some(rest) => format!("{rest}#"),
        None => title.to_owned(),
    }
}

/// Returns text as one code span, with a fence of backticks longer than any run inside it.
pub(crate) fn code_span(text: &str) -> String {
    let text = one_line(text);
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest > 0 || text.starts_with(' ') || text.ends_with(' ') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// Returns the content of a code span at the start of `text` and what follows it, or `None`
/// when `text` does not start with a closed code span.
pub(crate) fn take_code_span(text: &str) -> Option<(String, &str)> {
    let fence = text.len() - text.trim_start_matches('`').len();
    if fence == 0 {
        return None;
    }
    let body = &text[fence..];
    let mut at = 0;
    while let Some(found) = body[at..].find('`') {
        let start = at + found;
        let run = body[start..].len() - body[start..].trim_start_matches('`').len();
        if run == fence {
            let content = &body[..start];
            let content = if content.len() >= 2
                && content.starts_with(' ')
                && content.ends_with(' ')
                && !content.trim().is_empty()
            {
                &content[1..content.len() - 1]
            } else {
                content
            };
            return Some((content.to_owned(), &body[start + run..]));
        }
        at = start + run;
    }
    None
}

/// Returns a command written as a whole code span (`` `cargo test` ``) without its backticks,
/// or the text itself.
pub(crate) fn uncode(text: &str) -> String {
    let text = text.trim();
    match take_code_span(text) {
        Some((content, rest)) if rest.trim().is_empty() => content,
        _ => text.to_owned(),
    }
}

/// Returns the value of a `Label: value` line (labels matched case-insensitively; bold
/// labels such as `**Slice value:**` and list markers tolerated), or `None` when the line is
/// not that label's.
pub(crate) fn label_value<'a>(line: &'a str, label: &str) -> Option<&'a str> {
    let mut rest = line.trim_start();
    for marker in ["- ", "* ", "+ "] {
        rest = rest.strip_prefix(marker).unwrap_or(rest);
    }
    let rest = rest.trim_start_matches(['*', '_']);
    let head = rest.get(..label.len())?;
    if !head.eq_ignore_ascii_case(label) {
        return None;
    }
    let rest = rest[label.len()..].trim_start_matches(['*', '_']);
    let rest = rest.strip_prefix(':')?;
    // `**Slice value:** x`: the bold's closing marker follows the colon directly; a value's
    // own emphasis (`Slice value: *x*`) comes after a space and is kept.
    let rest = rest
        .strip_prefix("**")
        .or_else(|| rest.strip_prefix("__"))
        .unwrap_or(rest);
    Some(rest.trim())
}

/// Returns `items` read from a `depends-on` value: stage numbers, with `none`, `(none)`, `—`
/// or nothing meaning none; `Err` holds each entry that is not a stage number.
pub(crate) fn parse_depends_on(value: &str) -> (Vec<u32>, Vec<String>) {
    let value = value.trim().trim_end_matches('.');
    let bare = value.trim_matches(|c| c == '(' || c == ')').trim();
    if bare.is_empty() || bare.eq_ignore_ascii_case("none") || bare == DASH || bare == "-" {
        return (Vec::new(), Vec::new());
    }
    let mut numbers = Vec::new();
    let mut bad = Vec::new();
    for entry in value.split([',', ';']) {
        let entry = entry.trim().trim_matches('`');
        if entry.is_empty() {
            continue;
        }
        let number = entry
            .get(..5)
            .filter(|head| head.eq_ignore_ascii_case("stage"))
            .map_or(entry, |_| entry[5..].trim());
        match number.parse::<u32>() {
            Ok(n) => numbers.push(n),
            Err(_) => bad.push(entry.to_owned()),
        }
    }
    (numbers, bad)
}

/// A heading of the form `[5.5.1] <Word> <n>[: title]` (`Stage 2: …`, `Option 1 — …`).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Numbered {
    /// The leading section number (`5.5.1`), if any.
    pub(crate) section: Option<String>,
    pub(crate) number: u32,
    pub(crate) title: String,
}

/// Returns a heading read as `[section] <word> <n>[sep title]`, where `sep` is `:`, `—`, `–`,
/// `-` or `.`; for options a single letter may stand for the number (`Option B` is 2).
pub(crate) fn numbered_heading(text: &str, word: &str, letters: bool) -> Option<Numbered> {
    let (section, rest) = match text.split_once(' ') {
        Some((first, rest))
            if first.starts_with(|c: char| c.is_ascii_digit())
                && first.chars().all(|c| c.is_ascii_digit() || c == '.') =>
        {
            (
                Some(first.trim_end_matches('.').to_owned()),
                rest.trim_start(),
            )
        }
        _ => (None, text),
    };
    let head = rest.get(..word.len())?;
    if !head.eq_ignore_ascii_case(word) {
        return None;
    }
    let rest = rest[word.len()..].strip_prefix(' ')?.trim_start();
    let token_end = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let token = &rest[..token_end];
    let number = if let Ok(n) = token.parse::<u32>() {
        n
    } else {
        let mut chars = token.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if letters && c.is_ascii_uppercase() => {
                u32::from(c) - u32::from('A') + 1
            }
            _ => return None,
        }
    };
    let after = rest[token_end..].trim_start();
    let title = ["—", "–", ":", "-", "."]
        .iter()
        .find_map(|sep| after.strip_prefix(sep))
        .unwrap_or(after)
        .trim();
    Some(Numbered {
        section,
        number,
        title: unheading_title(title),
    })
}

#[cfg(test)]
mod tests;
