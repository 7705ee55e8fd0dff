use super::generate::{in_holes, MAX_GAP_SECS, MIN_GAP_SECS};
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
    assert!(recs.iter().all(|r| r.kind == RecKind::Continuous && r.video_profile == "HighRes" && !r.open));
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
    let starts =
        |t: &CameraTimeline| -> Vec<Secs> { t.recordings(T0, now, now).iter().map(|r| r.start).collect() };
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
    prop::collection::vec((0..6 * DAY, prop::option::of(1..3 * DAY), 0..2usize, any::<bool>(), 0..4u32), 0..4)
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
        let joined = out
            .iter_mut()
            .find(|l| l.end == b && r.start == b && l.kind == r.kind && l.video_profile == r.video_profile);
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
