//! Owns the heading catalog that reports and plans share (`templates/reports/headings.json`):
//! parsing it, and turning a heading keyword into its text in a report language — the keyword
//! itself in `en`, followed by its translation in parentheses in `ko`. Also owns
//! [`RenderError`], why a report or a plan could not be rendered.
//!
//! Both renderers import this file: `report::render` (the report templates' `h` filter) and
//! `plan::render` (a plan's section 5); neither needs the other for it.

use std::collections::BTreeMap;

use minijinja::ErrorKind;
use thiserror::Error;

use crate::config::Language;

/// The heading translation catalog: `{"<English keyword>": {"ko": "<translation>"}}`.
const HEADINGS_JSON: &str = include_str!("../../templates/reports/headings.json");

/// The heading translation catalog, parsed.
pub(crate) type Catalog = BTreeMap<String, BTreeMap<String, String>>;

/// Why a report could not be rendered. Every variant is a bug in a shipped template or
/// catalog, which the snapshot tests exercise.
#[derive(Debug, Error)]
pub enum RenderError {
    #[error("the heading catalog templates/reports/headings.json is not valid")]
    Catalog(#[source] serde_json::Error),
    #[error("cannot configure the report template syntax")]
    Syntax(#[source] Box<minijinja::Error>),
    #[error("cannot render report template {template}")]
    Template {
        template: &'static str,
        #[source]
        source: Box<minijinja::Error>,
    },
    #[error("cannot write the report front matter")]
    Frontmatter(#[source] Box<serde_saphyr::SerializeError>),
}

/// Returns the heading catalog.
pub(crate) fn heading_catalog() -> Result<Catalog, RenderError> {
    serde_json::from_str(HEADINGS_JSON).map_err(RenderError::Catalog)
}

/// Returns a heading keyword in `language`: the keyword itself in `en`, `Keyword (번역)` in
/// `ko`. A keyword missing from the catalog is an error, so every heading stays translatable.
pub(crate) fn heading(
    catalog: &Catalog,
    language: Language,
    keyword: &str,
) -> Result<String, minijinja::Error> {
    let missing = |what: &str| {
        minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("heading {keyword:?} has no {what} in headings.json"),
        )
    };
    let translations = catalog.get(keyword).ok_or_else(|| missing("entry"))?;
    match language {
        Language::En => Ok(keyword.to_owned()),
        Language::Ko => {
            let ko = translations
                .get("ko")
                .ok_or_else(|| missing("ko translation"))?;
            Ok(format!("{keyword} ({ko})"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_heading_has_a_korean_translation() {
        let catalog: Catalog = serde_json::from_str(HEADINGS_JSON).expect("headings.json parses");
        for (keyword, translations) in &catalog {
            assert!(
                translations
                    .get("ko")
                    .is_some_and(|ko| !ko.trim().is_empty()),
                "{keyword} has no ko translation"
            );
        }
        assert!(heading(&catalog, Language::En, "Nonexistent").is_err());
        assert_eq!(
            heading(&catalog, Language::Ko, "Summary").expect("known"),
            "Summary (요약)"
        );
    }
}
