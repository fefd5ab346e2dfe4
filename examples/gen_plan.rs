//! Writes the benchmark plan (5,000 tasks, 7,500 subtasks, ~2 MB) to a file, so the CLI
//! can be measured on it: `cargo run --release --example gen_plan -- /tmp/big/PLAN.md`.

#[path = "../benches/support/gen_plan.rs"]
mod gen_plan;

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "PLAN.md".to_string());
    let text = gen_plan::plan(5_000, 2_000_000);
    if let Err(e) = std::fs::write(&out, &text) {
        eprintln!("cannot write {out}: {e}");
        std::process::exit(1);
    }
    println!("{out}: {} bytes", text.len());
}
