//! Property tests: every valid plan okstra renders (en and ko) reads back to the same body and
//! passes every rule; plans with arbitrary text keep their stages and options (worker text
//! cannot add or hide one); mutated markdown and arbitrary data never make the parser, the
//! rules or the renderer panic. Case counts stay modest so the suite stays fast.

use okstra_core::config::Language;
use okstra_core::plan::{
    OptionCandidate, PlanBody, RecommendedOption, RequirementCoverage, Stage, Step, ValidationItem,
    check_markdown_plan, check_plan_body, parse_markdown_plan, render_plan_markdown,
};
use proptest::prelude::*;

/// A word of canonical text: no whitespace, no backslash, no `[` (a link reference
/// definition is not text), with the characters markdown treats specially.
fn word() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9#*_<>|`~=:.,()!?가-힣-]{1,8}"
}

/// Canonical inline text: words joined by single spaces, never a value that reads as empty
/// (`-`, `—`, `None`).
fn words() -> impl Strategy<Value = String> {
    prop::collection::vec(word(), 1..5)
        .prop_map(|w| w.join(" "))
        .prop_filter("reads as empty", |t| {
            !matches!(t.trim_end_matches('.'), "-" | "—" | "None" | "none")
        })
}

/// Canonical block text: lines of words, separated by one newline or one blank line.
fn block() -> impl Strategy<Value = String> {
    prop::collection::vec((words(), any::<bool>()), 1..4).prop_map(|lines| {
        let mut out = String::new();
        for (i, (line, blank)) in lines.iter().enumerate() {
            if i > 0 {
                out.push_str(if *blank { "\n\n" } else { "\n" });
            }
            out.push_str(line);
        }
        out
    })
}

fn path() -> impl Strategy<Value = String> {
    "[a-z0-9/._`|-]{1,12}"
}

fn stage(number: u32) -> impl Strategy<Value = Stage> {
    let earlier: Vec<u32> = (1..number).collect();
    let prefix = prop::sample::select(vec!["RED: ", "GREEN: ", "REFACTOR: "]);
    (
        (
            words(),
            prop::sample::subsequence(earlier.clone(), 0..=earlier.len()),
        ),
        (words(), words()),
        prop::collection::vec((prefix, words(), prop::collection::vec(path(), 0..3)), 0..5),
        prop::option::of(words()),
        prop::collection::vec(words(), 1..3),
        prop::collection::vec(words(), 1..3),
        block(),
    )
        .prop_map(
            move |(
                (title, depends_on),
                (slice_value, acceptance),
                extra,
                tdd_exemption,
                validation,
                exit_contract,
                rollback,
            )| {
                // Test first: a RED and a GREEN step, then up to four more (at most 6).
                let mut steps = vec![
                    Step {
                        action: "RED: a failing test".to_owned(),
                        files: Vec::new(),
                    },
                    Step {
                        action: "GREEN: make it pass".to_owned(),
                        files: Vec::new(),
                    },
                ];
                steps.extend(extra.into_iter().map(|(prefix, text, files)| Step {
                    action: format!("{prefix}{text}"),
                    files,
                }));
                if tdd_exemption.is_some() {
                    steps.truncate(usize::try_from(number % 3).unwrap_or(0));
                }
                Stage {
                    number,
                    title,
                    depends_on,
                    slice_value,
                    acceptance,
                    steps,
                    tdd_exemption,
                    validation,
                    exit_contract,
                    rollback,
                }
            },
        )
}

fn options() -> impl Strategy<Value = Vec<(String, Option<String>, Vec<String>)>> {
    prop::collection::vec(
        (
            words(),
            prop::option::of(block()),
            prop::collection::vec(words(), 1..3),
        ),
        2..4,
    )
}

fn valid_body() -> impl Strategy<Value = PlanBody> {
    (1u32..6)
        .prop_flat_map(|n| {
            let stages: Vec<_> = (1..=n).map(stage).collect();
            (
                options(),
                stages,
                prop::collection::vec(
                    (
                        words(),
                        prop::collection::vec(1..=n, 0..3),
                        prop::option::of(words()),
                    ),
                    0..3,
                ),
                (0usize..4, prop::option::of(block())),
                prop::collection::vec((words(), prop::option::of(words())), 0..3),
            )
        })
        .prop_map(
            |(options, stages, coverage, (pick, rationale), checklist)| {
                let options: Vec<OptionCandidate> = options
                    .into_iter()
                    .map(|(title, summary, trade_offs)| OptionCandidate {
                        title,
                        summary: summary.unwrap_or_default(),
                        trade_offs,
                    })
                    .collect();
                let count = u32::try_from(options.len()).unwrap_or(2);
                PlanBody {
                    requirement_coverage: coverage
                        .into_iter()
                        .map(|(requirement, stages, note)| RequirementCoverage {
                            requirement,
                            stages,
                            note: note.unwrap_or_default(),
                        })
                        .collect(),
                    recommended_option: RecommendedOption {
                        option: u32::try_from(pick).unwrap_or(0) % count + 1,
                        rationale: rationale.unwrap_or_default(),
                    },
                    options,
                    stages,
                    validation_checklist: checklist
                        .into_iter()
                        .map(|(command, purpose)| ValidationItem {
                            command,
                            purpose: purpose.unwrap_or_default(),
                        })
                        .collect(),
                }
            },
        )
}

/// Any text at all, newlines and backslashes included.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,20}",
        "[\\\\#`~=<>!?\\-*_|\\r\\n \\t a-z0-9]{0,30}",
        Just("\n## 5.5.9 Stage 9: injected\n".to_owned()),
        Just("x\r## Stage 8\r---".to_owned()),
        Just("```\n<!--\n<script>".to_owned()),
    ]
}

/// A body with arbitrary text and numbers.
fn any_body() -> impl Strategy<Value = PlanBody> {
    let stage = (
        (
            any::<u32>(),
            any_text(),
            prop::collection::vec(0u32..8, 0..3),
        ),
        (
            any_text(),
            any_text(),
            prop::collection::vec((any_text(), prop::collection::vec(any_text(), 0..2)), 0..8),
        ),
        (
            prop::option::of(any_text()),
            prop::collection::vec(any_text(), 0..2),
        ),
        (prop::collection::vec(any_text(), 0..2), any_text()),
    )
        .prop_map(
            |(
                (number, title, depends_on),
                (slice_value, acceptance, steps),
                (tdd_exemption, validation),
                (exit_contract, rollback),
            )| Stage {
                number,
                title,
                depends_on,
                slice_value,
                acceptance,
                steps: steps
                    .into_iter()
                    .map(|(action, files)| Step { action, files })
                    .collect(),
                tdd_exemption,
                validation,
                exit_contract,
                rollback,
            },
        );
    (
        prop::collection::vec(
            (
                any_text(),
                any_text(),
                prop::collection::vec(any_text(), 0..2),
            ),
            0..4,
        ),
        (any::<u32>(), any_text()),
        prop::collection::vec(stage, 0..5),
        prop::collection::vec(
            (
                any_text(),
                prop::collection::vec(any::<u32>(), 0..2),
                any_text(),
            ),
            0..2,
        ),
        prop::collection::vec((any_text(), any_text()), 0..2),
    )
        .prop_map(
            |(options, (option, rationale), stages, coverage, checklist)| PlanBody {
                requirement_coverage: coverage
                    .into_iter()
                    .map(|(requirement, stages, note)| RequirementCoverage {
                        requirement,
                        stages,
                        note,
                    })
                    .collect(),
                options: options
                    .into_iter()
                    .map(|(title, summary, trade_offs)| OptionCandidate {
                        title,
                        summary,
                        trade_offs,
                    })
                    .collect(),
                recommended_option: RecommendedOption { option, rationale },
                stages,
                validation_checklist: checklist
                    .into_iter()
                    .map(|(command, purpose)| ValidationItem { command, purpose })
                    .collect(),
            },
        )
}

/// One edit of a markdown document's lines.
#[derive(Clone, Debug)]
enum Edit {
    Delete(usize),
    Duplicate(usize),
    Replace(usize, String),
    Insert(usize, String),
    Swap(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Duplicate),
        (any::<usize>(), any_text()).prop_map(|(i, t)| Edit::Replace(i, t)),
        (any::<usize>(), any_text()).prop_map(|(i, t)| Edit::Insert(i, t)),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Edit::Swap(i, j)),
    ]
}

fn apply(md: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = md.lines().map(str::to_owned).collect();
    for edit in edits {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let at = |i: usize| i % lines.len();
        match edit {
            Edit::Delete(i) => {
                lines.remove(at(*i));
            }
            Edit::Duplicate(i) => {
                let line = lines[at(*i)].clone();
                lines.insert(at(*i), line);
            }
            Edit::Replace(i, text) => {
                let i = at(*i);
                lines[i].clone_from(text);
            }
            Edit::Insert(i, text) => {
                let i = at(*i);
                lines.insert(i, text.clone());
            }
            Edit::Swap(i, j) => {
                let (i, j) = (at(*i), at(*j));
                lines.swap(i, j);
            }
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_rendered_valid_plan_reads_back_and_passes(body in valid_body()) {
        prop_assert_eq!(check_plan_body(&body, "/plan"), Vec::new());
        for language in [Language::En, Language::Ko] {
            let md = render_plan_markdown(&body, language).expect("renders");
            let plan = parse_markdown_plan(&md);
            prop_assert_eq!(&plan.body, &body, "{}", md);
            prop_assert_eq!(plan.violations(), Vec::new(), "{}", md);
        }
    }

    #[test]
    fn arbitrary_text_keeps_every_stage_and_option(body in any_body()) {
        let _ = check_plan_body(&body, "/narrative/plan");
        let md = render_plan_markdown(&body, Language::Ko).expect("renders");
        let plan = parse_markdown_plan(&md);
        let _ = plan.violations();
        let numbers: Vec<u32> = plan.body.stages.iter().map(|s| s.number).collect();
        let expected: Vec<u32> = body.stages.iter().map(|s| s.number).collect();
        prop_assert_eq!(numbers, expected, "{}", md);
        prop_assert_eq!(plan.body.options.len(), body.options.len(), "{}", md);
    }

    #[test]
    fn mutated_markdown_never_panics(
        body in valid_body(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let md = render_plan_markdown(&body, Language::En).expect("renders");
        let mutated = apply(&md, &edits);
        let plan = parse_markdown_plan(&mutated);
        let _ = plan.violations();
        let _ = okstra_core::plan::set_markdown_approved(&mutated, true);
        let _ = okstra_core::plan::set_clarification_answer(&mutated, "C-1", "x", Some("resolved"));
    }

    #[test]
    fn arbitrary_markdown_never_panics(md in ".{0,200}") {
        let _ = check_markdown_plan(&md);
    }
}
