#[path = "../benches/support/gen_plan.rs"]
mod gen_plan;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
struct C;
static N: AtomicUsize = AtomicUsize::new(0);
static F: AtomicUsize = AtomicUsize::new(0);
static B: AtomicUsize = AtomicUsize::new(0);
static ON: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for C {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if l.size() > 100_000 && ON.load(Relaxed) == 1 {
            eprintln!("alloc {}", l.size());
        }
        N.fetch_add(1, Relaxed);
        B.fetch_add(l.size(), Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        F.fetch_add(1, Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        if n > 100_000 && ON.load(Relaxed) == 1 {
            eprintln!("realloc {} -> {}", l.size(), n);
        }
        N.fetch_add(1, Relaxed);
        F.fetch_add(1, Relaxed);
        B.fetch_add(n, Relaxed);
        System.realloc(p, l, n)
    }
}
#[global_allocator]
static G: C = C;
fn main() {
    let text = gen_plan::plan(5_000, 2_000_000);
    let texts = [shortlist::plan::PlanText {
        path: "docs/plan/phase9.md".into(),
        text: text.clone(),
        title: None,
    }];
    let _ = shortlist::plan::parse(&texts, None);
    let (n0, f0, b0) = (N.load(Relaxed), F.load(Relaxed), B.load(Relaxed));
    ON.store(1, Relaxed);
    let p = shortlist::plan::parse(&texts, None);
    ON.store(0, Relaxed);
    let (n1, f1, b1) = (N.load(Relaxed), F.load(Relaxed), B.load(Relaxed));
    drop(p);
    let f2 = F.load(Relaxed);
    println!(
        "allocs {} (freed during parse {}) bytes {} ; freed in drop {}",
        n1 - n0,
        f1 - f0,
        b1 - b0,
        f2 - f1
    );
    let mut opts = pulldown_cmark::Options::empty();
    opts.insert(pulldown_cmark::Options::ENABLE_TABLES);
    opts.insert(pulldown_cmark::Options::ENABLE_TASKLISTS);
    opts.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    eprintln!("-- pulldown alone");
    ON.store(1, Relaxed);
    let b0 = B.load(Relaxed);
    std::hint::black_box(
        pulldown_cmark::Parser::new_ext(&text, opts)
            .into_offset_iter()
            .count(),
    );
    ON.store(0, Relaxed);
    println!("pulldown bytes {}", B.load(Relaxed) - b0);
    println!("task size {}", std::mem::size_of::<shortlist::plan::Task>());
}
