//! The configuration file: any text gives a configuration or an error naming what is
//! wrong, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match shortlist::config::FileConfig::parse(&text, std::path::Path::new(".shortlist.toml")) {
        Ok(_) => {}
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
