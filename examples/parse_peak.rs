//! Reads plan files from disk and parses them once, as the CLI does, so the parse's peak
//! memory can be measured on its own (the bench's process also generates the plan):
//! `cargo run --release --example gen_plan -- /tmp/PLAN.md` then
//! `/usr/bin/time -v target/release/examples/parse_peak /tmp/PLAN.md` (maximum resident
//! set size), against `parse_peak --read-only /tmp/PLAN.md` for the process without the
//! parse.
//!
//! The same runs under `valgrind --tool=callgrind` count the parse's instructions, which
//! a shared machine's drift does not move; `parse_peak --anchor /tmp/PLAN.md` walks the
//! text with pulldown-cmark alone (the parse bench's anchor), so (parse − read-only) over
//! (anchor − read-only) is the parse's multiple of the anchor in instructions.

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args.first().map(String::as_str) {
        Some(m @ ("--read-only" | "--anchor")) => m.to_string(),
        _ => String::new(),
    };
    if !mode.is_empty() {
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
    match mode.as_str() {
        "--read-only" => {
            println!("{bytes} bytes read, not parsed");
            return;
        }
        "--anchor" => {
            let opts = shortlist::plan::markdown_options();
            let events: usize = texts
                .iter()
                .map(|t| {
                    pulldown_cmark::Parser::new_ext(&t.text, opts)
                        .into_offset_iter()
                        .count()
                })
                .sum();
            println!("{bytes} bytes: {events} pulldown-cmark events");
            return;
        }
        _ => {}
    }
    let plan = shortlist::plan::parse(&texts, None);
    println!("{bytes} bytes: {} tasks", plan.tasks.len());
}
