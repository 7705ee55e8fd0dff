//! Pure, deterministic generation of usage metrics and disk figures (owned by the timeline work).
