//! The DESCRIBE body, built from the stream's real parameter sets.

use base64::Engine as _;
use devsim_media::{Codec, ParameterSets};

use crate::device::Mode;
use crate::headers::format_clock_time;
use crate::policy::{Policy, SdpLayout};
use crate::rtp::PAYLOAD_TYPE;

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn profile_level_id(ps: &ParameterSets) -> String {
    if ps.sps.len() >= 4 {
        hex::encode(&ps.sps[1..4])
    } else {
        "42001f".to_owned()
    }
}

/// The `a=fmtp` value (without `<pt> `) in the layout's parameter order and separator.
fn fmtp(ps: &ParameterSets, layout: &SdpLayout) -> String {
    match (ps.codec, layout) {
        (Codec::H264, SdpLayout::FortiRecorder) => format!(
            "packetization-mode=1; sprop-parameter-sets={},{}; profile-level-id={}",
            b64(&ps.sps),
            b64(&ps.pps),
            profile_level_id(ps)
        ),
        (Codec::H264, SdpLayout::Standard) => format!(
            "packetization-mode=1;profile-level-id={};sprop-parameter-sets={},{}",
            profile_level_id(ps),
            b64(&ps.sps),
            b64(&ps.pps)
        ),
        (Codec::H265, layout) => {
            let sep = if *layout == SdpLayout::FortiRecorder { "; " } else { ";" };
            let mut parts = Vec::new();
            if let Some(v) = &ps.vps {
                parts.push(format!("sprop-vps={}", b64(v)));
            }
            parts.push(format!("sprop-sps={}", b64(&ps.sps)));
            parts.push(format!("sprop-pps={}", b64(&ps.pps)));
            parts.join(sep)
        }
    }
}

/// The `a=range` value for a mode: `npt=now-` for live, `clock=<first>-[<last>]` for recordings.
fn range_attr(mode: &Mode) -> String {
    match mode {
        Mode::Live => "npt=now-".to_owned(),
        Mode::Playback { recordings, start_ms } => {
            let first = recordings.first().map(|r| r.0).unwrap_or(*start_ms);
            match recordings.last().map(|r| r.1) {
                Some(end) if end < i64::MAX / 2 => {
                    format!("clock={}-{}", format_clock_time(first), format_clock_time(end))
                }
                _ => format!("clock={}-", format_clock_time(first)),
            }
        }
    }
}

/// The SDP text (CRLF line ends) for a stream. `server_ip` goes into `o=` (and `c=` for the
/// standard layout).
pub fn describe(ps: &ParameterSets, mode: &Mode, policy: &Policy, server_ip: &str) -> String {
    let enc = ps.codec.rtp_encoding_name();
    match policy.sdp_layout {
        SdpLayout::FortiRecorder => {
            let mut s = String::new();
            s.push_str("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\nt=0 0\r\n");
            if let Some(tool) = &policy.sdp_tool {
                s.push_str(&format!("a=tool:{tool}\r\n"));
            }
            s.push_str(&format!("m=video 0 RTP/AVP {PAYLOAD_TYPE}\r\n"));
            s.push_str(&format!("a=rtpmap:{PAYLOAD_TYPE} {enc}/90000\r\n"));
            s.push_str(&format!("a=fmtp:{PAYLOAD_TYPE} {}\r\n", fmtp(ps, &policy.sdp_layout)));
            s.push_str(&format!("a=control:{}\r\n", policy.track_control));
            s
        }
        SdpLayout::Standard => {
            use sdp_types::{Attribute, Connection, Media, Origin, Session, Time};
            let attr = |a: &str, v: Option<String>| Attribute { attribute: a.to_owned(), value: v };
            let addrtype = if server_ip.contains(':') { "IP6" } else { "IP4" };
            let mut attributes = Vec::new();
            if let Some(tool) = &policy.sdp_tool {
                attributes.push(attr("tool", Some(tool.clone())));
            }
            attributes.push(attr("type", Some("broadcast".into())));
            attributes.push(attr("control", Some("*".into())));
            attributes.push(attr("range", Some(range_attr(mode))));
            let session = Session {
                origin: Origin {
                    username: None,
                    sess_id: "0".into(),
                    sess_version: 0,
                    nettype: "IN".into(),
                    addrtype: addrtype.into(),
                    unicast_address: server_ip.to_owned(),
                },
                session_name: "devsim".into(),
                session_description: None,
                uri: None,
                emails: vec![],
                phones: vec![],
                connection: Some(Connection {
                    nettype: "IN".into(),
                    addrtype: addrtype.into(),
                    connection_address: if addrtype == "IP6" { "::".into() } else { "0.0.0.0".into() },
                }),
                bandwidths: vec![],
                times: vec![Time { start_time: 0, stop_time: 0, repeats: vec![] }],
                time_zones: vec![],
                key: None,
                attributes,
                medias: vec![Media {
                    media: "video".into(),
                    port: 0,
                    num_ports: None,
                    proto: "RTP/AVP".into(),
                    fmt: PAYLOAD_TYPE.to_string(),
                    media_title: None,
                    connections: vec![],
                    bandwidths: vec![],
                    key: None,
                    attributes: vec![
                        attr("rtpmap", Some(format!("{PAYLOAD_TYPE} {enc}/90000"))),
                        attr("fmtp", Some(format!("{PAYLOAD_TYPE} {}", fmtp(ps, &policy.sdp_layout)))),
                        attr("control", Some(policy.track_control.clone())),
                    ],
                }],
            };
            let mut out = Vec::new();
            // Writing into a Vec cannot fail.
            let _ = session.write(&mut out);
            String::from_utf8_lossy(&out).into_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn doc_ps() -> ParameterSets {
        let d = |s: &str| Bytes::from(base64::engine::general_purpose::STANDARD.decode(s).unwrap());
        ParameterSets {
            codec: Codec::H264,
            vps: None,
            sps: d("Z0IAKOkAoAQncSAA27oAM3+YA2IEJQ=="),
            pps: d("aM4xUg=="),
        }
    }

    #[test]
    fn fortirecorder_layout_is_the_documented_249_bytes() {
        let mode = Mode::Playback { start_ms: 0, recordings: vec![(0, 1)] };
        let s = describe(&doc_ps(), &mode, &Policy::fortirecorder(), "172.20.131.56");
        assert_eq!(
            s,
            "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\nt=0 0\r\na=tool:FortiRecorder\r\nm=video 0 RTP/AVP 96\r\n\
             a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1; \
             sprop-parameter-sets=Z0IAKOkAoAQncSAA27oAM3+YA2IEJQ==,aM4xUg==; profile-level-id=420028\r\n\
             a=control:streamid=0\r\n"
        );
        assert_eq!(s.len(), 249);
    }

    #[test]
    fn standard_layout_parses_back_with_range_and_control() {
        let mode = Mode::Playback { start_ms: 0, recordings: vec![(1_689_189_104_000, 1_689_189_164_000)] };
        let s = describe(&doc_ps(), &mode, &Policy::standard(), "127.0.0.1");
        let parsed = sdp_types::Session::parse(s.as_bytes()).unwrap();
        assert_eq!(parsed.medias.len(), 1);
        assert_eq!(
            parsed.get_first_attribute_value("range").unwrap(),
            Some("clock=20230712T191144Z-20230712T191244Z")
        );
        let m = &parsed.medias[0];
        assert_eq!(m.get_first_attribute_value("control").unwrap(), Some("trackID=0"));
        assert!(m.get_first_attribute_value("fmtp").unwrap().unwrap().contains("profile-level-id=420028"));
    }

    #[test]
    fn h265_fmtp_lists_vps_sps_pps() {
        let ps = ParameterSets {
            codec: Codec::H265,
            vps: Some(Bytes::from_static(&[0x40, 1])),
            sps: Bytes::from_static(&[0x42, 1]),
            pps: Bytes::from_static(&[0x44, 1]),
        };
        let s = describe(&ps, &Mode::Live, &Policy::standard(), "127.0.0.1");
        assert!(s.contains("a=rtpmap:96 H265/90000"));
        assert!(s.contains("a=fmtp:96 sprop-vps=QAE=;sprop-sps=QgE=;sprop-pps=RAE="));
        assert!(s.contains("a=range:npt=now-"));
    }
}
