//! Tests of filling PR templates: real-world shapes (a GitHub-docs style template with HTML
//! comments, a checklist template with `Type of change`, bold-label templates, level-3
//! headings, fenced examples), every heading kept in order, each part under its heading once.

use super::*;

struct Content;

impl PartText for Content {
    fn text(&self, part: Part) -> &str {
        match part {
            Part::Summary => "SUMMARY-TEXT",
            Part::Changes => "CHANGES-TEXT",
            Part::Testing => "TESTING-TEXT",
            Part::Findings => "FINDINGS-TEXT",
            Part::Cost => "COST-TEXT",
        }
    }
}

/// Returns the heading a marker ended up under (the last heading above it).
fn under(body: &str, marker: &str) -> Option<String> {
    let mut current = None;
    for line in classify(body) {
        match line {
            Line::Heading(_, h) => current = Some(h),
            Line::Text(raw) if raw.contains(marker) => return current,
            Line::Text(_) => {}
        }
    }
    None
}

fn is_subsequence(small: &[String], big: &[String]) -> bool {
    let mut it = big.iter();
    small.iter().all(|s| it.any(|b| b == s))
}

/// A template in the shape GitHub's docs and many projects use.
const GITHUB_STYLE: &str = "\
## Description

<!-- Please include a summary of the change and which issue is fixed. -->

Fixes # (issue)

## Type of change

- [ ] Bug fix (non-breaking change which fixes an issue)
- [ ] New feature (non-breaking change which adds functionality)

## How Has This Been Tested?

<!--
Please describe the tests that you ran to verify your changes.
## Not a heading inside a comment
-->

- [ ] Test A

## Checklist:

- [ ] My code follows the style guidelines of this project
";

#[test]
fn a_github_style_template_keeps_its_headings_text_and_checkboxes() {
    let body = fill_template(GITHUB_STYLE, &Content);
    let want = headings_of(GITHUB_STYLE);
    assert_eq!(
        want,
        [
            "Description",
            "Type of change",
            "How Has This Been Tested?",
            "Checklist:"
        ]
    );
    assert!(is_subsequence(&want, &headings_of(&body)), "{body}");
    assert_eq!(under(&body, "SUMMARY-TEXT").as_deref(), Some("Description"));
    assert_eq!(
        under(&body, "TESTING-TEXT").as_deref(),
        Some("How Has This Been Tested?")
    );
    // The guidance comment stays above the content, the template's own lines below it.
    let comment = body.find("<!-- Please include").unwrap();
    let summary = body.find("SUMMARY-TEXT").unwrap();
    let fixes = body.find("Fixes # (issue)").unwrap();
    assert!(comment < summary && summary < fixes, "{body}");
    assert!(body.contains("## Not a heading inside a comment"));
    assert!(body.contains("- [ ] Test A"));
    assert!(body.contains("- [ ] My code follows the style guidelines"));
    // `Type of change` is the template's question, never the stage list.
    assert_ne!(
        under(&body, "CHANGES-TEXT").as_deref(),
        Some("Type of change")
    );
    // Parts with no heading follow the template, each once.
    for (marker, heading) in [
        ("CHANGES-TEXT", "Changes"),
        ("FINDINGS-TEXT", "Remaining findings"),
        ("COST-TEXT", "Cost"),
    ] {
        assert_eq!(under(&body, marker).as_deref(), Some(heading), "{body}");
        assert_eq!(body.matches(marker).count(), 1);
    }
    assert!(body.find("Checklist:").unwrap() < body.find("## Changes").unwrap());
    assert!(body.ends_with('\n') && !body.ends_with("\n\n"));
}

/// A template of bold labels, as some projects write them.
const BOLD_LABELS: &str = "\
**What does this PR do?**

**Motivation**

**Testing notes**

**Risks**
";

#[test]
fn bold_labels_are_headings_and_the_first_match_wins() {
    let body = fill_template(BOLD_LABELS, &Content);
    assert_eq!(
        under(&body, "SUMMARY-TEXT").as_deref(),
        Some("What does this PR do?")
    );
    assert_eq!(
        under(&body, "TESTING-TEXT").as_deref(),
        Some("Testing notes")
    );
    assert_eq!(under(&body, "FINDINGS-TEXT").as_deref(), Some("Risks"));
    assert_eq!(body.matches("SUMMARY-TEXT").count(), 1, "{body}");
    assert!(body.contains("**Motivation**"));
    assert!(is_subsequence(
        &headings_of(BOLD_LABELS),
        &headings_of(&body)
    ));
}

/// Level-3 headings, a fenced example with `#` lines, and a section the template fills itself.
const LEVEL_THREE: &str = "\
### Summary of changes

### Screenshots

```sh
# not a heading: a shell comment
```

### QA steps

1. Run the app

### Cost
";

#[test]
fn levels_fences_and_unknown_sections_are_kept() {
    let body = fill_template(LEVEL_THREE, &Content);
    assert_eq!(
        headings_of(&body)[..4],
        ["Summary of changes", "Screenshots", "QA steps", "Cost"]
    );
    assert_eq!(
        under(&body, "SUMMARY-TEXT").as_deref(),
        Some("Summary of changes")
    );
    assert_eq!(under(&body, "TESTING-TEXT").as_deref(), Some("QA steps"));
    assert_eq!(under(&body, "COST-TEXT").as_deref(), Some("Cost"));
    assert!(body.contains("# not a heading: a shell comment"));
    // The content goes before the section's own steps; added parts take the template's level.
    assert!(body.find("TESTING-TEXT").unwrap() < body.find("1. Run the app").unwrap());
    assert!(body.contains("### Changes\n\nCHANGES-TEXT"), "{body}");
}

#[test]
fn no_template_is_the_built_in_one_and_a_template_without_headings_gets_them_all() {
    let body = fill_template("  \n", &Content);
    assert_eq!(
        headings_of(&body),
        [
            "Summary",
            "Changes",
            "Testing",
            "Remaining findings",
            "Cost"
        ]
    );
    assert_eq!(
        under(&body, "FINDINGS-TEXT").as_deref(),
        Some("Remaining findings")
    );
    let plain = fill_template("Thanks for the PR! Link the issue.\n", &Content);
    assert!(
        plain.starts_with("SUMMARY-TEXT\n\nThanks for the PR!"),
        "{plain}"
    );
    assert_eq!(under(&plain, "COST-TEXT").as_deref(), Some("Cost"));
}

#[test]
fn headings_match_their_parts() {
    for (heading, want) in [
        ("Description", Some(Part::Summary)),
        ("Description of changes", Some(Part::Summary)),
        ("Proposed Changes", Some(Part::Changes)),
        ("Test plan", Some(Part::Testing)),
        ("How to verify", Some(Part::Testing)),
        ("Known issues", Some(Part::Findings)),
        ("Notes for reviewers", Some(Part::Findings)),
        ("Token spend", Some(Part::Cost)),
        ("Type of change", None),
        ("Checklist", None),
        ("Quality", None),
        ("Related issues", None),
        ("Why?", Some(Part::Summary)),
        ("개요", Some(Part::Summary)),
        ("작업 설명", Some(Part::Summary)),
        ("변경 사항", Some(Part::Changes)),
        ("테스트 방법", Some(Part::Testing)),
        ("리뷰어 참고 사항", Some(Part::Findings)),
        ("비용", Some(Part::Cost)),
        ("변경 유형", None),
        ("체크리스트", None),
    ] {
        assert_eq!(part_of_heading(heading), want, "{heading}");
    }
    assert_eq!(heading_text("####### seven"), None);
    assert_eq!(heading_text("#hashtag"), None);
    assert_eq!(heading_text("    ## indented code"), None);
    assert_eq!(heading_text("## Closed ##").as_deref(), Some("Closed"));
    assert_eq!(heading_text("**Label:**").as_deref(), Some("Label"));
    assert_eq!(heading_text("**a** and **b**"), None);
}

#[test]
fn a_korean_template_gets_each_part_under_its_heading() {
    let template = "## 개요\n\n<!-- 무엇을 왜 -->\n\n## 변경 유형\n\n- [ ] 버그 수정\n\n\
                    ## 변경 사항\n\n## 테스트 방법\n\n## 체크리스트\n\n- [ ] 테스트 추가\n\n\
                    ## 리뷰어 참고 사항\n";
    let body = fill_template(template, &Content);
    assert_eq!(under(&body, "SUMMARY-TEXT").as_deref(), Some("개요"));
    assert_eq!(under(&body, "CHANGES-TEXT").as_deref(), Some("변경 사항"));
    assert_eq!(under(&body, "TESTING-TEXT").as_deref(), Some("테스트 방법"));
    assert_eq!(
        under(&body, "FINDINGS-TEXT").as_deref(),
        Some("리뷰어 참고 사항")
    );
    // No heading asks for the cost: it comes after the template, under its own heading.
    assert_eq!(under(&body, "COST-TEXT").as_deref(), Some("Cost"));
    let headings: Vec<String> = headings_of(&body);
    let wanted: Vec<String> = [
        "개요",
        "변경 유형",
        "변경 사항",
        "테스트 방법",
        "체크리스트",
        "리뷰어 참고 사항",
    ]
    .iter()
    .map(|h| (*h).to_owned())
    .collect();
    assert!(is_subsequence(&wanted, &headings), "{headings:?}");
    assert!(body.contains("- [ ] 버그 수정"), "{body}");
}
