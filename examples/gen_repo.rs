//! Builds a benchmark repository with linked worktrees (git2, no `git` process):
//! `cargo run --release --example gen_repo -- small|big DIR`. The main checkout is
//! `DIR/main`, worktrees are `DIR/wt-N`.

#[path = "../benches/support/gen_repo.rs"]
mod gen_repo;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(size), Some(dir)) = (args.next(), args.next()) else {
        eprintln!("usage: gen_repo small|big DIR");
        std::process::exit(1);
    };
    let shape = match size.as_str() {
        "small" => &gen_repo::SMALL,
        "big" => &gen_repo::BIG,
        other => {
            eprintln!("unknown size `{other}`: small or big");
            std::process::exit(1);
        }
    };
    let dir = std::path::PathBuf::from(dir);
    if dir.join("main").exists() {
        eprintln!(
            "{} already exists; remove it first",
            dir.join("main").display()
        );
        std::process::exit(1);
    }
    let t = std::time::Instant::now();
    let main = gen_repo::build(&dir, shape);
    println!(
        "{} built in {:.1} s",
        main.display(),
        t.elapsed().as_secs_f64()
    );
}
