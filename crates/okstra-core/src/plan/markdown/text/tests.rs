//! The text rules shared by the renderer and the parser.

use super::*;

#[test]
fn guarded_lines_open_no_block_and_unguard_back() {
    let lines = [
        "## 5.5.9 Stage 9: injected",
        "   # three spaces",
        "```rust",
        "~~~",
        "---",
        "=",
        "<!-- comment",
        "<script>",
        "\\# already escaped",
        "\\\\## two backslashes",
        "plain text",
        "#hashtag",
        "- list item",
        "    # indented code",
        "`code` at the start",
    ];
    for line in lines {
        let guarded = guard_line(line);
        let rest = guarded.trim_start_matches(' ');
        assert!(
            !opens_block(rest) || guarded.len() - rest.len() > 3,
            "{line:?} → {guarded:?}"
        );
        assert_eq!(unguard_line(&guarded), line, "{line:?} → {guarded:?}");
    }
    assert_eq!(guard_line("## x"), "\\## x");
    assert_eq!(guard_line("plain"), "plain");
    assert_eq!(guard_line("`code` first"), "`code` first");
}

#[test]
fn blocks_are_normalized_then_guarded() {
    let text = "\r\nfirst  \r\n## Stage 9\n\n\n\nlast\n";
    assert_eq!(guard_block(text), "first\n\\## Stage 9\n\nlast");
    assert_eq!(
        unguard_block(&guard_block(text)),
        "first\n## Stage 9\n\nlast"
    );
    assert_eq!(guard_block(" \n "), "");
    assert_eq!(guard_block("a\r## Stage 9"), "a\n\\## Stage 9");
}

#[test]
fn cells_and_titles_escape_what_would_break_them() {
    assert_eq!(cell("a | b\nc"), "a \\| b c");
    assert_eq!(cell("  "), DASH);
    assert_eq!(cell_text(" — "), "");
    assert_eq!(heading_title("C#"), "C\\#");
    assert_eq!(unheading_title("C\\#"), "C#");
}

#[test]
fn code_spans_round_trip() {
    for text in ["cargo test", "a`b", "``x``", "`start", "end`"] {
        let span = code_span(text);
        assert_eq!(uncode(&span), text, "{span}");
    }
    assert_eq!(take_code_span("`a` — b"), Some(("a".to_owned(), " — b")));
    assert_eq!(take_code_span("`open"), None);
    assert_eq!(take_code_span("plain"), None);
    assert_eq!(uncode("`a` and `b`"), "`a` and `b`");
}

#[test]
fn labels_tolerate_bold_case_and_list_markers() {
    assert_eq!(label_value("Slice value: x", "Slice value"), Some("x"));
    assert_eq!(label_value("**Slice value:** x", "Slice value"), Some("x"));
    assert_eq!(label_value("**Slice value**: x", "Slice value"), Some("x"));
    assert_eq!(label_value("- slice value: x", "Slice value"), Some("x"));
    assert_eq!(label_value("Slice value:", "Slice value"), Some(""));
    assert_eq!(label_value("Slice value: *x*", "Slice value"), Some("*x*"));
    assert_eq!(label_value("__Slice value:__ x", "Slice value"), Some("x"));
    assert_eq!(label_value("Slice values: x", "Slice value"), None);
    assert_eq!(label_value("Slice", "Slice value"), None);
    assert_eq!(label_value("é", "Slice value"), None);
}

#[test]
fn depends_on_forms() {
    let numbers = |v: &str| parse_depends_on(v);
    assert_eq!(numbers("(none)"), (vec![], vec![]));
    assert_eq!(numbers("none"), (vec![], vec![]));
    assert_eq!(numbers("—"), (vec![], vec![]));
    assert_eq!(numbers(""), (vec![], vec![]));
    assert_eq!(numbers("1, 2"), (vec![1, 2], vec![]));
    assert_eq!(numbers("1,2"), (vec![1, 2], vec![]));
    assert_eq!(numbers("Stage 1, Stage 2"), (vec![1, 2], vec![]));
    assert_eq!(numbers("`3`"), (vec![3], vec![]));
    assert_eq!(numbers("1, login"), (vec![1], vec!["login".to_owned()]));
}

#[test]
fn numbered_headings() {
    let stage = |t: &str| numbered_heading(t, "Stage", false);
    assert_eq!(
        stage("5.5.2 Stage 2: Cart"),
        Some(Numbered {
            section: Some("5.5.2".to_owned()),
            number: 2,
            title: "Cart".to_owned()
        })
    );
    assert_eq!(
        stage("Stage 3 — Cart").map(|n| n.title),
        Some("Cart".to_owned())
    );
    assert_eq!(stage("Stage 3").map(|n| n.number), Some(3));
    assert_eq!(
        stage("Stage 3: C\\#").map(|n| n.title),
        Some("C#".to_owned())
    );
    assert_eq!(stage("5.5 Stage Map"), None);
    assert_eq!(stage("Stage Validation"), None);
    assert_eq!(stage("Stage 2x"), None);
    assert_eq!(stage("Stage B"), None);
    let option = |t: &str| numbered_heading(t, "Option", true).map(|n| n.number);
    assert_eq!(option("Option B: typed"), Some(2));
    assert_eq!(option("Option 1"), Some(1));
    assert_eq!(option("Option Candidates"), None);
    assert_eq!(option("5.2 Option Candidates (옵션 후보)"), None);
}
