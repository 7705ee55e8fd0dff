//! Events, recordings, AI log, lifecycle and control-plane injections (spec §2.2.13, §2.2.14,
//! §2.2.17, §4.4, §4.6, §4.7). Stored events and fixture recordings are merged with the
//! deterministic timeline generated from each camera's activity history.

use serde_json::{json, Map, Value};

use super::body::Body;
use super::{
    not_found, page_params, param, param_ci, Injection, MResult, Model, ModelError, Outage, Output, SysAction,
};
use crate::profile::EventFields;
use crate::timeline::{
    self, ai_log_from_detections, event_mkey, format_event_time, format_query_time, parse_local_time,
    state_bits, AiLogEntry, CameraTimeline, Event, Recording, EVT_CAMERA, EVT_DETECT_FACE, EVT_SCHEDULE,
    EVT_SYSTEM,
};

pub(crate) const SUB_SYSTEM_STARTUP: u32 = 1;
pub(crate) const SUB_SYSTEM_HALT: u32 = 2;
pub(crate) const SUB_SYSTEM_REBOOT: u32 = 4;
pub(crate) const SUB_SYSTEM_RELOAD: u32 = 8;

/// Stored events kept at most (oldest dropped first).
const MAX_STORED_EVENTS: usize = 100_000;
/// Longest injected detection, seconds.
const MAX_DETECTION_SECS: i64 = 86_400;

fn is_instant(e: &Event) -> bool {
    matches!(e.etype, EVT_CAMERA | EVT_SCHEDULE | EVT_SYSTEM) && e.end == Some(e.start)
}

impl Model {
    fn tz_secs(&self) -> i32 {
        self.device.tz_offset_minutes.saturating_mul(60)
    }

    /// Outages as half-open intervals; a running one extends to the end of time.
    pub(crate) fn outage_spans(&self) -> Vec<(i64, i64)> {
        self.outages.iter().map(|o| (o.start, o.end.unwrap_or(i64::MAX))).collect()
    }

    fn face_persons(&self) -> Vec<String> {
        self.face_users.iter().map(|u| u.mkey.clone()).collect()
    }

    /// Run `f` with the generator of camera `cam`.
    pub(crate) fn with_timeline<T>(&self, cam: &str, f: impl FnOnce(&CameraTimeline<'_>) -> T) -> T {
        let outages = self.outage_spans();
        let persons = self.face_persons();
        let empty = Vec::new();
        let activity = self.activity.get(cam).unwrap_or(&empty);
        let tl = CameraTimeline {
            seed: self.device.gen_seed,
            serial: &self.device.serial,
            camera: cam,
            activity,
            outages: &outages,
            persons: &persons,
        };
        f(&tl)
    }

    /// Every recording overlapping `[from, to)` (fixtures and generated), sorted by start.
    pub fn recordings(&self, cam: Option<&str>, from: i64, to: i64, now: i64) -> Vec<Recording> {
        let mut out: Vec<Recording> = self
            .recordings
            .iter()
            .filter(|r| cam.is_none_or_eq(&r.camera) && r.end > from && r.start < to)
            .cloned()
            .collect();
        for c in &self.cameras {
            if cam.is_none_or_eq(&c.mkey) {
                out.extend(self.with_timeline(&c.mkey, |tl| tl.recordings(from, to, now)));
            }
        }
        out.sort_by(|a, b| a.start.cmp(&b.start).then(a.camera.cmp(&b.camera)));
        out
    }

    pub(crate) fn push_event(&mut self, e: Event) {
        self.events.push(e);
        let excess = self.events.len().saturating_sub(MAX_STORED_EVENTS);
        if excess > 0 {
            self.events.drain(..excess);
        }
    }

    /// Store an instantaneous event (camera, schedule, system).
    pub(crate) fn push_instant(&mut self, device: &str, at: i64, etype: u32, subtype: u32) {
        let mkey = event_mkey(&self.device.serial, device, at, etype, subtype);
        self.push_event(Event {
            mkey,
            device_name: device.to_owned(),
            start: at,
            end: Some(at),
            etype,
            subtype,
            state: 0,
        });
    }

    fn render_event(&self, e: &Event, now: i64) -> Value {
        let tz = self.tz_secs();
        let mut m = Map::new();
        m.insert("mkey".into(), json!(e.mkey));
        m.insert("device_name".into(), json!(e.device_name));
        m.insert("start_time".into(), json!(format_event_time(e.start, tz)));
        let instant = is_instant(e);
        match self.cfg.profile.event_fields {
            EventFields::Doc => {
                m.insert("end_time".into(), json!(format_event_time(e.end.unwrap_or(now), tz)));
                m.insert("type".into(), json!(e.etype));
                m.insert("subtype".into(), json!(e.subtype));
                m.insert("state".into(), json!(if instant { 0 } else { e.state }));
            }
            EventFields::Later => {
                if !instant {
                    if let Some(end) = e.end {
                        m.insert("end_time".into(), json!(format_event_time(end, tz)));
                    }
                }
                m.insert("type".into(), json!(e.etype));
                m.insert("subtype".into(), json!(e.subtype));
                if !instant {
                    m.insert("state".into(), json!(e.state));
                }
                m.insert("start_timestamp".into(), json!(e.start));
                m.insert("forward_from_camera".into(), json!(""));
            }
        }
        Value::Object(m)
    }

    /// CameraEvent / Timeline (§2.2.14).
    pub(super) fn query_events(&self, now: i64, q: &[(String, String)]) -> MResult<Output> {
        let strict = self.cfg.options.event_params_strict;
        let tz = self.tz_secs();
        let required = |name: &str| -> MResult<Option<&str>> {
            match param(q, name).filter(|v| !v.is_empty()) {
                Some(v) => Ok(Some(v)),
                None if strict => Err(ModelError::Invalid(format!("{name}: required"))),
                None => Ok(None),
            }
        };
        let devices = required("device_name")?;
        let start_s = required("start_time")?;
        let end_s = required("end_time")?;
        let time = |name: &str, s: Option<&str>, default: i64| -> MResult<i64> {
            match s {
                None => Ok(default),
                Some(s) => parse_local_time(s, tz).ok_or_else(|| {
                    ModelError::Invalid(format!("{name}: expected YYYY-MM-DD-HH-MM-SS, got {s:?}"))
                }),
            }
        };
        let from = time("start_time", start_s, 0)?;
        let to = time("end_time", end_s, now)?;
        if from > to {
            return Err(ModelError::Invalid("start_time is after end_time".into()));
        }
        let filter = match param(q, "evt_filter").or_else(|| param(q, "filter")).filter(|v| !v.is_empty()) {
            None => 0,
            Some(s) => {
                let n: u32 = s
                    .trim()
                    .parse()
                    .map_err(|_| ModelError::Invalid(format!("evt_filter: invalid value {s:?}")))?;
                if !timeline::is_valid_filter(n) {
                    return Err(ModelError::Invalid(format!("evt_filter: undefined type bits in {n}")));
                }
                n
            }
        };
        let page = page_params(q, false)?;
        let cameras: Vec<String> = match devices {
            Some(d) => d.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
            None => Vec::new(),
        };
        let mut all: Vec<Event> = self.events.clone();
        // Generation starts where activity does; never before the seed.
        let gen_from = from.max(self.device.created.saturating_sub(1));
        for c in &self.cameras {
            if cameras.is_empty() || cameras.contains(&c.mkey) {
                all.extend(self.with_timeline(&c.mkey, |tl| tl.events(gen_from, to, now)));
            }
        }
        for r in &self.recordings {
            if cameras.is_empty() || cameras.contains(&r.camera) {
                let sub = r.kind.subtype();
                all.push(Event {
                    mkey: event_mkey(&self.device.serial, &r.camera, r.start, timeline::EVT_RECORDING, sub),
                    device_name: r.camera.clone(),
                    start: r.start,
                    end: Some(r.end),
                    etype: timeline::EVT_RECORDING,
                    subtype: sub,
                    state: state_bits(false, false, false),
                });
            }
        }
        let matched = timeline::query_events(all, &cameras, from, to, filter);
        let items: Vec<Value> = matched.iter().map(|e| self.render_event(e, now)).collect();
        let mut listing = Model::page(items, page, self.cfg.options.max_page_size);
        listing.extra.insert(
            "start_time".into(),
            json!(start_s.map_or_else(|| format_query_time(from, tz), str::to_owned)),
        );
        listing
            .extra
            .insert("end_time".into(), json!(end_s.map_or_else(|| format_query_time(to, tz), str::to_owned)));
        Ok(Output::Listing(listing))
    }

    /// AiLog (§2.2.17). Parameter names are matched case-insensitively.
    pub(super) fn query_ai_log(&self, now: i64, q: &[(String, String)]) -> MResult<Output> {
        for (name, fixed) in [("type", "activity"), ("subtype", "activity"), ("range", "TIMESTAMP")] {
            if let Some(v) = param_ci(q, name) {
                if v != fixed {
                    return Err(ModelError::Invalid(format!("{name}: must be {fixed}")));
                }
            }
        }
        let tz = self.tz_secs();
        let time = |name: &str, default: i64| -> MResult<i64> {
            match param_ci(q, name).filter(|v| !v.is_empty()) {
                None => Ok(default),
                Some(s) => {
                    s.trim().parse::<i64>().ok().or_else(|| parse_local_time(s, tz)).ok_or_else(|| {
                        ModelError::Invalid(format!("{name}: expected a timestamp, got {s:?}"))
                    })
                }
            }
        };
        let from = time("start_time", i64::MIN / 2)?;
        let to = time("end_time", now)?;
        if from > to {
            return Err(ModelError::Invalid("start_time is after end_time".into()));
        }
        let person = param_ci(q, "person").filter(|v| !v.is_empty());
        let camera = param_ci(q, "camera").filter(|v| !v.is_empty());
        let page = page_params(q, true)?;
        let mut all: Vec<AiLogEntry> = self.ai_log.clone();
        let gen_from = from.max(self.device.created.saturating_sub(1));
        if gen_from <= to {
            for c in &self.cameras {
                if camera.is_none_or_eq(&c.mkey) {
                    let d =
                        self.with_timeline(&c.mkey, |tl| tl.detections(gen_from, to.saturating_add(1), now));
                    all.extend(ai_log_from_detections(&d));
                }
            }
        }
        all.retain(|e| {
            e.timestamp >= from
                && e.timestamp <= to
                && camera.is_none_or_eq(&e.camera)
                && match person {
                    None => true,
                    Some("KNOWN") => e.known,
                    Some("UNKNOWN") => !e.known,
                    Some(p) => e.person == p,
                }
        });
        all.sort_by(|a, b| b.timestamp.cmp(&a.timestamp).then_with(|| a.mkey.cmp(&b.mkey)));
        all.dedup_by(|a, b| a.mkey == b.mkey);
        let items = all
            .iter()
            .map(|e| {
                json!({
                    "mkey": e.mkey,
                    "timestamp": e.timestamp,
                    "time": format_event_time(e.timestamp, tz),
                    "camera": e.camera,
                    "person": e.person,
                    "known": e.known,
                    "image_path": e.image_path,
                })
            })
            .collect();
        Ok(Output::Listing(Model::page(items, page, self.cfg.options.max_page_size)))
    }

    // ------------------------------------------------------------------ lifecycle

    pub(super) fn sys_command(&mut self, now: i64, body: Option<&Value>) -> MResult<Output> {
        let b = Body::new(body)?;
        let action = match b.int("action")? {
            Some(1) => SysAction::Restart,
            Some(2) => SysAction::Shutdown,
            Some(3) => SysAction::Reload,
            Some(n) => {
                return Err(ModelError::Invalid(format!(
                    "action: {n} is not 1 (restart), 2 (shut down) or 3 (reload)"
                )))
            }
            None => return Err(ModelError::Invalid("action: required".into())),
        };
        let sub = match action {
            SysAction::Restart => SUB_SYSTEM_REBOOT,
            SysAction::Shutdown => SUB_SYSTEM_HALT,
            SysAction::Reload => SUB_SYSTEM_RELOAD,
        };
        self.push_instant("System", now, EVT_SYSTEM, sub);
        Ok(Output::Lifecycle(action))
    }

    pub(super) fn power_down(&mut self, now: i64) {
        if !self.outages.iter().any(|o| o.end.is_none()) {
            self.outages.push(Outage { start: now, end: None });
        }
        self.sessions.clear();
        self.sample_sessions(now);
        self.refresh_activity(now);
    }

    pub(super) fn power_up(&mut self, now: i64) {
        for o in self.outages.iter_mut().filter(|o| o.end.is_none()) {
            o.end = Some(now.max(o.start));
        }
        self.outages.retain(|o| o.end != Some(o.start));
        self.device.boot_time = now;
        self.sessions.clear();
        self.sample_sessions(now);
        self.push_instant("System", now, EVT_SYSTEM, SUB_SYSTEM_STARTUP);
        self.refresh_activity(now);
    }

    pub(super) fn reloaded(&mut self, now: i64) {
        self.refresh_activity(now);
    }

    // ------------------------------------------------------------------ injections

    pub(super) fn inject(&mut self, now: i64, inj: Injection) -> MResult<Output> {
        match inj {
            Injection::Detection { camera, kind, subtype, duration, person } => {
                self.camera(&camera)?;
                if kind == 0 || kind >= EVT_CAMERA || !timeline::is_valid_type(kind) {
                    return Err(ModelError::Invalid(format!("type {kind} is not a detection type")));
                }
                if !timeline::is_valid_subtype(kind, subtype) {
                    return Err(ModelError::Invalid(format!(
                        "subtype {subtype} is not valid for type {kind}"
                    )));
                }
                if !(0..=MAX_DETECTION_SECS).contains(&duration) {
                    return Err(ModelError::Invalid(format!(
                        "duration must be 0..{MAX_DETECTION_SECS} seconds"
                    )));
                }
                if let Some(p) = &person {
                    if !self.face_users.iter().any(|u| &u.mkey == p) {
                        return Err(not_found("face user", p));
                    }
                }
                let end = now.saturating_add(duration);
                let mkey = event_mkey(&self.device.serial, &camera, now, kind, subtype);
                let running = duration > 0;
                self.push_event(Event {
                    mkey: mkey.clone(),
                    device_name: camera.clone(),
                    start: now,
                    end: Some(end),
                    etype: kind,
                    subtype,
                    state: state_bits(running, false, false),
                });
                if kind == EVT_DETECT_FACE {
                    let known = person.is_some();
                    let person = person.unwrap_or_else(|| "UNKNOWN".into());
                    let id = format!("{now:012}-i{:07}", self.ai_log.len());
                    self.ai_log.push(AiLogEntry {
                        image_path: format!("face-recognition/log/{id}.jpg"),
                        mkey: id,
                        timestamp: now,
                        camera: camera.clone(),
                        person,
                        known,
                    });
                }
                Ok(Output::Value(json!({"event": mkey})))
            }
            Injection::CameraState { camera, state_flag, state_code, state_info, status } => {
                if let Some(f) = state_flag {
                    if f > 14 {
                        return Err(ModelError::Invalid(format!("state_flag {f} is outside 0..14")));
                    }
                }
                if let Some(s) = status {
                    if s != 1 && s != 2 {
                        return Err(ModelError::Invalid("status must be 1 (enabled) or 2 (disabled)".into()));
                    }
                }
                let cam = self.camera_mut(&camera)?;
                if let Some(f) = state_flag {
                    cam.state_flag = f;
                }
                if let Some(c) = state_code {
                    cam.state_code = c;
                }
                if let Some(i) = state_info {
                    cam.state_info = i;
                }
                let changed = status.filter(|s| *s != cam.status);
                if let Some(s) = changed {
                    cam.status = s;
                    let sub = if s == 1 {
                        super::config::SUB_CAMERA_ENABLE
                    } else {
                        super::config::SUB_CAMERA_DISABLE
                    };
                    self.push_instant(&camera, now, EVT_CAMERA, sub);
                }
                self.refresh_activity(now);
                let c = self.camera(&camera)?;
                Ok(Output::Value(json!({
                    "camera": c.mkey, "status": c.status, "state_flag": c.state_flag,
                    "state_code": c.state_code, "state_info": c.state_info,
                })))
            }
            Injection::Storage(map) => {
                let mut st = self.device.storage;
                for (k, v) in &map {
                    let n = super::body::as_int(v)
                        .ok_or_else(|| ModelError::Invalid(format!("{k}: expected an integer")))?;
                    let (slot, max) = match k.as_str() {
                        "log_disk_status" => (&mut st.log_disk_status, 1),
                        "mailbox_disk_status" => (&mut st.mailbox_disk_status, 1),
                        "remote_video_disk_status" => (&mut st.remote_video_disk_status, 1),
                        "log_storage_status" => (&mut st.log_storage_status, 3),
                        "local_storage_status" => (&mut st.local_storage_status, 3),
                        "remote_storage_status" => (&mut st.remote_storage_status, 3),
                        "retention_status" => (&mut st.retention_status, 2),
                        other => {
                            return Err(ModelError::Invalid(format!(
                                "unknown storage status field {other:?}"
                            )))
                        }
                    };
                    if !(0..=max).contains(&n) {
                        return Err(ModelError::Invalid(format!("{k}: {n} is outside 0..{max}")));
                    }
                    *slot = n as u8;
                }
                self.device.storage = st;
                Ok(Output::Value(serde_json::to_value(st).unwrap_or(Value::Null)))
            }
        }
    }
}

/// `None` matches everything; `Some(x)` matches `x` only.
trait NoneOrEq {
    fn is_none_or_eq(&self, v: &str) -> bool;
}

impl NoneOrEq for Option<&str> {
    fn is_none_or_eq(&self, v: &str) -> bool {
        match self {
            None => true,
            Some(x) => *x == v,
        }
    }
}
