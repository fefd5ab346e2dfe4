#[path = "../benches/support/gen_plan.rs"]
mod gen_plan;
use std::time::Instant;
fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    let only_parse = std::env::args().nth(2).is_some();
    let text = gen_plan::plan(5_000, 2_000_000);
    let texts = [shortlist::plan::PlanText {
        path: "docs/plan/phase9.md".into(),
        text: text.clone(),
        title: None,
    }];
    let mut ratios = Vec::new();
    let mut ps = Vec::new();
    let mut qs = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..15 {
            std::hint::black_box(shortlist::plan::parse(std::hint::black_box(&texts), None));
        }
        let p = t.elapsed().as_secs_f64() / 15.0;
        if only_parse {
            ps.push(p);
            continue;
        }
        let t = Instant::now();
        for _ in 0..15 {
            let mut opts = pulldown_cmark::Options::empty();
            opts.insert(pulldown_cmark::Options::ENABLE_TABLES);
            opts.insert(pulldown_cmark::Options::ENABLE_TASKLISTS);
            opts.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
            std::hint::black_box(
                pulldown_cmark::Parser::new_ext(std::hint::black_box(&text), opts)
                    .into_offset_iter()
                    .count(),
            );
        }
        let q = t.elapsed().as_secs_f64() / 15.0;
        ps.push(p);
        qs.push(q);
        ratios.push(p / q);
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    if only_parse {
        println!("parse {:.2} ms", med(&mut ps) * 1e3);
        return;
    }
    println!(
        "ratio {:.3} parse {:.2} ms pulldown {:.2} ms",
        med(&mut ratios),
        med(&mut ps) * 1e3,
        med(&mut qs) * 1e3
    );
}
