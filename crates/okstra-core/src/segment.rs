//! Owns THE slug rule (SPEC §1) and the identity newtypes built on it: `Segment`, `TaskName`,
//! `ProjectId` and `TaskKey`.
//!
//! Everything that becomes a path component goes through [`Segment::parse`], so no user input
//! can name a file outside `.okstra/` or the central home. This module does not know about paths
//! themselves; `run_paths` does.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::errors::{SegmentError, SegmentRule, TaskPart};

/// The longest segment the rule accepts (`^[a-z0-9][a-z0-9._-]{0,99}$`).
pub const MAX_SEGMENT_LEN: usize = 100;

/// Returns the slug of `raw` by the one rule of SPEC §1, without validating the result.
///
/// Lowercase ASCII; every run of characters outside `[a-z0-9._-]` becomes one `-`; leading and
/// trailing `-` and `.` are trimmed.
pub fn slug(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut in_run = false;
    for ch in raw.chars() {
        let lower = ch.to_ascii_lowercase();
        if lower.is_ascii_lowercase() || lower.is_ascii_digit() || matches!(lower, '.' | '_' | '-')
        {
            out.push(lower);
            in_run = false;
        } else if !in_run {
            out.push('-');
            in_run = true;
        }
    }
    out.trim_matches(|c| c == '-' || c == '.').to_owned()
}

/// A validated path component: the slug of some raw input (SPEC §1 "segment").
///
/// It can only be built by [`Segment::parse`] (from raw input) or [`Segment::from_slug`] (from
/// an already-slugged value read back from disk), and both refuse anything that could escape a
/// directory.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Segment(String);

impl Segment {
    /// Returns the segment of a raw user spelling, or the reason it is refused.
    pub fn parse(raw: &str) -> Result<Self, SegmentError> {
        if raw.trim().is_empty() {
            return Err(SegmentError::Empty);
        }
        if raw.contains('/') || raw.contains('\\') || raw.contains("..") || raw.contains('\0') {
            return Err(SegmentError::PathLike {
                value: raw.to_owned(),
            });
        }
        let slugged = slug(raw);
        if slugged.is_empty() {
            return Err(SegmentError::SlugsToNothing {
                value: raw.to_owned(),
                non_ascii: !raw.is_ascii(),
            });
        }
        Self::check(raw, slugged)
    }

    /// Returns a segment for a value that must already be in slug form (e.g. read from disk).
    pub fn from_slug(value: &str) -> Result<Self, SegmentError> {
        if value.is_empty() {
            return Err(SegmentError::Empty);
        }
        if slug(value) != value {
            return Err(SegmentError::NotASlug {
                value: value.to_owned(),
            });
        }
        Self::check(value, value.to_owned())
    }

    fn check(raw: &str, slugged: String) -> Result<Self, SegmentError> {
        if slugged.len() > MAX_SEGMENT_LEN {
            return Err(SegmentError::TooLong {
                value: raw.to_owned(),
                len: slugged.len(),
            });
        }
        let first_ok = slugged
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let rule = if !first_ok {
            Some(SegmentRule::LeadingChar)
        } else if slugged.contains("..") {
            Some(SegmentRule::DoubleDot)
        } else if slugged.ends_with(".lock") {
            Some(SegmentRule::LockSuffix)
        } else {
            None
        };
        if let Some(rule) = rule {
            return Err(SegmentError::Invalid {
                value: raw.to_owned(),
                slug: slugged,
                rule,
            });
        }
        Ok(Self(slugged))
    }

    /// Returns the segment text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Segment {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Segment::from_slug(&raw).map_err(serde::de::Error::custom)
    }
}

/// A raw group or id spelling together with its segment.
///
/// Two names are the same when their segments are equal; the raw spelling is kept for display
/// and for the task key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TaskName {
    raw: String,
    segment: Segment,
}

impl TaskName {
    /// Returns the name for a raw spelling, or why it is refused.
    pub fn parse(raw: &str) -> Result<Self, SegmentError> {
        if raw.chars().any(unprintable) {
            return Err(SegmentError::Unprintable {
                value: raw.to_owned(),
            });
        }
        let segment = Segment::parse(raw)?;
        Ok(Self {
            raw: raw.to_owned(),
            segment,
        })
    }

    /// Returns the spelling the user gave.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// Returns the path form.
    pub fn segment(&self) -> &Segment {
        &self.segment
    }
}

/// Whether `c` is a control character or an invisible formatting mark (zero-width characters,
/// bidirectional embeddings, overrides and isolates, the byte-order mark, the soft hyphen).
pub(crate) fn unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

impl PartialEq for TaskName {
    fn eq(&self, other: &Self) -> bool {
        self.segment == other.segment
    }
}

impl Eq for TaskName {}

/// The stable slug id of a project (SPEC §1 "projectId").
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProjectId(Segment);

impl ProjectId {
    /// Returns the project id for a raw name (a folder name, say), slugged by the one rule.
    pub fn parse(raw: &str) -> Result<Self, SegmentError> {
        Segment::parse(raw).map(Self)
    }

    /// Returns the project id as a path segment.
    pub fn segment(&self) -> &Segment {
        &self.0
    }

    /// Returns the id text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Returns the ids a new project whose folder name gives this id may take, in order: this
    /// id, then `<id>-2`, `<id>-3` … (the first one no other root uses is taken).
    pub fn candidates(&self) -> impl Iterator<Item = ProjectId> + '_ {
        std::iter::once(self.clone()).chain((2..=u32::MAX).map(|n| self.numbered(n)))
    }

    /// Returns `<id>-<n>`, shortening the id so the result stays within the segment limit.
    fn numbered(&self, n: u32) -> ProjectId {
        let suffix = format!("-{n}");
        let base = self.as_str();
        // Ids are ASCII, so any byte index is a char boundary.
        let cut = base.len().min(MAX_SEGMENT_LEN - suffix.len());
        let base = base[..cut].trim_end_matches(['-', '.']);
        // Invariant: a prefix of a valid segment that still starts with its first character
        // (trimming never removes it: it is a letter or digit), followed by `-<digits>`, is a
        // valid segment: the slug alphabet, no `..`, no `.lock` ending, at most 100 long.
        ProjectId(
            Segment::from_slug(&format!("{base}{suffix}"))
                .expect("a numbered project id is a valid segment"),
        )
    }
}

impl fmt::Display for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The identity of a task: `<projectId>:<taskGroup>:<taskId>` with the raw spellings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskKey {
    project_id: ProjectId,
    group: TaskName,
    id: TaskName,
}

impl TaskKey {
    /// Returns the key of a task in a project.
    pub fn new(project_id: ProjectId, group: TaskName, id: TaskName) -> Self {
        Self {
            project_id,
            group,
            id,
        }
    }

    /// Parses a `<group>/<id>` task argument (the `--task` flag) into its two names.
    pub fn parse_task_arg(value: &str) -> Result<(TaskName, TaskName), SegmentError> {
        if value.contains("..")
            || value.contains('\\')
            || value.contains('\0')
            || value.matches('/').count() > 1
        {
            return Err(SegmentError::PathLike {
                value: value.to_owned(),
            });
        }
        let Some((group, id)) = value.split_once('/') else {
            return Err(SegmentError::TaskArg {
                value: value.to_owned(),
            });
        };
        for (part, text) in [(TaskPart::Group, group), (TaskPart::Id, id)] {
            if text.trim().is_empty() {
                return Err(SegmentError::EmptyPart {
                    value: value.to_owned(),
                    part,
                });
            }
        }
        let group = TaskName::parse(group)?;
        let id = TaskName::parse(id)?;
        Ok((group, id))
    }

    /// Returns `<group-segment>/<id-segment>`, the form a task's folders and branch use, when
    /// slugging changed the spelling the user gave (`Bugs/Add 3` → `bugs/add-3`), so it can be
    /// said once; `None` when the spelling is already its path form.
    pub fn slugged_task_arg(group: &TaskName, id: &TaskName) -> Option<String> {
        (group.raw() != group.segment().as_str() || id.raw() != id.segment().as_str())
            .then(|| format!("{}/{}", group.segment(), id.segment()))
    }

    /// Returns the project id.
    pub fn project_id(&self) -> &ProjectId {
        &self.project_id
    }

    /// Returns the task group.
    pub fn group(&self) -> &TaskName {
        &self.group
    }

    /// Returns the task id.
    pub fn id(&self) -> &TaskName {
        &self.id
    }

    /// Returns this key with the raw spellings of `first` (the spelling recorded when the task
    /// was first seen), keeping the segments, which are equal by definition.
    pub fn with_first_spelling(self, first_group: &str, first_id: &str) -> Self {
        let group = TaskName::parse(first_group)
            .ok()
            .filter(|g| g == &self.group)
            .unwrap_or(self.group);
        let id = TaskName::parse(first_id)
            .ok()
            .filter(|i| i == &self.id)
            .unwrap_or(self.id);
        Self {
            project_id: self.project_id,
            group,
            id,
        }
    }
}

impl fmt::Display for TaskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.project_id,
            self.group.raw(),
            self.id.raw()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_name_shown_as_typed_holds_no_control_or_invisible_mark() {
        for raw in [
            "pay\nFAKE ROW",
            "pay\tx",
            "pay\u{202e}x",
            "pay\u{200b}",
            "\u{1b}[2Jx",
        ] {
            assert!(
                matches!(TaskName::parse(raw), Err(SegmentError::Unprintable { .. })),
                "{raw:?}"
            );
        }
        assert_eq!(TaskName::parse("Zürich Pay").unwrap().raw(), "Zürich Pay");
    }

    #[test]
    fn project_id_candidates_number_the_id_within_the_limit() {
        let ids = |raw: &str, n: usize| -> Vec<String> {
            ProjectId::parse(raw)
                .unwrap()
                .candidates()
                .take(n)
                .map(|id| id.to_string())
                .collect()
        };
        assert_eq!(ids("app", 3), ["app", "app-2", "app-3"]);
        assert_eq!(ids("app-2", 2), ["app-2", "app-2-2"]);
        let long = "a".repeat(MAX_SEGMENT_LEN);
        let numbered = &ids(&long, 2)[1];
        assert_eq!(numbered.len(), MAX_SEGMENT_LEN);
        assert!(numbered.ends_with("a-2"), "{numbered}");
        // A cut that would end in `.` or `-` drops it.
        let dotted = format!("{}.b", "a".repeat(MAX_SEGMENT_LEN - 3));
        assert_eq!(
            ids(&dotted, 2)[1],
            format!("{}-2", "a".repeat(MAX_SEGMENT_LEN - 3))
        );
    }

    #[test]
    fn slug_rule_cases() {
        let cases = [
            ("payments", "payments"),
            ("Payments", "payments"),
            ("DEV-9495", "dev-9495"),
            ("dev 9495", "dev-9495"),
            ("a  b!!c", "a-b-c"),
            ("  spaced  ", "spaced"),
            ("-lead-and-trail-", "lead-and-trail"),
            (".hidden.", "hidden"),
            ("v1.2_rc-3", "v1.2_rc-3"),
            ("한글 id 7", "id-7"),
            ("émile", "mile"),
            ("x:y", "x-y"),
        ];
        for (raw, want) in cases {
            assert_eq!(Segment::parse(raw).unwrap().as_str(), want, "raw {raw:?}");
        }
    }

    #[test]
    fn refused_inputs() {
        assert!(matches!(Segment::parse(""), Err(SegmentError::Empty)));
        assert!(matches!(Segment::parse("   "), Err(SegmentError::Empty)));
        assert!(matches!(
            Segment::parse("../x"),
            Err(SegmentError::PathLike { .. })
        ));
        assert!(matches!(
            Segment::parse("a/b"),
            Err(SegmentError::PathLike { .. })
        ));
        assert!(matches!(
            Segment::parse("a\\b"),
            Err(SegmentError::PathLike { .. })
        ));
        assert!(matches!(
            Segment::parse("fix..bug"),
            Err(SegmentError::PathLike { .. })
        ));
        assert!(matches!(
            Segment::parse("!!!"),
            Err(SegmentError::SlugsToNothing {
                non_ascii: false,
                ..
            })
        ));
        assert!(matches!(
            Segment::parse("결제"),
            Err(SegmentError::SlugsToNothing {
                non_ascii: true,
                ..
            })
        ));
        assert!(matches!(
            Segment::parse(&"a".repeat(101)),
            Err(SegmentError::TooLong { len: 101, .. })
        ));
        assert!(Segment::parse(&"a".repeat(100)).is_ok());
        assert!(matches!(
            Segment::parse("branch.lock"),
            Err(SegmentError::Invalid { .. })
        ));
        assert!(matches!(
            Segment::parse("_x"),
            Err(SegmentError::Invalid { .. })
        ));
    }

    #[test]
    fn from_slug_requires_slug_form() {
        assert!(Segment::from_slug("dev-1").is_ok());
        assert!(Segment::from_slug("Dev-1").is_err());
        assert!(Segment::from_slug("a b").is_err());
        assert!(Segment::from_slug("..").is_err());
        assert!(serde_json::from_str::<Segment>("\"../etc\"").is_err());
    }

    #[test]
    fn task_names_compare_by_segment() {
        let a = TaskName::parse("DEV 9495").unwrap();
        let b = TaskName::parse("dev-9495").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.raw(), "DEV 9495");
    }

    #[test]
    fn task_arg_split() {
        let (g, i) = TaskKey::parse_task_arg("payments/DEV-9495").unwrap();
        assert_eq!(g.segment().as_str(), "payments");
        assert_eq!(i.segment().as_str(), "dev-9495");
        assert!(TaskKey::parse_task_arg("payments").is_err());
        assert!(TaskKey::parse_task_arg("/x").is_err());
        assert!(TaskKey::parse_task_arg("a/../x").is_err());
        assert!(TaskKey::parse_task_arg("a/b/c").is_err());
    }

    #[test]
    fn an_empty_half_of_a_task_is_named_with_the_value() {
        let err = TaskKey::parse_task_arg("g/   ").unwrap_err();
        assert_eq!(err.to_string(), r#"the task id in "g/   " is empty"#);
        let err = TaskKey::parse_task_arg("/x").unwrap_err();
        assert_eq!(err.to_string(), r#"the task group in "/x" is empty"#);
    }

    #[test]
    fn an_invalid_slug_says_which_rule_it_breaks() {
        let rule = |result: Result<Segment, SegmentError>| match result {
            Err(SegmentError::Invalid { rule, .. }) => rule,
            other => panic!("{other:?}"),
        };
        assert_eq!(rule(Segment::parse("branch.lock")), SegmentRule::LockSuffix);
        assert_eq!(rule(Segment::parse("_x")), SegmentRule::LeadingChar);
        // `..` in raw input is refused as path-like first; a stored slug can still hold it.
        assert_eq!(rule(Segment::from_slug("a..b")), SegmentRule::DoubleDot);
        assert_eq!(
            Segment::parse("Main.LOCK").unwrap_err().to_string(),
            r#""Main.LOCK" slugs to "main.lock", which ends in `.lock` (git keeps such names for its lock files)"#
        );
    }

    #[test]
    fn a_task_arg_changed_by_slugging_is_named_in_its_path_form() {
        let slugged = |arg: &str| {
            let (g, i) = TaskKey::parse_task_arg(arg).unwrap();
            TaskKey::slugged_task_arg(&g, &i)
        };
        assert_eq!(slugged("Bugs/Add 3").as_deref(), Some("bugs/add-3"));
        assert_eq!(slugged("bugs/DEV-1").as_deref(), Some("bugs/dev-1"));
        assert_eq!(slugged("bugs/add-3"), None);
    }

    #[test]
    fn task_key_display_and_first_spelling() {
        let pid = ProjectId::parse("shop").unwrap();
        let (g, i) = TaskKey::parse_task_arg("Payments/DEV 1").unwrap();
        let key = TaskKey::new(pid, g, i);
        assert_eq!(key.to_string(), "shop:Payments:DEV 1");
        let key = key.with_first_spelling("payments", "dev-1");
        assert_eq!(key.to_string(), "shop:payments:dev-1");
        let key = key.with_first_spelling("other", "dev-1");
        assert_eq!(key.to_string(), "shop:payments:dev-1");
    }
}
