//! Configuration objects: video profiles, camera profiles (+ schedule entries), cameras (profile
//! switch, PTZ, presets), schedules, interfaces, global settings (spec §2.2.4-§2.2.10, §4.2-§4.3).

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::{json, Map, Value};

use super::body::Body;
use super::{
    not_found, to_map, Activity, CameraProfile, FocusMode, Interface, MResult, Model, ModelError, Output,
    Position, Preset, ProfileEntry, Table, VideoProfile,
};

/// Recording-type bits that mean something (§3.8).
const RECORDING_TYPE_MASK: i64 = 0b11_1111_0011;

use crate::timeline::{EVT_CAMERA, EVT_SCHEDULE};

pub(crate) const SUB_CAMERA_SUSPEND: u32 = 256;
pub(crate) const SUB_CAMERA_RESUME: u32 = 512;
pub(crate) const SUB_CAMERA_DISABLE: u32 = 16;
pub(crate) const SUB_CAMERA_ENABLE: u32 = 32;

/// What a recorder does: (video profile, continuous, detection trigger mask).
pub(crate) type Recorder = (String, bool, u32);

/// An mkey from a URL: non-empty, printable, at most 63 characters.
pub(crate) fn check_mkey(what: &str, id: &str) -> MResult<()> {
    if id.is_empty() || id.len() > 63 || id.chars().any(|c| c.is_control() || c == '/') {
        return Err(ModelError::Invalid(format!("invalid {what} name {id:?}")));
    }
    Ok(())
}

fn small(n: i64) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}

fn units(b: &Body<'_>, key: &str) -> MResult<Option<u32>> {
    Ok(b.int_in(key, 1, 100_000)?.map(|n| n as u32))
}

impl Model {
    // ------------------------------------------------------------------ generic table dispatch

    pub(super) fn list(&mut self, now: i64, table: Table, query: &[(String, String)]) -> MResult<Output> {
        let items: Vec<Value> = match table {
            Table::CameraStatus => return self.camera_status_list(now, query),
            Table::VideoProfile => self.video_profiles.iter().map(|v| self.render_video_profile(v)).collect(),
            Table::CameraProfile => {
                self.camera_profiles.iter().map(|p| self.render_camera_profile(p)).collect()
            }
            Table::Camera => self.cameras.iter().map(|c| Value::Object(self.render_camera(c))).collect(),
            Table::Schedule => {
                self.schedules.iter().map(|s| Value::Object(self.render_schedule(&s.mkey))).collect()
            }
            Table::Interface => {
                self.interfaces.iter().map(|i| Value::Object(self.render_interface(i, false))).collect()
            }
            Table::FaceUser => {
                self.face_users.iter().map(|u| Value::Object(Self::render_face_user(u))).collect()
            }
        };
        let cap = self.cfg.options.max_page_size;
        Ok(Output::Listing(Model::page(items, super::page_params(query, false)?, cap)))
    }

    pub(super) fn get(&mut self, now: i64, table: Table, id: &str) -> MResult<Output> {
        let fields = match table {
            Table::CameraStatus => self.camera_status_item(now, self.camera(id)?),
            Table::VideoProfile => {
                let v = self.video_profile(id).ok_or_else(|| not_found("video profile", id))?;
                obj(self.render_video_profile(v))
            }
            Table::CameraProfile => {
                let p = self.camera_profile(id).ok_or_else(|| not_found("camera profile", id))?;
                obj(self.render_camera_profile(p))
            }
            Table::Camera => self.render_camera(self.camera(id)?),
            Table::Schedule => {
                self.schedule(id).ok_or_else(|| not_found("schedule", id))?;
                self.render_schedule(id)
            }
            Table::Interface => {
                let i = self
                    .interfaces
                    .iter()
                    .find(|i| i.mkey == id)
                    .ok_or_else(|| not_found("interface", id))?;
                self.render_interface(i, true)
            }
            Table::FaceUser => {
                let u = self
                    .face_users
                    .iter()
                    .find(|u| u.mkey == id)
                    .ok_or_else(|| not_found("face user", id))?;
                Self::render_face_user(u)
            }
        };
        Ok(Output::Object { mkey: id.to_owned(), fields })
    }

    pub(super) fn create(
        &mut self,
        now: i64,
        table: Table,
        id: &str,
        body: Option<&Value>,
    ) -> MResult<Output> {
        let b = Body::new(body)?;
        match table {
            Table::VideoProfile => self.create_video_profile(id, &b)?,
            Table::CameraProfile => self.create_camera_profile(id, &b)?,
            Table::Interface => self.create_interface(id, &b)?,
            Table::FaceUser => self.create_face_user(id)?,
            Table::CameraStatus | Table::Camera | Table::Schedule => {
                return Err(ModelError::MethodNotAllowed)
            }
        }
        self.refresh_activity(now);
        self.get(now, table, id)
    }

    pub(super) fn update(
        &mut self,
        now: i64,
        table: Table,
        id: &str,
        body: Option<&Value>,
    ) -> MResult<Output> {
        let b = Body::new(body)?;
        match table {
            Table::VideoProfile => self.update_video_profile(id, &b)?,
            Table::CameraProfile => self.update_camera_profile(id, &b)?,
            Table::Camera => self.update_camera(now, id, &b)?,
            Table::Schedule => self.update_schedule(now, id, &b)?,
            Table::Interface => self.update_interface(id, &b)?,
            Table::FaceUser => self.update_face_user(id, &b)?,
            Table::CameraStatus => return Err(ModelError::MethodNotAllowed),
        }
        self.refresh_activity(now);
        self.get(now, table, id)
    }

    pub(super) fn delete(&mut self, now: i64, table: Table, id: &str) -> MResult<Output> {
        match table {
            Table::VideoProfile => {
                let i = self
                    .video_profiles
                    .iter()
                    .position(|v| v.mkey == id)
                    .ok_or_else(|| not_found("video profile", id))?;
                if self.video_profile_referenced(id) {
                    return Err(ModelError::Referenced(format!(
                        "video profile {id} is in use by a camera profile"
                    )));
                }
                self.video_profiles.remove(i);
            }
            Table::CameraProfile => {
                let i = self
                    .camera_profiles
                    .iter()
                    .position(|v| v.mkey == id)
                    .ok_or_else(|| not_found("camera profile", id))?;
                if self.cameras.iter().any(|c| c.profile == id) {
                    return Err(ModelError::Referenced(format!("camera profile {id} is in use by a camera")));
                }
                self.camera_profiles.remove(i);
            }
            Table::Interface => self.delete_interface(id)?,
            Table::FaceUser => {
                let i = self
                    .face_users
                    .iter()
                    .position(|u| u.mkey == id)
                    .ok_or_else(|| not_found("face user", id))?;
                self.face_users.remove(i);
            }
            Table::CameraStatus | Table::Camera | Table::Schedule => {
                return Err(ModelError::MethodNotAllowed)
            }
        }
        self.refresh_activity(now);
        Ok(Output::Deleted { mkey: id.to_owned() })
    }

    // ------------------------------------------------------------------ video profiles

    fn video_profile_referenced(&self, id: &str) -> bool {
        self.camera_profiles
            .iter()
            .flat_map(|p| p.entries.iter())
            .any(|e| e.viewing_stream == id || e.recording_stream == id)
    }

    fn render_video_profile(&self, v: &VideoProfile) -> Value {
        let mut m = to_map(v);
        if self.video_profile_referenced(&v.mkey) {
            m.insert("isReferenced".into(), json!(1));
        }
        Value::Object(m)
    }

    fn apply_video_fields(v: &mut VideoProfile, b: &Body<'_>) -> MResult<()> {
        if let Some(n) = b.int_in("video_resolution", 0, 12)? {
            v.video_resolution = small(n);
        }
        if let Some(n) = b.int_of("video_codec", &[0, 3, 4])? {
            v.video_codec = small(n);
        }
        if let Some(n) = b.int_in("video_fps", 1, 60)? {
            v.video_fps = n as u32;
        }
        if let Some(n) = b.int_in("video_gop", 0, 6)? {
            v.video_gop = small(n);
        }
        if let Some(n) = b.int_in("video_bitrate_mode", 0, 2)? {
            v.video_bitrate_mode = small(n);
        }
        if let Some(a) = b.bool("audio")? {
            v.audio = a;
        }
        Ok(())
    }

    fn create_video_profile(&mut self, id: &str, b: &Body<'_>) -> MResult<()> {
        check_mkey("video profile", id)?;
        if self.video_profile(id).is_some() {
            return Err(ModelError::Duplicate(format!("video profile {id} already exists")));
        }
        let mut v = VideoProfile {
            mkey: id.to_owned(),
            video_resolution: 6,
            video_codec: 0,
            video_fps: 30,
            video_gop: 0,
            video_bitrate_mode: 0,
            audio: false,
        };
        Self::apply_video_fields(&mut v, b)?;
        self.video_profiles.push(v);
        Ok(())
    }

    fn update_video_profile(&mut self, id: &str, b: &Body<'_>) -> MResult<()> {
        let v = self
            .video_profiles
            .iter_mut()
            .find(|v| v.mkey == id)
            .ok_or_else(|| not_found("video profile", id))?;
        let mut new = v.clone();
        Self::apply_video_fields(&mut new, b)?;
        *v = new;
        Ok(())
    }

    // ------------------------------------------------------------------ camera profiles

    fn render_camera_profile(&self, p: &CameraProfile) -> Value {
        let join = |f: &dyn Fn(&ProfileEntry) -> String| {
            p.entries.iter().map(|e| format!("{}:{}", e.schedule, f(e))).collect::<Vec<_>>().join(",")
        };
        let mut m = Map::new();
        m.insert("mkey".into(), json!(p.mkey));
        m.insert("continuous_retention_disposition".into(), json!(p.continuous_retention_disposition));
        m.insert("continuous_retention_period".into(), json!(p.continuous_retention_period));
        m.insert("continuous_retention_period_units".into(), json!(p.continuous_retention_period_units));
        m.insert("detection_retention_disposition".into(), json!(p.detection_retention_disposition));
        m.insert("detection_retention_period".into(), json!(p.detection_retention_period));
        m.insert("detection_retention_period_units".into(), json!(p.detection_retention_period_units));
        m.insert("compression".into(), json!(p.compression));
        m.insert("compression_period".into(), json!(p.compression_period));
        m.insert("compression_period_units".into(), json!(p.compression_period_units));
        m.insert("viewing_stream".into(), json!(join(&|e| e.viewing_stream.clone())));
        m.insert("recording_stream".into(), json!(join(&|e| e.recording_stream.clone())));
        m.insert("recording_type".into(), json!(join(&|e| e.recording_type.to_string())));
        if self.cameras.iter().any(|c| c.profile == p.mkey) {
            m.insert("isReferenced".into(), json!(1));
        }
        Value::Object(m)
    }

    fn apply_camera_profile_fields(&self, p: &mut CameraProfile, b: &Body<'_>) -> MResult<()> {
        if let Some(n) = b.int_in("continuous_retention_disposition", 0, 2)? {
            p.continuous_retention_disposition = small(n);
        }
        if let Some(n) = b.int_in("continuous_retention_period", 0, 4)? {
            p.continuous_retention_period = small(n);
        }
        if let Some(n) = units(b, "continuous_retention_period_units")? {
            p.continuous_retention_period_units = n;
        }
        if let Some(n) = b.int_in("detection_retention_disposition", 0, 2)? {
            p.detection_retention_disposition = small(n);
        }
        if let Some(n) = b.int_in("detection_retention_period", 0, 4)? {
            p.detection_retention_period = small(n);
        }
        if let Some(n) = units(b, "detection_retention_period_units")? {
            p.detection_retention_period_units = n;
        }
        if let Some(c) = b.bool("compression")? {
            p.compression = c;
        }
        if let Some(n) = b.int_in("compression_period", 0, 3)? {
            p.compression_period = small(n);
        }
        if let Some(n) = units(b, "compression_period_units")? {
            p.compression_period_units = n;
        }
        // Parent strings `<schedule>:<value>[,<schedule>:<value>...]` set entries by schedule.
        for key in ["viewing_stream", "recording_stream", "recording_type"] {
            let Some(s) = b.str(key)? else { continue };
            for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (sched, val) = part.split_once(':').ok_or_else(|| {
                    ModelError::Invalid(format!("{key}: expected <schedule>:<value>, got {part:?}"))
                })?;
                if self.schedule(sched).is_none() {
                    return Err(ModelError::Invalid(format!("{key}: unknown schedule {sched:?}")));
                }
                let idx = match p.entries.iter().position(|e| e.schedule == sched) {
                    Some(i) => i,
                    None => {
                        p.entries.push(ProfileEntry {
                            schedule: sched.to_owned(),
                            viewing_stream: String::new(),
                            recording_stream: String::new(),
                            recording_type: 17,
                        });
                        p.entries.len() - 1
                    }
                };
                let e = &mut p.entries[idx];
                match key {
                    "recording_type" => {
                        e.recording_type = parse_recording_type(&Value::String(val.to_owned()))?;
                    }
                    _ => {
                        if self.video_profile(val).is_none() {
                            return Err(ModelError::Invalid(format!("{key}: unknown video profile {val:?}")));
                        }
                        if key == "viewing_stream" {
                            e.viewing_stream = val.to_owned();
                        } else {
                            e.recording_stream = val.to_owned();
                        }
                    }
                }
            }
        }
        // A new entry given only one stream uses it for the other as well.
        for e in &mut p.entries {
            if e.viewing_stream.is_empty() {
                e.viewing_stream = e.recording_stream.clone();
            }
            if e.recording_stream.is_empty() {
                e.recording_stream = e.viewing_stream.clone();
            }
            if e.viewing_stream.is_empty() {
                return Err(ModelError::Invalid(format!(
                    "schedule {} needs a viewing_stream or recording_stream",
                    e.schedule
                )));
            }
        }
        Ok(())
    }

    fn create_camera_profile(&mut self, id: &str, b: &Body<'_>) -> MResult<()> {
        check_mkey("camera profile", id)?;
        if self.camera_profile(id).is_some() {
            return Err(ModelError::Duplicate(format!("camera profile {id} already exists")));
        }
        let mut p = CameraProfile {
            mkey: id.to_owned(),
            continuous_retention_disposition: 0,
            continuous_retention_period: 0,
            continuous_retention_period_units: 1,
            detection_retention_disposition: 0,
            detection_retention_period: 0,
            detection_retention_period_units: 1,
            compression: false,
            compression_period: 0,
            compression_period_units: 1,
            entries: Vec::new(),
        };
        self.apply_camera_profile_fields(&mut p, b)?;
        self.camera_profiles.push(p);
        Ok(())
    }

    fn update_camera_profile(&mut self, id: &str, b: &Body<'_>) -> MResult<()> {
        let i = self
            .camera_profiles
            .iter()
            .position(|p| p.mkey == id)
            .ok_or_else(|| not_found("camera profile", id))?;
        let mut p = self.camera_profiles[i].clone();
        self.apply_camera_profile_fields(&mut p, b)?;
        self.camera_profiles[i] = p;
        Ok(())
    }

    fn render_entry(e: &ProfileEntry) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("mkey".into(), json!(e.schedule));
        m.insert("viewing_stream".into(), json!(e.viewing_stream));
        m.insert("recording_stream".into(), json!(e.recording_stream));
        m.insert("recording_type".into(), json!(e.recording_type));
        m
    }

    pub(super) fn list_entries(&self, profile: &str) -> MResult<Output> {
        let p = self.camera_profile(profile).ok_or_else(|| not_found("camera profile", profile))?;
        let items = p.entries.iter().map(|e| Value::Object(Self::render_entry(e))).collect();
        Ok(Output::Listing(Model::page(items, super::Page::default(), usize::MAX)))
    }

    pub(super) fn get_entry(&self, profile: &str, schedule: &str) -> MResult<Output> {
        let p = self.camera_profile(profile).ok_or_else(|| not_found("camera profile", profile))?;
        let e = p
            .entries
            .iter()
            .find(|e| e.schedule == schedule)
            .ok_or_else(|| not_found("schedule entry", schedule))?;
        Ok(Output::Object { mkey: schedule.to_owned(), fields: Self::render_entry(e) })
    }

    pub(super) fn update_entry(
        &mut self,
        now: i64,
        profile: &str,
        schedule: &str,
        body: Option<&Value>,
    ) -> MResult<Output> {
        let b = Body::new(body)?;
        let pi = self
            .camera_profiles
            .iter()
            .position(|p| p.mkey == profile)
            .ok_or_else(|| not_found("camera profile", profile))?;
        let ei = self.camera_profiles[pi]
            .entries
            .iter()
            .position(|e| e.schedule == schedule)
            .ok_or_else(|| not_found("schedule entry", schedule))?;
        let mut e = self.camera_profiles[pi].entries[ei].clone();
        for key in ["viewing_stream", "recording_stream"] {
            if let Some(v) = b.str(key)? {
                // Accept `<schedule>:<profile>` as well as the documented bare name.
                let v = v.strip_prefix(&format!("{schedule}:")).unwrap_or(v);
                if self.video_profile(v).is_none() {
                    return Err(ModelError::Invalid(format!("{key}: unknown video profile {v:?}")));
                }
                if key == "viewing_stream" {
                    e.viewing_stream = v.to_owned();
                } else {
                    e.recording_stream = v.to_owned();
                }
            }
        }
        if let Some(v) = b.get("recording_type") {
            e.recording_type = parse_recording_type(v)?;
        }
        self.camera_profiles[pi].entries[ei] = e;
        self.refresh_activity(now);
        self.get_entry(profile, schedule)
    }

    // ------------------------------------------------------------------ cameras

    fn render_camera(&self, c: &super::Camera) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("mkey".into(), json!(c.mkey));
        m.insert("status".into(), json!(c.status));
        m.insert("profile".into(), json!(c.profile));
        m.insert("ptz_capable".into(), json!(c.ptz_capable));
        if c.ptz_capable {
            m.insert("ptz".into(), json!({"pan": c.ptz.pan, "tilt": c.ptz.tilt, "zoom": c.ptz.zoom}));
            m.insert("home".into(), json!({"pan": c.home.pan, "tilt": c.home.tilt, "zoom": c.home.zoom}));
            m.insert("focus".into(), json!(c.focus));
            m.insert("focus_mode".into(), serde_json::to_value(c.focus_mode).unwrap_or(Value::Null));
            m.insert("preset_count".into(), json!(c.presets.len()));
        }
        if self.camera_groups.iter().any(|g| g.cameras.contains(&c.mkey)) {
            m.insert("isReferenced".into(), json!(1));
        }
        m
    }

    fn update_camera(&mut self, now: i64, id: &str, b: &Body<'_>) -> MResult<()> {
        self.camera(id)?;
        let profile = b.str("profile")?;
        let status = b.int_of("status", &[1, 2])?;
        if profile.is_none() && status.is_none() {
            return Err(ModelError::Invalid("profile: required".into()));
        }
        if let Some(p) = profile {
            if self.camera_profile(p).is_none() {
                return Err(ModelError::Invalid(format!("profile: unknown camera profile {p:?}")));
            }
        }
        let cam = self.camera_mut(id)?;
        if let Some(p) = profile {
            cam.profile = p.to_owned();
        }
        if let Some(s) = status {
            let s = small(s);
            if cam.status != s {
                cam.status = s;
                let sub = if s == 1 { SUB_CAMERA_ENABLE } else { SUB_CAMERA_DISABLE };
                self.push_instant(id, now, EVT_CAMERA, sub);
            }
        }
        Ok(())
    }

    pub(super) fn ptz(&mut self, camera: &str, body: Option<&Value>) -> MResult<Output> {
        let b = Body::new(body)?;
        let cam = self.camera(camera)?;
        if !cam.ptz_capable {
            return Err(ModelError::State(format!("camera {camera} has no PTZ capability")));
        }
        let mv =
            b.int_in("camMove", 0, 16)?.ok_or_else(|| ModelError::Invalid("camMove: required".into()))?;
        let mag = b.int_in("magnitude", 1, 10)?.unwrap_or(1) as f64;
        let preset = match mv {
            16 => {
                let name = b
                    .str("presetName")?
                    .ok_or_else(|| ModelError::Invalid("presetName: required with camMove 16".into()))?;
                Some(
                    cam.presets
                        .iter()
                        .find(|p| p.mkey == name)
                        .ok_or_else(|| not_found("preset", name))?
                        .position,
                )
            }
            _ => None,
        };
        let cam = self.camera_mut(camera)?;
        let step = |p: &mut Position, dp: f64, dt: f64, dz: f64| {
            p.pan = (p.pan + dp).clamp(-180.0, 180.0);
            p.tilt = (p.tilt + dt).clamp(-90.0, 90.0);
            p.zoom = (p.zoom + dz).clamp(1.0, 30.0);
        };
        match mv {
            0 => cam.ptz = cam.home,
            1 => step(&mut cam.ptz, mag, 0.0, 0.0),
            2 => step(&mut cam.ptz, -mag, 0.0, 0.0),
            3 => step(&mut cam.ptz, 0.0, mag, 0.0),
            4 => step(&mut cam.ptz, 0.0, -mag, 0.0),
            5 => step(&mut cam.ptz, mag, mag, 0.0),
            6 => step(&mut cam.ptz, -mag, mag, 0.0),
            7 => step(&mut cam.ptz, mag, -mag, 0.0),
            8 => step(&mut cam.ptz, -mag, -mag, 0.0),
            9 => step(&mut cam.ptz, 0.0, 0.0, mag * 0.1),
            10 => step(&mut cam.ptz, 0.0, 0.0, -mag * 0.1),
            11 => cam.home = cam.ptz,
            12 | 13 => {
                let d = if mv == 12 { 0.1 } else { -0.1 };
                cam.focus = (cam.focus + d * mag).clamp(0.0, 10.0);
                cam.focus_mode = FocusMode::Manual;
            }
            14 => cam.focus_mode = FocusMode::SemiAuto,
            15 => cam.focus_mode = FocusMode::FullAuto,
            _ => {
                if let Some(p) = preset {
                    cam.ptz = p;
                }
            }
        }
        Ok(Output::Object { mkey: camera.to_owned(), fields: Map::new() })
    }

    fn render_preset(p: &Preset) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("mkey".into(), json!(p.mkey));
        m.insert("pan".into(), json!(p.position.pan));
        m.insert("tilt".into(), json!(p.position.tilt));
        m.insert("zoom".into(), json!(p.position.zoom));
        m
    }

    pub(super) fn list_presets(&self, camera: &str) -> MResult<Output> {
        let cam = self.camera(camera)?;
        let items = cam.presets.iter().map(|p| Value::Object(Self::render_preset(p))).collect();
        Ok(Output::Listing(Model::page(items, super::Page::default(), usize::MAX)))
    }

    pub(super) fn get_preset(&self, camera: &str, preset: &str) -> MResult<Output> {
        let cam = self.camera(camera)?;
        let p = cam.presets.iter().find(|p| p.mkey == preset).ok_or_else(|| not_found("preset", preset))?;
        Ok(Output::Object { mkey: preset.to_owned(), fields: Self::render_preset(p) })
    }

    pub(super) fn create_preset(&mut self, camera: &str, preset: &str) -> MResult<Output> {
        let cam = self.camera(camera)?;
        if !cam.ptz_capable {
            return Err(ModelError::State(format!("camera {camera} has no PTZ capability")));
        }
        check_mkey("preset", preset)?;
        if cam.presets.iter().any(|p| p.mkey == preset) {
            return Err(ModelError::Duplicate(format!("preset {preset} already exists")));
        }
        let cam = self.camera_mut(camera)?;
        let position = cam.ptz;
        cam.presets.push(Preset { mkey: preset.to_owned(), position });
        self.get_preset(camera, preset)
    }

    pub(super) fn update_preset(&mut self, camera: &str, preset: &str) -> MResult<Output> {
        let creates = self.cfg.options.preset_put_creates;
        let cam = self.camera(camera)?;
        if !cam.ptz_capable {
            return Err(ModelError::State(format!("camera {camera} has no PTZ capability")));
        }
        if !cam.presets.iter().any(|p| p.mkey == preset) {
            if creates {
                return self.create_preset(camera, preset);
            }
            return Err(not_found("preset", preset));
        }
        let cam = self.camera_mut(camera)?;
        let position = cam.ptz;
        if let Some(p) = cam.presets.iter_mut().find(|p| p.mkey == preset) {
            p.position = position;
        }
        self.get_preset(camera, preset)
    }

    pub(super) fn delete_preset(&mut self, camera: &str, preset: &str) -> MResult<Output> {
        let cam = self.camera_mut(camera)?;
        let i =
            cam.presets.iter().position(|p| p.mkey == preset).ok_or_else(|| not_found("preset", preset))?;
        cam.presets.remove(i);
        Ok(Output::Deleted { mkey: preset.to_owned() })
    }

    // ------------------------------------------------------------------ schedules

    fn render_schedule(&self, id: &str) -> Map<String, Value> {
        let mut m = Map::new();
        if let Some(s) = self.schedule(id) {
            m.insert("mkey".into(), json!(s.mkey));
            let kind = match s.kind {
                super::ScheduleKind::Standard => "standard",
                super::ScheduleKind::Assistant => "assistant",
            };
            m.insert("type".into(), json!(kind));
            if s.kind == super::ScheduleKind::Assistant {
                m.insert("assist_active".into(), json!(s.assist_active));
            }
            if self.camera_profiles.iter().any(|p| p.entries.iter().any(|e| e.schedule == id)) {
                m.insert("isReferenced".into(), json!(1));
            }
        }
        m
    }

    fn update_schedule(&mut self, now: i64, id: &str, b: &Body<'_>) -> MResult<()> {
        let s = self.schedule(id).ok_or_else(|| not_found("schedule", id))?;
        if s.kind != super::ScheduleKind::Assistant {
            return Err(ModelError::State(format!("schedule {id} is not of Assistant type")));
        }
        let active =
            b.bool("assist_active")?.ok_or_else(|| ModelError::Invalid("assist_active: required".into()))?;
        if s.assist_active == active {
            return Ok(());
        }
        if let Some(s) = self.schedules.iter_mut().find(|s| s.mkey == id) {
            s.assist_active = active;
        }
        // One Evt_Schedule per camera whose profile uses the schedule (System when none).
        let sub = if active { SUB_CAMERA_RESUME } else { SUB_CAMERA_SUSPEND };
        let cams: Vec<String> = self
            .cameras
            .iter()
            .filter(|c| {
                self.camera_profile(&c.profile).is_some_and(|p| p.entries.iter().any(|e| e.schedule == id))
            })
            .map(|c| c.mkey.clone())
            .collect();
        if cams.is_empty() {
            self.push_instant("System", now, EVT_SCHEDULE, sub);
        }
        for c in cams {
            self.push_instant(&c, now, EVT_SCHEDULE, sub);
        }
        Ok(())
    }

    // ------------------------------------------------------------------ recorder activity

    /// What camera `c`'s recorder does right now: the video profile of the first active schedule
    /// entry storing on the FortiRecorder, with continuous recording and detection triggers merged
    /// over every active local entry. `None` when it records nothing.
    pub(crate) fn recorder_now(&self, c: &super::Camera) -> Option<Recorder> {
        if c.status != 1 || self.outages.iter().any(|o| o.end.is_none()) {
            return None;
        }
        let p = self.camera_profile(&c.profile)?;
        let active: Vec<&ProfileEntry> = p
            .entries
            .iter()
            .filter(|e| e.recording_type & 1 != 0)
            .filter(|e| self.schedule(&e.schedule).is_some_and(|s| s.is_active()))
            .filter(|e| e.recording_type & (16 | crate::timeline::TRIGGER_ALL) != 0)
            .collect();
        let first = active.first()?;
        let continuous = active.iter().any(|e| e.recording_type & 16 != 0);
        let mask = active.iter().fold(0, |m, e| m | (e.recording_type & crate::timeline::TRIGGER_ALL));
        Some((first.recording_stream.clone(), continuous, mask))
    }

    /// Bring every camera's activity history in line with the configuration at `now`.
    pub(crate) fn refresh_activity(&mut self, now: i64) {
        let wanted: Vec<(String, Option<Recorder>)> =
            self.cameras.iter().map(|c| (c.mkey.clone(), self.recorder_now(c))).collect();
        let known: Vec<String> = wanted.iter().map(|(c, _)| c.clone()).collect();
        for (cam, want) in wanted {
            let hist = self.activity.entry(cam).or_default();
            let open = hist
                .last()
                .filter(|a| a.to.is_none())
                .map(|a| (a.video_profile.clone(), a.continuous, a.detection_mask));
            if open == want {
                continue;
            }
            if let Some(last) = hist.last_mut().filter(|a| a.to.is_none()) {
                last.to = Some(now.max(last.from));
            }
            // Drop empty periods (opened and closed within the same second).
            if hist.last().is_some_and(|a| a.to == Some(a.from)) {
                hist.pop();
            }
            if let Some((video_profile, continuous, detection_mask)) = want {
                hist.push(Activity { from: now, to: None, video_profile, continuous, detection_mask });
            }
        }
        self.activity.retain(|k, _| known.contains(k));
    }

    // ------------------------------------------------------------------ interfaces

    fn interface_referenced(&self, id: &str) -> bool {
        self.device.mgmt_interface == id || self.interfaces.iter().any(|i| i.mkey != id && i.interface == id)
    }

    fn render_interface(&self, i: &Interface, single: bool) -> Map<String, Value> {
        let mut m = to_map(i);
        let mac = m.remove("mac_addr");
        if self.interface_referenced(&i.mkey) {
            m.insert("isReferenced".into(), json!(1));
        }
        m.insert("modifyFlag".into(), json!(1));
        if single {
            if let Some(mac) = mac {
                m.insert("mac_addr".into(), mac);
            }
        }
        m
    }

    fn apply_interface_fields(&self, i: &mut Interface, b: &Body<'_>) -> MResult<()> {
        if let Some(ip) = b.str("ip")? {
            check_cidr4(ip)?;
            i.ip = ip.to_owned();
        }
        if let Some(ip6) = b.str("ip6")? {
            check_cidr6(ip6)?;
            i.ip6 = ip6.to_owned();
        }
        if let Some(v) = b.bool("status")? {
            i.status = v;
        }
        if let Some(v) = b.int_in("allowaccess", 0, i64::from(u32::MAX))? {
            i.allowaccess = v as u32;
        }
        if let Some(v) = b.bool("discover")? {
            i.discover = v;
        }
        if let Some(v) = b.int_in("webaccess", 0, 1)? {
            i.webaccess = small(v);
        }
        if let Some(v) = b.int_in("incoming_mode", 0, 255)? {
            i.incoming_mode = small(v);
        }
        if let Some(v) = b.int_in("outgoing_mode", 0, 255)? {
            i.outgoing_mode = small(v);
        }
        if let Some(parent) = b.str("interface")? {
            if !parent.is_empty() && (parent == i.mkey || !self.interfaces.iter().any(|x| x.mkey == parent)) {
                return Err(ModelError::Invalid(format!("interface: unknown interface {parent:?}")));
            }
            i.interface = parent.to_owned();
        }
        Ok(())
    }

    fn create_interface(&mut self, id: &str, b: &Body<'_>) -> MResult<()> {
        check_mkey("interface", id)?;
        if self.interfaces.iter().any(|i| i.mkey == id) {
            return Err(ModelError::Duplicate(format!("interface {id} already exists")));
        }
        let kind =
            b.int_in("type", 1, 3)?.ok_or_else(|| ModelError::Invalid("type: required (1..3)".into()))?;
        let n = self.interfaces.len() + 1;
        let mut i = Interface {
            mkey: id.to_owned(),
            kind: small(kind),
            aggregate_master: 0,
            bridge_member: false,
            ip: "0.0.0.0/0".into(),
            ip6: "::/0".into(),
            status: true,
            interface: String::new(),
            aggregate_member: String::new(),
            incoming_mode: 2,
            outgoing_mode: 0,
            local: true,
            allowaccess: 0,
            discover: false,
            webaccess: 0,
            link_status: true,
            mac_addr: format!("00:09:0f:00:01:{:02x}", n % 256),
        };
        self.apply_interface_fields(&mut i, b)?;
        if i.kind == 1 && i.interface.is_empty() {
            return Err(ModelError::Invalid("interface: a vlan needs a parent interface".into()));
        }
        self.interfaces.push(i);
        Ok(())
    }

    fn update_interface(&mut self, id: &str, b: &Body<'_>) -> MResult<()> {
        let idx =
            self.interfaces.iter().position(|i| i.mkey == id).ok_or_else(|| not_found("interface", id))?;
        let mut i = self.interfaces[idx].clone();
        if let Some(k) = b.int("type")? {
            if k != i64::from(i.kind) {
                return Err(ModelError::Invalid("type: cannot be changed".into()));
            }
        }
        self.apply_interface_fields(&mut i, b)?;
        self.interfaces[idx] = i;
        Ok(())
    }

    fn delete_interface(&mut self, id: &str) -> MResult<()> {
        let idx =
            self.interfaces.iter().position(|i| i.mkey == id).ok_or_else(|| not_found("interface", id))?;
        if self.interfaces[idx].kind == 0 {
            return Err(ModelError::State(format!("interface {id} is a physical port")));
        }
        if self.interface_referenced(id) {
            return Err(ModelError::Referenced(format!("interface {id} is in use")));
        }
        self.interfaces.remove(idx);
        Ok(())
    }

    // ------------------------------------------------------------------ global

    pub(super) fn update_global(&mut self, body: Option<&Value>) -> MResult<Output> {
        let b = Body::new(body)?;
        let mut g = self.global.clone();
        let port = |key: &str, slot: &mut u16| -> MResult<()> {
            if let Some(p) = b.int_in(key, 1, 65535)? {
                *slot = p as u16;
            }
            Ok(())
        };
        port("port_http", &mut g.port_http)?;
        port("port_https", &mut g.port_https)?;
        port("port_ssh", &mut g.port_ssh)?;
        port("port_telnet", &mut g.port_telnet)?;
        port("port_frc_central", &mut g.port_frc_central)?;
        port("port_rtsp", &mut g.port_rtsp)?;
        port("public_https_port", &mut g.public_https_port)?;
        port("public_http_port", &mut g.public_http_port)?;
        port("public_rtsp_port", &mut g.public_rtsp_port)?;
        port("public_ftp_port", &mut g.public_ftp_port)?;
        port("public_frc_central_port", &mut g.public_frc_central_port)?;
        port("public_notify_tcp_port", &mut g.public_notify_tcp_port)?;
        if let Some(v) = b.bool("frc_central_secure")? {
            g.frc_central_secure = v;
        }
        if let Some(h) = b.str("hostname")? {
            if h.is_empty()
                || h.len() > 35
                || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
            {
                return Err(ModelError::Invalid(format!("hostname: invalid host name {h:?}")));
            }
            g.hostname = h.to_owned();
        }
        if let Some(a) = b.str("public_address")? {
            if !a.is_empty() && a.parse::<std::net::IpAddr>().is_err() && !is_host_name(a) {
                return Err(ModelError::Invalid(format!("public_address: invalid address {a:?}")));
            }
            g.public_address = a.to_owned();
        }
        self.global = g;
        Ok(Output::Singleton(to_map(&self.global)))
    }
}

fn is_host_name(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn parse_recording_type(v: &Value) -> MResult<u32> {
    let n = super::body::as_int(v)
        .ok_or_else(|| ModelError::Invalid("recording_type: expected an integer".into()))?;
    if n < 0 || n & !RECORDING_TYPE_MASK != 0 {
        return Err(ModelError::Invalid(format!("recording_type: {n} has undefined bits")));
    }
    Ok(n as u32)
}

fn check_cidr4(s: &str) -> MResult<()> {
    let bad = || ModelError::Invalid(format!("ip: invalid IPv4 CIDR {s:?}"));
    let (a, n) = s.split_once('/').ok_or_else(bad)?;
    a.parse::<Ipv4Addr>().map_err(|_| bad())?;
    let n: u8 = n.parse().map_err(|_| bad())?;
    if n > 32 {
        return Err(bad());
    }
    Ok(())
}

fn check_cidr6(s: &str) -> MResult<()> {
    let bad = || ModelError::Invalid(format!("ip6: invalid IPv6 CIDR {s:?}"));
    let (a, n) = s.split_once('/').ok_or_else(bad)?;
    a.parse::<Ipv6Addr>().map_err(|_| bad())?;
    let n: u8 = n.parse().map_err(|_| bad())?;
    if n > 128 {
        return Err(bad());
    }
    Ok(())
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
