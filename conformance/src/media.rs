//! Binary body checks: JPEG (markers up to the scan, end marker), MP4 (top-level box walk, `ftyp`
//! first, `moov` present, duration from `mvhd`) and Matroska (EBML header, DocType, Segment,
//! duration from Segment/Info). These check structure only; decoding frames and comparing the
//! burned-in timecode is for the media work (see the issue on RTSP and clips).

/// What a file check found.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaInfo {
    /// Seconds, when the container states it.
    pub duration: Option<f64>,
}

pub fn check_jpeg(b: &[u8]) -> Result<MediaInfo, String> {
    if b.len() < 4 || b[0] != 0xFF || b[1] != 0xD8 {
        return Err(format!("not a JPEG: starts with {}, expected FF D8", hex_head(b)));
    }
    let end = b.len();
    if b[end - 2] != 0xFF || b[end - 1] != 0xD9 {
        return Err(format!("JPEG is truncated: ends with {}, expected FF D9", hex_tail(b)));
    }
    // Walk marker segments up to the start of scan.
    let mut i = 2;
    loop {
        if i + 4 > end || b[i] != 0xFF {
            return Err(format!("JPEG marker expected at byte {i}"));
        }
        let marker = b[i + 1];
        if marker == 0xDA {
            return Ok(MediaInfo { duration: None });
        }
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        if len < 2 || i + 2 + len > end {
            return Err(format!("JPEG segment FF{marker:02X} at byte {i} overruns the file"));
        }
        i += 2 + len;
    }
}

fn hex_head(b: &[u8]) -> String {
    b.iter().take(4).map(|x| format!("{x:02X}")).collect::<Vec<_>>().join(" ")
}

fn hex_tail(b: &[u8]) -> String {
    b.iter().rev().take(2).rev().map(|x| format!("{x:02X}")).collect::<Vec<_>>().join(" ")
}

/// ISO-BMFF boxes in `b[from..to]`: (type, payload range).
fn boxes(b: &[u8], from: usize, to: usize) -> Result<Vec<([u8; 4], usize, usize)>, String> {
    let mut out = Vec::new();
    let mut i = from;
    while i < to {
        if i + 8 > to {
            return Err(format!("MP4 box header at byte {i} is truncated"));
        }
        let size32 = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as u64;
        let kind = [b[i + 4], b[i + 5], b[i + 6], b[i + 7]];
        let (header, size) = match size32 {
            0 => (8, (to - i) as u64),
            1 => {
                if i + 16 > to {
                    return Err(format!("MP4 large box header at byte {i} is truncated"));
                }
                let mut s = [0u8; 8];
                s.copy_from_slice(&b[i + 8..i + 16]);
                (16, u64::from_be_bytes(s))
            }
            s => (8, s),
        };
        if size < header as u64 || i as u64 + size > to as u64 {
            return Err(format!(
                "MP4 box {:?} at byte {i} claims {size} bytes, past the end",
                String::from_utf8_lossy(&kind)
            ));
        }
        out.push((kind, i + header, i + size as usize));
        i += size as usize;
    }
    Ok(out)
}

pub fn check_mp4(b: &[u8]) -> Result<MediaInfo, String> {
    if b.len() < 8 || &b[4..8] != b"ftyp" {
        let kind = b.get(4..8).map(String::from_utf8_lossy).unwrap_or_default();
        return Err(format!("not an MP4: first box is {kind:?}, expected ftyp"));
    }
    let top = boxes(b, 0, b.len())?;
    let (_, ms, me) = top.iter().find(|(k, _, _)| k == b"moov").ok_or("MP4 has no moov box")?;
    let inner = boxes(b, *ms, *me)?;
    let (_, hs, he) = inner.iter().find(|(k, _, _)| k == b"mvhd").ok_or("MP4 moov has no mvhd box")?;
    let h = &b[*hs..*he];
    let (timescale, duration) = match h.first() {
        Some(0) if h.len() >= 20 => (
            u32::from_be_bytes([h[12], h[13], h[14], h[15]]) as f64,
            u32::from_be_bytes([h[16], h[17], h[18], h[19]]) as f64,
        ),
        Some(1) if h.len() >= 32 => {
            let mut d = [0u8; 8];
            d.copy_from_slice(&h[24..32]);
            (u32::from_be_bytes([h[20], h[21], h[22], h[23]]) as f64, u64::from_be_bytes(d) as f64)
        }
        _ => return Err("MP4 mvhd box is truncated or of an unknown version".into()),
    };
    if timescale == 0.0 {
        return Err("MP4 mvhd timescale is 0".into());
    }
    Ok(MediaInfo { duration: Some(duration / timescale) })
}

/// An EBML variable-length integer at `b[i..]`: (value, length). `mask` strips the length marker.
fn vint(b: &[u8], i: usize, mask: bool) -> Option<(u64, usize)> {
    let first = *b.get(i)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 || i + len > b.len() {
        return None;
    }
    let mut v = if mask { (first as u64) & (0xFF >> len) } else { first as u64 };
    for k in 1..len {
        v = (v << 8) | b[i + k] as u64;
    }
    Some((v, len))
}

/// EBML elements in `b[from..to]`: (id, payload range). Unknown-size elements run to `to`.
fn elements(b: &[u8], from: usize, to: usize) -> Result<Vec<(u64, usize, usize)>, String> {
    let mut out = Vec::new();
    let mut i = from;
    while i < to {
        let (id, il) = vint(b, i, false).ok_or_else(|| format!("bad EBML id at byte {i}"))?;
        let (size, sl) = vint(b, i + il, true).ok_or_else(|| format!("bad EBML size at byte {}", i + il))?;
        let start = i + il + sl;
        let unknown = size == (1u64 << (7 * sl)) - 1;
        let end = if unknown { to } else { start.saturating_add(size as usize) };
        if end > to {
            return Err(format!("EBML element {id:X} at byte {i} overruns the file"));
        }
        out.push((id, start, end));
        i = end;
    }
    Ok(out)
}

pub fn check_mkv(b: &[u8]) -> Result<MediaInfo, String> {
    if !b.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Err(format!("not a Matroska file: starts with {}, expected 1A 45 DF A3", hex_head(b)));
    }
    let top = elements(b, 0, b.len())?;
    let (_, hs, he) = top[0];
    let doctype = elements(b, hs, he)?
        .into_iter()
        .find(|(id, _, _)| *id == 0x4282)
        .map(|(_, s, e)| String::from_utf8_lossy(&b[s..e]).trim_end_matches('\0').to_owned());
    match doctype.as_deref() {
        Some("matroska") | Some("webm") => {}
        other => return Err(format!("EBML DocType is {other:?}, expected \"matroska\" or \"webm\"")),
    }
    let (_, ss, se) =
        top.iter().find(|(id, _, _)| *id == 0x1853_8067).copied().ok_or("Matroska file has no Segment")?;
    let seg = elements(b, ss, se)?;
    let mut duration = None;
    if let Some((_, is, ie)) = seg.iter().find(|(id, _, _)| *id == 0x1549_A966) {
        let info = elements(b, *is, *ie)?;
        let mut scale = 1_000_000f64;
        for (id, s, e) in &info {
            if *id == 0x2AD7B1 {
                scale = b[*s..*e].iter().fold(0u64, |a, x| (a << 8) | *x as u64) as f64;
            }
        }
        for (id, s, e) in &info {
            if *id == 0x4489 {
                let d = match e - s {
                    4 => f32::from_be_bytes([b[*s], b[s + 1], b[s + 2], b[s + 3]]) as f64,
                    8 => {
                        let mut x = [0u8; 8];
                        x.copy_from_slice(&b[*s..*e]);
                        f64::from_be_bytes(x)
                    }
                    n => return Err(format!("Matroska Duration has {n} bytes, expected 4 or 8")),
                };
                duration = Some(d * scale / 1e9);
            }
        }
    }
    Ok(MediaInfo { duration })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn tiny_jpeg() -> Vec<u8> {
        vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x4A, 0x46, 0xFF, 0xDA, 0x00, 0x02, 0x11, 0xFF, 0xD9]
    }

    pub fn tiny_mp4(seconds: u32) -> Vec<u8> {
        let mut mvhd = vec![0u8; 4 + 8];
        mvhd.extend_from_slice(&1000u32.to_be_bytes());
        mvhd.extend_from_slice(&(seconds * 1000).to_be_bytes());
        mvhd.extend_from_slice(&[0u8; 80]);
        let mut moov_payload = Vec::new();
        moov_payload.extend_from_slice(&((mvhd.len() + 8) as u32).to_be_bytes());
        moov_payload.extend_from_slice(b"mvhd");
        moov_payload.extend_from_slice(&mvhd);
        let mut out = Vec::new();
        out.extend_from_slice(&16u32.to_be_bytes());
        out.extend_from_slice(b"ftypisom");
        out.extend_from_slice(&[0, 0, 2, 0]);
        out.extend_from_slice(&((moov_payload.len() + 8) as u32).to_be_bytes());
        out.extend_from_slice(b"moov");
        out.extend_from_slice(&moov_payload);
        out
    }

    #[test]
    fn jpeg_check_accepts_a_minimal_file_and_names_truncation() {
        assert!(check_jpeg(&tiny_jpeg()).is_ok());
        let mut t = tiny_jpeg();
        t.pop();
        assert!(check_jpeg(&t).unwrap_err().contains("truncated"));
        assert!(check_jpeg(b"{\"a\":1}").unwrap_err().contains("expected FF D8"));
    }

    #[test]
    fn mp4_check_reads_duration_and_rejects_overrun() {
        assert_eq!(check_mp4(&tiny_mp4(200)).unwrap().duration, Some(200.0));
        let mut bad = tiny_mp4(1);
        bad.truncate(30);
        assert!(check_mp4(&bad).is_err());
        assert!(check_mp4(b"\0\0\0\x08free").unwrap_err().contains("expected ftyp"));
    }

    #[test]
    fn mkv_check_reads_doctype_and_duration() {
        // EBML header { DocType "matroska" }, Segment { Info { Duration 2500.0 (f32, ms) } }
        let mut f = vec![0x1A, 0x45, 0xDF, 0xA3, 0x8B, 0x42, 0x82, 0x88];
        f.extend_from_slice(b"matroska");
        f.extend_from_slice(&[0x18, 0x53, 0x80, 0x67, 0x8C, 0x15, 0x49, 0xA9, 0x66, 0x87, 0x44, 0x89, 0x84]);
        f.extend_from_slice(&2500f32.to_be_bytes());
        assert_eq!(check_mkv(&f).unwrap().duration, Some(2.5));
        assert!(check_mkv(&tiny_jpeg()).is_err());
    }
}
