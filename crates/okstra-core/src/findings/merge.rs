//! Owns merging findings across workers (SPEC §6.2): two findings of different workers are the
//! same when they cite the same path with lines within 3 of each other and their titles are
//! similar (normalised similarity ≥ 0.6), or when a reverify answer says so. A merged finding
//! gets an id `F-<n>` (in order of first appearance) and keeps every source as
//! `<worker>:<original id>`; its authors are those workers.

use std::collections::BTreeSet;

use super::model::{Finding, FindingsBlock};

/// Two cited lines this close (or overlapping ranges) are the same place.
pub const LINE_TOLERANCE: u32 = 3;
/// The normalised title similarity from which two findings are the same.
pub const TITLE_SIMILARITY: f64 = 0.6;

/// A `path:line` or `path:start-end` citation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Citation {
    pub path: String,
    pub start: u32,
    pub end: u32,
}

/// Parses a citation; `None` when it has no line number.
pub fn parse_citation(text: &str) -> Option<Citation> {
    let (path, lines) = text.trim().rsplit_once(':')?;
    let path = path.trim().trim_start_matches("./");
    if path.is_empty() {
        return None;
    }
    let (start, end) = if let Some((a, b)) = lines.split_once('-') {
        (a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?)
    } else {
        let n: u32 = lines.trim().parse().ok()?;
        (n, n)
    };
    Some(Citation {
        path: path.to_owned(),
        start: start.min(end),
        end: start.max(end),
    })
}

/// Returns whether two citation lists share a path with lines within the tolerance.
pub fn cite_same_place(a: &[String], b: &[String]) -> bool {
    let a: Vec<Citation> = a.iter().filter_map(|c| parse_citation(c)).collect();
    let b: Vec<Citation> = b.iter().filter_map(|c| parse_citation(c)).collect();
    a.iter().any(|x| {
        b.iter().any(|y| {
            x.path == y.path
                && x.start <= y.end.saturating_add(LINE_TOLERANCE)
                && y.start <= x.end.saturating_add(LINE_TOLERANCE)
        })
    })
}

/// Returns a title reduced to lowercase words, without paths and numbers.
pub fn normalize_title(title: &str) -> String {
    title
        .split_whitespace()
        .filter(|w| !w.contains('/') && !w.contains('.') || w.ends_with('.'))
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Returns the normalised similarity of two titles: the larger of bigram Sørensen–Dice and
/// word Jaccard, so both reworded and reordered titles are caught.
pub fn title_similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (normalize_title(a), normalize_title(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let dice = strsim::sorensen_dice(&a, &b);
    let wa: BTreeSet<&str> = a.split(' ').collect();
    let wb: BTreeSet<&str> = b.split(' ').collect();
    let inter = wa.intersection(&wb).count();
    let union = wa.union(&wb).count();
    #[expect(clippy::cast_precision_loss, reason = "word counts are small")]
    let jaccard = if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    };
    dice.max(jaccard)
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Merges the findings of every worker (in worker order) into `F-<n>` findings.
pub fn merge_findings(blocks: &[(String, FindingsBlock)], round: u32) -> Vec<Finding> {
    merge_from(blocks, round, 1)
}

/// Merges like [`merge_findings`], numbering from `F-<first>` (for findings added later, e.g.
/// the critic's gaps).
pub fn merge_from(blocks: &[(String, FindingsBlock)], round: u32, first: usize) -> Vec<Finding> {
    let raw: Vec<(&str, &super::model::RawFinding)> = blocks
        .iter()
        .flat_map(|(worker, block)| block.findings.iter().map(move |f| (worker.as_str(), f)))
        .collect();
    let mut parent: Vec<usize> = (0..raw.len()).collect();
    for i in 0..raw.len() {
        for j in (i + 1)..raw.len() {
            let ((wi, fi), (wj, fj)) = (raw[i], raw[j]);
            if wi != wj
                && cite_same_place(&fi.evidence, &fj.evidence)
                && title_similarity(&fi.title, &fj.title) >= TITLE_SIMILARITY
            {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
    }
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for i in 0..raw.len() {
        let root = find(&mut parent, i);
        match groups.iter_mut().find(|(r, _)| *r == root) {
            Some((_, members)) => members.push(i),
            None => groups.push((root, vec![i])),
        }
    }
    groups
        .into_iter()
        .enumerate()
        .map(|(n, (_, members))| {
            let (_, first_raw) = raw[members[0]];
            let mut finding = Finding {
                id: format!("F-{}", first + n),
                title: first_raw.title.clone(),
                severity: first_raw.severity,
                evidence: Vec::new(),
                claim: first_raw.claim.clone(),
                reasoning: first_raw.reasoning.clone(),
                sources: Vec::new(),
                authors: Vec::new(),
                round,
            };
            for &m in &members {
                let (worker, f) = raw[m];
                finding.severity = finding.severity.min(f.severity);
                for e in &f.evidence {
                    if !finding.evidence.contains(e) {
                        finding.evidence.push(e.clone());
                    }
                }
                finding.sources.push(format!("{worker}:{}", f.id));
                if !finding.authors.iter().any(|a| a == worker) {
                    finding.authors.push(worker.to_owned());
                }
            }
            finding
        })
        .collect()
}

/// Folds `duplicate` into `target` because a reverify answer said they are the same: sources,
/// authors and evidence join the target; the duplicate is removed. Returns whether anything
/// changed.
pub fn absorb_duplicate(findings: &mut Vec<Finding>, target: &str, duplicate: &str) -> bool {
    if target == duplicate {
        return false;
    }
    let (Some(ti), Some(di)) = (
        findings.iter().position(|f| f.id == target),
        findings.iter().position(|f| f.id == duplicate),
    ) else {
        return false;
    };
    let dup = findings.remove(di);
    let ti = if di < ti { ti - 1 } else { ti };
    let t = &mut findings[ti];
    t.severity = t.severity.min(dup.severity);
    for e in dup.evidence {
        if !t.evidence.contains(&e) {
            t.evidence.push(e);
        }
    }
    t.sources.extend(dup.sources);
    for a in dup.authors {
        if !t.authors.contains(&a) {
            t.authors.push(a);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::model::{RawFinding, Severity};

    fn raw(id: &str, title: &str, sev: Severity, ev: &[&str]) -> RawFinding {
        RawFinding {
            id: id.into(),
            title: title.into(),
            severity: sev,
            evidence: ev.iter().map(|s| (*s).to_owned()).collect(),
            claim: format!("claim {id}"),
            reasoning: format!("reasoning {id}"),
        }
    }

    fn block(findings: Vec<RawFinding>) -> FindingsBlock {
        FindingsBlock {
            findings,
            summary: String::new(),
        }
    }

    #[test]
    fn citations() {
        assert_eq!(
            parse_citation("./src/cart.rs:42"),
            Some(Citation {
                path: "src/cart.rs".into(),
                start: 42,
                end: 42
            })
        );
        assert_eq!(parse_citation("src/a.rs:10-12").unwrap().end, 12);
        assert_eq!(parse_citation("src/a.rs"), None);
        assert!(cite_same_place(
            &["src/a.rs:10".into()],
            &["src/a.rs:13".into()]
        ));
        assert!(!cite_same_place(
            &["src/a.rs:10".into()],
            &["src/a.rs:14".into()]
        ));
        assert!(cite_same_place(
            &["src/a.rs:1-5".into()],
            &["src/a.rs:8".into()]
        ));
        assert!(!cite_same_place(
            &["src/a.rs:10".into()],
            &["src/b.rs:10".into()]
        ));
    }

    #[test]
    fn similarity() {
        assert!(title_similarity("Total is rounded down", "Total rounded down on checkout") >= 0.6);
        assert!(title_similarity("missing null check in parser", "parser lacks null check") >= 0.6);
        assert!(title_similarity("Off-by-one in pagination", "SQL injection in search") < 0.6);
        assert_eq!(
            normalize_title("Rounding in src/cart.rs line 42"),
            "rounding in line"
        );
    }

    #[test]
    fn merges_across_workers_not_within() {
        let blocks = vec![
            (
                "claude-worker".to_owned(),
                block(vec![
                    raw(
                        "C-1",
                        "Total is rounded down",
                        Severity::High,
                        &["src/cart.rs:42"],
                    ),
                    raw(
                        "C-2",
                        "Total is rounded down twice",
                        Severity::Low,
                        &["src/cart.rs:43"],
                    ),
                ]),
            ),
            (
                "codex-worker".to_owned(),
                block(vec![raw(
                    "X-1",
                    "Total rounded down",
                    Severity::Critical,
                    &["src/cart.rs:44", "src/tax.rs:3"],
                )]),
            ),
            (
                "gemini-worker".to_owned(),
                block(vec![raw(
                    "G-1",
                    "Unrelated logging noise",
                    Severity::Info,
                    &["src/log.rs:1"],
                )]),
            ),
        ];
        let merged = merge_findings(&blocks, 0);
        let ids: Vec<(&str, Vec<&str>)> = merged
            .iter()
            .map(|f| {
                (
                    f.id.as_str(),
                    f.sources.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        // C-1 and C-2 (same worker) both match X-1, so the group holds all three.
        assert_eq!(
            ids,
            [
                (
                    "F-1",
                    vec!["claude-worker:C-1", "claude-worker:C-2", "codex-worker:X-1"]
                ),
                ("F-2", vec!["gemini-worker:G-1"]),
            ]
        );
        assert_eq!(merged[0].authors, ["claude-worker", "codex-worker"]);
        assert_eq!(merged[0].severity, Severity::Critical);
        assert_eq!(
            merged[0].evidence,
            [
                "src/cart.rs:42",
                "src/cart.rs:43",
                "src/cart.rs:44",
                "src/tax.rs:3"
            ]
        );
        // Same worker alone never merges.
        let solo = merge_findings(
            &[(
                "claude-worker".to_owned(),
                block(vec![
                    raw(
                        "C-1",
                        "Total is rounded down",
                        Severity::High,
                        &["src/cart.rs:42"],
                    ),
                    raw(
                        "C-2",
                        "Total is rounded down",
                        Severity::High,
                        &["src/cart.rs:42"],
                    ),
                ]),
            )],
            0,
        );
        assert_eq!(solo.len(), 2);
    }

    #[test]
    fn absorbing_a_duplicate() {
        let blocks = vec![
            (
                "a-worker".to_owned(),
                block(vec![raw("A-1", "One", Severity::Low, &["x.rs:1"])]),
            ),
            (
                "b-worker".to_owned(),
                block(vec![raw("B-1", "Two", Severity::High, &["y.rs:9"])]),
            ),
        ];
        let mut merged = merge_findings(&blocks, 0);
        assert!(absorb_duplicate(&mut merged, "F-1", "F-2"));
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].sources, ["a-worker:A-1", "b-worker:B-1"]);
        assert_eq!(merged[0].severity, Severity::High);
        assert!(!absorb_duplicate(&mut merged, "F-1", "F-9"));
    }
}
