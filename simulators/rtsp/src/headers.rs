//! Typed RTSP header values: `Transport`, `Range`, `Scale`, `Require`, and the npt window
//! arithmetic of FortiRecorder's slider re-centering.

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};

use crate::policy::Policy;
use crate::status::Status;

/// Where RTP goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// UDP unicast to the client's RTP/RTCP ports.
    Udp { client_rtp: u16, client_rtcp: u16 },
    /// `$`-framed on the control connection.
    Interleaved { rtp_channel: u8, rtcp_channel: u8 },
}

/// The transport the server picked from the client's `Transport` header, with the client's own
/// wording kept for the reply (the reply is that text plus the server's parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportChoice {
    pub client_text: String,
    pub delivery: Delivery,
}

fn port_pair(v: &str) -> Option<(u16, u16)> {
    match v.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => {
            let a: u16 = v.trim().parse().ok()?;
            Some((a, a.checked_add(1)?))
        }
    }
}

fn channel_pair(v: &str) -> Option<(u8, u8)> {
    match v.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => {
            let a: u8 = v.trim().parse().ok()?;
            Some((a, a.checked_add(1)?))
        }
    }
}

/// Picks the first alternative of a `Transport` header the policy supports; `461` when none is
/// (multicast, another profile, a transport the device does not offer, no client ports).
pub fn choose_transport(header: &str, policy: &Policy) -> Result<TransportChoice, Status> {
    for alt in header.split(',') {
        let alt = alt.trim();
        let mut parts = alt.split(';').map(str::trim);
        let spec = parts.next().unwrap_or("").to_ascii_uppercase();
        let (tcp, ok_profile) = match spec.as_str() {
            "RTP/AVP" | "RTP/AVP/UDP" => (false, true),
            "RTP/AVP/TCP" => (true, true),
            _ => (false, false),
        };
        if !ok_profile {
            continue;
        }
        let mut multicast = false;
        let mut client_port = None;
        let mut interleaved = None;
        let mut bad = false;
        for p in parts {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            match k.trim().to_ascii_lowercase().as_str() {
                "multicast" => multicast = true,
                "client_port" => match port_pair(v) {
                    Some(pair) => client_port = Some(pair),
                    None => bad = true,
                },
                "interleaved" => match channel_pair(v) {
                    Some(pair) => interleaved = Some(pair),
                    None => bad = true,
                },
                "mode" => {
                    let m = v.trim_matches('"').to_ascii_uppercase();
                    if m != "PLAY" {
                        bad = true;
                    }
                }
                _ => {}
            }
        }
        if multicast || bad {
            continue;
        }
        if tcp {
            if !policy.interleaved {
                continue;
            }
            let (rtp, rtcp) = interleaved.unwrap_or((0, 1));
            let mut text = alt.to_owned();
            if interleaved.is_none() {
                text.push_str(";interleaved=0-1");
            }
            return Ok(TransportChoice {
                client_text: text,
                delivery: Delivery::Interleaved { rtp_channel: rtp, rtcp_channel: rtcp },
            });
        }
        if !policy.udp {
            continue;
        }
        let Some((rtp, rtcp)) = client_port else { continue };
        if rtp == 0 {
            continue;
        }
        return Ok(TransportChoice {
            client_text: alt.to_owned(),
            delivery: Delivery::Udp { client_rtp: rtp, client_rtcp: rtcp },
        });
    }
    Err(Status::UNSUPPORTED_TRANSPORT)
}

/// A start position in npt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NptStart {
    Now,
    Secs(f64),
}

/// A parsed `Range` header.
#[derive(Debug, Clone, PartialEq)]
pub enum RangeSpec {
    /// Normal play time relative to the session's start.
    Npt { start: NptStart, end: Option<f64> },
    /// Absolute time (ms since the epoch, UTC), with the header text for an exact echo.
    Clock { start_ms: i64, end_ms: Option<i64>, text: String },
}

fn parse_npt_time(s: &str) -> Option<NptStart> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("now") {
        return Some(NptStart::Now);
    }
    let secs = if s.contains(':') {
        let mut it = s.split(':');
        let h: f64 = it.next()?.parse().ok()?;
        let m: f64 = it.next()?.parse().ok()?;
        let sec: f64 = it.next()?.parse().ok()?;
        if it.next().is_some() || !(0.0..60.0).contains(&m) || !(0.0..60.0).contains(&sec) {
            return None;
        }
        h * 3600.0 + m * 60.0 + sec
    } else {
        s.parse().ok()?
    };
    (secs.is_finite() && (0.0..1e12).contains(&secs)).then_some(NptStart::Secs(secs))
}

/// `YYYYMMDDThhmmss[.fraction][Z]` (RFC 2326 §3.7) as ms since the epoch.
pub fn parse_clock_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s.strip_suffix('Z').unwrap_or(s);
    let (main, frac) = match s.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (s, None),
    };
    if main.len() != 15 || !main.is_ascii() {
        return None;
    }
    let (date, rest) = main.split_at(8);
    let time = rest.strip_prefix('T')?;
    let d = NaiveDate::parse_from_str(date, "%Y%m%d").ok()?;
    if time.len() != 6 || !time.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m, sec) = (time[0..2].parse().ok()?, time[2..4].parse().ok()?, time[4..6].parse().ok()?);
    let dt: NaiveDateTime = d.and_hms_opt(h, m, sec)?;
    let mut ms = Utc.from_utc_datetime(&dt).timestamp_millis();
    if let Some(f) = frac {
        if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits: String = f.chars().chain(std::iter::repeat('0')).take(3).collect();
        ms += digits.parse::<i64>().ok()?;
    }
    Some(ms)
}

/// `YYYYMMDDThhmmss` (and `.mmm` when not whole seconds) followed by `Z`.
pub fn format_clock_time(ms: i64) -> String {
    let Some(dt) = Utc.timestamp_millis_opt(ms).single() else { return "19700101T000000Z".into() };
    if ms.rem_euclid(1000) == 0 {
        dt.format("%Y%m%dT%H%M%SZ").to_string()
    } else {
        dt.format("%Y%m%dT%H%M%S%.3fZ").to_string()
    }
}

/// Parses a `Range` header value (the `;time=` parameter is ignored).
pub fn parse_range(value: &str) -> Option<RangeSpec> {
    let text = value.trim();
    let spec = text.split(';').next().unwrap_or("").trim();
    let (unit, range) = spec.split_once('=')?;
    let (a, b) = range.split_once('-')?;
    match unit.trim().to_ascii_lowercase().as_str() {
        "npt" => {
            let start = if a.trim().is_empty() { NptStart::Secs(0.0) } else { parse_npt_time(a)? };
            let end = if b.trim().is_empty() {
                None
            } else {
                match parse_npt_time(b)? {
                    NptStart::Secs(s) => Some(s),
                    NptStart::Now => return None,
                }
            };
            Some(RangeSpec::Npt { start, end })
        }
        "clock" => {
            let start_ms = parse_clock_time(a)?;
            let end_ms = if b.trim().is_empty() { None } else { Some(parse_clock_time(b)?) };
            if end_ms.is_some_and(|e| e <= start_ms) {
                return None;
            }
            Some(RangeSpec::Clock { start_ms, end_ms, text: text.to_owned() })
        }
        _ => None,
    }
}

/// A `Scale` value the server plays at: positive and at most `max`.
pub fn parse_scale(value: &str, max: f64) -> Result<f64, Status> {
    let s: f64 = value.trim().parse().map_err(|_| Status::BAD_REQUEST)?;
    if !s.is_finite() || s <= 0.0 || s > max {
        return Err(Status::OPTION_NOT_SUPPORTED);
    }
    Ok(s)
}

/// The option tags of `Require` that the server does not support (it knows `onvif-replay`).
pub fn unsupported_requirements(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("onvif-replay"))
        .map(str::to_owned)
        .collect()
}

/// FortiRecorder's npt window (spec §2.3.5). `origin` is the absolute time of npt 0 (`None` before
/// the first PLAY with npt). Returns the target time, the new origin and the reply's start `P`.
pub fn recenter(
    origin: Option<i64>,
    start_abs_ms: i64,
    x_secs: f64,
    now_ms: i64,
    window_s: i64,
) -> (i64, i64, i64) {
    let x_ms = (x_secs * 1000.0).round() as i64;
    let target = origin.unwrap_or(start_abs_ms).saturating_add(x_ms).min(now_ms);
    let half = window_s * 500;
    let window_end = now_ms.min(target.saturating_add(half));
    let new_origin = window_end - window_s * 1000;
    let p = (target - new_origin).div_euclid(1000);
    (target, new_origin, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_udp_and_tcp_are_chosen_and_multicast_refused() {
        let p = Policy::standard();
        let t = choose_transport("RTP/AVP;unicast;client_port=8382-8383", &p).unwrap();
        assert_eq!(t.delivery, Delivery::Udp { client_rtp: 8382, client_rtcp: 8383 });
        assert_eq!(t.client_text, "RTP/AVP;unicast;client_port=8382-8383");
        let t = choose_transport("RTP/AVP/TCP;unicast;interleaved=2-3", &p).unwrap();
        assert_eq!(t.delivery, Delivery::Interleaved { rtp_channel: 2, rtcp_channel: 3 });
        assert_eq!(choose_transport("RTP/AVP;multicast", &p), Err(Status::UNSUPPORTED_TRANSPORT));
        assert_eq!(choose_transport("RAW/RAW/UDP;unicast", &p), Err(Status::UNSUPPORTED_TRANSPORT));
        assert_eq!(choose_transport("RTP/AVP;unicast", &p), Err(Status::UNSUPPORTED_TRANSPORT));
        let t = choose_transport("RTP/AVP;multicast, RTP/AVP/TCP;unicast", &p).unwrap();
        assert_eq!(t.client_text, "RTP/AVP/TCP;unicast;interleaved=0-1");
        let mut no_tcp = Policy::standard();
        no_tcp.interleaved = false;
        assert_eq!(
            choose_transport("RTP/AVP/TCP;interleaved=0-1", &no_tcp),
            Err(Status::UNSUPPORTED_TRANSPORT)
        );
    }

    #[test]
    fn range_npt_and_clock_forms_parse() {
        assert_eq!(parse_range("npt=0.000-"), Some(RangeSpec::Npt { start: NptStart::Secs(0.0), end: None }));
        assert_eq!(
            parse_range("npt=2818.440-"),
            Some(RangeSpec::Npt { start: NptStart::Secs(2818.44), end: None })
        );
        assert_eq!(parse_range("npt=now-"), Some(RangeSpec::Npt { start: NptStart::Now, end: None }));
        assert_eq!(
            parse_range("npt=0:01:02.5-70"),
            Some(RangeSpec::Npt { start: NptStart::Secs(62.5), end: Some(70.0) })
        );
        assert_eq!(
            parse_range("clock=20230712T191144-"),
            Some(RangeSpec::Clock {
                start_ms: 1_689_189_104_000,
                end_ms: None,
                text: "clock=20230712T191144-".into()
            })
        );
        let RangeSpec::Clock { start_ms, end_ms, .. } =
            parse_range("clock=20230712T191144.25Z-20230712T191154Z;time=x").unwrap()
        else {
            panic!()
        };
        assert_eq!((start_ms, end_ms), (1_689_189_104_250, Some(1_689_189_114_000)));
        for bad in
            ["npt=abc-", "smpte=0-", "clock=2023-", "clock=20230712T191144-20230712T191100", "npt", "npt=-1-"]
        {
            assert_eq!(parse_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn clock_time_round_trips() {
        assert_eq!(format_clock_time(1_689_189_104_000), "20230712T191144Z");
        assert_eq!(parse_clock_time(&format_clock_time(1_689_189_104_123)), Some(1_689_189_104_123));
    }

    #[test]
    fn recenter_reproduces_the_documented_values() {
        let t1 = 1_700_000_000_000;
        // First PLAY npt=0 with start = now - 60 s ⇒ 3540.
        let (target, origin, p) = recenter(None, t1 - 60_000, 0.0, t1, 3600);
        assert_eq!((target, p), (t1 - 60_000, 3540));
        // Seek npt=2818.44 about 6.44 s later ⇒ 2812.
        let t2 = t1 + 6_440;
        let (_, _, p2) = recenter(Some(origin), 0, 2818.44, t2, 3600);
        assert_eq!(p2, 2812);
        // Older than now - 1800 ⇒ 1800.
        let (_, _, p3) = recenter(None, t1 - 7_200_000, 0.0, t1, 3600);
        assert_eq!(p3, 1800);
    }

    #[test]
    fn scale_and_require_are_checked() {
        assert_eq!(parse_scale("2.0", 16.0), Ok(2.0));
        assert_eq!(parse_scale("-1", 16.0), Err(Status::OPTION_NOT_SUPPORTED));
        assert_eq!(parse_scale("x", 16.0), Err(Status::BAD_REQUEST));
        assert!(unsupported_requirements("onvif-replay").is_empty());
        assert_eq!(unsupported_requirements("onvif-replay, funky"), vec!["funky".to_owned()]);
    }
}
