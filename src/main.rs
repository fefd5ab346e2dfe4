//! The `shortlist` binary: parse the command line, run it, print, exit with its code.

use clap::Parser;
use std::io::Write;

fn main() {
    let cli = shortlist::cli::Cli::parse();
    match shortlist::cli::run(&cli) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`shortlist triage | head`) is not an error worth a panic.
            let _ = stdout.write_all(out.text.as_bytes());
            let _ = stdout.flush();
            std::process::exit(out.code);
        }
        Err(e) => {
            match e.hint() {
                Some(h) => eprintln!("error: {e}; {h}"),
                None => eprintln!("error: {e}"),
            }
            std::process::exit(1);
        }
    }
}
