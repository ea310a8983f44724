//! Benchmarks `plan check` (SPEC §7.2) on a 200-stage plan, goal ≤ 5 ms each:
//!
//! - markdown: read a 200-stage markdown plan (pulldown-cmark, section 1, the model, every
//!   line) and run every rule — what `okstra plan check plan.md` does after reading the file;
//! - data: run the rules over a 200-stage structured plan — what a data.json check does;
//! - render: write that plan as markdown (for scale; not a goal).
//!
//! Each stage has four steps, two validation commands and depends on the one or two stages
//! before it. The plans are checked to pass before anything is measured.
//!
//! Run: `cargo bench -p okstra-core --bench plan_check`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use okstra_core::config::Language;
use okstra_core::plan::{
    OptionCandidate, PlanBody, RecommendedOption, RequirementCoverage, Stage, Step, ValidationItem,
    check_markdown_plan, check_plan_body, render_plan_markdown,
};

const STAGES: u32 = 200;

fn step(action: &str, n: u32) -> Step {
    Step {
        action: format!("{action} stage {n}: change `module_{n}::run` and its callers"),
        files: vec![
            format!("src/module_{n}.rs"),
            format!("tests/module_{n}_test.rs"),
        ],
    }
}

/// Returns a valid plan of `STAGES` stages.
fn plan() -> PlanBody {
    let option = |title: &str| OptionCandidate {
        title: title.to_owned(),
        summary: "Replace the optional field with a required one.\n\nEvery caller changes."
            .to_owned(),
        trade_offs: vec![
            "Touches every caller.".to_owned(),
            "Safer types.".to_owned(),
        ],
    };
    PlanBody {
        requirement_coverage: (1..=20)
            .map(|r| RequirementCoverage {
                requirement: format!("Requirement {r}"),
                stages: vec![r, r + 20, r + 40],
                note: String::new(),
            })
            .collect(),
        options: vec![option("Guard at the edges"), option("Type it through")],
        recommended_option: RecommendedOption {
            option: 2,
            rationale: "The type system rules the bug out.".to_owned(),
        },
        stages: (1..=STAGES)
            .map(|n| Stage {
                number: n,
                title: format!("Stage title number {n}"),
                depends_on: (n.saturating_sub(2)..n).filter(|&d| d >= 1).collect(),
                slice_value: format!("users can do thing {n} end to end."),
                acceptance: format!("`cargo test -p shop thing_{n}` passes."),
                steps: vec![
                    step("RED:", n),
                    step("GREEN:", n),
                    step("REFACTOR:", n),
                    step("GREEN:", n),
                ],
                tdd_exemption: None,
                validation: vec![
                    format!("cargo test -p shop thing_{n}"),
                    "cargo clippy -p shop -- -D warnings".to_owned(),
                ],
                exit_contract: vec![format!("Thing {n} works."), "No new warnings.".to_owned()],
                rollback: format!("Revert the stage {n} commit.\nDrop migration {n}."),
            })
            .collect(),
        validation_checklist: vec![ValidationItem {
            command: "cargo test --workspace".to_owned(),
            purpose: "every test passes".to_owned(),
        }],
    }
}

#[expect(clippy::print_stderr, reason = "the bench says what it measures")]
fn bench(c: &mut Criterion) {
    let body = plan();
    let md = render_plan_markdown(&body, Language::Ko).expect("renders");
    assert_eq!(check_plan_body(&body, "/narrative/plan"), Vec::new());
    assert_eq!(check_markdown_plan(&md), Vec::new());
    eprintln!(
        "plan: {STAGES} stages, markdown {} KiB, {} lines",
        md.len() / 1024,
        md.lines().count()
    );

    let mut group = c.benchmark_group("plan_check");
    group.bench_function("markdown_200_stages", |b| {
        b.iter(|| check_markdown_plan(black_box(&md)));
    });
    group.bench_function("data_200_stages", |b| {
        b.iter(|| check_plan_body(black_box(&body), "/narrative/plan"));
    });
    group.bench_function("render_200_stages", |b| {
        b.iter(|| render_plan_markdown(black_box(&body), Language::Ko));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
