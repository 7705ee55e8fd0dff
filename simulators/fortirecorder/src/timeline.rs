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

impl CameraTimeline<'_> {
    /// Recordings overlapping `[from, to)`, clipped to `[from, min(to, now))`; sorted by start then kind.
    /// Recordings of one kind never overlap; nothing lies inside an outage; continuous recordings have
    /// short deterministic gaps (a few a day, seconds to four minutes); detection recordings cover each
    /// detection from [`DETECTION_PRE_SECS`] before to [`DETECTION_POST_SECS`] after it. A clipped piece
    /// keeps `open` only when its end is the recording's real end.
    pub fn recordings(&self, from: Secs, to: Secs, now: Secs) -> Vec<Recording> {
        let (from, to, now) = (clamp_time(from), clamp_time(to), clamp_time(now));
        let hi = to.min(now);
        if from >= hi {
            return Vec::new();
        }
        let mut out: Vec<Recording> = self
            .true_recordings(from, hi, now)
            .into_iter()
            .filter_map(|r| {
                let start = r.start.max(from);
                let end = r.end.min(hi);
                (start < end).then_some(Recording { start, end, open: r.open && end == r.end, ..r })
            })
            .collect();
        out.sort_by(|a, b| a.start.cmp(&b.start).then(a.kind.cmp(&b.kind)));
        out
    }

    /// Detections with `from <= at < to` and `at <= now`, sorted by time (then type, subtype). Only the
    /// triggers of the activity span in force at `at` fire, never inside an outage.
    pub fn detections(&self, from: Secs, to: Secs, now: Secs) -> Vec<Detection> {
        let (from, to, now) = (clamp_time(from), clamp_time(to), clamp_time(now));
        let spans = self.spans(now);
        let outages = normalize_holes(self.outages.iter().copied());
        let hi = to.min(now.saturating_add(1));
        let mut out = Vec::new();
        for span in &spans {
            if span.mask & TRIGGER_ALL == 0 {
                continue;
            }
            let lo = from.max(span.from);
            let hi = hi.min(span.to.min(now.saturating_add(1)));
            if lo >= hi {
                continue;
            }
            for slot in lo.div_euclid(SLOT)..=(hi - 1).div_euclid(SLOT) {
                for cand in self.slot_detections(slot) {
                    if cand.at < lo || cand.at >= hi || span.mask & cand.trigger == 0 {
                        continue;
                    }
                    if in_holes(cand.at, &outages) {
                        continue;
                    }
                    let next_outage =
                        outages.iter().find(|&&(s, _)| s > cand.at).map_or(Secs::MAX, |&(s, _)| s);
                    let end = cand.at.saturating_add(cand.duration).min(span.to).min(next_outage);
                    out.push(Detection {
                        camera: self.camera.to_string(),
                        at: cand.at,
                        end: (end <= now).then_some(end),
                        etype: cand.etype,
                        subtype: cand.subtype,
                        person: cand.person,
                    });
                }
            }
        }
        out.sort_by_key(|d| (d.at, d.etype, d.subtype));
        out
    }

    /// Detection events and recording events (type 131072, subtype = the recording kind) whose interval
    /// overlaps `[from, to]`, oldest first (ties by mkey). Recording events carry the recording's real
    /// start and end, not the window's; running ones have no end and the Active state bit.
    pub fn events(&self, from: Secs, to: Secs, now: Secs) -> Vec<Event> {
        let (from, to, now) = (clamp_time(from), clamp_time(to), clamp_time(now));
        if from > to {
            return Vec::new();
        }
        let mut out: Vec<Event> = Vec::new();
        let det_from = from.saturating_sub(MAX_DETECTION_SECS);
        for d in self.detections(det_from, to.saturating_add(1), now) {
            if !overlaps((d.at, d.end.unwrap_or(Secs::MAX)), (from, to)) {
                continue;
            }
            out.push(Event {
                mkey: event_mkey(self.serial, self.camera, d.at, d.etype, d.subtype),
                device_name: self.camera.to_string(),
                start: d.at,
                end: d.end,
                etype: d.etype,
                subtype: d.subtype,
                state: state_bits(d.end.is_none(), false, false),
            });
        }
        // Closed overlap with [from, to]: a recording ending exactly at `from` still matches.
        let (lo, hi) = (from.saturating_sub(1), to.saturating_add(1).min(now));
        if lo < hi {
            for r in self.true_recordings(lo, hi, now) {
                let subtype = r.kind.subtype();
                out.push(Event {
                    mkey: event_mkey(self.serial, self.camera, r.start, EVT_RECORDING, subtype),
                    device_name: self.camera.to_string(),
                    start: r.start,
                    end: (!r.open).then_some(r.end),
                    etype: EVT_RECORDING,
                    subtype,
                    state: state_bits(r.open, false, false),
                });
            }
        }
        out.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.mkey.cmp(&b.mkey)));
        out
    }

    /// Hash of everything that identifies this camera's timeline.
    fn base(&self) -> u64 {
        mix(&[self.seed, str_hash(self.serial), str_hash(self.camera)])
    }

    fn stream(&self, purpose: u64, unit: i64) -> SlotRng {
        SlotRng(mix(&[self.base(), purpose, unit as u64]))
    }

    /// The activity spans in force, sorted, the later one winning where two overlap; `to` is the span's
    /// real end (`Secs::MAX` while running), not clipped to `now`. Spans starting after `now` are dropped.
    fn spans(&self, now: Secs) -> Vec<Span> {
        let mut sorted: Vec<&Activity> = self.activity.iter().collect();
        sorted.sort_by_key(|a| a.from);
        let mut out = Vec::with_capacity(sorted.len());
        for (i, a) in sorted.iter().enumerate() {
            let from = clamp_time(a.from);
            let next_from = sorted.get(i + 1).map_or(Secs::MAX, |n| clamp_time(n.from));
            let to = a.to.map_or(Secs::MAX, clamp_time).min(next_from);
            if from >= to || from > now {
                continue;
            }
            out.push(Span {
                from,
                to,
                profile: a.video_profile.clone(),
                continuous: a.continuous,
                mask: a.detection_mask,
            });
        }
        out
    }

    /// The recorder's gaps whose slot intersects `[lo, hi)`, sorted and merged.
    fn gaps(&self, lo: Secs, hi: Secs) -> Vec<(Secs, Secs)> {
        if lo >= hi {
            return Vec::new();
        }
        let mut v = Vec::new();
        for slot in lo.div_euclid(SLOT)..=(hi - 1).div_euclid(SLOT) {
            let mut rng = self.stream(PURPOSE_GAPS, slot);
            let roll = rng.below(100);
            let mut count = if roll < 8 {
                1
            } else if roll < 10 {
                2
            } else {
                0
            };
            // One forced gap per UTC day bounds every recording to under two days.
            let day = slot.div_euclid(SLOTS_PER_DAY);
            let forced_hour = self.stream(PURPOSE_DAILY_GAP, day).below(SLOTS_PER_DAY as u64) as i64;
            if slot.rem_euclid(SLOTS_PER_DAY) == forced_hour {
                count = count.max(1);
            }
            for _ in 0..count {
                let u = rng.unit();
                let len = MIN_GAP_SECS + (u * u * u * (MAX_GAP_SECS - MIN_GAP_SECS) as f64) as Secs;
                let offset = rng.below((SLOT - len) as u64) as Secs;
                let start = slot * SLOT + offset;
                v.push((start, start + len));
            }
        }
        normalize_holes(v.into_iter())
    }

    /// The candidate detections of one slot, for every trigger, before activity and outages filter them.
    fn slot_detections(&self, slot: i64) -> Vec<Candidate> {
        let mut out = Vec::new();
        for kind in DETECTION_KINDS {
            let mut rng = self.stream(kind.purpose, slot);
            let count = rng.poisson(kind.per_hour);
            let mut seen: Vec<Secs> = Vec::with_capacity(count);
            for _ in 0..count {
                let at = slot * SLOT + rng.below(SLOT as u64) as Secs;
                let duration = kind.min_secs + rng.below((kind.max_secs - kind.min_secs + 1) as u64) as Secs;
                let (subtype, person) = self.pick_subtype(kind.etype, &mut rng);
                // Two detections of one type in the same second would share an event mkey.
                if seen.contains(&at) {
                    continue;
                }
                seen.push(at);
                out.push(Candidate {
                    at,
                    duration,
                    trigger: kind.trigger,
                    etype: kind.etype,
                    subtype,
                    person,
                });
            }
        }
        out
    }

    fn pick_subtype(&self, etype: u32, rng: &mut SlotRng) -> (u32, Option<String>) {
        let roll = rng.below(100);
        let person_roll = rng.next();
        let weighted =
            |table: &[(u64, u32)]| table.iter().find(|(limit, _)| roll < *limit).map_or(0, |&(_, sub)| sub);
        match etype {
            EVT_DETECT_MOTION => (weighted(&[(80, 1), (92, 2), (97, 4), (100, 8)]), None),
            EVT_DETECT_TAMPER => (weighted(&[(40, 1), (80, 2), (100, 4)]), None),
            EVT_DETECT_OBJECT => {
                (weighted(&[(35, 1), (60, 8), (72, 16), (82, 2), (92, 32), (97, 64), (100, 4)]), None)
            }
            EVT_DETECT_FACE => {
                let sub = weighted(&[
                    (45, SUB_FACE_UNKNOWN),
                    (80, SUB_FACE_GENERIC),
                    (92, SUB_FACE_VIP),
                    (100, SUB_FACE_BLOCKED),
                ]);
                if sub == SUB_FACE_UNKNOWN || self.persons.is_empty() {
                    (SUB_FACE_UNKNOWN, None)
                } else {
                    let i = (person_roll % self.persons.len() as u64) as usize;
                    (sub, Some(self.persons[i].clone()))
                }
            }
            _ => (0, None),
        }
    }

    /// The recordings that overlap `[lo, hi)` (`hi <= now`), with their real start and end (or `now`
    /// while open), sorted by start then kind.
    fn true_recordings(&self, lo: Secs, hi: Secs, now: Secs) -> Vec<Recording> {
        let spans = self.spans(now);
        // No recording outlives the daily forced gap, so a margin of MAX_RECORDING_SECS on both sides
        // shows every recording that overlaps [lo, hi) whole.
        let r_lo = lo.saturating_sub(MAX_RECORDING_SECS);
        let r_hi = hi.saturating_add(MAX_RECORDING_SECS).min(now);
        let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
            return Vec::new();
        };
        let r_lo = r_lo.max(first.from);
        let r_hi = r_hi.min(last.to);
        if r_lo >= r_hi {
            return Vec::new();
        }
        let holes = normalize_holes(self.gaps(r_lo, r_hi).into_iter().chain(self.outages.iter().copied()));
        let detections = self.detections(
            r_lo.saturating_sub(MAX_DETECTION_SECS + DETECTION_POST_SECS),
            r_hi.saturating_add(DETECTION_PRE_SECS),
            now,
        );
        let mut continuous: Vec<Recording> = Vec::new();
        let mut detection: Vec<Recording> = Vec::new();
        for span in &spans {
            let s_lo = span.from.max(r_lo);
            let s_hi = span.to.min(r_hi);
            if s_lo >= s_hi {
                continue;
            }
            let running = span.to > now;
            if span.continuous {
                for (s, e) in subtract_intervals((s_lo, s_hi), &holes) {
                    continuous.push(self.recording(s, e, RecKind::Continuous, span, running, now, &holes));
                }
            }
            if span.mask & TRIGGER_ALL != 0 {
                let windows = normalize_holes(
                    detections.iter().filter(|d| d.at >= span.from && d.at < span.to).map(|d| {
                        let end = d.end.unwrap_or(now).saturating_add(DETECTION_POST_SECS);
                        (d.at.saturating_sub(DETECTION_PRE_SECS).max(s_lo), end.min(s_hi))
                    }),
                );
                for w in windows {
                    for (s, e) in subtract_intervals(w, &holes) {
                        detection.push(self.recording(s, e, RecKind::Detection, span, running, now, &holes));
                    }
                }
            }
        }
        let mut out = merge_touching(continuous);
        out.extend(merge_touching(detection));
        out.retain(|r| r.start < hi && r.end > lo);
        out.sort_by(|a, b| a.start.cmp(&b.start).then(a.kind.cmp(&b.kind)));
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn recording(
        &self,
        start: Secs,
        end: Secs,
        kind: RecKind,
        span: &Span,
        running: bool,
        now: Secs,
        holes: &[(Secs, Secs)],
    ) -> Recording {
        let open = running && end == now && !in_holes(now, holes);
        Recording {
            camera: self.camera.to_string(),
            start,
            end,
            kind,
            video_profile: span.profile.clone(),
            open,
        }
    }
}

/// Times are clamped to ±2^40 s (±34 000 years) so that slot arithmetic cannot overflow.
const TIME_LIMIT: Secs = 1 << 40;

fn clamp_time(t: Secs) -> Secs {
    t.clamp(-TIME_LIMIT, TIME_LIMIT)
}

/// One-hour generation slot.
const SLOT: Secs = 3600;
const SLOTS_PER_DAY: i64 = 24;
/// Longest possible recording: between two forced daily gaps (< 48 h), with margin.
const MAX_RECORDING_SECS: Secs = 50 * 3600;
const MIN_GAP_SECS: Secs = 2;
const MAX_GAP_SECS: Secs = 240;
/// Longest detection.
const MAX_DETECTION_SECS: Secs = 90;

const PURPOSE_GAPS: u64 = 1;
const PURPOSE_DAILY_GAP: u64 = 2;

/// One activity span after normalisation.
struct Span {
    from: Secs,
    to: Secs,
    profile: String,
    continuous: bool,
    mask: u32,
}

struct Candidate {
    at: Secs,
    duration: Secs,
    trigger: u32,
    etype: u32,
    subtype: u32,
    person: Option<String>,
}

struct DetectionKind {
    trigger: u32,
    etype: u32,
    purpose: u64,
    per_hour: f64,
    min_secs: Secs,
    max_secs: Secs,
}

const DETECTION_KINDS: [DetectionKind; 7] = [
    DetectionKind {
        trigger: TRIGGER_MOTION,
        etype: EVT_DETECT_MOTION,
        purpose: 10,
        per_hour: 2.0,
        min_secs: 5,
        max_secs: 60,
    },
    DetectionKind {
        trigger: TRIGGER_OBJECT,
        etype: EVT_DETECT_OBJECT,
        purpose: 11,
        per_hour: 1.0,
        min_secs: 3,
        max_secs: 30,
    },
    DetectionKind {
        trigger: TRIGGER_FACE,
        etype: EVT_DETECT_FACE,
        purpose: 12,
        per_hour: 0.6,
        min_secs: 1,
        max_secs: 5,
    },
    DetectionKind {
        trigger: TRIGGER_AUDIO,
        etype: EVT_DETECT_AUDIO,
        purpose: 13,
        per_hour: 0.25,
        min_secs: 2,
        max_secs: 20,
    },
    DetectionKind {
        trigger: TRIGGER_DI,
        etype: EVT_DETECT_DI,
        purpose: 14,
        per_hour: 0.1,
        min_secs: 1,
        max_secs: 10,
    },
    DetectionKind {
        trigger: TRIGGER_PIR,
        etype: EVT_DETECT_PIR,
        purpose: 15,
        per_hour: 0.3,
        min_secs: 3,
        max_secs: 30,
    },
    DetectionKind {
        trigger: TRIGGER_TAMPER,
        etype: EVT_DETECT_TAMPER,
        purpose: 16,
        per_hour: 0.02,
        min_secs: 10,
        max_secs: MAX_DETECTION_SECS,
    },
];

/// Deterministic stream of numbers for one (camera, purpose, slot).
struct SlotRng(u64);

impl SlotRng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        splitmix(self.0)
    }

    /// Uniform in `0..n` (`n > 0`; 0 ⇒ 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Poisson-distributed count with mean `lambda` (small), capped at 20.
    fn poisson(&mut self, lambda: f64) -> usize {
        let limit = (-lambda).exp();
        let mut k = 0;
        let mut p = self.unit();
        while p > limit && k < 20 {
            k += 1;
            p *= self.unit();
        }
        k
    }
}

/// `t` lies inside one of the sorted half-open holes.
fn in_holes(t: Secs, holes: &[(Secs, Secs)]) -> bool {
    let i = holes.partition_point(|&(s, _)| s <= t);
    i > 0 && t < holes[i - 1].1
}

/// Merges recordings of one kind that touch or overlap and share the video profile.
fn merge_touching(mut recs: Vec<Recording>) -> Vec<Recording> {
    recs.sort_by_key(|r| r.start);
    let mut out: Vec<Recording> = Vec::with_capacity(recs.len());
    for r in recs {
        match out.last_mut() {
            Some(last) if last.end >= r.start && last.video_profile == r.video_profile => {
                if r.end >= last.end {
                    last.end = r.end;
                    last.open = r.open;
                }
            }
            _ => out.push(r),
        }
    }
    out
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DAY: Secs = 86_400;
    /// 2021-01-01T00:00:00Z.
    const T0: Secs = 1_609_459_200;

    fn span(from: Secs, to: Option<Secs>, profile: &str, continuous: bool, mask: u32) -> Activity {
        Activity { from, to, video_profile: profile.to_string(), continuous, detection_mask: mask }
    }

    fn cam<'a>(
        activity: &'a [Activity],
        outages: &'a [(Secs, Secs)],
        persons: &'a [String],
    ) -> CameraTimeline<'a> {
        CameraTimeline { seed: 7, serial: "FK-SVM0000000000", camera: "cam1", activity, outages, persons }
    }

    fn in_outage(t: Secs, outages: &[(Secs, Secs)]) -> bool {
        outages.iter().any(|&(s, e)| s <= t && t < e)
    }

    #[test]
    fn continuous_recordings_cover_most_of_a_day_with_short_gaps() {
        let act = [span(T0, None, "HighRes", true, 0)];
        let recs = cam(&act, &[], &[]).recordings(T0, T0 + DAY, T0 + 10 * DAY);
        assert!(recs.len() >= 2, "at least the forced daily gap splits the day: {recs:?}");
        let covered: Secs = recs.iter().map(|r| r.end - r.start).sum();
        assert!(covered > DAY - 3600 && covered < DAY, "covered {covered}");
        for w in recs.windows(2) {
            let gap = w[1].start - w[0].end;
            assert!((MIN_GAP_SECS..=MAX_GAP_SECS * 3).contains(&gap), "gap {gap}");
        }
        assert!(recs
            .iter()
            .all(|r| r.kind == RecKind::Continuous && r.video_profile == "HighRes" && !r.open));
    }

    #[test]
    fn recordings_reach_now_and_the_last_one_is_open() {
        let act = [span(T0, None, "HighRes", true, 0)];
        let tl = cam(&act, &[], &[]);
        // Find a `now` that is not inside a gap.
        let now = (T0 + DAY..T0 + DAY + 3600)
            .find(|&n| !in_holes(n, &tl.gaps(n - 10, n + 10)))
            .expect("some instant is recorded");
        let recs = tl.recordings(T0, T0 + 2 * DAY, now);
        let last = recs.last().expect("recordings");
        assert_eq!(last.end, now);
        assert!(last.open);
        assert_eq!(recs.iter().filter(|r| r.open).count(), 1);
    }

    #[test]
    fn nothing_is_recorded_before_activity_or_after_it_stops() {
        let act = [span(T0 + 3600, Some(T0 + 7200), "2MP", true, 0)];
        let recs = cam(&act, &[], &[]).recordings(T0, T0 + DAY, T0 + DAY);
        assert!(!recs.is_empty());
        assert!(recs.iter().all(|r| r.start >= T0 + 3600 && r.end <= T0 + 7200 && !r.open));
        assert!(cam(&[], &[], &[]).recordings(T0, T0 + DAY, T0 + DAY).is_empty());
    }

    #[test]
    fn outages_cut_recordings_and_events() {
        let act = [span(T0, None, "HighRes", true, TRIGGER_ALL)];
        let outages = [(T0 + 5000, T0 + 9000)];
        let tl = cam(&act, &outages, &[]);
        let recs = tl.recordings(T0, T0 + DAY, T0 + DAY);
        assert!(recs.iter().all(|r| r.end <= T0 + 5000 || r.start >= T0 + 9000), "{recs:?}");
        assert!(tl.detections(T0, T0 + DAY, T0 + DAY).iter().all(|d| !in_outage(d.at, &outages)));
    }

    #[test]
    fn later_activity_span_wins_where_spans_overlap() {
        let act = [span(T0, None, "A", true, 0), span(T0 + DAY, None, "B", true, 0)];
        let recs = cam(&act, &[], &[]).recordings(T0, T0 + 3 * DAY, T0 + 3 * DAY);
        assert!(recs.iter().filter(|r| r.video_profile == "A").all(|r| r.end <= T0 + DAY));
        assert!(recs.iter().filter(|r| r.video_profile == "B").all(|r| r.start >= T0 + DAY));
        assert!(recs.iter().any(|r| r.video_profile == "B"));
    }

    #[test]
    fn detections_follow_the_trigger_mask() {
        let act = [span(T0, Some(T0 + 10 * DAY), "2MP", false, TRIGGER_MOTION | TRIGGER_FACE)];
        let d = cam(&act, &[], &[]).detections(T0, T0 + 10 * DAY, T0 + 20 * DAY);
        assert!(d.iter().any(|d| d.etype == EVT_DETECT_MOTION));
        assert!(d.iter().any(|d| d.etype == EVT_DETECT_FACE));
        assert!(d.iter().all(|d| d.etype == EVT_DETECT_MOTION || d.etype == EVT_DETECT_FACE));
        assert!(d.iter().all(|d| is_valid_subtype(d.etype, d.subtype)));
        assert!(d.windows(2).all(|w| w[0].at <= w[1].at));
        let none = [span(T0, None, "2MP", true, 0)];
        assert!(cam(&none, &[], &[]).detections(T0, T0 + 10 * DAY, T0 + 20 * DAY).is_empty());
    }

    #[test]
    fn every_trigger_produces_its_documented_type() {
        let act = [span(T0, None, "2MP", false, TRIGGER_ALL)];
        let d = cam(&act, &[], &[]).detections(T0, T0 + 200 * DAY, T0 + 200 * DAY);
        for etype in [
            EVT_DETECT_MOTION,
            EVT_DETECT_AUDIO,
            EVT_DETECT_DI,
            EVT_DETECT_PIR,
            EVT_DETECT_TAMPER,
            EVT_DETECT_FACE,
            EVT_DETECT_OBJECT,
        ] {
            assert!(d.iter().any(|d| d.etype == etype), "no detection of type {etype}");
        }
    }

    #[test]
    fn face_detections_name_known_persons_or_are_unknown() {
        let act = [span(T0, None, "2MP", false, TRIGGER_FACE)];
        let persons = vec!["pt001".to_string(), "pt002".to_string()];
        let d = cam(&act, &[], &persons).detections(T0, T0 + 20 * DAY, T0 + 20 * DAY);
        assert!(d.iter().any(|d| d.person.is_some()) && d.iter().any(|d| d.person.is_none()));
        for x in &d {
            match &x.person {
                Some(p) => {
                    assert!(persons.contains(p));
                    assert!([SUB_FACE_VIP, SUB_FACE_BLOCKED, SUB_FACE_GENERIC].contains(&x.subtype));
                }
                None => assert_eq!(x.subtype, SUB_FACE_UNKNOWN),
            }
        }
        let nobody = cam(&act, &[], &[]).detections(T0, T0 + 20 * DAY, T0 + 20 * DAY);
        assert!(nobody.iter().all(|d| d.person.is_none() && d.subtype == SUB_FACE_UNKNOWN));
    }

    #[test]
    fn detection_only_spans_record_around_each_detection() {
        let act = [span(T0, None, "2MP", false, TRIGGER_MOTION)];
        let tl = cam(&act, &[], &[]);
        let now = T0 + 3 * DAY;
        let recs = tl.recordings(T0 + DAY, T0 + 2 * DAY, now);
        assert!(!recs.is_empty() && recs.iter().all(|r| r.kind == RecKind::Detection));
        let gaps = tl.gaps(T0, now);
        for d in tl.detections(T0 + DAY + 60, T0 + 2 * DAY - 60, now) {
            if !in_holes(d.at, &gaps) {
                assert!(recs.iter().any(|r| r.start <= d.at && d.at < r.end), "detection {d:?} not recorded");
            }
        }
        // Detection recordings are short: a detection plus pre/post roll, merged when close.
        let total: Secs = recs.iter().map(|r| r.end - r.start).sum();
        assert!(total < DAY / 4, "total {total}");
    }

    #[test]
    fn events_report_detections_and_recordings_with_real_extents() {
        let act = [span(T0, None, "HighRes", true, TRIGGER_MOTION)];
        let tl = cam(&act, &[], &[]);
        let now = T0 + 5 * DAY;
        let (from, to) = (T0 + 2 * DAY, T0 + 2 * DAY + 3600);
        let events = tl.events(from, to, now);
        let recs = tl.recordings(T0, now, now);
        let rec_events: Vec<&Event> = events.iter().filter(|e| e.etype == EVT_RECORDING).collect();
        assert!(!rec_events.is_empty());
        for e in &rec_events {
            let end = e.end.expect("finished recording");
            assert!(recs.iter().any(|r| r.start == e.start && r.end == end && r.kind.subtype() == e.subtype));
            assert_eq!(e.state, STATE_INACTIVE | STATE_NON_EDGE | STATE_UNLOCKED);
        }
        assert!(events.iter().any(|e| e.etype == EVT_DETECT_MOTION));
        for e in &events {
            assert!(overlaps((e.start, e.end.unwrap_or(Secs::MAX)), (from, to)));
            assert_eq!(e.mkey, event_mkey("FK-SVM0000000000", "cam1", e.start, e.etype, e.subtype));
            assert!(is_valid_subtype(e.etype, e.subtype));
        }
        let mut keys: Vec<&str> = events.iter().map(|e| e.mkey.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), events.len(), "mkeys are unique");
        assert!(events.windows(2).all(|w| w[0].start <= w[1].start));
    }

    #[test]
    fn running_recording_event_has_no_end_and_is_active() {
        let act = [span(T0, None, "HighRes", true, 0)];
        let tl = cam(&act, &[], &[]);
        let now = (T0 + DAY..T0 + DAY + 3600).find(|&n| !in_holes(n, &tl.gaps(n - 10, n + 10))).expect("now");
        let events = tl.events(now - 60, now, now);
        let running: Vec<&Event> = events.iter().filter(|e| e.end.is_none()).collect();
        assert_eq!(running.len(), 1);
        assert_eq!(running[0].state & STATE_ACTIVE, STATE_ACTIVE);
    }

    #[test]
    fn different_cameras_and_seeds_get_different_timelines() {
        let act = [span(T0, None, "HighRes", true, TRIGGER_MOTION)];
        let a = cam(&act, &[], &[]);
        let b = CameraTimeline { camera: "cam2", ..a };
        let c = CameraTimeline { seed: 8, ..a };
        let now = T0 + 3 * DAY;
        let starts = |t: &CameraTimeline| -> Vec<Secs> {
            t.recordings(T0, now, now).iter().map(|r| r.start).collect()
        };
        assert_ne!(starts(&a), starts(&b));
        assert_ne!(starts(&a), starts(&c));
        assert_eq!(starts(&a), starts(&cam(&act, &[], &[])));
    }

    #[test]
    fn event_mkey_has_the_documented_shape() {
        assert_eq!(
            event_mkey("FK400D3016000013", "System", 1_735_840_431, 1_048_576, 1),
            "FK400D3016000013/System/001735840431-1048576:1/1"
        );
    }

    #[test]
    fn state_bits_set_one_bit_of_each_pair() {
        assert_eq!(state_bits(false, false, false), 42);
        assert_eq!(state_bits(true, true, true), 1 | 4 | 16);
        assert_eq!(state_bits(true, false, false), 1 | 8 | 32);
    }

    #[test]
    fn overlaps_is_closed_on_both_ends() {
        assert!(overlaps((0, 10), (10, 20)));
        assert!(overlaps((5, 5), (0, 10)));
        assert!(!overlaps((0, 9), (10, 20)));
        assert!(!overlaps((21, 30), (10, 20)));
    }

    #[test]
    fn page_follows_the_paging_rules() {
        let all: Vec<u32> = (0..25).collect();
        let p = page(&all, 0, Some(10));
        assert_eq!((p.total, p.items.len(), p.next_page), (25, 10, true));
        let p = page(&all, 20, Some(10));
        assert_eq!((p.items.clone(), p.next_page), ((20..25).collect::<Vec<u32>>(), false));
        let p = page(&all, 30, Some(10));
        assert_eq!((p.total, p.items.len(), p.next_page), (25, 0, false));
        let p = page(&all, 5, None);
        assert_eq!((p.items.len(), p.next_page), (20, false));
        let p = page(&all, usize::MAX, Some(usize::MAX));
        assert_eq!((p.items.len(), p.next_page), (0, false));
    }

    fn ev(camera: &str, start: Secs, end: Option<Secs>, etype: u32, subtype: u32) -> Event {
        Event {
            mkey: event_mkey("SN", camera, start, etype, subtype),
            device_name: camera.to_string(),
            start,
            end,
            etype,
            subtype,
            state: 0,
        }
    }

    #[test]
    fn query_events_filters_by_camera_window_and_type_newest_first() {
        let all = vec![
            ev("cam1", 100, Some(110), EVT_DETECT_MOTION, 1),
            ev("cam2", 200, Some(210), EVT_RECORDING, 1),
            ev("cam3", 150, Some(160), EVT_DETECT_MOTION, 1),
            ev("cam1", 50, Some(99), EVT_RECORDING, 1),
            ev("cam1", 300, None, EVT_RECORDING, 2),
            ev("cam1", 100, Some(110), EVT_DETECT_MOTION, 1),
        ];
        let cams = vec!["cam1".to_string(), "cam2".to_string()];
        let got = query_events(all.clone(), &cams, 100, 1000, 0);
        let starts: Vec<Secs> = got.iter().map(|e| e.start).collect();
        assert_eq!(starts, vec![300, 200, 100], "cam3, the early one and the duplicate are dropped");
        let got = query_events(all.clone(), &cams, 0, 1000, EVT_RECORDING);
        assert!(got.iter().all(|e| e.etype == EVT_RECORDING) && got.len() == 3);
        let got = query_events(all.clone(), &cams, 0, 1000, EVT_DETECT_MOTION | EVT_SYSTEM);
        assert_eq!(got.len(), 1);
        assert_eq!(query_events(all.clone(), &[], 0, 1000, 0).len(), 5, "no camera list means every camera");
        assert_eq!(query_events(all, &cams, 5000, 6000, 0).len(), 1, "a running event matches later windows");
    }

    #[test]
    fn subtract_outages_splits_and_closes_pieces() {
        let rec = Recording {
            camera: "cam1".into(),
            start: 0,
            end: 100,
            kind: RecKind::Continuous,
            video_profile: "p".into(),
            open: true,
        };
        let got = subtract_outages(vec![rec.clone()], &[(10, 20), (15, 30), (90, 200)]);
        let spans: Vec<(Secs, Secs, bool)> = got.iter().map(|r| (r.start, r.end, r.open)).collect();
        assert_eq!(spans, vec![(0, 10, false), (30, 90, false)]);
        let got = subtract_outages(vec![rec], &[(40, 50)]);
        let spans: Vec<(Secs, Secs, bool)> = got.iter().map(|r| (r.start, r.end, r.open)).collect();
        assert_eq!(spans, vec![(0, 40, false), (50, 100, true)]);
    }

    #[test]
    fn parse_local_time_accepts_the_query_format_only() {
        assert_eq!(parse_local_time("2021-01-01-01-00-00", 0), Some(T0 + 3600));
        assert_eq!(parse_local_time("2021-01-01-01-00-00", 3600), Some(T0));
        assert_eq!(parse_local_time("2021-01-01", 0), None);
        assert_eq!(parse_local_time("2021-13-01-00-00-00", 0), None);
        assert_eq!(parse_local_time("2021-02-30-00-00-00", 0), None);
        assert_eq!(parse_local_time("2021-01-01-24-00-00", 0), None);
        assert_eq!(parse_local_time("2021-01-01 01:00:00", 0), None);
        assert_eq!(parse_local_time("2021-01-01-01-00-0x", 0), None);
        assert_eq!(parse_local_time("２０２１-01-01-01-00", 0), None);
        assert_eq!(parse_local_time("", 0), None);
    }

    #[test]
    fn time_strings_are_device_local() {
        assert_eq!(format_event_time(1_735_840_431, -5 * 3600), "2025-01-02 12:53:51");
        assert_eq!(format_query_time(T0, 0), "2021-01-01-00-00-00");
        assert_eq!(format_hour_minute(T0 + 18 * 3600 + 40 * 60, 0), "18:40");
        // Out-of-range times are clamped, never a panic.
        assert!(!format_event_time(Secs::MAX, i32::MAX).is_empty());
        assert!(!format_query_time(Secs::MIN, i32::MIN).is_empty());
    }

    #[test]
    fn ai_log_lists_face_detections_newest_first() {
        let det = |at, etype, person: Option<&str>| Detection {
            camera: "cam1".into(),
            at,
            end: Some(at + 2),
            etype,
            subtype: if person.is_some() { SUB_FACE_GENERIC } else { SUB_FACE_UNKNOWN },
            person: person.map(str::to_string),
        };
        let log = ai_log_from_detections(&[
            det(100, EVT_DETECT_FACE, Some("pt001")),
            det(150, EVT_DETECT_MOTION, None),
            det(200, EVT_DETECT_FACE, None),
        ]);
        assert_eq!(log.len(), 2);
        assert_eq!((log[0].timestamp, log[0].person.as_str(), log[0].known), (200, "UNKNOWN", false));
        assert_eq!((log[1].timestamp, log[1].person.as_str(), log[1].known), (100, "pt001", true));
        assert_eq!(log[1].image_path, format!("face-recognition/log/{}.jpg", log[1].mkey));
        assert_ne!(log[0].mkey, log[1].mkey);
    }

    #[test]
    fn type_and_subtype_tables_match_the_spec() {
        assert_eq!(type_name(131_072), Some("Evt_Recording"));
        assert!(is_valid_type(0) && is_valid_type(2_097_152));
        assert!(!is_valid_type(3) && !is_valid_type(512));
        assert_eq!(subtype_name(2, 8), Some("SubEvt_Motion_Crossed"));
        assert_eq!(subtype_name(65_536, 1024), Some("SubEvt_Camera_Interruption"));
        assert_eq!(subtype_name(262_144, 2), Some("SubEvt_Camera_Reboot"));
        assert_eq!(subtype_name(1_048_576, 256), Some("SubEvt_System_Update"));
        assert!(is_valid_subtype(4, 0) && !is_valid_subtype(4, 1));
        assert!(is_valid_subtype(64, 64) && !is_valid_subtype(64, 128));
        assert!(!is_valid_subtype(3, 0));
        assert!(is_valid_filter(EVT_DETECT_MOTION | EVT_RECORDING) && !is_valid_filter(1 << 22));
        assert_eq!(RecKind::from_subtype(RecKind::Temp.subtype()), Some(RecKind::Temp));
        assert_eq!(RecKind::from_subtype(3), None);
    }

    // ----- properties -----

    fn activity_strategy() -> impl Strategy<Value = Vec<Activity>> {
        prop::collection::vec(
            (0..6 * DAY, prop::option::of(1..3 * DAY), 0..2usize, any::<bool>(), 0..4u32),
            0..4,
        )
        .prop_map(|v| {
            v.into_iter()
                .map(|(from, len, p, continuous, m)| {
                    let mask = [0, TRIGGER_MOTION, TRIGGER_ALL, TRIGGER_FACE | TRIGGER_TAMPER][m as usize];
                    span(T0 + from, len.map(|l| T0 + from + l), ["A", "B"][p], continuous, mask)
                })
                .collect()
        })
    }

    fn outage_strategy() -> impl Strategy<Value = Vec<(Secs, Secs)>> {
        prop::collection::vec((0..7 * DAY, 1..4 * 3600i64), 0..3)
            .prop_map(|v| v.into_iter().map(|(s, l)| (T0 + s, T0 + s + l)).collect())
    }

    /// Joins pieces of one recording that a window boundary at `b` cut in two.
    fn join_at(mut recs: Vec<Recording>, b: Secs) -> Vec<Recording> {
        recs.sort_by(|x, y| x.start.cmp(&y.start).then(x.kind.cmp(&y.kind)));
        let mut out: Vec<Recording> = Vec::new();
        for r in recs {
            let joined = out.iter_mut().find(|l| {
                l.end == b && r.start == b && l.kind == r.kind && l.video_profile == r.video_profile
            });
            match joined {
                Some(l) => {
                    l.end = r.end;
                    l.open = r.open;
                }
                None => out.push(r),
            }
        }
        out.sort_by(|x, y| x.start.cmp(&y.start).then(x.kind.cmp(&y.kind)));
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn recordings_are_sorted_inside_the_window_and_never_in_outages(
            act in activity_strategy(), outages in outage_strategy(),
            from in 0..8 * DAY, len in 0..2 * DAY, now in 0..9 * DAY,
        ) {
            let (from, to, now) = (T0 + from, T0 + from + len, T0 + now);
            let recs = cam(&act, &outages, &[]).recordings(from, to, now);
            for r in &recs {
                prop_assert!(r.start < r.end);
                prop_assert!(r.start >= from && r.end <= to && r.end <= now);
                prop_assert!(outages.iter().all(|&(s, e)| r.end <= s || r.start >= e), "{r:?} in outage");
            }
            prop_assert!(recs.windows(2).all(|w| (w[0].start, w[0].kind) <= (w[1].start, w[1].kind)));
            for kind in [RecKind::Continuous, RecKind::Detection] {
                let of_kind: Vec<&Recording> = recs.iter().filter(|r| r.kind == kind).collect();
                prop_assert!(of_kind.windows(2).all(|w| w[0].end <= w[1].start), "{kind:?} overlap");
                // Touching pieces of one kind only where the video profile changes.
                prop_assert!(of_kind
                    .windows(2)
                    .all(|w| w[0].end < w[1].start || w[0].video_profile != w[1].video_profile));
            }
        }

        #[test]
        fn asking_two_halves_equals_asking_the_whole(
            act in activity_strategy(), outages in outage_strategy(),
            a in 0..7 * DAY, l1 in 0..DAY, l2 in 0..DAY, now in 0..9 * DAY,
        ) {
            let tl = cam(&act, &outages, &[]);
            let (a, now) = (T0 + a, T0 + now);
            let (b, c) = (a + l1, a + l1 + l2);
            let whole = tl.recordings(a, c, now);
            let mut halves = tl.recordings(a, b, now);
            halves.extend(tl.recordings(b, c, now));
            prop_assert_eq!(join_at(halves, b), whole);
            let mut det = tl.detections(a, b, now);
            det.extend(tl.detections(b, c, now));
            prop_assert_eq!(det, tl.detections(a, c, now));
        }

        #[test]
        fn advancing_now_only_adds_or_extends(
            act in activity_strategy(), outages in outage_strategy(),
            from in 0..7 * DAY, now in 0..8 * DAY, step in 0..DAY,
        ) {
            let tl = cam(&act, &outages, &[]);
            let (from, now) = (T0 + from, T0 + now);
            let to = from + 3 * DAY;
            let before = tl.recordings(from, to, now);
            let after = tl.recordings(from, to, now + step);
            for r in &before {
                prop_assert!(
                    after.iter().any(|x| x.kind == r.kind && x.start == r.start && x.end >= r.end
                        && x.video_profile == r.video_profile),
                    "{r:?} lost after advancing"
                );
            }
            let det_before = tl.detections(from, to, now);
            let det_after = tl.detections(from, to, now + step);
            for d in &det_before {
                prop_assert!(det_after.iter().any(|x| x.at == d.at && x.etype == d.etype && x.subtype == d.subtype));
            }
            let ev_before = tl.events(from, to, now);
            let ev_after = tl.events(from, to, now + step);
            for e in &ev_before {
                prop_assert!(ev_after.iter().any(|x| x.mkey == e.mkey), "event {} lost", e.mkey);
            }
        }

        #[test]
        fn events_are_valid_unique_and_inside_the_window(
            act in activity_strategy(), outages in outage_strategy(),
            from in 0..7 * DAY, len in 0..DAY, now in 0..9 * DAY,
        ) {
            let (from, to, now) = (T0 + from, T0 + from + len, T0 + now);
            let events = cam(&act, &outages, &[]).events(from, to, now);
            let mut keys: Vec<&str> = events.iter().map(|e| e.mkey.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            prop_assert_eq!(keys.len(), events.len());
            for e in &events {
                prop_assert!(is_valid_subtype(e.etype, e.subtype));
                prop_assert!(e.start <= now && e.end.is_none_or(|end| end <= now && end >= e.start));
                prop_assert!(overlaps((e.start, e.end.unwrap_or(Secs::MAX)), (from, to)));
            }
        }

        #[test]
        fn extreme_times_never_panic(
            a in any::<i64>(), b in any::<i64>(), now in any::<i64>(), f in any::<i64>(), t in any::<i64>(),
        ) {
            let act = [span(f, Some(f.saturating_add(3 * 3600)), "A", true, TRIGGER_ALL), span(t, None, "B", true, 0)];
            let outages = [(a, b)];
            let tl = cam(&act, &outages, &[]);
            let lo = a.min(b);
            let hi = lo.saturating_add(2 * DAY);
            let _ = tl.recordings(lo, hi, now);
            let _ = tl.detections(lo, hi, now);
            let _ = tl.events(lo, hi, now);
        }

        #[test]
        fn concatenated_pages_give_the_whole_list(len in 0..60usize, size in 1..15usize) {
            let all: Vec<usize> = (0..len).collect();
            let mut got = Vec::new();
            let mut start = 0;
            loop {
                let p = page(&all, start, Some(size));
                prop_assert_eq!(p.total, len);
                prop_assert_eq!(p.next_page, start + p.items.len() < len);
                start += p.items.len();
                got.extend(p.items);
                if !p.next_page {
                    break;
                }
            }
            prop_assert_eq!(got, all);
        }

        #[test]
        fn parse_local_time_never_panics(s in "\\PC{0,24}", tz in any::<i32>()) {
            let _ = parse_local_time(&s, tz);
        }

        #[test]
        fn query_time_round_trips(t in 0i64..4_000_000_000, tz in -14 * 3600..14 * 3600i32) {
            prop_assert_eq!(parse_local_time(&format_query_time(t, tz), tz), Some(t));
        }
    }
}
