//! Owns the wizard's words: the catalogs `wizard/prompts.en.json` and `wizard/prompts.ko.json`,
//! embedded in the binary, parsed once, and looked up by dotted key (`executor.label`) with
//! `{name}` placeholders filled. Both catalogs have the same keys (a test proves it); a key
//! missing at run time shows as itself rather than failing.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::Value;

use crate::config::Language;

const EN: &str = include_str!("../../wizard/prompts.en.json");
const KO: &str = include_str!("../../wizard/prompts.ko.json");

/// A language's catalog.
#[derive(Debug)]
pub struct Catalog {
    language: Language,
    root: Value,
}

impl Catalog {
    /// Returns the catalog of `language`.
    pub fn get(language: Language) -> &'static Catalog {
        static EN_CATALOG: OnceLock<Catalog> = OnceLock::new();
        static KO_CATALOG: OnceLock<Catalog> = OnceLock::new();
        let (cell, text) = match language {
            Language::En => (&EN_CATALOG, EN),
            Language::Ko => (&KO_CATALOG, KO),
        };
        cell.get_or_init(|| Catalog::parse(language, text))
    }

    fn parse(language: Language, text: &str) -> Catalog {
        // The catalogs are part of the binary and tested; a broken one shows its keys.
        let root = serde_json::from_str(text).unwrap_or(Value::Null);
        Catalog { language, root }
    }

    /// Returns the catalog's language.
    pub fn language(&self) -> Language {
        self.language
    }

    /// Returns the text at the dotted `key`, or the key itself when it is missing.
    pub fn text(&self, key: &str) -> String {
        self.lookup(key)
            .and_then(Value::as_str)
            .map_or_else(|| key.to_owned(), str::to_owned)
    }

    /// Returns the text at `key` with each `{name}` replaced by its value.
    pub fn fill(&self, key: &str, args: &[(&str, &str)]) -> String {
        fill(&self.text(key), args)
    }

    /// Returns whether the catalog has `key`.
    pub fn has(&self, key: &str) -> bool {
        self.lookup(key).is_some()
    }

    fn lookup(&self, key: &str) -> Option<&Value> {
        key.split('.').try_fold(&self.root, |v, part| v.get(part))
    }

    /// Returns every key of the catalog, dotted, recursively (objects' own keys included).
    pub fn keys(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        collect_keys(&self.root, "", &mut out);
        out
    }
}

/// Returns `template` with each `{name}` replaced by its value.
pub(crate) fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

fn collect_keys(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    if let Value::Object(map) = value {
        for (k, v) in map {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            collect_keys(v, &key, out);
            out.insert(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogs_have_the_same_keys() {
        let en = Catalog::get(Language::En);
        let ko = Catalog::get(Language::Ko);
        assert!(en.keys().len() > 50, "the English catalog parsed");
        let only_en: Vec<_> = en.keys().difference(&ko.keys()).cloned().collect();
        let only_ko: Vec<_> = ko.keys().difference(&en.keys()).cloned().collect();
        assert_eq!(
            only_en,
            Vec::<String>::new(),
            "keys missing from prompts.ko.json"
        );
        assert_eq!(
            only_ko,
            Vec::<String>::new(),
            "keys missing from prompts.en.json"
        );
    }

    #[test]
    fn every_value_is_text_and_placeholders_match() {
        let en = Catalog::get(Language::En);
        let ko = Catalog::get(Language::Ko);
        for key in en.keys() {
            let (Some(a), Some(b)) = (en.lookup(&key), ko.lookup(&key)) else {
                continue;
            };
            if a.is_object() {
                assert!(b.is_object(), "{key} is an object in en only");
                continue;
            }
            let (a, b) = (
                a.as_str().unwrap_or_default(),
                b.as_str().unwrap_or_default(),
            );
            assert!(!a.is_empty() && !b.is_empty(), "{key} is empty or not text");
            assert_eq!(
                placeholders(a),
                placeholders(b),
                "{key}: placeholders differ"
            );
        }
    }

    fn placeholders(text: &str) -> BTreeSet<String> {
        text.split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
            .collect()
    }

    #[test]
    fn fill_replaces_every_placeholder() {
        assert_eq!(
            fill("a {x} b {y} {x}", &[("x", "1"), ("y", "2")]),
            "a 1 b 2 1"
        );
        assert_eq!(
            Catalog::get(Language::En).text("no.such.key"),
            "no.such.key"
        );
    }
}
