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
    /// (minute, max sessions in that minute), ascending by minute.
    entries: VecDeque<(i64, u32)>,
}

impl SessionHistory {
    pub fn new() -> SessionHistory {
        SessionHistory::default()
    }

    /// Records that `active_sessions` sessions are active at `now`.
    pub fn record(&mut self, now: Secs, active_sessions: u32) {
        let minute = now.div_euclid(60);
        // A clock set backwards forgets the minutes that now lie in the future.
        while self.entries.back().is_some_and(|&(m, _)| m > minute) {
            self.entries.pop_back();
        }
        match self.entries.back_mut() {
            Some((m, v)) if *m == minute => *v = (*v).max(active_sessions),
            Some(&mut (_, carried)) => self.entries.push_back((minute, carried.max(active_sessions))),
            None => self.entries.push_back((minute, active_sessions)),
        }
        // Keep the window plus one older entry, which gives the value carried into the window.
        let first_in_window = minute - (HISTORY_LEN as i64 - 1);
        while self.entries.len() > 1 && self.entries[1].0 <= first_in_window {
            self.entries.pop_front();
        }
    }

    /// The last known session count at `now` (0 before any record).
    pub fn current(&self, now: Secs) -> u32 {
        let minute = now.div_euclid(60);
        self.entries.iter().rev().find(|&&(m, _)| m <= minute).map_or(0, |&(_, v)| v)
    }

    /// The [`HISTORY_LEN`] per-minute values ending at the minute of `now`.
    pub fn values(&self, now: Secs) -> Vec<u32> {
        let last = now.div_euclid(60);
        (0..HISTORY_LEN as i64)
            .map(|i| {
                let minute = last - (HISTORY_LEN as i64 - 1) + i;
                self.entries.iter().rev().find(|&&(m, _)| m <= minute).map_or(0, |&(_, v)| v)
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
