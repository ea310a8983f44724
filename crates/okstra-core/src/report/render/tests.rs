//! Snapshots of every task type × language, and the rendering rules.

use super::*;
use crate::report::fixture;

#[test]
fn every_task_type_and_language_is_snapshotted() {
    for task_type in TaskType::ALL {
        for language in [Language::En, Language::Ko] {
            let data = fixture::report_data(task_type, language);
            let md = render_markdown(&data, fixture::DATA_SHA256)
                .unwrap_or_else(|e| panic!("{task_type} {}: {e:?}", language.as_str()));
            assert_clean(&md);
            insta::assert_snapshot!(format!("{task_type}-{}", language.as_str()), md);
        }
    }
}

/// Asserts the whitespace rules every rendered report keeps.
fn assert_clean(md: &str) {
    assert!(
        md.ends_with('\n') && !md.ends_with("\n\n"),
        "one final newline"
    );
    assert!(!md.contains("\n\n\n"), "no double blank lines:\n{md}");
    for (i, line) in md.lines().enumerate() {
        assert_eq!(line, line.trim_end(), "trailing space on line {}", i + 1);
    }
}

#[test]
fn an_empty_report_says_none() {
    for task_type in TaskType::ALL {
        let data = fixture::empty_report_data(task_type, Language::En);
        let md = render_markdown(&data, fixture::DATA_SHA256).expect("renders");
        assert_clean(&md);
        if task_type == TaskType::Implementation {
            // A stage's findings are the verifier's and okstra's, in their own sections.
            assert!(md.contains("## 2. Changes\n\nNone.\n"), "{md}");
            continue;
        }
        let findings = md
            .split("## 3. Findings\n\n")
            .nth(1)
            .expect("a findings section");
        assert!(findings.starts_with("None.\n"), "{md}");
        assert!(!md.contains("Coverage Critic"), "{md}");
        assert!(!md.contains("### Budget"), "{md}");
        assert!(!md.contains("## Notes"), "{md}");
        assert!(!md.contains("Replay"), "{md}");
    }
    let plan = fixture::empty_report_data(TaskType::ImplementationPlanning, Language::En);
    let md = render_markdown(&plan, fixture::DATA_SHA256).expect("renders");
    assert!(md.contains("## 5. Plan Body\n\nThe report writer supplied no plan body.\n"));
    assert!(md.contains("| id | question | answer | Blocks | Status |\n|---|---|---|---|---|\n\n"));
}

#[test]
fn front_matter_round_trips() {
    let data = fixture::report_data(TaskType::ImplementationPlanning, Language::Ko);
    let md = render_markdown(&data, fixture::DATA_SHA256).expect("renders");
    let fm = parse_markdown_frontmatter(&md).expect("parses");
    assert_eq!(
        fm,
        MarkdownFrontmatter {
            task_key: Some(data.frontmatter.task_key.clone()),
            task_type: Some(TaskType::ImplementationPlanning),
            run_id: Some(data.frontmatter.run_id.clone()),
            run_seq: Some(data.frontmatter.run_seq),
            stage: None,
            language: Some(Language::Ko),
            approved: Some(false),
            data_sha256: Some(fixture::DATA_SHA256.to_owned()),
            generated_at: Some(data.frontmatter.generated_at),
            replay: Some(true),
        }
    );

    let mut tricky = fixture::empty_report_data(TaskType::ErrorAnalysis, Language::En);
    tricky.frontmatter.task_key = "p: x:#1 'q' \"r\"".to_owned();
    tricky.frontmatter.run_id = "yes".to_owned();
    let md = render_markdown(&tricky, "0123456789").expect("renders");
    let fm = parse_markdown_frontmatter(&md).expect("parses");
    assert_eq!(fm.task_key.as_deref(), Some("p: x:#1 'q' \"r\""));
    assert_eq!(fm.run_id.as_deref(), Some("yes"));
    assert_eq!(fm.data_sha256.as_deref(), Some("0123456789"));

    let implementation = fixture::report_data(TaskType::Implementation, Language::En);
    let md = render_markdown(&implementation, fixture::DATA_SHA256).expect("renders");
    let fm = parse_markdown_frontmatter(&md).expect("parses");
    assert_eq!(fm.stage, Some(2));
    assert_eq!(fm.approved, None);
    assert!(!md.lines().any(|l| l.starts_with("approved:")), "{md}");
}

#[test]
fn front_matter_of_hand_written_plans() {
    let hand = "---\ntitle: my plan\napproved: true\n---\n# Plan\n";
    let fm = parse_markdown_frontmatter(hand).expect("parses");
    assert_eq!(fm.approved, Some(true));
    assert_eq!(fm.data_sha256, None);

    let yes = "---\napproved: yes\n---\n";
    assert!(matches!(
        parse_markdown_frontmatter(yes),
        Err(FrontmatterError::Yaml(_))
    ));
    let crlf = "---\r\nrunId: r1\r\napproved: false\r\n---\r\nbody\r\n";
    let fm = parse_markdown_frontmatter(crlf).expect("parses");
    assert_eq!(fm.run_id.as_deref(), Some("r1"));
    assert_eq!(fm.approved, Some(false));
    assert_eq!(
        parse_markdown_frontmatter("---\n---\n").expect("empty"),
        MarkdownFrontmatter::default()
    );
    assert!(matches!(
        parse_markdown_frontmatter("# no front matter\n"),
        Err(FrontmatterError::NoFrontMatter)
    ));
    assert!(matches!(
        parse_markdown_frontmatter(""),
        Err(FrontmatterError::NoFrontMatter)
    ));
    assert!(matches!(
        parse_markdown_frontmatter("---\napproved: true\n"),
        Err(FrontmatterError::Unclosed)
    ));
    assert!(matches!(
        parse_markdown_frontmatter("---\ntaskType: planning\n---\n"),
        Err(FrontmatterError::Yaml(_))
    ));
}

#[test]
fn sha256_is_lowercase_hex() {
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn formatting_filters() {
    assert_eq!(num(None), "—");
    assert_eq!(num(Some(0)), "0");
    assert_eq!(cost(None), "—");
    assert_eq!(cost(Some(0.12345)), "$0.1235");
    assert_eq!(duration(None), "—");
    assert_eq!(duration(Some(850)), "850ms");
    assert_eq!(duration(Some(12_345)), "12.3s");
    assert_eq!(duration(Some(245_000)), "4m 05s");
    assert_eq!(duration(Some(3_725_000)), "1h 02m");
    assert_eq!(cell(Some("a | b\nc".to_owned())), "a \\| b c");
    assert_eq!(cell(Some("  ".to_owned())), "—");
    assert_eq!(cell(None), "—");
    assert_eq!(
        codes(vec!["a.rs:1".to_owned(), "x`y:2".to_owned()]),
        "`a.rs:1`, `` x`y:2 ``"
    );
    assert_eq!(text(" \r\nline one\r\nline two\n\n"), "line one\nline two");
    assert_eq!(text(""), "None.");
}

#[test]
fn notes_are_listed() {
    let mut data = fixture::empty_report_data(TaskType::ErrorAnalysis, Language::En);
    data.notes = vec!["the report writer ended timeout: the deadline of 2s passed".to_owned()];
    let md = render_markdown(&data, fixture::DATA_SHA256).expect("renders");
    assert_clean(&md);
    let notes = md.split("## Notes").nth(1).expect("a notes section");
    assert!(
        notes.contains("the report writer ended timeout: the deadline of 2s passed"),
        "{md}"
    );
}

/// Returns the `#### F-n` ids of a rendered report, in order, with the class heading each
/// falls under.
fn finding_ids(md: &str) -> Vec<(String, String)> {
    let mut class = String::new();
    let mut out = Vec::new();
    for line in md.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            class = h.to_owned();
        } else if let Some(h) = line.strip_prefix("#### ") {
            let id = h.split(' ').next().unwrap_or_default().to_owned();
            out.push((class.clone(), id));
        }
    }
    out
}

#[test]
fn findings_are_in_id_order_within_each_class() {
    let mut data = fixture::report_data(TaskType::ErrorAnalysis, Language::En);
    // Give the data's findings in a scrambled order, with ids past 9.
    let template = data.findings[1].clone();
    data.findings = ["F-10", "F-2", "F-9", "X-1", "F-1"]
        .into_iter()
        .map(|id| ReportFinding {
            id: id.to_owned(),
            ..template.clone()
        })
        .chain(std::iter::once(data.findings[0].clone()))
        .collect();
    data.findings.last_mut().unwrap().id = "F-3".to_owned();
    let md = render_markdown(&data, fixture::DATA_SHA256).expect("renders");
    let ids: Vec<String> = finding_ids(&md)
        .into_iter()
        .map(|(class, id)| format!("{class}: {id}"))
        .collect();
    assert_eq!(
        ids,
        [
            "Full Consensus: F-3",
            "Partial Consensus: F-1",
            "Partial Consensus: F-2",
            "Partial Consensus: F-9",
            "Partial Consensus: F-10",
            "Partial Consensus: X-1",
        ]
    );
}

#[test]
fn a_full_consensus_finding_names_its_authors_as_agreeing() {
    let mut data = fixture::empty_report_data(TaskType::ErrorAnalysis, Language::En);
    let mut all = fixture::report_data(TaskType::ErrorAnalysis, Language::En).findings[0].clone();
    assert_eq!(all.class, ConsensusClass::FullConsensus);
    // Every analyser wrote it, so nobody was asked to AGREE.
    all.authors = vec!["a-worker".into(), "b-worker".into()];
    all.agreed_by = Vec::new();
    all.verdicts = Vec::new();
    let mut partial = all.clone();
    partial.id = "F-2".into();
    partial.class = ConsensusClass::PartialConsensus;
    partial.authors = vec!["a-worker".into()];
    partial.agreed_by = vec!["b-worker".into()];
    let mut agreed = all.clone();
    agreed.id = "F-3".into();
    agreed.authors = vec!["a-worker".into()];
    agreed.agreed_by = vec!["b-worker".into()];
    data.findings = vec![all, partial, agreed];
    let md = render_markdown(&data, fixture::DATA_SHA256).expect("renders");
    let agreed_lines: Vec<&str> = md.lines().filter(|l| l.starts_with("- Agreed:")).collect();
    assert_eq!(
        agreed_lines,
        [
            "- Agreed: a-worker (author), b-worker (author)",
            "- Agreed: a-worker (author), b-worker",
            "- Agreed: b-worker",
        ]
    );
}
