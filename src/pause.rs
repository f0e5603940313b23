//! Named moments of a run at which a test can stop it.
//!
//! The crash tests kill a real `belong report` with SIGKILL at chosen
//! moments (during ingest, analysis and render, between the two renames of
//! the swap) and check that the old report or the new one is whole. A
//! moment chosen by a timer is rarely the interesting one, so a run started
//! with `BELONG_TEST_PAUSE_AT=NAME` and `BELONG_TEST_PAUSE_FILE=PATH`
//! creates PATH when it reaches NAME and then waits to be killed. Without
//! both variables a point costs one cached lookup.

use std::path::PathBuf;
use std::sync::OnceLock;

fn wanted() -> Option<&'static (String, PathBuf)> {
    static WANTED: OnceLock<Option<(String, PathBuf)>> = OnceLock::new();
    WANTED
        .get_or_init(|| {
            let name = std::env::var("BELONG_TEST_PAUSE_AT").ok()?;
            let file = std::env::var_os("BELONG_TEST_PAUSE_FILE")?;
            Some((name, PathBuf::from(file)))
        })
        .as_ref()
}

/// Waits here for ever when a test asked to stop at `name`.
pub(crate) fn point(name: &str) {
    let Some((wanted, file)) = wanted() else {
        return;
    };
    if wanted != name {
        return;
    }
    let _ = std::fs::write(file, std::process::id().to_string());
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}
