//! Unit tests of the model: every resource operation, error and reference rule, and a property
//! test that random command sequences keep the invariants.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;

const NOW: i64 = 1_704_067_200;

fn model() -> Model {
    let mut m = Model::seed(SeedParams { now: NOW, ..SeedParams::default() });
    m.configure(Profile::default(), Options::default());
    m
}

fn ok(m: &mut Model, cmd: Command) -> Output {
    m.apply(NOW, cmd).expect("command succeeds")
}

fn err(m: &mut Model, cmd: Command) -> ModelError {
    m.apply(NOW, cmd).expect_err("command fails")
}

fn create(table: Table, id: &str, body: Value) -> Command {
    Command::Create { table, id: id.into(), body: Some(body) }
}

fn update(table: Table, id: &str, body: Value) -> Command {
    Command::Update { table, id: id.into(), body: Some(body) }
}

fn listing(o: Output) -> Listing {
    match o {
        Output::Listing(l) => l,
        other => panic!("not a listing: {other:?}"),
    }
}

fn fields(o: Output) -> Map<String, Value> {
    match o {
        Output::Object { fields, .. } | Output::Singleton(fields) => fields,
        other => panic!("not an object: {other:?}"),
    }
}

#[test]
fn seed_is_consistent_and_has_the_appendix_fixture() {
    let m = model();
    m.check_invariants().unwrap();
    assert_eq!(m.cameras.len(), 4);
    assert_eq!(m.video_profiles.len(), 3);
    assert!(m.ai_log.len() >= 25);
    assert_eq!(m.face_users[0].images.len(), 3);
    // Every camera on an active continuous schedule records from the seed time on.
    assert_eq!(m.activity["cam1"][0].from, NOW);
    assert!(m.activity.get("cam2").is_none_or(Vec::is_empty));
}

#[test]
fn login_checks_password_access_mode_and_clip_service() {
    let mut m = model();
    let login = |kind, name: &str, pw: &str| Command::Login { kind, name: name.into(), password: pw.into() };
    assert!(matches!(ok(&mut m, login(LoginKind::Admin, "admin", "admin")), Output::Session { .. }));
    assert_eq!(err(&mut m, login(LoginKind::Admin, "admin", "x")), ModelError::LoginFailed(LoginKind::Admin));
    assert_eq!(
        err(&mut m, login(LoginKind::Admin, "gui_only", "gui_only")),
        ModelError::LoginFailed(LoginKind::Admin)
    );
    assert!(matches!(ok(&mut m, login(LoginKind::Service, "service-clip", "1234")), Output::Session { .. }));
    assert!(
        err(&mut m, login(LoginKind::Service, "Service-Clip", "1234"))
            == ModelError::LoginFailed(LoginKind::Service)
    );
    m.clip_service.enabled = false;
    assert!(
        err(&mut m, login(LoginKind::Service, "service-clip", "1234"))
            == ModelError::LoginFailed(LoginKind::Service)
    );
}

#[test]
fn lookup_resolves_levels_and_expires_idle_sessions() {
    let mut m = model();
    let Output::Session { token } = ok(
        &mut m,
        Command::Login { kind: LoginKind::Admin, name: "cfg_ro".into(), password: "cfg_ro".into() },
    ) else {
        panic!()
    };
    let Output::Caller(c) = ok(&mut m, Command::Lookup { token: token.clone() }) else { panic!() };
    assert_eq!(c.level(Area::CameraConfiguration), Level::ReadOnly);
    assert_eq!(c.min_level(&[Area::CameraConfiguration, Area::SystemAccess]), Level::None);
    assert_eq!(m.apply(NOW + 300, Command::Lookup { token }), Err(ModelError::Unauthenticated));
    assert_eq!(err(&mut m, Command::Lookup { token: "nope".into() }), ModelError::Unauthenticated);
}

#[test]
fn video_profile_rules() {
    let mut m = model();
    ok(&mut m, create(Table::VideoProfile, "X", json!({"video_codec": 4, "audio": 1})));
    assert_eq!(m.video_profile("X").unwrap().video_codec, 4);
    assert!(m.video_profile("X").unwrap().audio);
    assert!(matches!(err(&mut m, create(Table::VideoProfile, "X", json!({}))), ModelError::Duplicate(_)));
    for bad in [
        json!({"video_codec": 1}),
        json!({"video_fps": 0}),
        json!({"video_gop": 7}),
        json!({"video_resolution": 13}),
    ] {
        assert!(
            matches!(err(&mut m, update(Table::VideoProfile, "X", bad.clone())), ModelError::Invalid(_)),
            "{bad}"
        );
    }
    assert_eq!(m.video_profile("X").unwrap().video_fps, 30, "a refused update changes nothing");
    assert!(matches!(
        err(&mut m, Command::Delete { table: Table::VideoProfile, id: "2MP".into() }),
        ModelError::Referenced(_)
    ));
    ok(&mut m, Command::Delete { table: Table::VideoProfile, id: "X".into() });
    assert!(matches!(
        err(&mut m, Command::Get { table: Table::VideoProfile, id: "X".into() }),
        ModelError::NotFound(_)
    ));
    assert!(matches!(err(&mut m, create(Table::VideoProfile, "a/b", json!({}))), ModelError::Invalid(_)));
}

#[test]
fn is_referenced_is_derived() {
    let mut m = model();
    let get =
        |m: &mut Model, id: &str| fields(ok(m, Command::Get { table: Table::CameraProfile, id: id.into() }));
    assert_eq!(get(&mut m, "AwayOnly")["isReferenced"], 1);
    ok(&mut m, update(Table::Camera, "cam2", json!({"profile": "HighResContinuous"})));
    assert!(get(&mut m, "AwayOnly").get("isReferenced").is_none());
    ok(&mut m, Command::Delete { table: Table::CameraProfile, id: "AwayOnly".into() });
    m.check_invariants().unwrap();
}

#[test]
fn camera_profile_strings_and_entries() {
    let mut m = model();
    let f = fields(ok(
        &mut m,
        create(
            Table::CameraProfile,
            "Both",
            json!({"recording_stream": "Always:2MP,Away:HighRes", "recording_type": "Away:33"}),
        ),
    ));
    assert_eq!(f["recording_stream"], "Always:2MP,Away:HighRes");
    assert_eq!(f["recording_type"], "Always:17,Away:33");
    assert!(matches!(
        err(&mut m, update(Table::CameraProfile, "Both", json!({"recording_type": "Always:4"}))),
        ModelError::Invalid(_)
    ));
    assert!(matches!(
        err(&mut m, update(Table::CameraProfile, "Both", json!({"viewing_stream": "Always"}))),
        ModelError::Invalid(_)
    ));
    let e = ok(
        &mut m,
        Command::UpdateScheduleEntry {
            profile: "Both".into(),
            schedule: "Away".into(),
            body: Some(json!({"recording_type": 49})),
        },
    );
    assert_eq!(fields(e)["recording_type"], 49);
    let l = listing(ok(&mut m, Command::ListScheduleEntries { profile: "Both".into() }));
    assert_eq!(l.total, 2);
}

#[test]
fn profile_switch_and_schedules_drive_the_activity_history() {
    let mut m = model();
    m.apply(NOW + 100, update(Table::Camera, "cam1", json!({"profile": "HighResContinuous"}))).unwrap();
    let h = &m.activity["cam1"];
    assert_eq!(h.len(), 2);
    assert_eq!((h[0].to, h[0].video_profile.as_str()), (Some(NOW + 100), "HighRes"));
    assert_eq!((h[1].from, h[1].video_profile.as_str()), (NOW + 100, "high-resolution"));
    m.apply(NOW + 200, update(Table::Schedule, "Away", json!({"assist_active": true}))).unwrap();
    assert_eq!(m.activity["cam2"].last().unwrap().from, NOW + 200);
    assert!(m.events.iter().any(|e| e.device_name == "cam2" && e.etype == 262144));
    m.apply(NOW + 300, update(Table::Schedule, "Away", json!({"assist_active": false}))).unwrap();
    assert_eq!(m.activity["cam2"].last().unwrap().to, Some(NOW + 300));
    assert!(matches!(
        err(&mut m, update(Table::Schedule, "Always", json!({"assist_active": true}))),
        ModelError::State(_)
    ));
    assert!(matches!(err(&mut m, update(Table::Schedule, "Away", json!({}))), ModelError::Invalid(_)));
}

#[test]
fn power_cycle_records_an_outage_events_and_a_new_boot() {
    let mut m = model();
    let Output::Lifecycle(SysAction::Restart) =
        m.apply(NOW + 10, Command::SysCommand { body: Some(json!({"action": 1})) }).unwrap()
    else {
        panic!()
    };
    m.apply(NOW + 11, Command::PowerDown).unwrap();
    assert!(m.activity["cam1"].iter().all(|a| a.to.is_some()));
    m.apply(NOW + 31, Command::PowerUp).unwrap();
    assert_eq!(m.outages, vec![Outage { start: NOW + 11, end: Some(NOW + 31) }]);
    assert_eq!(m.device.boot_time, NOW + 31);
    assert_eq!(m.activity["cam1"].last().unwrap().from, NOW + 31);
    let subs: Vec<u32> = m.events.iter().filter(|e| e.device_name == "System").map(|e| e.subtype).collect();
    assert_eq!(&subs[subs.len() - 2..], &[4, 1]);
    // Recordings have a gap over the outage.
    let recs = m.recordings(Some("cam1"), NOW, NOW + 3600, NOW + 3600);
    assert!(recs
        .iter()
        .filter(|r| r.kind == RecKind::Continuous)
        .all(|r| r.end <= NOW + 11 || r.start >= NOW + 31));
    for bad in [json!({"action": 0}), json!({}), json!({"action": "x"})] {
        assert!(matches!(err(&mut m, Command::SysCommand { body: Some(bad) }), ModelError::Invalid(_)));
    }
}

#[test]
fn ptz_moves_are_clamped_steps() {
    let mut m = model();
    for _ in 0..30 {
        ok(
            &mut m,
            Command::Ptz { camera: "cam1".into(), body: Some(json!({"camMove": 3, "magnitude": 10})) },
        );
    }
    assert_eq!(m.camera("cam1").unwrap().ptz.tilt, 90.0);
    ok(&mut m, Command::Ptz { camera: "cam1".into(), body: Some(json!({"camMove": 11})) });
    assert_eq!(m.camera("cam1").unwrap().home.tilt, 90.0);
    ok(&mut m, Command::Ptz { camera: "cam1".into(), body: Some(json!({"camMove": 12, "magnitude": 2})) });
    assert_eq!(m.camera("cam1").unwrap().focus_mode, FocusMode::Manual);
    ok(&mut m, Command::Ptz { camera: "cam1".into(), body: Some(json!({"camMove": 15})) });
    assert_eq!(m.camera("cam1").unwrap().focus_mode, FocusMode::FullAuto);
    assert!(matches!(
        err(&mut m, Command::Ptz { camera: "cam1".into(), body: None }),
        ModelError::Invalid(_)
    ));
}

#[test]
fn events_page_totals_are_consistent() {
    let m = model();
    let q = |extra: &str| -> Vec<(String, String)> {
        let mut v = vec![
            ("device_name".to_owned(), "cam1,cam2".to_owned()),
            ("start_time".to_owned(), "2021-01-01-00-00-00".to_owned()),
            ("end_time".to_owned(), "2021-01-03-00-00-00".to_owned()),
        ];
        if let Some((k, val)) = extra.split_once('=') {
            v.push((k.to_owned(), val.to_owned()));
        }
        v
    };
    let all = listing(m.query_events(NOW, &q("")).unwrap());
    assert_eq!(all.items.len(), all.total);
    let motion = listing(m.query_events(NOW, &q("evt_filter=2")).unwrap());
    assert_eq!(motion.total, 32);
    let sys = listing(m.query_events(NOW, &q("evt_filter=1048576")).unwrap());
    assert_eq!(sys.total, 0, "System is not in the device list");
}

#[test]
fn writes_and_reads_are_classified() {
    assert!(!Command::Lookup { token: String::new() }.is_write());
    assert!(!Command::Usage.is_write());
    assert!(!Command::Events { query: vec![] }.is_write());
    assert!(Command::PowerUp.is_write());
    assert!(Command::Ptz { camera: String::new(), body: None }.is_write());
}

#[test]
fn model_errors_convert_into_core_kinds() {
    use devsim_core::ErrorKind as K;
    let k = |e: ModelError| devsim_core::Error::from(e).kind;
    assert_eq!(k(ModelError::NotFound("x".into())), K::NotFound);
    assert_eq!(k(ModelError::Referenced("x".into())), K::Conflict);
    assert_eq!(k(ModelError::Denied("x".into())), K::PermissionDenied);
    assert_eq!(k(ModelError::MethodNotAllowed), K::Unsupported);
    assert_eq!(k(ModelError::Unavailable("x".into())), K::Unavailable);
}

// ------------------------------------------------------------------------------- property test

#[derive(Debug, Clone)]
enum Op {
    NewVideo(u8),
    DelVideo(u8),
    NewProfile(u8, u8, bool),
    DelProfile(u8),
    Switch(u8, u8),
    Entry(u8, u8),
    Away(bool),
    NewPreset(u8),
    DelPreset(u8),
    Power(bool),
    Advance(u16),
}

const VPS: [&str; 5] = ["2MP", "HighRes", "high-resolution", "v1", "v2"];
const CPS: [&str; 5] = ["HighQualityContAllDet", "HighResContinuous", "AwayOnly", "p1", "p2"];
const CAMS: [&str; 4] = ["cam1", "cam2", "camname", "camera_name"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..5).prop_map(Op::NewVideo),
        (0u8..5).prop_map(Op::DelVideo),
        (0u8..5, 0u8..5, any::<bool>()).prop_map(|(a, b, c)| Op::NewProfile(a, b, c)),
        (0u8..5).prop_map(Op::DelProfile),
        (0u8..4, 0u8..5).prop_map(|(a, b)| Op::Switch(a, b)),
        (0u8..5, 0u8..5).prop_map(|(a, b)| Op::Entry(a, b)),
        any::<bool>().prop_map(Op::Away),
        (0u8..3).prop_map(Op::NewPreset),
        (0u8..3).prop_map(Op::DelPreset),
        any::<bool>().prop_map(Op::Power),
        (1u16..4000).prop_map(Op::Advance),
    ]
}

fn to_command(op: &Op) -> Option<Command> {
    let s = |i: u8, names: &[&str]| names[i as usize % names.len()].to_owned();
    Some(match op {
        Op::NewVideo(i) => create(Table::VideoProfile, &s(*i, &VPS), json!({"video_fps": 10})),
        Op::DelVideo(i) => Command::Delete { table: Table::VideoProfile, id: s(*i, &VPS) },
        Op::NewProfile(i, v, away) => {
            let sched = if *away { "Away" } else { "Always" };
            create(
                Table::CameraProfile,
                &s(*i, &CPS),
                json!({"recording_stream": format!("{sched}:{}", s(*v, &VPS))}),
            )
        }
        Op::DelProfile(i) => Command::Delete { table: Table::CameraProfile, id: s(*i, &CPS) },
        Op::Switch(c, p) => update(Table::Camera, &s(*c, &CAMS), json!({"profile": s(*p, &CPS)})),
        Op::Entry(p, v) => Command::UpdateScheduleEntry {
            profile: s(*p, &CPS),
            schedule: "Always".into(),
            body: Some(json!({"recording_stream": s(*v, &VPS)})),
        },
        Op::Away(a) => update(Table::Schedule, "Away", json!({"assist_active": a})),
        Op::NewPreset(i) => Command::CreatePreset { camera: "cam1".into(), preset: format!("p{i}") },
        Op::DelPreset(i) => Command::DeletePreset { camera: "cam1".into(), preset: format!("p{i}") },
        Op::Power(up) => {
            if *up {
                Command::PowerUp
            } else {
                Command::PowerDown
            }
        }
        Op::Advance(_) => return None,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_command_sequences_keep_the_invariants(ops in proptest::collection::vec(op(), 1..40)) {
        let mut m = model();
        let mut now = NOW;
        for op in &ops {
            if let Op::Advance(s) = op {
                now += i64::from(*s);
                continue;
            }
            let before = serde_json::to_value(&m).unwrap();
            let cmd = to_command(op).unwrap();
            let write = cmd.is_write();
            if m.apply(now, cmd).is_err() && write {
                // A refused command changes nothing.
                prop_assert_eq!(serde_json::to_value(&m).unwrap(), before);
            }
            prop_assert!(m.check_invariants().is_ok(), "{:?}", m.check_invariants());
            // Activity spans are ordered and never overlap.
            for spans in m.activity.values() {
                for w in spans.windows(2) {
                    prop_assert!(w[0].to.is_some_and(|t| t <= w[1].from));
                }
            }
        }
        // Paging totals are consistent for every page size.
        let q = vec![
            ("device_name".to_owned(), "cam1,cam2,System".to_owned()),
            ("start_time".to_owned(), "2021-01-01-00-00-00".to_owned()),
            ("end_time".to_owned(), "2030-01-01-00-00-00".to_owned()),
        ];
        let all = listing(m.query_events(now, &q).unwrap());
        prop_assert_eq!(all.items.len(), all.total);
        let mut seen = 0;
        let mut start = 0;
        loop {
            let mut qp = q.clone();
            qp.push(("startIndex".into(), start.to_string()));
            qp.push(("pageSize".into(), "7".into()));
            let page = listing(m.query_events(now, &qp).unwrap());
            prop_assert_eq!(page.total, all.total);
            prop_assert!(page.items.len() <= 7);
            seen += page.items.len();
            start += page.items.len();
            if !page.next_page {
                break;
            }
        }
        prop_assert_eq!(seen, all.total);
    }
}
