//! The generator: recordings, gaps and detections of one camera, per one-hour slot.

use super::*;

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
    pub(super) fn gaps(&self, lo: Secs, hi: Secs) -> Vec<(Secs, Secs)> {
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
pub(super) const MIN_GAP_SECS: Secs = 2;
pub(super) const MAX_GAP_SECS: Secs = 240;
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
pub(super) fn in_holes(t: Secs, holes: &[(Secs, Secs)]) -> bool {
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
