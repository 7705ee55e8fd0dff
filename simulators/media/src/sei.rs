//! The in-band device-clock timestamp: an SEI `user_data_unregistered` message (payload type 5)
//! with a fixed devsim UUID followed by the device time in milliseconds since the Unix epoch as a
//! big-endian `i64`. H.264 carries it in an SEI NAL unit (type 6), H.265 in a prefix SEI (type 39).
//! It is added by our packetiser to already-encoded access units, without re-encoding.

use bytes::Bytes;

use crate::au::{AccessUnit, Codec};

/// The UUID that marks a devsim timestamp SEI (`d5e751a0-0c1e-4d7e-9a55-646576736d21`; the last six
/// bytes spell `devsm!`).
pub const DEVSIM_SEI_UUID: [u8; 16] =
    [0xd5, 0xe7, 0x51, 0xa0, 0x0c, 0x1e, 0x4d, 0x7e, 0x9a, 0x55, 0x64, 0x65, 0x76, 0x73, 0x6d, 0x21];

const PAYLOAD_USER_DATA_UNREGISTERED: u8 = 5;

/// Build the SEI NAL unit (without start code) carrying `device_time_ms`.
pub fn timestamp_sei_nal(codec: Codec, device_time_ms: i64) -> Bytes {
    let mut rbsp = Vec::with_capacity(28);
    rbsp.push(PAYLOAD_USER_DATA_UNREGISTERED);
    rbsp.push(24); // payload size: UUID + i64
    rbsp.extend_from_slice(&DEVSIM_SEI_UUID);
    rbsp.extend_from_slice(&device_time_ms.to_be_bytes());
    rbsp.push(0x80); // rbsp_trailing_bits
    let mut nal = match codec {
        Codec::H264 => vec![0x06],
        // forbidden 0, type 39 (PREFIX_SEI), layer 0, temporal id + 1 = 1
        Codec::H265 => vec![39 << 1, 0x01],
    };
    nal.extend_from_slice(&add_emulation_prevention(&rbsp));
    Bytes::from(nal)
}

/// Insert the timestamp SEI into `au` right before its first picture (VCL) NAL unit, after any
/// access-unit delimiter, parameter sets and encoder SEI. An existing devsim timestamp SEI is
/// replaced, so calling this twice leaves one.
pub fn insert_timestamp_sei(codec: Codec, au: &mut AccessUnit, device_time_ms: i64) {
    au.nals.retain(|n| sei_timestamp_in_nal(n).is_none());
    let at = au.nals.iter().position(|n| is_vcl(codec, n)).unwrap_or(au.nals.len());
    au.nals.insert(at, timestamp_sei_nal(codec, device_time_ms));
}

/// Find the devsim timestamp in an access unit's NAL units (H.264 or H.265; other SEI messages,
/// such as the encoder's own, are skipped).
pub fn read_timestamp_sei<B: AsRef<[u8]>>(nals: &[B]) -> Option<i64> {
    nals.iter().find_map(|n| sei_timestamp_in_nal(n.as_ref()))
}

/// True for a picture (VCL) NAL unit.
pub fn is_vcl(codec: Codec, nal: &[u8]) -> bool {
    let Some(&b0) = nal.first() else { return false };
    match codec {
        Codec::H264 => matches!(b0 & 0x1f, 1..=5),
        Codec::H265 => (b0 >> 1) & 0x3f < 32,
    }
}

fn sei_timestamp_in_nal(nal: &[u8]) -> Option<i64> {
    let b0 = *nal.first()?;
    if b0 & 0x80 != 0 {
        return None;
    }
    let body = if b0 & 0x1f == 6 {
        &nal[1..]
    } else if matches!((b0 >> 1) & 0x3f, 39 | 40) && nal.len() >= 2 {
        &nal[2..]
    } else {
        return None;
    };
    let rbsp = remove_emulation_prevention(body);
    let mut i = 0;
    // sei_message()* until rbsp_trailing_bits
    while i < rbsp.len() && !(rbsp[i] == 0x80 && i + 1 == rbsp.len()) {
        let mut ptype = 0usize;
        while *rbsp.get(i)? == 0xff {
            ptype += 255;
            i += 1;
        }
        ptype += *rbsp.get(i)? as usize;
        i += 1;
        let mut size = 0usize;
        while *rbsp.get(i)? == 0xff {
            size += 255;
            i += 1;
        }
        size += *rbsp.get(i)? as usize;
        i += 1;
        let payload = rbsp.get(i..i.checked_add(size)?)?;
        if ptype == PAYLOAD_USER_DATA_UNREGISTERED as usize && size >= 24 && payload[..16] == DEVSIM_SEI_UUID
        {
            let mut ms = [0u8; 8];
            ms.copy_from_slice(&payload[16..24]);
            return Some(i64::from_be_bytes(ms));
        }
        i += size;
    }
    None
}

/// Insert emulation-prevention bytes (`00 00 0x` with x <= 3 becomes `00 00 03 0x`).
pub fn add_emulation_prevention(rbsp: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rbsp.len() + 4);
    let mut zeros = 0;
    for &b in rbsp {
        if zeros >= 2 && b <= 3 {
            out.push(3);
            zeros = 0;
        }
        out.push(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
    out
}

/// Remove emulation-prevention bytes.
pub fn remove_emulation_prevention(ebsp: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ebsp.len());
    let mut zeros = 0;
    for &b in ebsp {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        out.push(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn au(codec: Codec) -> AccessUnit {
        let nals = match codec {
            Codec::H264 => vec![
                Bytes::from_static(&[0x67, 0x42, 0x00, 0x1e]),
                Bytes::from_static(&[0x68, 0xce]),
                Bytes::from_static(&[0x65, 0x88, 0x84]),
            ],
            Codec::H265 => vec![
                Bytes::from_static(&[0x40, 0x01, 0x0c]),
                Bytes::from_static(&[0x42, 0x01, 0x01]),
                Bytes::from_static(&[0x44, 0x01, 0xc1]),
                Bytes::from_static(&[0x26, 0x01, 0xaf]),
            ],
        };
        AccessUnit { pts_90k: 0, device_time_ms: 0, keyframe: true, nals }
    }

    #[test]
    fn h264_sei_round_trips_and_sits_before_the_slice() {
        let mut a = au(Codec::H264);
        insert_timestamp_sei(Codec::H264, &mut a, 1_700_000_000_123);
        assert_eq!(a.nals.len(), 4);
        assert_eq!(a.nals[2][0], 0x06);
        assert_eq!(read_timestamp_sei(&a.nals), Some(1_700_000_000_123));
    }

    #[test]
    fn h265_sei_round_trips_as_prefix_sei() {
        let mut a = au(Codec::H265);
        insert_timestamp_sei(Codec::H265, &mut a, 42);
        assert_eq!((a.nals[3][0] >> 1) & 0x3f, 39);
        assert_eq!(read_timestamp_sei(&a.nals), Some(42));
    }

    #[test]
    fn inserting_twice_keeps_one_sei_with_the_last_time() {
        let mut a = au(Codec::H264);
        insert_timestamp_sei(Codec::H264, &mut a, 1);
        insert_timestamp_sei(Codec::H264, &mut a, 2);
        assert_eq!(a.nals.iter().filter(|n| n[0] == 0x06).count(), 1);
        assert_eq!(read_timestamp_sei(&a.nals), Some(2));
    }

    #[test]
    fn zero_bytes_in_the_time_get_emulation_prevention() {
        // 0 ms has seven zero bytes in a row; the NAL must not contain 00 00 00..03 unescaped.
        let nal = timestamp_sei_nal(Codec::H264, 0);
        assert!(!nal.windows(3).any(|w| w[0] == 0 && w[1] == 0 && w[2] <= 2));
        assert_eq!(read_timestamp_sei(&[nal]), Some(0));
        let neg = timestamp_sei_nal(Codec::H265, -5);
        assert_eq!(read_timestamp_sei(&[neg]), Some(-5));
    }

    #[test]
    fn foreign_sei_and_garbage_yield_none() {
        // x264's own user data SEI with another UUID.
        let mut other = vec![0x06, 0x05, 0x11];
        other.extend_from_slice(&[0xdc; 16]);
        other.push(b'x');
        other.push(0x80);
        assert_eq!(read_timestamp_sei(&[other]), None);
        assert_eq!(read_timestamp_sei(&[vec![0x06, 0xff, 0xff]]), None);
        assert_eq!(read_timestamp_sei(&[vec![0x06, 0x05, 0x40, 0x01]]), None);
        assert_eq!(read_timestamp_sei::<Vec<u8>>(&[vec![]]), None);
    }

    #[test]
    fn emulation_prevention_round_trips() {
        let raw = [0u8, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 7];
        assert_eq!(remove_emulation_prevention(&add_emulation_prevention(&raw)), raw);
    }
}
