//! Logging setup for binaries (libraries only emit `tracing` events).
//!
//! - `DEVSIM_LOG`: an `EnvFilter` directive (`info`, `devsim_core=debug,warn`, ...); when unset,
//!   `RUST_LOG`; when neither is set, `info`.
//! - `DEVSIM_LOG_FORMAT=json`: one JSON object per line; anything else (or unset): human text.
//!
//! Logs go to standard error, so standard output stays free for what a command prints.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// The filter directive in force: `DEVSIM_LOG`, else `RUST_LOG`, else `info`.
pub fn filter_directive() -> String {
    directive_from(std::env::var("DEVSIM_LOG").ok(), std::env::var("RUST_LOG").ok())
}

fn directive_from(devsim: Option<String>, rust: Option<String>) -> String {
    [devsim, rust].into_iter().flatten().find(|s| !s.trim().is_empty()).unwrap_or_else(|| "info".to_owned())
}

/// Whether `DEVSIM_LOG_FORMAT` asks for JSON lines.
pub fn json_format() -> bool {
    std::env::var("DEVSIM_LOG_FORMAT").is_ok_and(|v| v.trim().eq_ignore_ascii_case("json"))
}

/// Install the global subscriber. Fails when the filter does not parse (message names the
/// variable) or a subscriber is installed already.
pub fn init() -> Result<(), String> {
    let directive = filter_directive();
    let filter = EnvFilter::builder()
        .parse(&directive)
        .map_err(|e| format!("DEVSIM_LOG/RUST_LOG filter {directive:?} does not parse: {e}"))?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let res = if json_format() {
        builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init()
    } else {
        builder.with_target(false).with_ansi(std::io::stderr().is_terminal()).try_init()
    };
    res.map_err(|e| format!("cannot install the log subscriber: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devsim_log_wins_over_rust_log_and_info_is_the_default() {
        assert_eq!(directive_from(Some("debug".into()), Some("warn".into())), "debug");
        assert_eq!(directive_from(None, Some("warn".into())), "warn");
        assert_eq!(directive_from(Some(" ".into()), None), "info");
        assert_eq!(directive_from(None, None), "info");
    }
}
