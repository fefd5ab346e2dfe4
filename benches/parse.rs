//! Parse throughput on a generated 2 MB plan (5,000 tasks, 7,500 subtasks), beside
//! pulldown-cmark's event pass alone over the same text: the parse is held to a
//! multiple of that anchor (at most 3×), which a shared machine's speed cannot skew.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "support/gen_plan.rs"]
mod gen_plan;

fn parse(c: &mut Criterion) {
    let text = gen_plan::plan(5_000, 2_000_000);
    let texts = [shortlist::plan::PlanText {
        path: "docs/plan/phase9.md".into(),
        text: text.clone(),
        title: None,
    }];
    let plan = shortlist::plan::parse(&texts, None);
    assert_eq!(plan.tasks.len(), 12_500, "5,000 tasks + 7,500 subtasks");
    let mut g = c.benchmark_group("plan");
    // Decimal units: criterion prints MB/s (10^6 bytes per second).
    g.throughput(Throughput::BytesDecimal(text.len() as u64));
    g.sample_size(30);
    // What the CLI does with the plan files it has read (`parse_str` would copy the
    // text again inside the timing).
    g.bench_function(format!("parse_{}_bytes", text.len()), |b| {
        b.iter(|| shortlist::plan::parse(std::hint::black_box(&texts), None))
    });
    // The anchor: pulldown-cmark alone walking the same text with the same options.
    g.bench_function("pulldown_cmark_events_only", |b| {
        b.iter(|| {
            let opts = shortlist::plan::markdown_options();
            pulldown_cmark::Parser::new_ext(std::hint::black_box(&text), opts)
                .into_offset_iter()
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
