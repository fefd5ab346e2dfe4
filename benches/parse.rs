//! Parse throughput on a generated 2 MB plan (5,000 tasks, 7,500 subtasks).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "support/gen_plan.rs"]
mod gen_plan;

fn parse(c: &mut Criterion) {
    let text = gen_plan::plan(5_000, 2_000_000);
    let plan = shortlist::plan::parse_str("docs/plan/phase9.md", &text);
    assert_eq!(plan.tasks.len(), 12_500, "5,000 tasks + 7,500 subtasks");
    let mut g = c.benchmark_group("plan");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(30);
    g.bench_function(format!("parse_{}_bytes", text.len()), |b| {
        b.iter(|| shortlist::plan::parse_str("docs/plan/phase9.md", std::hint::black_box(&text)))
    });
    g.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
