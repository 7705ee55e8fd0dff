//! Pure, deterministic usage metrics (SysStatusUsage, spec §2.2.11, §4.9) and disk figures
//! (SysStatusSysinfo, §2.2.12).
//!
//! Usage values are smooth value noise over the minute number: a pure function of (seed, minute), so the
//! same minute always shows the same numbers and consecutive minutes differ by a few units only.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::timeline::{format_hour_minute, Recording, Secs};

/// Number of one-minute samples in every history (§2.2.11 [INF]).
pub const HISTORY_LEN: usize = 21;

/// One minute of synthetic usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// CPU %, 2..=40.
    pub cpu: u32,
    /// Memory %, 10..=30.
    pub memory: u32,
    /// Load indicator incl. I/O, 1..=35.
    pub system_load: u32,
    /// Network throughput, around 6000 Kbps.
    pub network_kbps: u32,
}

/// One history object of SysStatusUsage, with the document's field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    pub values: Vec<u32>,
    pub x_labels: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y_legend: Option<String>,
    pub y_step: u32,
    pub y_max: u32,
}

/// The four histories of SysStatusUsage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histories {
    pub cpu_history: History,
    pub memory_history: History,
    pub session_history: History,
    pub network_history: History,
}

/// Synthetic usage at `minute` (epoch seconds / 60).
pub fn usage_sample(seed: u64, minute: i64) -> Sample {
    let n = |tag: u64, period: i64| smooth_noise(seed, tag, minute, period);
    // Mostly 4..16 %, with occasional slow bursts up to 40 %.
    let burst = ((n(3, 90) - 0.7) / 0.3).max(0.0);
    let cpu = 2.0 + 10.0 * n(1, 15) + 4.0 * n(2, 4) + 24.0 * burst;
    let memory = 11.0 + 12.0 * n(4, 120) + 4.0 * n(5, 20);
    let system_load = 1.0 + 0.7 * (cpu - 2.0) + 4.0 * n(6, 8);
    let network = 5600.0 + 800.0 * n(7, 30) + 150.0 * n(8, 3);
    Sample {
        cpu: cpu.round() as u32,
        memory: memory.round() as u32,
        system_load: system_load.round() as u32,
        network_kbps: network.round() as u32,
    }
}

/// Smooth value noise in [0, 1]: hashed values at multiples of `period` minutes, cosine-interpolated.
fn smooth_noise(seed: u64, tag: u64, minute: i64, period: i64) -> f64 {
    let cell = minute.div_euclid(period);
    let frac = minute.rem_euclid(period) as f64 / period as f64;
    let a = lattice(seed, tag, cell);
    let b = lattice(seed, tag, cell.wrapping_add(1));
    let w = (1.0 - (frac * std::f64::consts::PI).cos()) / 2.0;
    a + (b - a) * w
}

fn lattice(seed: u64, tag: u64, cell: i64) -> f64 {
    let h = crate::timeline::mix(&[seed, 0x6d65_7472_6963_7300 ^ tag, cell as u64]);
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// The 21 one-minute samples ending at the current minute, labelled `HH:MM` in device local time.
pub fn history(seed: u64, now: Secs, tz_offset_secs: i32, sessions: &SessionHistory) -> Histories {
    let last = now.div_euclid(60);
    let minutes: Vec<i64> = (0..HISTORY_LEN as i64).map(|i| last - (HISTORY_LEN as i64 - 1) + i).collect();
    let labels: Vec<String> =
        minutes.iter().map(|m| format_hour_minute(m.saturating_mul(60), tz_offset_secs)).collect();
    let samples: Vec<Sample> = minutes.iter().map(|&m| usage_sample(seed, m)).collect();
    let percent = |values: Vec<u32>| History {
        values,
        x_labels: labels.clone(),
        y_legend: Some("%".to_string()),
        y_step: 10,
        y_max: 100,
    };
    let session_values = sessions.values(now);
    let session_max = session_values.iter().copied().max().unwrap_or(0);
    let session_y_max = if session_max > 10 { session_max.div_ceil(10) * 10 } else { 10 };
    let network_values: Vec<u32> = samples.iter().map(|s| s.network_kbps).collect();
    let network_max = network_values.iter().copied().max().unwrap_or(0);
    Histories {
        cpu_history: percent(samples.iter().map(|s| s.cpu).collect()),
        memory_history: percent(samples.iter().map(|s| s.memory).collect()),
        session_history: History {
            values: session_values,
            x_labels: labels.clone(),
            y_legend: None,
            y_step: 10,
            y_max: session_y_max,
        },
        network_history: History {
            values: network_values,
            x_labels: labels.clone(),
            y_legend: Some("Kbps".to_string()),
            y_step: 1000,
            y_max: (network_max / 1000 + 1) * 1000,
        },
    }
}

/// Active-session counts per minute for the last [`HISTORY_LEN`] minutes: the model calls
/// [`SessionHistory::record`] whenever the count changes (or on every request); each minute keeps its
/// maximum, and minutes without a record repeat the last known value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionHistory {
    /// Minutes with at least one record, ascending.
    entries: VecDeque<SessionMinute>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct SessionMinute {
    minute: i64,
    /// Highest count seen in the minute, including the count carried in from before it.
    max: u32,
    /// Count at the last record of the minute, carried into the following minutes.
    last: u32,
}

impl SessionHistory {
    pub fn new() -> SessionHistory {
        SessionHistory::default()
    }

    /// Records that `active_sessions` sessions are active at `now`.
    pub fn record(&mut self, now: Secs, active_sessions: u32) {
        let minute = now.div_euclid(60);
        // A clock set backwards forgets the minutes that now lie in the future.
        while self.entries.back().is_some_and(|e| e.minute > minute) {
            self.entries.pop_back();
        }
        match self.entries.back_mut() {
            Some(e) if e.minute == minute => {
                e.max = e.max.max(active_sessions);
                e.last = active_sessions;
            }
            Some(&mut SessionMinute { last: carried, .. }) => self.entries.push_back(SessionMinute {
                minute,
                max: carried.max(active_sessions),
                last: active_sessions,
            }),
            None => {
                self.entries.push_back(SessionMinute { minute, max: active_sessions, last: active_sessions })
            }
        }
        // Keep the window plus one older entry, which gives the value carried into the window.
        let first_in_window = minute - (HISTORY_LEN as i64 - 1);
        while self.entries.len() > 1 && self.entries[1].minute <= first_in_window {
            self.entries.pop_front();
        }
    }

    /// The session count of the last record at or before `now` (0 before any record).
    pub fn current(&self, now: Secs) -> u32 {
        let minute = now.div_euclid(60);
        self.entries.iter().rev().find(|e| e.minute <= minute).map_or(0, |e| e.last)
    }

    /// The [`HISTORY_LEN`] per-minute values ending at the minute of `now`.
    pub fn values(&self, now: Secs) -> Vec<u32> {
        let last = now.div_euclid(60);
        (0..HISTORY_LEN as i64)
            .map(|i| {
                let minute = last - (HISTORY_LEN as i64 - 1) + i;
                match self.entries.iter().rev().find(|e| e.minute <= minute) {
                    Some(e) if e.minute == minute => e.max,
                    Some(e) => e.last,
                    None => 0,
                }
            })
            .collect()
    }
}

const MIB: u64 = 1024 * 1024;

/// Whole megabytes (MiB) in `bytes`, as the `*_disk_capacity` / `*_disk_used` fields show them.
pub fn megabytes(bytes: u64) -> u64 {
    bytes / MIB
}

/// Used share in whole percent, rounded (for `mail_disk` etc.); 0 when the capacity is 0.
pub fn usage_percent(capacity_bytes: u64, used_bytes: u64) -> u32 {
    if capacity_bytes == 0 {
        return 0;
    }
    ((used_bytes as f64 * 100.0 / capacity_bytes as f64).round()).min(u32::MAX as f64) as u32
}

/// `Capacity <C>, Used <U> (<pct>%), Free <F>` (§2.2.12): each quantity in MB, or in whole GB (floor of
/// MB/1024) from 10240 MB on; the percentage with two decimals from the unrounded byte counts.
pub fn disk_info(capacity_bytes: u64, used_bytes: u64) -> String {
    let free = capacity_bytes.saturating_sub(used_bytes);
    let pct = if capacity_bytes == 0 { 0.0 } else { used_bytes as f64 * 100.0 / capacity_bytes as f64 };
    format!(
        "Capacity {}, Used {} ({pct:.2}%), Free {}",
        size_text(capacity_bytes),
        size_text(used_bytes),
        size_text(free)
    )
}

fn size_text(bytes: u64) -> String {
    let mb = bytes / MIB;
    if mb >= 10240 {
        format!("{} GB", mb / 1024)
    } else {
        format!("{mb} MB")
    }
}

/// Bytes the recordings occupy: duration × the bitrate (Kbps) of each recording's video profile.
pub fn bytes_for(recordings: &[Recording], bitrate_kbps: impl Fn(&str) -> u32) -> u64 {
    recordings
        .iter()
        .map(|r| {
            let secs = u64::try_from(r.end.saturating_sub(r.start)).unwrap_or(0);
            secs.saturating_mul(u64::from(bitrate_kbps(&r.video_profile))).saturating_mul(1000) / 8
        })
        .fold(0u64, u64::saturating_add)
}

/// `actual_retention_*`: seconds from the oldest recording start to `now`; 0 without recordings.
pub fn retention_seconds(recordings: &[Recording], now: Secs) -> i64 {
    recordings.iter().map(|r| r.start).min().map_or(0, |oldest| now.saturating_sub(oldest).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::RecKind;
    use proptest::prelude::*;

    const MIB: u64 = 1024 * 1024;
    /// 2020-07-09T18:40:00Z, a minute like the document's `18:40`.
    const NOW: Secs = 1_594_320_000;

    #[test]
    fn disk_info_matches_the_log_disk_example_only_with_unrounded_bytes() {
        // 1475.9 MiB capacity, 4.72 MiB used: whole MB would give 4/1475 = 0.27 % and Free 1471 MB only
        // because the fractions of a megabyte are kept.
        let (cap, used) = (1_547_593_318, 4_949_278);
        assert_eq!(disk_info(cap, used), "Capacity 1475 MB, Used 4 MB (0.32%), Free 1471 MB");
        assert_eq!(disk_info(1475 * MIB, 4 * MIB), "Capacity 1475 MB, Used 4 MB (0.27%), Free 1471 MB");
    }

    #[test]
    fn disk_info_matches_the_video_disk_example() {
        let (cap, used) = (29_979_416_985, 28_267_406_950);
        assert_eq!((megabytes(cap), megabytes(used)), (28590, 26957));
        assert_eq!(disk_info(cap, used), "Capacity 27 GB, Used 26 GB (94.29%), Free 1632 MB");
    }

    #[test]
    fn disk_info_switches_to_gigabytes_at_10240_megabytes() {
        assert_eq!(disk_info(10240 * MIB, 10239 * MIB), "Capacity 10 GB, Used 10239 MB (99.99%), Free 1 MB");
        assert_eq!(disk_info(0, 0), "Capacity 0 MB, Used 0 MB (0.00%), Free 0 MB");
        assert_eq!(disk_info(MIB, 2 * MIB), "Capacity 1 MB, Used 2 MB (200.00%), Free 0 MB");
    }

    #[test]
    fn usage_percent_rounds_and_survives_zero_capacity() {
        assert_eq!(usage_percent(28_590, 26_957), 94);
        assert_eq!(usage_percent(0, 10), 0);
        assert_eq!(usage_percent(200, 1), 1);
    }

    fn rec(start: Secs, end: Secs, profile: &str) -> Recording {
        Recording {
            camera: "cam1".into(),
            start,
            end,
            kind: RecKind::Continuous,
            video_profile: profile.into(),
            open: false,
        }
    }

    #[test]
    fn bytes_for_multiplies_duration_by_profile_bitrate() {
        let recs = [rec(0, 100, "HighRes"), rec(200, 260, "2MP"), rec(300, 290, "2MP")];
        let bitrate = |p: &str| if p == "HighRes" { 4000 } else { 2000 };
        assert_eq!(bytes_for(&recs, bitrate), 100 * 4000 * 1000 / 8 + 60 * 2000 * 1000 / 8);
        assert_eq!(bytes_for(&[], bitrate), 0);
        assert_eq!(bytes_for(&[rec(0, Secs::MAX, "x")], |_| u32::MAX), u64::MAX / 8);
    }

    #[test]
    fn retention_is_now_minus_oldest_start() {
        assert_eq!(retention_seconds(&[rec(500, 600, "a"), rec(100, 200, "a")], 1000), 900);
        assert_eq!(retention_seconds(&[], 1000), 0);
        assert_eq!(retention_seconds(&[rec(2000, 2100, "a")], 1000), 0);
    }

    #[test]
    fn usage_is_deterministic_and_depends_on_seed() {
        assert_eq!(usage_sample(1, 1000), usage_sample(1, 1000));
        let a: Vec<Sample> = (0..60).map(|m| usage_sample(1, m)).collect();
        let b: Vec<Sample> = (0..60).map(|m| usage_sample(2, m)).collect();
        assert_ne!(a, b);
        // The values move: not the same number for a whole hour.
        assert!(a.iter().any(|s| s.cpu != a[0].cpu) && a.iter().any(|s| s.network_kbps != a[0].network_kbps));
    }

    #[test]
    fn history_has_21_labelled_minutes_ending_now() {
        let mut sessions = SessionHistory::new();
        sessions.record(NOW - 300, 3);
        let h = history(5, NOW + 59, 0, &sessions);
        for (hist, legend) in [
            (&h.cpu_history, Some("%")),
            (&h.memory_history, Some("%")),
            (&h.session_history, None),
            (&h.network_history, Some("Kbps")),
        ] {
            assert_eq!(hist.values.len(), HISTORY_LEN);
            assert_eq!(hist.x_labels.len(), HISTORY_LEN);
            assert_eq!(hist.x_labels.first().map(String::as_str), Some("18:20"));
            assert_eq!(hist.x_labels.last().map(String::as_str), Some("18:40"));
            assert_eq!(hist.y_legend.as_deref(), legend);
        }
        assert_eq!((h.cpu_history.y_step, h.cpu_history.y_max), (10, 100));
        assert_eq!((h.session_history.y_step, h.session_history.y_max), (10, 10));
        assert_eq!(h.cpu_history.values.last(), Some(&usage_sample(5, NOW / 60).cpu));
        let net_max = *h.network_history.values.iter().max().expect("values");
        assert_eq!(h.network_history.y_max, (net_max / 1000 + 1) * 1000);
        assert!(h.network_history.y_max > net_max && h.network_history.y_max - net_max <= 1000);
        assert_eq!(h.session_history.values[..15], [0; 15]);
        assert_eq!(h.session_history.values[15..], [3; 6]);
        // Labels follow the device time zone.
        let tokyo = history(5, NOW, 9 * 3600, &sessions);
        assert_eq!(tokyo.cpu_history.x_labels.last().map(String::as_str), Some("03:40"));
    }

    #[test]
    fn history_serializes_with_the_document_field_names() {
        let h = history(5, NOW, 0, &SessionHistory::new());
        let v = serde_json::to_value(&h).expect("json");
        assert_eq!(v["network_history"]["y_legend"], "Kbps");
        assert_eq!(v["network_history"]["y_step"], 1000);
        assert!(v["session_history"].get("y_legend").is_none());
        assert_eq!(v["memory_history"]["x_labels"].as_array().map(Vec::len), Some(HISTORY_LEN));
    }

    #[test]
    fn session_y_max_grows_in_steps_of_ten() {
        let mut s = SessionHistory::new();
        s.record(NOW, 10);
        assert_eq!(history(1, NOW, 0, &s).session_history.y_max, 10);
        s.record(NOW, 23);
        assert_eq!(history(1, NOW, 0, &s).session_history.y_max, 30);
    }

    #[test]
    fn session_history_keeps_the_max_per_minute_and_repeats_the_last_value() {
        let mut s = SessionHistory::new();
        s.record(NOW, 4);
        s.record(NOW + 10, 2);
        s.record(NOW + 70, 1);
        s.record(NOW + 75, 0);
        let v = s.values(NOW + 180);
        // minute 0: max(4, 2); minute 1: carried 2 then 1, 0 ⇒ 2; minutes 2-3 repeat the last value 0.
        assert_eq!(v[HISTORY_LEN - 4..], [4, 2, 0, 0]);
        assert_eq!(s.current(NOW + 180), 0);
        assert_eq!(s.current(NOW - 60), 0, "nothing known before the first record");
    }

    #[test]
    fn session_history_stays_small_and_remembers_the_value_carried_into_the_window() {
        let mut s = SessionHistory::new();
        for i in 0..1000 {
            s.record(NOW + i * 60, (i % 7) as u32);
        }
        assert!(s.entries.len() <= HISTORY_LEN + 1);
        s.record(NOW + 5000 * 60, 9);
        let v = s.values(NOW + 5000 * 60);
        assert_eq!(v[0], (999 % 7) as u32, "old value carried into the window");
        assert_eq!(v[HISTORY_LEN - 1], 9);
    }

    #[test]
    fn session_history_forgets_the_future_when_the_clock_goes_back() {
        let mut s = SessionHistory::new();
        s.record(NOW + 600, 8);
        s.record(NOW, 1);
        assert_eq!(s.values(NOW + 600)[HISTORY_LEN - 1], 1);
        let json = serde_json::to_string(&s).expect("json");
        let back: SessionHistory = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, s);
    }

    proptest! {
        #[test]
        fn usage_samples_stay_in_range_and_move_smoothly(seed in any::<u64>(), minute in any::<i64>()) {
            let minute = minute / 2;
            let a = usage_sample(seed, minute);
            let b = usage_sample(seed, minute + 1);
            for s in [a, b] {
                prop_assert!((2..=40).contains(&s.cpu), "cpu {}", s.cpu);
                prop_assert!((10..=30).contains(&s.memory), "memory {}", s.memory);
                prop_assert!((1..=35).contains(&s.system_load), "load {}", s.system_load);
                prop_assert!((5000..=7000).contains(&s.network_kbps), "network {}", s.network_kbps);
            }
            prop_assert!(a.cpu.abs_diff(b.cpu) <= 6);
            prop_assert!(a.memory.abs_diff(b.memory) <= 2);
            prop_assert!(a.system_load.abs_diff(b.system_load) <= 6);
            prop_assert!(a.network_kbps.abs_diff(b.network_kbps) <= 150);
        }

        #[test]
        fn disk_info_never_panics_and_free_never_exceeds_capacity(cap in any::<u64>(), used in any::<u64>()) {
            let text = disk_info(cap, used);
            prop_assert!(text.starts_with("Capacity "));
            prop_assert!(cap.saturating_sub(used) <= cap);
        }

        #[test]
        fn history_never_panics(seed in any::<u64>(), now in any::<i64>(), tz in any::<i32>()) {
            let h = history(seed, now, tz, &SessionHistory::new());
            prop_assert_eq!(h.cpu_history.values.len(), HISTORY_LEN);
        }
    }
}
