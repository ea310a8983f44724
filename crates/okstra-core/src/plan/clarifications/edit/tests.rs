//! The line-splice edits of a markdown-only plan.

use super::*;

const PLAN: &str = "---\ntitle: cart\napproved: false\n---\n# Plan\n\n## 1. Clarification Items\n\n\
| id | question | answer | Blocks | Status | note |\n|---|---|---|---|---|---|\n\
| C-1 | Keep carts? | — | approval | open | from the brief |\n\
| C-2 | Which release? | 2.4 | none | resolved | x |\n\n## 5. Implementation Plan\n";

#[test]
fn answering_changes_only_that_row() {
    let out = set_clarification_answer(PLAN, "c-1", "Yes | merged\nalways", Some("Resolved"))
        .expect("edits");
    let expected = PLAN.replace(
        "| C-1 | Keep carts? | — | approval | open | from the brief |",
        "| C-1 | Keep carts? | Yes \\| merged always | approval | resolved | from the brief |",
    );
    assert_eq!(out, expected);
    let kept = set_clarification_answer(PLAN, "C-2", "", None).expect("edits");
    assert_eq!(kept, PLAN.replace("| 2.4 |", "| — |"));
}

#[test]
fn answering_refuses_what_it_cannot_find() {
    let err = |md: &str, id: &str, status: Option<&str>| {
        set_clarification_answer(md, id, "a", status)
            .expect_err("refused")
            .to_string()
    };
    assert_eq!(
        err(PLAN, "C-9", None),
        "section 1 has no item `C-9` (its items: C-1, C-2)"
    );
    assert_eq!(
        err(PLAN, "C-1", Some("done")),
        "`done` is not a status (use open, resolved or obsolete)"
    );
    assert_eq!(
        err("# Plan\n", "C-1", None),
        "the plan has no section 1 (a heading with `Clarification Items` and its table)"
    );
    let twice = PLAN.replace("| C-2 |", "| C-1 |");
    assert_eq!(
        err(&twice, "C-1", None),
        "section 1 has item `C-1` more than once (lines 11, 12)"
    );
    let broken = PLAN.replace("| C-2 | Which release? |", "| C-2 |");
    assert_eq!(
        err(&broken, "C-1", None),
        "section 1 cannot be read (line 12: this row of section 1 has 5 cells, its header has 6)"
    );
}

#[test]
fn approval_replaces_or_adds_one_line() {
    let out = set_markdown_approved(PLAN, true).expect("edits");
    assert_eq!(out, PLAN.replace("approved: false", "approved: true"));
    let without = PLAN.replace("approved: false\n", "");
    assert_eq!(set_markdown_approved(&without, true).expect("edits"), out);
    let bare = "# Plan\n";
    assert_eq!(
        set_markdown_approved(bare, false).expect("edits"),
        "---\napproved: false\n---\n# Plan\n"
    );
    let crlf = "---\r\ntitle: x\r\n---\r\nbody\r\n";
    assert_eq!(
        set_markdown_approved(crlf, true).expect("edits"),
        "---\r\ntitle: x\r\napproved: true\r\n---\r\nbody\r\n"
    );
    let yes = PLAN.replace("approved: false", "approved: yes");
    assert_eq!(set_markdown_approved(&yes, true).expect("fixes it"), out);
    assert!(matches!(
        set_markdown_approved("---\napproved: true\n", true),
        Err(PlanEditError::UnclosedFrontmatter)
    ));
    assert!(matches!(
        set_markdown_approved("---\ntaskType: nope\n---\n", true),
        Err(PlanEditError::Frontmatter(_))
    ));
}
