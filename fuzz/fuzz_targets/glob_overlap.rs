//! Glob overlap against globset: the answer is symmetric, and a path that both
//! patterns match means they overlap (overlap may say yes when unsure, never no).
#![no_main]

use libfuzzer_sys::fuzz_target;
use shortlist::triage::overlap::overlap;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let (Some(a), Some(b), path) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    // Touch points are never empty (the parser drops empty code spans) nor huge.
    if a.is_empty() || b.is_empty() || a.len() > 200 || b.len() > 200 {
        return;
    }
    let ab = overlap(a, b).is_some();
    assert_eq!(ab, overlap(b, a).is_some(), "not symmetric: {a:?} {b:?}");
    let Some(path) = path.filter(|p| !p.is_empty()) else {
        return;
    };
    let glob = |p: &str| {
        globset::GlobBuilder::new(p)
            .literal_separator(true)
            .build()
            .ok()
            .map(|g| g.compile_matcher())
    };
    if let (Some(ga), Some(gb)) = (glob(a), glob(b)) {
        if ga.is_match(path) && gb.is_match(path) {
            assert!(ab, "{a:?} and {b:?} both match {path:?}");
        }
    }
});
