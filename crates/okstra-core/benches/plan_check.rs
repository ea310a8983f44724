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
use okstra_core::plan::{check_markdown_plan, check_plan_body, render_plan_markdown};

#[path = "common/plan200.rs"]
mod plan200;

use plan200::{STAGES, plan};

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
