//! Pure, deterministic generation of recordings and events (owned by the timeline work).
