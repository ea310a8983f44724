//! Every fixture plan and its diagnostics: `valid.md` passes; each other fixture breaks one
//! rule (S1–S10, `options`, `section-1`, a heading keyword, the front matter) and fails with
//! exactly one diagnostic, `path:line: <rule> <message>`, snapshotted.

use okstra_core::plan::{Rule, check_markdown_plan, parse_markdown_plan};

macro_rules! fixture {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../fixtures/plans/", $name, ".md")),
        )
    };
}

/// Each failing fixture with the rule it breaks.
const FAILING: [(&str, &str, Rule); 23] = [
    ("s1", include_str!("../fixtures/plans/s1.md"), Rule::S1),
    ("s2", include_str!("../fixtures/plans/s2.md"), Rule::S2),
    ("s3", include_str!("../fixtures/plans/s3.md"), Rule::S3),
    ("s4", include_str!("../fixtures/plans/s4.md"), Rule::S4),
    ("s5", include_str!("../fixtures/plans/s5.md"), Rule::S5),
    ("s6", include_str!("../fixtures/plans/s6.md"), Rule::S6),
    ("s7", include_str!("../fixtures/plans/s7.md"), Rule::S7),
    ("s8", include_str!("../fixtures/plans/s8.md"), Rule::S8),
    ("s9", include_str!("../fixtures/plans/s9.md"), Rule::S9),
    ("s10", include_str!("../fixtures/plans/s10.md"), Rule::S10),
    (
        "options",
        include_str!("../fixtures/plans/options.md"),
        Rule::Options,
    ),
    (
        "section-1",
        include_str!("../fixtures/plans/section-1.md"),
        Rule::Section1,
    ),
    (
        "frontmatter",
        include_str!("../fixtures/plans/frontmatter.md"),
        Rule::Frontmatter,
    ),
    (
        "keyword-option-candidates",
        include_str!("../fixtures/plans/keyword-option-candidates.md"),
        Rule::Keyword,
    ),
    (
        "keyword-trade-off",
        include_str!("../fixtures/plans/keyword-trade-off.md"),
        Rule::Keyword,
    ),
    (
        "keyword-recommended-option",
        include_str!("../fixtures/plans/keyword-recommended-option.md"),
        Rule::Keyword,
    ),
    (
        "keyword-stage-map",
        include_str!("../fixtures/plans/keyword-stage-map.md"),
        Rule::Keyword,
    ),
    (
        "keyword-stage-exit-contract",
        include_str!("../fixtures/plans/keyword-stage-exit-contract.md"),
        Rule::Keyword,
    ),
    (
        "keyword-stage-validation",
        include_str!("../fixtures/plans/keyword-stage-validation.md"),
        Rule::Keyword,
    ),
    (
        "keyword-dependency",
        include_str!("../fixtures/plans/keyword-dependency.md"),
        Rule::Keyword,
    ),
    (
        "keyword-validation-checklist",
        include_str!("../fixtures/plans/keyword-validation-checklist.md"),
        Rule::Keyword,
    ),
    (
        "keyword-rollback",
        include_str!("../fixtures/plans/keyword-rollback.md"),
        Rule::Keyword,
    ),
    (
        "keyword-requirement-coverage",
        include_str!("../fixtures/plans/keyword-requirement-coverage.md"),
        Rule::Keyword,
    ),
];

#[test]
fn the_valid_fixture_passes() {
    let (name, md) = fixture!("valid");
    assert_eq!(check_markdown_plan(md), Vec::new(), "{name}");
    let plan = parse_markdown_plan(md);
    assert_eq!(plan.approved, Some(false));
    assert_eq!(plan.body.stages.len(), 2);
    assert_eq!(plan.body.items().len(), 5);
}

#[test]
fn every_failing_fixture_fails_with_exactly_its_diagnostic() {
    for (name, md, rule) in FAILING {
        let path = format!("tests/fixtures/plans/{name}.md");
        let violations = check_markdown_plan(md);
        let lines: Vec<String> = violations.iter().map(|v| v.display_in(&path)).collect();
        assert_eq!(violations.len(), 1, "{name}: {lines:#?}");
        assert_eq!(violations[0].rule, rule, "{name}: {lines:#?}");
        insta::assert_snapshot!(name, lines.join("\n"));
    }
}

#[test]
fn every_rule_and_keyword_has_a_failing_fixture() {
    let rules: Vec<Rule> = FAILING.iter().map(|f| f.2).collect();
    for rule in [
        Rule::S1,
        Rule::S2,
        Rule::S3,
        Rule::S4,
        Rule::S5,
        Rule::S6,
        Rule::S7,
        Rule::S8,
        Rule::S9,
        Rule::S10,
        Rule::Options,
        Rule::Section1,
    ] {
        assert!(rules.contains(&rule), "no fixture for {rule}");
    }
    for keyword in okstra_core::plan::PLAN_KEYWORDS {
        let hit = FAILING
            .iter()
            .filter(|f| f.2 == Rule::Keyword)
            .any(|(_, md, _)| {
                check_markdown_plan(md)[0]
                    .message
                    .contains(&format!("`{keyword}`"))
            });
        assert!(hit, "no fixture for the keyword {keyword}");
    }
}
