//! Section 1: reading its table, what blocks approval.

use super::*;

fn section(md: &str) -> Section1 {
    parse_section_1(&Doc::parse(md)).0
}

fn item(id: &str, blocks: &str, status: &str) -> Clarification {
    Clarification {
        id: id.to_owned(),
        question: "q?".to_owned(),
        answer: None,
        blocks: blocks.to_owned(),
        status: status.to_owned(),
    }
}

#[test]
fn the_table_is_read_by_column_name() {
    let md = "# Plan\n\n## 1. Clarification Items (확인 필요 항목)\n\n\
              | Status | id | extra | question | answer | blocks |\n|---|---|---|---|---|---|\n\
              | open | C-1 | x | a \\| b? | — | approval |\n\
              | resolved | C-2 | y | c? | `yes` | none |\n\n## 2. Summary\n";
    let (section, lines) = parse_section_1(&Doc::parse(md));
    assert_eq!(lines, [7, 8]);
    let Section1::Items(items) = section else {
        panic!("{section:?}")
    };
    assert_eq!(items[0], {
        let mut c = item("C-1", "approval", "open");
        c.question = "a | b?".to_owned();
        c
    });
    assert_eq!(items[1].answer.as_deref(), Some("`yes`"));
}

#[test]
fn absent_empty_and_unparsable() {
    assert_eq!(
        section("# Plan\n\n## 5. Implementation Plan\n"),
        Section1::Absent
    );
    assert_eq!(
        section("## 1. Clarification Items\n\nNone.\n\n## 2. Summary\n"),
        Section1::Items(Vec::new())
    );
    assert_eq!(
        section(
            "## 1. Clarification Items\n\n| id | question | answer | Blocks | Status |\n\
             |---|---|---|---|---|\n\nNo clarification items.\n"
        ),
        Section1::Items(Vec::new())
    );
    assert_eq!(
        section("## 1. Clarification Items\n\n- C-1: must carts survive? (blocks approval)\n"),
        Section1::Unparsable {
            line: 1,
            reason: "section 1 has no clarification table (| id | question | answer | Blocks \
                     | Status |)"
                .to_owned()
        }
    );
    assert_eq!(
        section(
            "## 1. Clarification Items\n\n| id | question | answer | Blocks |\n|---|---|---|---|\n"
        ),
        Section1::Unparsable {
            line: 3,
            reason: "section 1's table has no `Status` column (it needs | id | question | \
                     answer | Blocks | Status |)"
                .to_owned()
        }
    );
    assert_eq!(
        section(
            "## 1. Clarification Items\n\n| id | question | answer | Blocks | Status |\n\
             |---|---|---|---|---|\n| C-1 | q | a | approval | open |\n| C-2 | q | approval | open |\n"
        ),
        Section1::Unparsable {
            line: 6,
            reason: "this row of section 1 has 4 cells, its header has 5".to_owned()
        }
    );
}

#[test]
fn open_approval_items_block() {
    let items = [
        item("C-1", "approval", "open"),
        item("C-2", "Approval, stage 2", "Open"),
        item("C-3", "approval", "resolved"),
        item("C-4", "approval", "OBSOLETE"),
        item("C-5", "none", "open"),
        item("C-6", "approval", "done?"),
    ];
    let ids: Vec<&str> = approval_blockers(&items)
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, ["C-1", "C-2", "C-6"]);
}

#[test]
fn translated_and_other_column_names_are_read() {
    let md = "## 1. 확인 필요 항목 (Clarification Items)\n\n\
              | 번호 | 질문 (Question) | Answer (답변) | Blocks | 상태 |\n|---|---|---|---|---|\n\
              | Q-1 | 버전? | v2 | approval | Resolved |\n\
              | Q-2 | 배포? | — | approval | open |\n";
    let Section1::Items(items) = section(md) else {
        panic!("{:?}", section(md))
    };
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].question, "버전?");
    assert_eq!(items[0].answer.as_deref(), Some("v2"));
    let blockers: Vec<&str> = approval_blockers(&items)
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(blockers, ["Q-2"]);
    // A column that is not there under any name is still an error, never "no blockers".
    let md = md.replace("| Blocks |", "| Impact |");
    assert!(
        matches!(section(&md), Section1::Unparsable { reason, .. } if reason.contains("`Blocks`")),
        "{:?}",
        section(&md)
    );
}

#[test]
fn a_status_settles_by_its_first_word() {
    let items = [
        item("C-1", "approval", "Resolved (2026-06-10)"),
        item("C-2", "approval", "**obsolete**"),
        item("C-3", "approval", "unresolved"),
        item("C-4", "approval", "open: resolved later?"),
        item("C-5", "Approval, release", ""),
    ];
    let blockers: Vec<&str> = approval_blockers(&items)
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(blockers, ["C-3", "C-4", "C-5"]);
}
