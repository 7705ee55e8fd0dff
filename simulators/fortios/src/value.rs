//! Attribute values: checking and normalising one input value against its type (spec §2.5).
//!
//! Stored forms: strings as JSON strings, integers as JSON numbers, options as their canonical
//! word, multi-options space-joined, IPv4 subnets as `a.b.c.d m.m.m.m`, child tables as arrays.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::{json, Value};

use crate::schema::FieldType;

pub const NIL_UUID: &str = "00000000-0000-0000-0000-000000000000";

/// Prefix of secrets read back from the device.
pub const ENC_PREFIX: &str = "ENC ";

/// Check and normalise a scalar value. Child tables are handled by the engine.
pub fn coerce(ty: &FieldType, v: &Value) -> Result<Value, String> {
    match ty {
        FieldType::String { size, .. } => {
            let s = scalar_text(v)?;
            if s.chars().count() > *size {
                return Err(format!("string longer than {size} characters"));
            }
            Ok(json!(s))
        }
        FieldType::Password { size } => {
            let s = scalar_text(v)?;
            let plain = decode_secret(&s).unwrap_or(s);
            if plain.chars().count() > *size {
                return Err(format!("password longer than {size} characters"));
            }
            Ok(json!(plain))
        }
        FieldType::Integer { min, max } => {
            let n = match v {
                Value::Number(n) => n.as_i64().ok_or("not an integer")?,
                Value::String(s) => {
                    s.trim().parse::<i64>().map_err(|_| format!("{s:?} is not an integer"))?
                }
                _ => return Err("expected an integer".into()),
            };
            if n < *min || n > *max {
                return Err(format!("{n} is outside {min}-{max}"));
            }
            Ok(json!(n))
        }
        FieldType::Option(opts) => {
            let s = scalar_text(v)?;
            opts.iter()
                .find(|o| o.eq_ignore_ascii_case(s.trim()))
                .map(|o| json!(o))
                .ok_or_else(|| format!("{s:?} is not one of {}", opts.join(", ")))
        }
        FieldType::Multi(opts) => {
            let words: Vec<String> = match v {
                Value::Array(items) => {
                    items.iter().map(scalar_text).collect::<Result<Vec<_>, _>>()?.into_iter().collect()
                }
                other => scalar_text(other)?.split_whitespace().map(str::to_string).collect(),
            };
            let mut out: Vec<&str> = Vec::new();
            for w in &words {
                let o = opts
                    .iter()
                    .find(|o| o.eq_ignore_ascii_case(w))
                    .ok_or_else(|| format!("{w:?} is not one of {}", opts.join(", ")))?;
                if !out.contains(&o.as_str()) {
                    out.push(o);
                }
            }
            Ok(json!(out.join(" ")))
        }
        FieldType::Ipv4Classnet => classnet(&scalar_text(v)?, true, true).map(Value::String),
        FieldType::Ipv4ClassnetAny => classnet(&scalar_text(v)?, false, false).map(Value::String),
        FieldType::Ipv4ClassnetHost => classnet(&scalar_text(v)?, true, false).map(Value::String),
        FieldType::Ipv4Address => {
            let s = scalar_text(v)?;
            ipv4(s.trim()).map(|a| json!(a.to_string()))
        }
        FieldType::Ipv4Netmask => {
            let s = scalar_text(v)?;
            let m = ipv4(s.trim())?;
            mask_len(m).ok_or_else(|| format!("{s:?} is not a contiguous netmask"))?;
            Ok(json!(m.to_string()))
        }
        FieldType::Ipv6Prefix => {
            let s = scalar_text(v)?;
            let (addr, len) = s.trim().split_once('/').unwrap_or((s.trim(), "128"));
            let a: Ipv6Addr = addr.parse().map_err(|_| format!("{s:?} is not an IPv6 prefix"))?;
            let l: u8 = len
                .parse()
                .ok()
                .filter(|l| *l <= 128)
                .ok_or_else(|| format!("bad prefix length in {s:?}"))?;
            Ok(json!(format!("{a}/{l}")))
        }
        FieldType::Ipv6Address => {
            let s = scalar_text(v)?;
            let a: Ipv6Addr = s.trim().parse().map_err(|_| format!("{s:?} is not an IPv6 address"))?;
            Ok(json!(a.to_string()))
        }
        FieldType::MacAddress => {
            let s = scalar_text(v)?;
            let parts: Vec<&str> = s.trim().split([':', '-']).collect();
            if parts.len() != 6 || parts.iter().any(|p| p.len() != 2 || u8::from_str_radix(p, 16).is_err()) {
                return Err(format!("{s:?} is not a MAC address"));
            }
            Ok(json!(parts.join(":").to_ascii_lowercase()))
        }
        FieldType::Uuid => {
            let s = scalar_text(v)?;
            let ok = s.len() == 36
                && s.char_indices().all(|(i, c)| {
                    if [8, 13, 18, 23].contains(&i) {
                        c == '-'
                    } else {
                        c.is_ascii_hexdigit()
                    }
                });
            if ok {
                Ok(json!(s.to_ascii_lowercase()))
            } else {
                Err(format!("{s:?} is not a UUID"))
            }
        }
        FieldType::Time => {
            let s = scalar_text(v)?;
            hhmm(s.trim()).map(Value::String).ok_or_else(|| format!("{s:?} is not hh:mm"))
        }
        FieldType::Datetime => {
            let s = scalar_text(v)?;
            datetime(s.trim()).ok_or_else(|| format!("{s:?} is not hh:mm yyyy/mm/dd")).map(Value::String)
        }
        FieldType::Table(_) => Err("a table value must be an array of objects".into()),
    }
}

/// Text of a scalar JSON value (numbers accepted for string fields, as the device does).
fn scalar_text(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(_) => Err("a boolean is not accepted here".into()),
        Value::Null => Err("null is not accepted here".into()),
        Value::Array(_) | Value::Object(_) => Err("expected a single value".into()),
    }
}

fn ipv4(s: &str) -> Result<Ipv4Addr, String> {
    s.parse::<Ipv4Addr>().map_err(|_| format!("{s:?} is not an IPv4 address"))
}

fn mask_len(m: Ipv4Addr) -> Option<u32> {
    let bits = u32::from(m);
    let len = bits.leading_ones();
    (bits.checked_shl(len).unwrap_or(0) == 0).then_some(len)
}

/// `a.b.c.d m.m.m.m` or `a.b.c.d/len` → `a.b.c.d m.m.m.m`.
fn classnet(s: &str, contiguous: bool, clear_host: bool) -> Result<String, String> {
    let s = s.trim();
    let (addr, mask) = if let Some((a, l)) = s.split_once('/') {
        let l: u32 =
            l.trim().parse().ok().filter(|l| *l <= 32).ok_or_else(|| format!("bad prefix in {s:?}"))?;
        let m = if l == 0 { 0 } else { u32::MAX << (32 - l) };
        (ipv4(a.trim())?, Ipv4Addr::from(m))
    } else {
        let mut parts = s.split_whitespace();
        let a = parts.next().ok_or("empty subnet")?;
        let m = parts.next().unwrap_or("255.255.255.255");
        if parts.next().is_some() {
            return Err(format!("{s:?} is not `address mask`"));
        }
        (ipv4(a)?, ipv4(m)?)
    };
    if contiguous && mask_len(mask).is_none() {
        return Err(format!("{mask} is not a contiguous netmask"));
    }
    let addr = if clear_host { Ipv4Addr::from(u32::from(addr) & u32::from(mask)) } else { addr };
    Ok(format!("{addr} {mask}"))
}

fn hhmm(s: &str) -> Option<String> {
    let (h, m) = s.split_once(':')?;
    let h: u32 = h.parse().ok().filter(|h| *h < 24)?;
    let m: u32 = m.parse().ok().filter(|m| *m < 60)?;
    Some(format!("{h:02}:{m:02}"))
}

fn datetime(s: &str) -> Option<String> {
    let (t, d) = s.split_once(' ')?;
    let t = hhmm(t)?;
    let mut it = d.trim().split('/');
    let y: u32 = it.next()?.parse().ok().filter(|y| (1970..=2100).contains(y))?;
    let mo: u32 = it.next()?.parse().ok().filter(|m| (1..=12).contains(m))?;
    let da: u32 = it.next()?.parse().ok().filter(|d| (1..=31).contains(d))?;
    if it.next().is_some() {
        return None;
    }
    Some(format!("{t} {y:04}/{mo:02}/{da:02}"))
}

/// `ENC <hex>` as read back for a stored secret (empty stays empty).
pub fn encode_secret(plain: &str) -> String {
    if plain.is_empty() {
        return String::new();
    }
    let hex: String = plain.bytes().map(|b| format!("{b:02x}")).collect();
    format!("{ENC_PREFIX}{hex}")
}

/// Inverse of [`encode_secret`]; `None` when `s` is not such a value.
pub fn decode_secret(s: &str) -> Option<String> {
    let hex = s.strip_prefix(ENC_PREFIX)?;
    if hex.len() % 2 != 0 || hex.is_empty() {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect();
    String::from_utf8(bytes?).ok()
}

/// Deterministic UUID (v4 layout) from a 64-bit seed and a counter.
pub fn make_uuid(seed: u64, counter: u64) -> String {
    fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    let a = mix(seed ^ counter.rotate_left(17));
    let b = mix(a ^ counter);
    let hi = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000;
    let lo = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnet_accepts_prefix_length_and_clears_host_bits() {
        let t = FieldType::Ipv4Classnet;
        assert_eq!(coerce(&t, &json!("1.1.1.0/24")).unwrap(), "1.1.1.0 255.255.255.0");
        assert_eq!(coerce(&t, &json!("1.1.1.7 255.255.255.0")).unwrap(), "1.1.1.0 255.255.255.0");
        assert_eq!(
            coerce(&FieldType::Ipv4ClassnetHost, &json!("1.1.1.7/24")).unwrap(),
            "1.1.1.7 255.255.255.0"
        );
        assert!(coerce(&t, &json!("1.1.1.0 255.0.255.0")).is_err());
        assert!(coerce(&t, &json!("300.1.1.0/24")).is_err());
        assert!(coerce(&t, &json!(true)).is_err());
    }

    #[test]
    fn integers_accept_numeric_strings_and_enforce_range() {
        let t = FieldType::Integer { min: 1, max: 10 };
        assert_eq!(coerce(&t, &json!("3")).unwrap(), 3);
        assert!(coerce(&t, &json!(11)).is_err());
        assert!(coerce(&t, &json!("x")).is_err());
        assert!(coerce(&t, &json!(1.5)).is_err());
    }

    #[test]
    fn options_are_case_insensitive_and_multi_dedups() {
        let t = FieldType::Option(vec!["enable".into(), "disable".into()]);
        assert_eq!(coerce(&t, &json!("ENABLE")).unwrap(), "enable");
        assert!(coerce(&t, &json!("on")).is_err());
        let m = FieldType::Multi(vec!["ping".into(), "https".into(), "ssh".into()]);
        assert_eq!(coerce(&m, &json!("ping  ssh ping")).unwrap(), "ping ssh");
        assert_eq!(coerce(&m, &json!(["https", "ping"])).unwrap(), "https ping");
    }

    #[test]
    fn strings_enforce_their_size() {
        let t = FieldType::String { size: 3, var: false };
        assert!(coerce(&t, &json!("abcd")).is_err());
        assert_eq!(coerce(&t, &json!(12)).unwrap(), "12");
    }

    #[test]
    fn secrets_round_trip_through_enc_form() {
        assert_eq!(decode_secret(&encode_secret("pa ss")).as_deref(), Some("pa ss"));
        assert_eq!(encode_secret(""), "");
        assert_eq!(decode_secret("ENC zz"), None);
        let p = FieldType::Password { size: 10 };
        assert_eq!(coerce(&p, &json!(encode_secret("ro"))).unwrap(), "ro");
    }

    #[test]
    fn uuids_are_deterministic_and_well_formed() {
        let a = make_uuid(1, 1);
        assert_eq!(a, make_uuid(1, 1));
        assert_ne!(a, make_uuid(1, 2));
        assert!(coerce(&FieldType::Uuid, &json!(a)).is_ok());
    }

    #[test]
    fn datetimes_and_times_are_normalised() {
        assert_eq!(coerce(&FieldType::Datetime, &json!("0:00 2017/1/1")).unwrap(), "00:00 2017/01/01");
        assert!(coerce(&FieldType::Datetime, &json!("00:00 2017-01-01")).is_err());
        assert_eq!(coerce(&FieldType::Time, &json!("7:5")).unwrap(), "07:05");
    }
}
