//! shortlist command line.
fn main() {}
