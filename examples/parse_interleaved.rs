//! Parse timings for a noisy machine: the two-thread parse, the one-thread parse and
//! pulldown-cmark's event pass alone, interleaved in one loop: minimum, first quartile
//! and median of 150 runs each.
//! `cargo run --release --example parse_interleaved` (criterion's `cargo bench --bench
//! parse` is the reference; this shows the three side by side when the VM's speed drifts
//! between criterion's groups).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
#[path = "../benches/support/gen_plan.rs"]
mod gen_plan;
fn main() {
    let text = gen_plan::plan(5_000, 2_000_000);
    let texts = [shortlist::plan::PlanText {
        path: "x.md".into(),
        text: text.clone(),
    }];
    let mut times: [Vec<f64>; 3] = Default::default();
    for _ in 0..150 {
        for (k, times) in times.iter_mut().enumerate() {
            let t0 = std::time::Instant::now();
            match k {
                0 => drop(shortlist::plan::parse(&texts, None)),
                1 => drop(shortlist::plan::parse_whole(&texts, None)),
                _ => {
                    let mut o = pulldown_cmark::Options::empty();
                    o.insert(pulldown_cmark::Options::ENABLE_TABLES);
                    o.insert(pulldown_cmark::Options::ENABLE_TASKLISTS);
                    o.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
                    std::hint::black_box(
                        pulldown_cmark::Parser::new_ext(&text, o)
                            .into_offset_iter()
                            .count(),
                    );
                }
            }
            times.push(t0.elapsed().as_secs_f64() * 1e3);
        }
    }
    let mb = text.len() as f64 / 1e6;
    for (n, times) in [
        "parse (two threads)",
        "parse_whole (one thread)",
        "pulldown-cmark events only",
    ]
    .iter()
    .zip(times.iter_mut())
    {
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        println!(
            "{n}: min {:.1} ms = {:.0} MB/s; p25 {:.1} ms = {:.0} MB/s; median {:.1} ms = {:.0} MB/s",
            at(0.0),
            mb / at(0.0) * 1e3,
            at(0.25),
            mb / at(0.25) * 1e3,
            at(0.5),
            mb / at(0.5) * 1e3,
        );
    }
}
