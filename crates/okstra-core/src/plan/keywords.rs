//! Owns the heading keywords a plan must have (SPEC §7.2): each must appear, as a substring, in
//! some heading line of the plan's markdown. Keywords are English in every report language; a
//! translation may follow in parentheses.

use crate::plan::markdown::doc::{Doc, Kind};

/// The heading keywords of a plan, in the order SPEC §7.2 lists them.
pub const PLAN_KEYWORDS: [&str; 10] = [
    "Option Candidates",
    "Trade-off",
    "Recommended Option",
    "Stage Map",
    "Stage Exit Contract",
    "Stage Validation",
    "Dependency",
    "Validation Checklist",
    "Rollback",
    "Requirement Coverage",
];

/// Returns the keywords no heading of `markdown` contains, in [`PLAN_KEYWORDS`] order. A
/// heading is a top-level markdown heading (ATX or setext; not one inside a code block, a list
/// item or a quote), as `plan::markdown` reads it.
pub fn missing_plan_keywords(markdown: &str) -> Vec<&'static str> {
    let doc = Doc::parse(markdown);
    missing_keywords_in(doc.blocks.iter().filter_map(|b| match &b.kind {
        Kind::Heading { text, .. } => Some(text.as_str()),
        _ => None,
    }))
}

/// Returns the keywords none of `headings` (heading texts) contains, in [`PLAN_KEYWORDS`]
/// order. Keywords are case-sensitive.
pub fn missing_keywords_in<'a>(headings: impl IntoIterator<Item = &'a str>) -> Vec<&'static str> {
    let headings: Vec<&str> = headings.into_iter().collect();
    PLAN_KEYWORDS
        .into_iter()
        .filter(|keyword| !headings.iter().any(|h| h.contains(keyword)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_keyword_must_be_in_a_heading() {
        let all = PLAN_KEYWORDS.iter().fold(String::new(), |mut all, k| {
            all.push_str(&format!("## {k} (번역)\n\ntext\n"));
            all
        });
        assert_eq!(missing_plan_keywords(&all), Vec::<&str>::new());
        assert_eq!(missing_plan_keywords(""), PLAN_KEYWORDS.to_vec());
    }

    #[test]
    fn body_text_and_case_do_not_count() {
        let md = "# Plan\n\nOption Candidates are below.\n## trade-off\n### 5.5 Stage Map\n";
        let missing = missing_plan_keywords(md);
        assert!(
            missing.contains(&"Option Candidates"),
            "body text is not a heading"
        );
        assert!(
            missing.contains(&"Trade-off"),
            "keywords are case-sensitive"
        );
        assert!(!missing.contains(&"Stage Map"));
        assert_eq!(missing.len(), 9);
        let fenced = "```\n## Stage Map\n```\n- ## Rollback\n";
        assert_eq!(
            missing_plan_keywords(fenced).len(),
            10,
            "code and list items do not count"
        );
    }
}
