//! Pure, deterministic generation of recordings, detections and events (spec §2.2.14, §3.16-§3.18, §4.4,
//! §4.7), plus the helpers the wire layer needs around them (paging §1.10, event matching, time strings).
//!
//! Everything here is a pure function of its inputs: the seed, the device serial, the camera name, the
//! camera's activity spans, the device outages and `now` (epoch seconds, UTC). Content is generated per
//! fixed one-hour slot from a hash of (seed, serial, camera, slot, purpose), never from a running RNG, so
//! asking for a window twice, or in two halves, gives the same answer, and advancing `now` only adds to or
//! extends what was there.
//!
//! Window conventions:
//! * [`CameraTimeline::recordings`] and [`CameraTimeline::detections`] take a half-open window
//!   `[from, to)`; recordings are clipped to it and to `now`.
//! * [`CameraTimeline::events`] and [`query_events`] follow the device's closed-interval match rule of
//!   §2.2.14: an event matches when `[start, end]` overlaps `[from, to]` (an event still running has no end
//!   and matches every window from its start on).

use serde::{Deserialize, Serialize};

/// Epoch seconds, UTC.
pub type Secs = i64;

// ---------------------------------------------------------------------------------------------------------
// Enumerations (§3.16, §3.17, §3.18, §3.8)
// ---------------------------------------------------------------------------------------------------------

/// Event types (§3.16): one bit each; a filter may combine several.
pub const EVT_NONE: u32 = 0;
pub const EVT_DETECT_GENERIC: u32 = 1;
pub const EVT_DETECT_MOTION: u32 = 1 << 1;
pub const EVT_DETECT_AUDIO: u32 = 1 << 2;
pub const EVT_DETECT_DI: u32 = 1 << 3;
pub const EVT_DETECT_PIR: u32 = 1 << 4;
pub const EVT_DETECT_TAMPER: u32 = 1 << 5;
pub const EVT_DETECT_FACE: u32 = 1 << 6;
pub const EVT_DETECT_PHYSICAL_ACCESS: u32 = 1 << 7;
pub const EVT_DETECT_OBJECT: u32 = 1 << 8;
pub const EVT_CAMERA: u32 = 1 << 16;
pub const EVT_RECORDING: u32 = 1 << 17;
pub const EVT_SCHEDULE: u32 = 1 << 18;
pub const EVT_ANNOTATE: u32 = 1 << 19;
pub const EVT_SYSTEM: u32 = 1 << 20;
pub const EVT_NOTIFICATION: u32 = 1 << 21;
/// Every documented type bit; an `evt_filter` with other bits set is invalid.
pub const EVT_ALL: u32 = EVT_DETECT_GENERIC
    | EVT_DETECT_MOTION
    | EVT_DETECT_AUDIO
    | EVT_DETECT_DI
    | EVT_DETECT_PIR
    | EVT_DETECT_TAMPER
    | EVT_DETECT_FACE
    | EVT_DETECT_PHYSICAL_ACCESS
    | EVT_DETECT_OBJECT
    | EVT_CAMERA
    | EVT_RECORDING
    | EVT_SCHEDULE
    | EVT_ANNOTATE
    | EVT_SYSTEM
    | EVT_NOTIFICATION;

/// Face-detection subtypes used by the generator (§3.17, §4.7).
pub const SUB_FACE_BLOCKED: u32 = 1;
pub const SUB_FACE_VIP: u32 = 2;
pub const SUB_FACE_UNKNOWN: u32 = 8;
pub const SUB_FACE_GENERIC: u32 = 16;

/// Detection trigger bits of a recording schedule entry (§3.8 bits 5..9) ...
pub const TRIGGER_MOTION: u32 = 1 << 5;
pub const TRIGGER_DI: u32 = 1 << 6;
pub const TRIGGER_AUDIO: u32 = 1 << 7;
pub const TRIGGER_PIR: u32 = 1 << 8;
pub const TRIGGER_TAMPER: u32 = 1 << 9;
/// ... and two simulator-defined bits (not in §3.8, which has no analytics triggers): face and object
/// detection by the camera's analytics.
pub const TRIGGER_FACE: u32 = 1 << 10;
pub const TRIGGER_OBJECT: u32 = 1 << 11;
/// All detection triggers the generator knows.
pub const TRIGGER_ALL: u32 = TRIGGER_MOTION
    | TRIGGER_DI
    | TRIGGER_AUDIO
    | TRIGGER_PIR
    | TRIGGER_TAMPER
    | TRIGGER_FACE
    | TRIGGER_OBJECT;

/// Event state bits, primary reading of §3.18 (sequential bits in printed order).
pub const STATE_ACTIVE: u32 = 1;
pub const STATE_INACTIVE: u32 = 2;
pub const STATE_EDGE: u32 = 4;
pub const STATE_NON_EDGE: u32 = 8;
pub const STATE_LOCKED: u32 = 16;
pub const STATE_UNLOCKED: u32 = 32;

/// Seconds of video kept before a detection and after it ends in a detection recording (§4.4).
pub const DETECTION_PRE_SECS: Secs = 10;
pub const DETECTION_POST_SECS: Secs = 10;

/// Kind of a recording (↔ `SubEvt_Rec_*`, §3.17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecKind {
    Continuous,
    Detection,
    Manual,
    Temp,
}

impl RecKind {
    /// The recording event subtype (`SubEvt_Rec_*`): 1, 2, 4, 8.
    pub fn subtype(self) -> u32 {
        match self {
            RecKind::Continuous => 1,
            RecKind::Detection => 2,
            RecKind::Manual => 4,
            RecKind::Temp => 8,
        }
    }

    /// Inverse of [`RecKind::subtype`].
    pub fn from_subtype(subtype: u32) -> Option<RecKind> {
        match subtype {
            1 => Some(RecKind::Continuous),
            2 => Some(RecKind::Detection),
            4 => Some(RecKind::Manual),
            8 => Some(RecKind::Temp),
            _ => None,
        }
    }
}

/// One recording of one camera: `[start, end)`, epoch seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recording {
    pub camera: String,
    pub start: Secs,
    pub end: Secs,
    pub kind: RecKind,
    pub video_profile: String,
    /// Still being written at `now` (its end is `now`).
    pub open: bool,
}

/// One event as CameraEvent/Timeline reports it (§2.2.14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub mkey: String,
    pub device_name: String,
    pub start: Secs,
    /// `None` while the event is still running.
    pub end: Option<Secs>,
    pub etype: u32,
    pub subtype: u32,
    pub state: u32,
}

/// One span during which a camera's recorder ran with given settings. The model derives these from the
/// camera's profile, schedules and the device lifecycle; `to: None` means still running. Spans are used
/// sorted by `from`; where two overlap, the later one wins from its start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub from: Secs,
    pub to: Option<Secs>,
    pub video_profile: String,
    /// Continuous recording on (§3.8 bit 4).
    pub continuous: bool,
    /// Detection triggers (`TRIGGER_*`: §3.8 bits 5..9 plus the simulator's face/object bits).
    pub detection_mask: u32,
}

/// One detection (motion, tamper, face, ...) of one camera.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    pub camera: String,
    pub at: Secs,
    /// When the detection ended; `None` while it is still running at `now`.
    pub end: Option<Secs>,
    pub etype: u32,
    pub subtype: u32,
    /// Face detections of a known person carry the person's name (face user mkey).
    pub person: Option<String>,
}

/// Everything the generator needs about one camera.
#[derive(Debug, Clone, Copy)]
pub struct CameraTimeline<'a> {
    pub seed: u64,
    pub serial: &'a str,
    pub camera: &'a str,
    pub activity: &'a [Activity],
    /// Device outages (restart, shutdown), half-open `[start, end)`; nothing is recorded or detected inside.
    pub outages: &'a [(Secs, Secs)],
    /// Known face users; face detections of known people name one of them. Empty ⇒ every face is UNKNOWN.
    pub persons: &'a [String],
}

mod generate;
#[cfg(test)]
mod tests;

/// Event key: `<serial>/<device>/<12-digit zero-padded epoch>-<type>:<subtype>/1` (§2.2.14).
pub fn event_mkey(serial: &str, device_name: &str, start: Secs, etype: u32, subtype: u32) -> String {
    format!("{serial}/{device_name}/{start:012}-{etype}:{subtype}/1")
}

/// Event state under the primary reading of §3.18: exactly one bit of each pair.
pub fn state_bits(active: bool, edge: bool, locked: bool) -> u32 {
    (if active { STATE_ACTIVE } else { STATE_INACTIVE })
        | (if edge { STATE_EDGE } else { STATE_NON_EDGE })
        | (if locked { STATE_LOCKED } else { STATE_UNLOCKED })
}

/// Closed intervals `a` and `b` share at least one instant.
pub fn overlaps(a: (Secs, Secs), b: (Secs, Secs)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

/// One page of a list (§1.10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// `totalRemoteCount`.
    pub total: usize,
    /// The page; `subCount` is its length.
    pub items: Vec<T>,
    /// `nextPage` = `start_index + items.len() < total`.
    pub next_page: bool,
}

/// Page of `all` starting at `start_index` with at most `page_size` items (`None` ⇒ all the rest).
pub fn page<T: Clone>(all: &[T], start_index: usize, page_size: Option<usize>) -> Page<T> {
    let total = all.len();
    let start = start_index.min(total);
    let end = match page_size {
        Some(n) => start.saturating_add(n).min(total),
        None => total,
    };
    let items = all[start..end].to_vec();
    let next_page = start_index.saturating_add(items.len()) < total;
    Page { total, items, next_page }
}

/// CameraEvent match rule (§2.2.14): camera in `cameras` (empty ⇒ any camera), `[start, end]` overlaps
/// `[from, to]` (a running event extends to +∞), and `evt_filter` 0 or `etype & evt_filter != 0`.
/// Result newest first (ties by mkey), duplicates (same mkey) dropped.
pub fn query_events(
    all: impl IntoIterator<Item = Event>,
    cameras: &[String],
    from: Secs,
    to: Secs,
    evt_filter: u32,
) -> Vec<Event> {
    let mut out: Vec<Event> = all
        .into_iter()
        .filter(|e| cameras.is_empty() || cameras.contains(&e.device_name))
        .filter(|e| overlaps((e.start, e.end.unwrap_or(Secs::MAX)), (from, to)))
        .filter(|e| evt_filter == 0 || e.etype & evt_filter != 0)
        .collect();
    out.sort_by(|a, b| b.start.cmp(&a.start).then_with(|| a.mkey.cmp(&b.mkey)));
    out.dedup_by(|a, b| a.mkey == b.mkey);
    out
}

/// Removes every outage (half-open `[start, end)`) from the recordings, splitting where needed. A piece
/// that now ends at an outage is no longer open. Result sorted by start then kind.
pub fn subtract_outages(recs: Vec<Recording>, outages: &[(Secs, Secs)]) -> Vec<Recording> {
    let holes = normalize_holes(outages.iter().copied());
    let mut out = Vec::with_capacity(recs.len());
    for rec in recs {
        for (s, e) in subtract_intervals((rec.start, rec.end), &holes) {
            let open = rec.open && e == rec.end;
            out.push(Recording { start: s, end: e, open, ..rec.clone() });
        }
    }
    out.sort_by(|a, b| a.start.cmp(&b.start).then(a.kind.cmp(&b.kind)));
    out
}

/// Parses a query time `YYYY-MM-DD-HH-MM-SS` given in device local time (`tz_offset_secs` east of UTC).
/// Anything else (wrong length, separators, digits, impossible dates) ⇒ `None`.
pub fn parse_local_time(s: &str, tz_offset_secs: i32) -> Option<Secs> {
    let b = s.as_bytes();
    if b.len() != 19 {
        return None;
    }
    for (i, &c) in b.iter().enumerate() {
        let sep = matches!(i, 4 | 7 | 10 | 13 | 16);
        if sep && c != b'-' || !sep && !c.is_ascii_digit() {
            return None;
        }
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    let date = chrono::NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let dt = date.and_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?)?;
    Some(dt.and_utc().timestamp() - Secs::from(tz_offset_secs))
}

/// `YYYY-MM-DD HH:MM:SS` in device local time (event `start_time`/`end_time`).
pub fn format_event_time(t: Secs, tz_offset_secs: i32) -> String {
    local(t, tz_offset_secs).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// `YYYY-MM-DD-HH-MM-SS` in device local time (the echo of the query window).
pub fn format_query_time(t: Secs, tz_offset_secs: i32) -> String {
    local(t, tz_offset_secs).format("%Y-%m-%d-%H-%M-%S").to_string()
}

/// `HH:MM` in device local time (history x labels).
pub fn format_hour_minute(t: Secs, tz_offset_secs: i32) -> String {
    local(t, tz_offset_secs).format("%H:%M").to_string()
}

/// Local wall-clock time; times outside chrono's range are clamped to it (never panics).
fn local(t: Secs, tz_offset_secs: i32) -> chrono::NaiveDateTime {
    let min = chrono::DateTime::<chrono::Utc>::MIN_UTC.timestamp();
    let max = chrono::DateTime::<chrono::Utc>::MAX_UTC.timestamp();
    let t = t.saturating_add(Secs::from(tz_offset_secs)).clamp(min, max);
    chrono::DateTime::from_timestamp(t, 0).unwrap_or_default().naive_utc()
}

/// One AiLog record (§2.2.17, §4.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiLogEntry {
    pub mkey: String,
    pub timestamp: Secs,
    pub camera: String,
    /// Face user mkey, or `UNKNOWN`.
    pub person: String,
    pub known: bool,
    pub image_path: String,
}

/// The AiLog entries of the face detections among `d`, newest first.
pub fn ai_log_from_detections(d: &[Detection]) -> Vec<AiLogEntry> {
    let mut out: Vec<AiLogEntry> = d
        .iter()
        .filter(|d| d.etype == EVT_DETECT_FACE)
        .map(|d| {
            let person = d.person.clone().unwrap_or_else(|| "UNKNOWN".to_string());
            let tag = mix(&[str_hash(&d.camera), u64::from(d.subtype), str_hash(&person)]) as u32;
            let mkey = format!("{:012}-{tag:08x}", d.at);
            AiLogEntry {
                image_path: format!("face-recognition/log/{mkey}.jpg"),
                mkey,
                timestamp: d.at,
                camera: d.camera.clone(),
                known: d.person.is_some(),
                person,
            }
        })
        .collect();
    out.sort_by(|a, b| b.timestamp.cmp(&a.timestamp).then_with(|| a.mkey.cmp(&b.mkey)));
    out
}

/// Name of an event type (§3.16).
pub fn type_name(etype: u32) -> Option<&'static str> {
    TYPES.iter().find(|(v, _)| *v == etype).map(|(_, n)| *n)
}

/// Name of a subtype of `etype` (§3.17); `None` when the pair is not documented.
pub fn subtype_name(etype: u32, subtype: u32) -> Option<&'static str> {
    subtype_table(etype)?.iter().find(|(v, _)| *v == subtype).map(|(_, n)| *n)
}

/// `etype` is one documented type value (§3.16), including 0 (`Evt_None`).
pub fn is_valid_type(etype: u32) -> bool {
    type_name(etype).is_some()
}

/// `evt_filter` uses only documented type bits (0 = no filter).
pub fn is_valid_filter(evt_filter: u32) -> bool {
    evt_filter & !EVT_ALL == 0
}

/// `subtype` is valid for `etype`: one of its table (§3.17), or 0 for a type without a table.
pub fn is_valid_subtype(etype: u32, subtype: u32) -> bool {
    if !is_valid_type(etype) {
        return false;
    }
    match subtype_table(etype) {
        Some(_) => subtype_name(etype, subtype).is_some(),
        None => subtype == 0,
    }
}

const TYPES: &[(u32, &str)] = &[
    (EVT_NONE, "Evt_None"),
    (EVT_DETECT_GENERIC, "Evt_Detect_Generic"),
    (EVT_DETECT_MOTION, "Evt_Detect_Motion"),
    (EVT_DETECT_AUDIO, "Evt_Detect_Audio"),
    (EVT_DETECT_DI, "Evt_Detect_DI"),
    (EVT_DETECT_PIR, "Evt_Detect_PIR"),
    (EVT_DETECT_TAMPER, "Evt_Detect_Tamper"),
    (EVT_DETECT_FACE, "Evt_Detect_Face_Detection"),
    (EVT_DETECT_PHYSICAL_ACCESS, "Evt_Detect_Physical_Access"),
    (EVT_DETECT_OBJECT, "Evt_Detect_Object_Detection"),
    (EVT_CAMERA, "Evt_Camera"),
    (EVT_RECORDING, "Evt_Recording"),
    (EVT_SCHEDULE, "Evt_Schedule"),
    (EVT_ANNOTATE, "Evt_Annotate"),
    (EVT_SYSTEM, "Evt_System"),
    (EVT_NOTIFICATION, "Evt_Notification"),
];

const MOTION_SUBTYPES: &[(u32, &str)] = &[
    (0, "SubEvt_Motion_None"),
    (1, "SubEvt_Motion_Motion"),
    (2, "SubEvt_Motion_MotionAlarm"),
    (4, "SubEvt_Motion_ObjectInside"),
    (8, "SubEvt_Motion_Crossed"),
];

const TAMPER_SUBTYPES: &[(u32, &str)] = &[
    (0, "SubEvt_Tamper_None"),
    (1, "SubEvt_Tamper_Realtime"),
    (2, "SubEvt_Tamper_Tamper"),
    (4, "SubEvt_Tamper_Scene_Changed"),
];

const FACE_SUBTYPES: &[(u32, &str)] = &[
    (0, "SubEvt_Face_None"),
    (1, "SubEvt_Face_Blocked"),
    (2, "SubEvt_Face_VIP"),
    (4, "SubEvt_Face_Expired"),
    (8, "SubEvt_Face_Unknown"),
    (16, "SubEvt_Face_Generic"),
    (32, "SubEvt_Face_Masked"),
    (64, "SubEvt_Face_Unmasked"),
];

const OBJECT_SUBTYPES: &[(u32, &str)] = &[
    (0, "SubEvt_Object_None"),
    (1, "SubEvt_Object_Person"),
    (2, "SubEvt_Object_Motion"),
    (4, "SubEvt_Object_Weapon"),
    (8, "SubEvt_Object_Vehicle"),
    (16, "SubEvt_Object_Animal"),
    (32, "SubEvt_Object_Item"),
    (64, "SubEvt_Object_Sports"),
];

const CAMERA_SUBTYPES: &[(u32, &str)] = &[
    (0, "SubEvt_Camera_None"),
    (1, "SubEvt_Camera_Reset"),
    (2, "SubEvt_Camera_Reboot"),
    (4, "SubEvt_Camera_Power_Up"),
    (8, "SubEvt_Camera_Restart"),
    (16, "SubEvt_Camera_Disable"),
    (32, "SubEvt_Camera_Enable"),
    (64, "SubEvt_Camera_SD_Format"),
    (128, "SubEvt_Camera_Upgrade"),
    (256, "SubEvt_Camera_Suspend"),
    (512, "SubEvt_Camera_Resume"),
    (1024, "SubEvt_Camera_Interruption"),
];

const RECORDING_SUBTYPES: &[(u32, &str)] = &[
    (0, "SubEvt_Rec_None"),
    (1, "SubEvt_Rec_Continuous"),
    (2, "SubEvt_Rec_Detection"),
    (4, "SubEvt_Rec_Manual"),
    (8, "SubEvt_Rec_Temp"),
];

const SYSTEM_SUBTYPES: &[(u32, &str)] = &[
    (0, "SubEvt_System_None"),
    (1, "SubEvt_System_Startup"),
    (2, "SubEvt_System_Halt"),
    (4, "SubEvt_System_Reboot"),
    (8, "SubEvt_System_Reload"),
    (16, "SubEvt_System_Disk"),
    (32, "SubEvt_System_Upgrade"),
    (64, "SubEvt_System_Downgrade"),
    (128, "SubEvt_System_Loadgui"),
    (256, "SubEvt_System_Update"),
];

/// The subtype table of a type; `Evt_Schedule` uses the Camera Event table ([INF] §3.16).
fn subtype_table(etype: u32) -> Option<&'static [(u32, &'static str)]> {
    match etype {
        EVT_DETECT_MOTION => Some(MOTION_SUBTYPES),
        EVT_DETECT_TAMPER => Some(TAMPER_SUBTYPES),
        EVT_DETECT_FACE => Some(FACE_SUBTYPES),
        EVT_DETECT_OBJECT => Some(OBJECT_SUBTYPES),
        EVT_CAMERA | EVT_SCHEDULE => Some(CAMERA_SUBTYPES),
        EVT_RECORDING => Some(RECORDING_SUBTYPES),
        EVT_SYSTEM => Some(SYSTEM_SUBTYPES),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------------------
// Deterministic hashing (stable across platforms and crate versions: no external RNG)
// ---------------------------------------------------------------------------------------------------------

/// SplitMix64 finaliser.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hash of a sequence of words.
pub(crate) fn mix(words: &[u64]) -> u64 {
    words.iter().fold(0x5eed_f00d_c0de_0001, |h, &w| splitmix(h ^ splitmix(w)))
}

/// FNV-1a of a string, for mixing names into [`mix`].
fn str_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

// ---------------------------------------------------------------------------------------------------------
// Interval helpers
// ---------------------------------------------------------------------------------------------------------

/// Sorts half-open holes and merges overlapping or touching ones; empty ones are dropped.
fn normalize_holes(holes: impl Iterator<Item = (Secs, Secs)>) -> Vec<(Secs, Secs)> {
    let mut v: Vec<(Secs, Secs)> = holes.filter(|(s, e)| s < e).collect();
    v.sort_unstable();
    let mut out: Vec<(Secs, Secs)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// `[s, e)` minus the sorted, merged holes: the non-empty pieces in order.
fn subtract_intervals((s, e): (Secs, Secs), holes: &[(Secs, Secs)]) -> Vec<(Secs, Secs)> {
    let mut out = Vec::new();
    let mut cur = s;
    for &(hs, he) in holes {
        if he <= cur {
            continue;
        }
        if hs >= e {
            break;
        }
        if hs > cur {
            out.push((cur, hs));
        }
        cur = cur.max(he);
        if cur >= e {
            break;
        }
    }
    if cur < e {
        out.push((cur, e));
    }
    out
}
