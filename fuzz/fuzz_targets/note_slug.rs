//! Note slugs: never empty, at most 64 characters and 200 bytes, and never a path
//! separator, a dot or a NUL (so a note cannot leave its directory).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let topic = String::from_utf8_lossy(data);
    let s = shortlist::note::slug(&topic);
    assert!(!s.is_empty());
    assert!(s.chars().count() <= 64, "{s}");
    assert!(s.len() <= 200, "{s}");
    assert!(!s.contains(['/', '\\', '.', '\0']), "{s}");
});
