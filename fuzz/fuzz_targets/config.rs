//! Fuzzes config parsing and resolution: arbitrary text as belong.toml.
//! Any outcome but a panic is fine.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(raw) = belong::config::RawConfig::from_text(text) else {
        return;
    };
    let _ = belong::config::Settings::resolve_raw(
        belong::config::Flags::default(),
        raw,
        None,
        std::path::PathBuf::from("."),
    );
});
