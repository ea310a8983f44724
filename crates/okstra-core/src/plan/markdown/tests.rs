//! Reading markdown plans: hand-written variants, the markdown-only rules, and input that is
//! not a plan at all.

use super::*;
use crate::plan::clarifications::Section1;

/// Returns the diagnostics of a markdown plan as `plan.md` would print them.
fn diagnostics(md: &str) -> String {
    check_markdown_plan(md)
        .iter()
        .map(|v| v.display_in("plan.md"))
        .collect::<Vec<_>>()
        .join("\n")
}

const HAND_WRITTEN: &str = "# Cart plan

## 1. Clarification Items

None.

## 5. Implementation Plan

### 5.1 Requirement Coverage

| Requirement | Stages |
|---|---|
| keep carts | Stage 1, Stage 2 |

### 5.2 Option Candidates

### Option A: Guard it

Guard the handler.

#### Trade-offs

- small

### Option B — Type it

#### Trade-off

Touches callers.

### 5.3 Recommended Option

**Option B.** Types beat guards.

### 5.5 Stage Map

#### Dependency Graph

1 → 2

### Stage 1 — Failing test

**depends-on:** none
**Slice value:** the bug is reproduced.
**Acceptance:** the test fails.

#### Stepwise Execution Order

| step | action |
|---|---|
| 1 | RED: write the test |
| 2 | GREEN: mark it known |

#### Stage Validation

```
cargo test -p shop
```

#### Stage Exit Contract

The test exists.

#### Rollback

- Delete the test.

### Stage 2: Typed cart

depends-on: Stage 1
Slice value: guests check out.
Acceptance: tests pass.
TDD exemption: the stage 1 test is the red step.

#### Stage Validation

- `cargo test`

#### Stage Exit Contract

- no optional cart

#### Rollback

Revert.

## 5.6 Validation Checklist

- `cargo test` - all green
- cargo clippy
";

#[test]
fn hand_written_variants_are_read() {
    let plan = parse_markdown_plan(HAND_WRITTEN);
    assert_eq!(plan.approved, None);
    assert_eq!(plan.section_1, Section1::Items(Vec::new()));
    let body = &plan.body;
    assert_eq!(body.requirement_coverage[0].stages, [1, 2]);
    assert_eq!(body.options.len(), 2);
    assert_eq!(body.options[0].title, "Guard it");
    assert_eq!(body.options[0].summary, "Guard the handler.");
    assert_eq!(body.options[0].trade_offs, ["small"]);
    assert_eq!(body.options[1].title, "Type it");
    assert_eq!(body.options[1].trade_offs, ["Touches callers."]);
    assert_eq!(body.recommended_option.option, 2);
    let [one, two] = body.stages.as_slice() else {
        panic!("two stages: {body:#?}")
    };
    assert_eq!((one.number, one.title.as_str()), (1, "Failing test"));
    assert_eq!(one.depends_on, Vec::<u32>::new());
    assert_eq!(one.slice_value, "the bug is reproduced.");
    assert_eq!(one.steps.len(), 2);
    assert_eq!(one.validation, ["cargo test -p shop"]);
    assert_eq!(one.exit_contract, ["The test exists."]);
    assert_eq!(one.rollback, "- Delete the test.");
    assert_eq!(two.depends_on, [1]);
    assert_eq!(
        two.tdd_exemption.as_deref(),
        Some("the stage 1 test is the red step.")
    );
    assert_eq!(body.validation_checklist[0].purpose, "all green");
    assert_eq!(body.validation_checklist[1].command, "cargo clippy");
    // Hand-written, but `### 5.5 Stage Map` is not the exact heading (S1).
    insta::assert_snapshot!(diagnostics(HAND_WRITTEN), @"plan.md:35: S1 the Stage Map heading must be exactly `## 5.5 Stage Map` (a translation in parentheses may follow), not `### 5.5 Stage Map`");
}

#[test]
fn markdown_only_stage_rules() {
    let md = "## 5.5 Stage Map\n\n## 5.5.2 Stage 1: one\n\ndepends-on: login, 1\nSlice value: x\n\
              Acceptance: y\n\n### Stepwise Execution Order\n\n| # | action |\n|---|---|\n\
              | 1 | RED: a |\n| 2 | make it pass |\n\n### Stage Validation\n\n- `t`\n\n\
              ## 5.5.3 Stage 2: two\n\nSlice value: x\nAcceptance: y\nTDD exemption: docs\n\n\
              ### Stage Validation\n\n- `t`\n\n### Stage Exit Contract\n\n- done\n\n### Rollback\n\n\
              Revert.\n";
    insta::assert_snapshot!(diagnostics(md), @r"
    plan.md:1: keyword no heading has the keyword `Dependency` (`### Dependency Graph` under the Stage Map)
    plan.md:1: keyword no heading has the keyword `Option Candidates` (`## 5.2 Option Candidates` holds the options)
    plan.md:1: keyword no heading has the keyword `Recommended Option` (`## 5.3 Recommended Option` names `Option <n>`)
    plan.md:1: keyword no heading has the keyword `Requirement Coverage` (`## 5.1 Requirement Coverage` maps requirements to stages)
    plan.md:1: keyword no heading has the keyword `Trade-off` (each option has a `#### Trade-off` list)
    plan.md:1: keyword no heading has the keyword `Validation Checklist` (`## 5.6 Validation Checklist` lists the task's commands)
    plan.md:3: S2 the heading numbers section 5.5.2 but names Stage 1: the two numbers must match
    plan.md:3: S3 Stage 1 has no `Rollback` subsection
    plan.md:3: S3 Stage 1 has no `Stage Exit Contract` subsection
    plan.md:5: S5 Stage 1 depends on itself
    plan.md:5: S5 Stage 1: `depends-on` entry `login` is not a stage number (write `depends-on: 1, 2` or `depends-on: (none)`)
    plan.md:9: S10 Stage 1 has no GREEN: step (test first, or a `TDD exemption: <reason>` line)
    plan.md:14: S10 Stage 1 step 2 does not start with RED:, GREEN: or REFACTOR:
    plan.md:20: S2 the heading numbers section 5.5.3 but names Stage 2: the two numbers must match
    plan.md:20: S5 Stage 2 has no `depends-on:` line (write `depends-on: (none)` when it needs no other stage)
    ");
}

#[test]
fn an_older_okstra_plan_body_is_checked_too() {
    let md = "## 5. Implementation Plan\n\n### 5.1 Option Candidates\n\n- Option A: guard.\n\
              - Option B: type.\n\n### 5.2 Trade-off\n\n| option | cost |\n|---|---|\n| A | small |\n\n\
              ### 5.3 Recommended Option\n\nOption B.\n\n## 5.5 Stage Map\n\n\
              ## 5.5.1 Stage 1: Make the cart non-optional\n\ndepends-on: (none)\n\
              Slice value: checkout never sees a missing cart.\nAcceptance: tests pass.\n\n\
              ### Stepwise Execution Order\n\n| step | action |\n|---|---|\n| 1 | RED: a test |\n\
              | 2 | GREEN: the fix |\n\n### Stage Validation\n\n- `cargo test -p shop`\n\n\
              ### Stage Exit Contract\n\nThe session type has no optional cart.\n\n### Rollback\n\n\
              Revert the stage commit.\n";
    insta::assert_snapshot!(diagnostics(md), @r"
    plan.md:1: keyword no heading has the keyword `Dependency` (`### Dependency Graph` under the Stage Map)
    plan.md:1: keyword no heading has the keyword `Requirement Coverage` (`## 5.1 Requirement Coverage` maps requirements to stages)
    plan.md:1: keyword no heading has the keyword `Validation Checklist` (`## 5.6 Validation Checklist` lists the task's commands)
    plan.md:3: options at least 2 option candidates are needed, found 0
    plan.md:14: options the recommended option 2 does not exist (there are no options)
    ");
}

#[test]
fn text_that_only_looks_like_a_stage_is_not_one() {
    let md = "## 5.5 Stage Map\n\n```\n## 5.5.1 Stage 1: in a fence\n```\n\n- ## Stage 2: in a list\n\n\
              > ## Stage 3: in a quote\n";
    let plan = parse_markdown_plan(md);
    assert_eq!(plan.body.stages, Vec::new());
}

#[test]
fn anything_at_all_reads_without_panicking() {
    for md in [
        "",
        "#",
        "|",
        "---",
        "---\n",
        "---\n---",
        "## 5.5.1 Stage 1:",
        "## Stage 99999999999999999999: big",
        "## Stage 4294967295: max\ndepends-on: 4294967295, 0\n",
        "| id | question | answer | Blocks | Status |\n|---|---|---|---|---|\n| é | \\| | `|` |",
        "## 1. Clarification\n| a |\n|---|\n| \\",
        "### Option Z: last\n## Recommended Option\n**Option",
        "\u{feff}# Plan\r\n## 5.5 Stage Map\r\n## 5.5.1 Stage 1: 한국어 \\#\r\ndepends-on: 1\r\n",
        "Slice value: x\n=\n",
        "```\nunclosed",
        "<!-- unclosed",
        "\t## Stage 1\n    ## Stage 2",
    ] {
        let plan = parse_markdown_plan(md);
        let _ = plan.violations();
    }
}

#[test]
fn trade_offs_written_as_labels_or_in_a_shared_section_are_read() {
    // Option A gives its trade-off as a bold label line, option B as a bare label and a
    // list; options C and D have theirs in a shared `Trade-off` section (older plans),
    // by label and by title.
    let md = HAND_WRITTEN.replace(
        "### Option A: Guard it\n\nGuard the handler.\n\n#### Trade-offs\n\n- small\n\n### Option B — Type it\n\n#### Trade-off\n\nTouches callers.\n",
        "### Option A: Guard it\n\nGuard the handler.\n\n**Trade-off**: small, loose types\n\n\
         ### Option B — Type it\n\n**Trade-offs:**\n\n- touches callers\n- safe\n\n\
         ### Option C: Wrap the session\n\nA wrapper.\n\n### Option D: Rewrite checkout\n\nBig.\n\n\
         ### 5.2b Trade-off\n\n- C: one more type\n- Option A is covered above\n\n\
         | option | cost |\n|---|---|\n| Rewrite checkout | weeks |\n",
    );
    let plan = parse_markdown_plan(&md);
    let trade_offs: Vec<&[String]> = plan
        .body
        .options
        .iter()
        .map(|o| o.trade_offs.as_slice())
        .collect();
    assert_eq!(
        trade_offs,
        [
            &["small, loose types".to_owned()][..],
            &["touches callers".to_owned(), "safe".to_owned()][..],
            &["C: one more type".to_owned()][..],
            &["Rewrite checkout: weeks".to_owned()][..],
        ]
    );
    let options: Vec<String> = check_markdown_plan(&md)
        .iter()
        .filter(|v| v.rule == crate::plan::check::Rule::Options)
        .map(|v| v.display_in("plan.md"))
        .collect();
    assert_eq!(options, Vec::<String>::new());

    // An option the shared section does not name still has none, and the message names it.
    let md = md.replace("| Rewrite checkout | weeks |\n", "");
    let options: Vec<String> = check_markdown_plan(&md)
        .iter()
        .filter(|v| v.rule == crate::plan::check::Rule::Options)
        .map(|v| v.message.clone())
        .collect();
    assert_eq!(
        options,
        ["Option 4 (Rewrite checkout) has no trade-off (give it a `Trade-off` list)"]
    );
}
