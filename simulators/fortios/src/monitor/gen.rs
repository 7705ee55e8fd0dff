//! Deterministic generators: hashing of (seed, labels, time slot), IPv4 arithmetic, civil dates
//! and base64. Everything the simulator invents comes from here, so the same seed, state and
//! time always give the same answer.

use crate::model::Identity;

/// The device seed: a hash of its serial.
pub fn seed_of(id: &Identity) -> u64 {
    id.serial.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hash of a seed, a text label and numbers.
pub fn h(seed: u64, label: &str, nums: &[i64]) -> u64 {
    let mut x = mix(seed);
    for b in label.bytes() {
        x = mix(x ^ u64::from(b));
    }
    for n in nums {
        x = mix(x ^ (*n as u64));
    }
    x
}

/// `h` reduced to `0..n` (0 when `n` is 0).
pub fn below(seed: u64, label: &str, nums: &[i64], n: u64) -> u64 {
    if n == 0 {
        0
    } else {
        h(seed, label, nums) % n
    }
}

/// `h` mapped to `lo..=hi`.
pub fn range(seed: u64, label: &str, nums: &[i64], lo: i64, hi: i64) -> i64 {
    if hi <= lo {
        return lo;
    }
    lo + (h(seed, label, nums) % ((hi - lo + 1) as u64)) as i64
}

/// Parse dotted IPv4.
pub fn ip4(s: &str) -> Option<u32> {
    let mut out = 0u32;
    let mut n = 0;
    for part in s.trim().split('.') {
        let v: u8 = part.parse().ok()?;
        out = (out << 8) | u32::from(v);
        n += 1;
    }
    (n == 4).then_some(out)
}

pub fn ip4_str(v: u32) -> String {
    format!("{}.{}.{}.{}", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255)
}

/// Prefix length of a dotted mask (contiguous masks only).
pub fn mask_len(mask: u32) -> u32 {
    mask.leading_ones()
}

pub fn len_mask(len: u32) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - len.min(32))
    }
}

/// `"a.b.c.d m.m.m.m"` (CMDB form) or `"a.b.c.d/len"` → (address, mask).
pub fn subnet(s: &str) -> Option<(u32, u32)> {
    let s = s.trim();
    if let Some((a, l)) = s.split_once('/') {
        let len: u32 = l.parse().ok()?;
        return (len <= 32).then(|| ip4(a).map(|a| (a, len_mask(len))))?;
    }
    let mut it = s.split_whitespace();
    let a = ip4(it.next()?)?;
    let m = it.next().map_or(Some(u32::MAX), ip4)?;
    Some((a, m))
}

/// A MAC address from a hash.
pub fn mac(x: u64) -> String {
    let b = x.to_be_bytes();
    format!("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", b[2] & 0xfe, b[3], b[4], b[5], b[6], b[7])
}

/// Days since 1970-01-01 → (year, month 1-12, day 1-31). Howard Hinnant's algorithm.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month 1-12, day) → days since 1970-01-01; day may overflow the month (it rolls).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Broken-down UTC time: (year, month 1-12, day, hour, minute, second).
pub fn civil(ts: i64) -> (i64, u32, u32, u32, u32, u32) {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    let s = ts.rem_euclid(86_400);
    (y, m, d, (s / 3600) as u32, ((s / 60) % 60) as u32, (s % 60) as u32)
}

/// `2017-03-31 12:00:05`
pub fn datetime(ts: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil(ts);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn b64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Strict standard base64 (padding optional, no whitespace or other characters: spec §3.4).
pub fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_rejects_garbage() {
        for data in [&b""[..], b"a", b"ab", b"abc", b"config system global\n"] {
            assert_eq!(b64_decode(&b64_encode(data)).as_deref(), Some(data));
        }
        assert_eq!(b64_encode(b"abcd"), "YWJjZA==");
        assert!(b64_decode("not base64!").is_none());
        assert!(b64_decode("YWJj ZA==").is_none());
    }

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(civil(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(datetime(1_490_961_600), "2017-03-31 12:00:00");
        for days in [-1000, 0, 17_256, 40_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn subnets_parse_in_both_forms() {
        assert_eq!(subnet("192.168.1.99 255.255.255.0"), Some((0xc0a8_0163, 0xffff_ff00)));
        assert_eq!(subnet("10.0.0.0/8"), Some((0x0a00_0000, 0xff00_0000)));
        assert_eq!(subnet("10.0.0.0/33"), None);
        assert_eq!(mask_len(0xffff_ff00), 24);
    }
}
