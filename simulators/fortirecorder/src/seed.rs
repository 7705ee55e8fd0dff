//! The built-in seed: spec Appendix A, covering every name the document uses.

use std::collections::BTreeMap;

use crate::model::{
    AccessMode, AdminAccount, AdminProfile, Area, Camera, CameraGroup, CameraProfile, ClipService,
    DeviceState, Event, FaceImage, FaceUser, FocusMode, Global, Interface, Level, Model, Position, Preset,
    ProfileEntry, RecKind, Recording, RtspUser, Schedule, ScheduleKind, SeedParams, StorageStatus,
    VideoProfile,
};
use crate::timeline::{event_mkey, state_bits, AiLogEntry, EVT_CAMERA, EVT_DETECT_MOTION, EVT_SYSTEM};

/// 2021-01-01 00:00:00Z.
const JAN_1_2021: i64 = 1_609_459_200;

fn profile(mkey: &str, levels: &[(Area, Level)]) -> AdminProfile {
    AdminProfile { mkey: mkey.into(), areas: levels.iter().copied().collect() }
}

fn admin(name: &str, password: &str, modes: &[AccessMode], profile: &str) -> AdminAccount {
    AdminAccount {
        name: name.into(),
        password: password.into(),
        access_modes: modes.to_vec(),
        profile: profile.into(),
    }
}

fn video(mkey: &str, res: u8, codec: u8, fps: u32, gop: u8, mode: u8) -> VideoProfile {
    VideoProfile {
        mkey: mkey.into(),
        video_resolution: res,
        video_codec: codec,
        video_fps: fps,
        video_gop: gop,
        video_bitrate_mode: mode,
        audio: false,
    }
}

fn cam_profile(mkey: &str, schedule: &str, stream: &str) -> CameraProfile {
    CameraProfile {
        mkey: mkey.into(),
        continuous_retention_disposition: 0,
        continuous_retention_period: 0,
        continuous_retention_period_units: 1,
        detection_retention_disposition: 0,
        detection_retention_period: 0,
        detection_retention_period_units: 1,
        compression: false,
        compression_period: 0,
        compression_period_units: 1,
        entries: vec![ProfileEntry {
            schedule: schedule.into(),
            viewing_stream: stream.into(),
            recording_stream: stream.into(),
            recording_type: 17,
        }],
    }
}

fn camera(mkey: &str, profile: &str, ptz: bool) -> Camera {
    Camera {
        mkey: mkey.into(),
        status: 1,
        profile: profile.into(),
        state_flag: 1,
        state_code: 0,
        state_info: String::new(),
        ptz_capable: ptz,
        ptz: Position::default(),
        focus: 5.0,
        focus_mode: FocusMode::FullAuto,
        home: Position::default(),
        presets: if ptz {
            vec![Preset { mkey: "preset_1".into(), position: Position { pan: 30.0, tilt: 10.0, zoom: 2.0 } }]
        } else {
            Vec::new()
        },
    }
}

fn interface(mkey: &str, ip: &str, allowaccess: u32, mac: &str) -> Interface {
    Interface {
        mkey: mkey.into(),
        kind: 0,
        aggregate_master: 0,
        bridge_member: true,
        ip: ip.into(),
        ip6: "::/0".into(),
        status: true,
        interface: String::new(),
        aggregate_member: String::new(),
        incoming_mode: 2,
        outgoing_mode: 0,
        local: true,
        allowaccess,
        discover: true,
        webaccess: 1,
        link_status: true,
        mac_addr: mac.into(),
    }
}

fn rec(camera: &str, start: i64, end: i64, kind: RecKind, vp: &str) -> Recording {
    Recording { camera: camera.into(), start, end, kind, video_profile: vp.into(), open: false }
}

impl Model {
    /// The Appendix A fixture, at device time `p.now`.
    pub fn seed(p: SeedParams) -> Model {
        use Area::*;
        use Level::{ReadOnly, ReadWrite};
        let all_rw: Vec<(Area, Level)> = Area::ALL.iter().map(|a| (*a, ReadWrite)).collect();
        let admin_profiles = vec![
            profile("super_admin_prof", &all_rw),
            profile(
                "screenshot_prof",
                &[
                    (SystemStatus, ReadOnly),
                    (CameraConfiguration, ReadWrite),
                    (CameraStatus, ReadOnly),
                    (CameraLiveview, ReadOnly),
                    (VideoPlayback, ReadOnly),
                ],
            ),
            profile("status_only_prof", &[(CameraStatus, ReadOnly)]),
            profile("cfg_ro_prof", &[(CameraConfiguration, ReadOnly), (CameraStatus, ReadOnly)]),
        ];
        let rest = [AccessMode::Cli, AccessMode::Gui, AccessMode::Rest];
        let admins = vec![
            admin("admin", &p.admin_password, &rest, "super_admin_prof"),
            admin("rest", "rest", &[AccessMode::Rest], "screenshot_prof"),
            admin("status_only", "status_only", &[AccessMode::Rest], "status_only_prof"),
            admin("cfg_ro", "cfg_ro", &[AccessMode::Rest], "cfg_ro_prof"),
            admin("gui_only", "gui_only", &[AccessMode::Gui], "super_admin_prof"),
        ];

        let mut recordings = Vec::new();
        // camname / camera_name: 2020-03-20 19:00-21:00Z (covers 1584734700-1584734900).
        for c in ["camname", "camera_name"] {
            recordings.push(rec(c, 1_584_730_800, 1_584_738_000, RecKind::Continuous, "high-resolution"));
        }
        // cam1 / cam2: 2021-01-01 00:00Z - 2021-01-02 23:59Z with a 5-minute gap at 2021-01-01 12:00Z.
        let mut events = Vec::new();
        let serial = p.serial.clone();
        for (i, (c, vp)) in [("cam1", "HighRes"), ("cam2", "2MP")].into_iter().enumerate() {
            let gap = JAN_1_2021 + 12 * 3600;
            recordings.push(rec(c, JAN_1_2021, gap, RecKind::Continuous, vp));
            recordings.push(rec(c, gap + 300, JAN_1_2021 + 2 * 86_400 - 60, RecKind::Continuous, vp));
            // Motion every 3 hours (cam2 half an hour later), 20 s long, with detection recordings.
            for k in 0..16 {
                let at = JAN_1_2021 + 3600 + k * 3 * 3600 + i as i64 * 1800;
                events.push(Event {
                    mkey: event_mkey(&serial, c, at, EVT_DETECT_MOTION, 1),
                    device_name: c.into(),
                    start: at,
                    end: Some(at + 20),
                    etype: EVT_DETECT_MOTION,
                    subtype: 1,
                    state: state_bits(false, false, false),
                });
                recordings.push(rec(c, at - 10, at + 30, RecKind::Detection, vp));
            }
            // The camera rebooted at the gap.
            events.push(Event {
                mkey: event_mkey(&serial, c, gap, EVT_CAMERA, 2),
                device_name: c.into(),
                start: gap,
                end: Some(gap),
                etype: EVT_CAMERA,
                subtype: 2,
                state: 0,
            });
        }
        events.push(Event {
            mkey: event_mkey(&serial, "System", JAN_1_2021, EVT_SYSTEM, 1),
            device_name: "System".into(),
            start: JAN_1_2021,
            end: Some(JAN_1_2021),
            etype: EVT_SYSTEM,
            subtype: 1,
            state: 0,
        });
        // cam1: 2023-07-12 19:00-20:00Z with a 30 s gap at 19:30Z (RTSP transcripts).
        recordings.push(rec("cam1", 1_689_188_400, 1_689_190_200, RecKind::Continuous, "HighRes"));
        recordings.push(rec("cam1", 1_689_190_230, 1_689_192_000, RecKind::Continuous, "HighRes"));

        // AI log: 30 face detections on cam1, alternating pt001 and UNKNOWN, every 15 minutes.
        let ai_log = (0..30)
            .map(|i| {
                let ts = JAN_1_2021 + 8 * 3600 + i * 900;
                let known = i % 2 == 0;
                let mkey = format!("{ts:012}-fx{i:06}");
                AiLogEntry {
                    image_path: format!("face-recognition/log/{mkey}.jpg"),
                    mkey,
                    timestamp: ts,
                    camera: "cam1".into(),
                    person: if known { "pt001".into() } else { "UNKNOWN".into() },
                    known,
                }
            })
            .collect();

        let pt001_images = [("68_1584718836"), ("73_1584718823"), ("74_1584718818")]
            .into_iter()
            .map(|m| FaceImage {
                image_path: format!("face-recognition/employees/pt001/group1/image/{m}.jpg"),
                mkey: m.into(),
                is_local: true,
                option: None,
                bytes: 0,
            })
            .collect();

        let mut model = Model {
            device: DeviceState {
                serial: p.serial.clone(),
                model: p.model,
                firmware_version: p.firmware_version,
                tz_offset_minutes: p.tz_offset_minutes,
                boot_time: p.now,
                created: p.now,
                mgmt_interface: "port1".into(),
                video_disk_capacity_mb: 4_000_000,
                log_disk_capacity_mb: 1475,
                storage: StorageStatus { remote_video_disk_status: 1, ..StorageStatus::default() },
                gen_seed: p.gen_seed,
            },
            global: Global {
                hostname: p.serial,
                port_http: 80,
                port_https: 443,
                port_ssh: 22,
                port_telnet: 23,
                port_frc_central: 8550,
                frc_central_secure: true,
                port_rtsp: 554,
                public_address: String::new(),
                public_https_port: 443,
                public_http_port: 80,
                public_rtsp_port: 554,
                public_ftp_port: 21,
                public_frc_central_port: 8550,
                public_notify_tcp_port: 3010,
            },
            interfaces: vec![
                interface("port1", "192.168.1.99/24", 151, "00:09:0f:00:00:01"),
                interface("port2", "192.168.2.99/24", 7, "00:09:0f:00:00:02"),
            ],
            admin_profiles,
            admins,
            clip_service: ClipService {
                enabled: true,
                password: p.clip_password.clone(),
                camera_group: "all_cameras".into(),
            },
            camera_groups: vec![CameraGroup {
                mkey: "all_cameras".into(),
                cameras: ["cam1", "cam2", "camname", "camera_name"].map(String::from).to_vec(),
            }],
            rtsp_users: vec![
                RtspUser { username: crate::model::SERVICE_USER.into(), password: p.clip_password },
                RtspUser { username: "test".into(), password: "test".into() },
            ],
            video_profiles: vec![
                video("2MP", 6, 0, 30, 3, 0),
                video("HighRes", 8, 3, 30, 3, 0),
                video("high-resolution", 8, 3, 30, 3, 0),
            ],
            schedules: vec![
                Schedule { mkey: "Always".into(), kind: ScheduleKind::Standard, assist_active: false },
                Schedule { mkey: "Away".into(), kind: ScheduleKind::Assistant, assist_active: false },
            ],
            camera_profiles: vec![
                cam_profile("HighQualityContAllDet", "Always", "HighRes"),
                cam_profile("HighResContinuous", "Always", "high-resolution"),
                cam_profile("AwayOnly", "Away", "2MP"),
            ],
            cameras: vec![
                camera("cam1", "HighQualityContAllDet", true),
                camera("cam2", "AwayOnly", false),
                camera("camname", "HighResContinuous", false),
                camera("camera_name", "HighResContinuous", false),
            ],
            recordings,
            events,
            activity: BTreeMap::new(),
            outages: Vec::new(),
            face_users: vec![FaceUser { images: pt001_images, ..FaceUser::new("pt001") }],
            ai_log,
            session_history: Default::default(),
            sessions: Default::default(),
            cfg: Default::default(),
        };
        model.refresh_activity(p.now);
        model
    }
}
