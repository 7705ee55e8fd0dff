//! Derived status: CameraStatus (§2.2.3), SysStatusSysinfo (§2.2.12), SysStatusUsage (§2.2.11).

use serde_json::{json, Map, Value};

use super::{param, Camera, LoginKind, MResult, Model, Output};
use crate::metrics;
use crate::profile::StatusNames;
use crate::timeline::{
    EVT_DETECT_AUDIO, EVT_DETECT_DI, EVT_DETECT_MOTION, EVT_DETECT_PIR, EVT_DETECT_TAMPER,
};

/// Detection trigger bit of §3.8 (5..9) → the event type that fires it.
const TRIGGER_EVENTS: [(u32, u32); 5] = [
    (5, EVT_DETECT_MOTION),
    (6, EVT_DETECT_DI),
    (7, EVT_DETECT_AUDIO),
    (8, EVT_DETECT_PIR),
    (9, EVT_DETECT_TAMPER),
];

/// Nominal bitrate (Kbps) of a video profile: by resolution, scaled by fps and codec.
pub fn bitrate_kbps(resolution: u8, codec: u8, fps: u32) -> u32 {
    let base: u32 = match resolution {
        0 => 512,
        1 => 1024,
        2 => 2048,
        3 => 4096,
        4 => 768,
        5 => 1536,
        6 => 2048,
        7 => 3072,
        8 => 4096,
        9 => 5120,
        10 => 6144,
        11 => 8192,
        _ => 10240,
    };
    let scaled = u64::from(base) * u64::from(fps.clamp(1, 60)) / 30;
    let scaled = if codec == 4 { scaled * 6 / 10 } else { scaled };
    u32::try_from(scaled.max(64)).unwrap_or(u32::MAX)
}

impl Model {
    fn profile_bitrate(&self, name: &str) -> u32 {
        self.video_profile(name)
            .map_or(2048, |v| bitrate_kbps(v.video_resolution, v.video_codec, v.video_fps))
    }

    /// (scheduled, current, problem) action bitmasks of camera `c` at `now` (§2.2.3, §3.2).
    pub(crate) fn camera_actions(&self, now: i64, c: &Camera) -> (u32, u32, u32) {
        if c.status != 1 {
            return (0, 0, 0);
        }
        let Some(p) = self.camera_profile(&c.profile) else { return (0, 0, 0) };
        let mut scheduled = 0u32;
        for e in p.entries.iter().filter(|e| self.schedule(&e.schedule).is_some_and(|s| s.is_active())) {
            for t in 4..=9u32 {
                if e.recording_type & (1 << t) == 0 {
                    continue;
                }
                if e.recording_type & 1 != 0 {
                    scheduled |= 1 << (t - 4);
                }
                if e.recording_type & 2 != 0 {
                    scheduled |= 1 << (t - 4 + 8);
                }
            }
        }
        // Continuous recording always fires while scheduled; detections while one is running.
        let mut firing = 1u32 | (1 << 8);
        let running: Vec<u32> = self
            .events
            .iter()
            .filter(|e| e.device_name == c.mkey && e.start <= now && e.end.is_none_or_after(now))
            .map(|e| e.etype)
            .chain(self.with_timeline(&c.mkey, |tl| {
                tl.detections(now.saturating_sub(3600), now.saturating_add(1), now)
                    .into_iter()
                    .filter(|d| d.end.is_none_or_after(now))
                    .map(|d| d.etype)
                    .collect::<Vec<_>>()
            }))
            .collect();
        for (bit, etype) in TRIGGER_EVENTS {
            if running.contains(&etype) {
                firing |= (1 << (bit - 4)) | (1 << (bit - 4 + 8));
            }
        }
        if c.state_flag != 1 {
            return (scheduled, 0, scheduled);
        }
        (scheduled, scheduled & firing, 0)
    }

    pub(super) fn camera_status_item(&self, now: i64, c: &Camera) -> Map<String, Value> {
        let (scheduled, current, problem) = self.camera_actions(now, c);
        let state_flag = if c.status != 1 { 2 } else { c.state_flag };
        let mut m = Map::new();
        m.insert("mkey".into(), json!(c.mkey));
        m.insert("status".into(), json!(c.status));
        m.insert("action_scheduled".into(), json!(scheduled));
        m.insert("action_pending".into(), json!(0));
        m.insert("action_current".into(), json!(current));
        m.insert("action_problem".into(), json!(problem));
        m.insert("last_query".into(), json!(now - now.rem_euclid(30)));
        match self.cfg.profile.status_names {
            StatusNames::Doc => {
                m.insert("state_flag".into(), json!(state_flag));
                m.insert("state_code".into(), json!(c.state_code));
                m.insert("state_info".into(), json!(c.state_info));
            }
            StatusNames::Later => {
                m.insert("flag".into(), json!(state_flag));
                m.insert("detail_code".into(), json!(c.state_code));
                m.insert("detail_info".into(), json!(c.state_info));
                m.insert("support_status".into(), json!(0));
                m.insert("eos_version".into(), json!(""));
            }
        }
        m
    }

    pub(super) fn camera_status_list(&self, now: i64, q: &[(String, String)]) -> MResult<Output> {
        let show_inactive =
            !self.cfg.profile.show_inactive_camera || param(q, "showInactiveCamera") == Some("1");
        let items = self
            .cameras
            .iter()
            .filter(|c| show_inactive || c.status == 1)
            .map(|c| Value::Object(self.camera_status_item(now, c)))
            .collect();
        let page = super::page_params(q, false)?;
        Ok(Output::Listing(Model::page(items, page, self.cfg.options.max_page_size)))
    }

    /// (capacity, used) bytes of the video disk.
    pub(crate) fn video_disk(&self, now: i64) -> (u64, u64, i64) {
        let recs = self.recordings(None, i64::MIN / 2, now.saturating_add(1), now);
        let used = metrics::bytes_for(&recs, |vp| self.profile_bitrate(vp));
        let cap = self.device.video_disk_capacity_mb.saturating_mul(1024 * 1024);
        (cap, used.min(cap), metrics::retention_seconds(&recs, now))
    }

    fn log_disk(&self) -> (u64, u64) {
        let cap = self.device.log_disk_capacity_mb.saturating_mul(1024 * 1024);
        let used = 4 * 1024 * 1024 + 512 * self.events.len() as u64 + 256 * self.ai_log.len() as u64;
        (cap, used.min(cap))
    }

    pub(super) fn sysinfo(&self, now: i64, caller: Option<&str>) -> Map<String, Value> {
        let up = now.saturating_sub(self.device.boot_time).max(0);
        let up_time = format!("{} {} {} {}", up / 86_400, up % 86_400 / 3600, up % 3600 / 60, up % 60);
        let mut admins: Vec<String> = self
            .sessions
            .live(now)
            .into_iter()
            .filter(|(k, _)| *k == LoginKind::Admin)
            .map(|(_, n)| n)
            .collect();
        admins.dedup();
        let (lcap, lused) = self.log_disk();
        let (vcap, vused, retention) = self.video_disk(now);
        let st = self.device.storage;
        let mut m = Map::new();
        m.insert("serial_number".into(), json!(self.device.serial));
        m.insert("up_time".into(), json!(up_time));
        m.insert("system_time".into(), json!(now));
        m.insert("firmware_version".into(), json!(self.device.firmware_version));
        m.insert("current_admin".into(), json!(caller.unwrap_or("")));
        m.insert("admin_num".into(), json!(admins.len()));
        m.insert("log_disk_info".into(), json!(metrics::disk_info(lcap, lused)));
        m.insert("log_disk_capacity".into(), json!(metrics::megabytes(lcap)));
        m.insert("log_disk_used".into(), json!(metrics::megabytes(lused)));
        m.insert("log_disk_status".into(), json!(st.log_disk_status));
        m.insert("log_storage_status".into(), json!(st.log_storage_status));
        m.insert("mailbox_disk_info".into(), json!(metrics::disk_info(vcap, vused)));
        m.insert("mailbox_disk_capacity".into(), json!(metrics::megabytes(vcap)));
        m.insert("mailbox_disk_used".into(), json!(metrics::megabytes(vused)));
        m.insert("mailbox_disk_status".into(), json!(st.mailbox_disk_status));
        m.insert("local_storage_status".into(), json!(st.local_storage_status));
        m.insert("remote_storage_status".into(), json!(st.remote_storage_status));
        m.insert("actual_retention_local".into(), json!(retention));
        m.insert("actual_retention_remote".into(), json!(0));
        m.insert("retention_status".into(), json!(st.retention_status));
        m.insert("remote_video_disk_info".into(), json!("n/a"));
        m.insert("remote_video_disk_status".into(), json!(st.remote_video_disk_status));
        m
    }

    pub(super) fn usage(&self, now: i64) -> Map<String, Value> {
        let s = metrics::usage_sample(self.device.gen_seed, now.div_euclid(60));
        let (lcap, lused) = self.log_disk();
        let (vcap, vused, _) = self.video_disk(now);
        let live = self.sessions.live(now).len() as u32;
        let mut hist = self.session_history.clone();
        hist.record(now, live);
        let h = metrics::history(
            self.device.gen_seed,
            now,
            self.device.tz_offset_minutes.saturating_mul(60),
            &hist,
        );
        let mut m = Map::new();
        m.insert("hostname".into(), json!(self.global.hostname));
        m.insert("cpu".into(), json!(s.cpu));
        m.insert("memory".into(), json!(s.memory));
        m.insert("log_disk".into(), json!(metrics::usage_percent(lcap, lused)));
        m.insert("mail_disk".into(), json!(metrics::usage_percent(vcap, vused)));
        m.insert("remote_video_disk".into(), json!(0));
        m.insert("system_load".into(), json!(s.system_load));
        m.insert("active_sessions".into(), json!(live));
        if let Ok(Value::Object(hm)) = serde_json::to_value(&h) {
            m.extend(hm);
        }
        m
    }
}

trait EndAfter {
    fn is_none_or_after(&self, now: i64) -> bool;
}

impl EndAfter for Option<i64> {
    fn is_none_or_after(&self, now: i64) -> bool {
        match self {
            None => true,
            Some(e) => *e > now,
        }
    }
}
