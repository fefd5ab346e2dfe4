//! Reads plan files from disk and parses them once, as the CLI does, so the parse's peak
//! memory can be measured on its own (the bench's process also generates the plan):
//! `cargo run --release --example gen_plan -- /tmp/PLAN.md` then
//! `/usr/bin/time -v target/release/examples/parse_peak /tmp/PLAN.md` (maximum resident
//! set size), against `parse_peak --read-only /tmp/PLAN.md` for the process without the
//! parse.

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let read_only = args.first().is_some_and(|a| a == "--read-only");
    if read_only {
        args.remove(0);
    }
    let mut texts = Vec::new();
    for path in &args {
        match std::fs::read_to_string(path) {
            Ok(text) => texts.push(shortlist::plan::PlanText {
                path: path.clone(),
                text,
                title: None,
            }),
            Err(e) => {
                eprintln!("cannot read {path}: {e}");
                std::process::exit(1);
            }
        }
    }
    let bytes: usize = texts.iter().map(|t| t.text.len()).sum();
    if read_only {
        println!("{bytes} bytes read, not parsed");
        return;
    }
    let plan = shortlist::plan::parse(&texts, None);
    println!("{bytes} bytes: {} tasks", plan.tasks.len());
}
