//! The `shortlist` binary: parse the command line, run it, print, exit with its code.

use clap::Parser;
use std::io::Write;

fn main() {
    let cli = shortlist::cli::Cli::parse();
    match shortlist::cli::run(&cli) {
        Ok((out, code)) => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`shortlist triage | head`) is not an error worth a panic.
            let _ = stdout.write_all(out.as_bytes());
            let _ = stdout.flush();
            std::process::exit(code);
        }
        Err(e) => {
            eprintln!("error: {}", e.0);
            std::process::exit(1);
        }
    }
}
