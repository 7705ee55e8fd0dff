//! Annex B elementary streams: split into NAL units, group NAL units into access units, and the
//! NAL header facts we need (H.264 through `h264-reader`, H.265 from its two-byte header).

use bytes::Bytes;
use h264_reader::nal::{NalHeader, UnitType};

use crate::au::Codec;

/// Split an Annex B byte stream into NAL units (without start codes). Bytes before the first start
/// code are dropped; trailing zero bytes of a NAL unit (part of the next 4-byte start code) are
/// trimmed.
pub fn split_annex_b(data: &Bytes) -> Vec<Bytes> {
    let mut starts = Vec::new(); // (start of start code, start of payload)
    let mut i = 0;
    while i + 3 <= data.len() {
        if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
            starts.push((i, i + 3));
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut out = Vec::with_capacity(starts.len());
    for (k, &(_, payload)) in starts.iter().enumerate() {
        let mut end = starts.get(k + 1).map(|&(sc, _)| sc).unwrap_or(data.len());
        while end > payload && data[end - 1] == 0 {
            end -= 1;
        }
        if end > payload {
            out.push(data.slice(payload..end));
        }
    }
    out
}

/// What one NAL unit is, as far as access-unit grouping cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NalKind {
    /// A picture slice; `first_in_picture` when it starts a new picture; `keyframe` for IDR/IRAP.
    Vcl {
        first_in_picture: bool,
        keyframe: bool,
    },
    Vps,
    Sps,
    Pps,
    /// Access unit delimiter, SEI and other non-VCL units that may only precede a picture.
    Prefix,
    /// End of sequence / stream, filler, suffix SEI: belongs to the current access unit.
    Suffix,
}

/// Classify a NAL unit. `None` for an empty or forbidden-bit unit.
pub fn classify(codec: Codec, nal: &[u8]) -> Option<NalKind> {
    match codec {
        Codec::H264 => {
            let header = NalHeader::new(*nal.first()?).ok()?;
            // first_mb_in_slice is ue(v); it is 0 exactly when the first bit after the header is 1.
            let first = nal.get(1).map(|b| b & 0x80 != 0).unwrap_or(false);
            Some(match header.nal_unit_type() {
                UnitType::SliceLayerWithoutPartitioningIdr => {
                    NalKind::Vcl { first_in_picture: first, keyframe: true }
                }
                UnitType::SliceLayerWithoutPartitioningNonIdr | UnitType::SliceDataPartitionALayer => {
                    NalKind::Vcl { first_in_picture: first, keyframe: false }
                }
                UnitType::SliceDataPartitionBLayer | UnitType::SliceDataPartitionCLayer => NalKind::Suffix,
                UnitType::SeqParameterSet => NalKind::Sps,
                UnitType::PicParameterSet => NalKind::Pps,
                UnitType::EndOfSeq | UnitType::EndOfStream | UnitType::FillerData => NalKind::Suffix,
                _ => NalKind::Prefix,
            })
        }
        Codec::H265 => {
            let b0 = *nal.first()?;
            if b0 & 0x80 != 0 || nal.len() < 2 {
                return None;
            }
            let t = (b0 >> 1) & 0x3f;
            Some(match t {
                0..=31 => {
                    let first = nal.get(2).map(|b| b & 0x80 != 0).unwrap_or(false);
                    NalKind::Vcl { first_in_picture: first, keyframe: (16..=23).contains(&t) }
                }
                32 => NalKind::Vps,
                33 => NalKind::Sps,
                34 => NalKind::Pps,
                36..=38 | 40 => NalKind::Suffix,
                _ => NalKind::Prefix,
            })
        }
    }
}

/// One access unit as found in the stream, before times are attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawAccessUnit {
    pub keyframe: bool,
    pub nals: Vec<Bytes>,
}

/// Group NAL units into access units (ITU-T H.264 §7.4.1.2.3 / H.265 §7.4.2.4.4, simplified:
/// a parameter set, delimiter or prefix SEI after a picture, or a slice that starts a new picture,
/// opens the next access unit). Units before the first picture stay with it.
pub fn group_access_units(codec: Codec, nals: Vec<Bytes>) -> Vec<RawAccessUnit> {
    let mut out = Vec::new();
    let mut cur: Vec<Bytes> = Vec::new();
    let mut cur_has_vcl = false;
    let mut cur_key = false;
    for nal in nals {
        let Some(kind) = classify(codec, &nal) else { continue };
        let opens_new = match kind {
            NalKind::Vcl { first_in_picture, .. } => cur_has_vcl && first_in_picture,
            NalKind::Vps | NalKind::Sps | NalKind::Pps | NalKind::Prefix => cur_has_vcl,
            NalKind::Suffix => false,
        };
        if opens_new {
            out.push(RawAccessUnit { keyframe: cur_key, nals: std::mem::take(&mut cur) });
            cur_has_vcl = false;
            cur_key = false;
        }
        if let NalKind::Vcl { keyframe, .. } = kind {
            cur_has_vcl = true;
            cur_key |= keyframe;
        }
        cur.push(nal);
    }
    if cur_has_vcl {
        out.push(RawAccessUnit { keyframe: cur_key, nals: cur });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_three_and_four_byte_start_codes() {
        let data = Bytes::from_static(&[9, 0, 0, 0, 1, 0x67, 1, 0, 0, 1, 0x68, 2, 0, 0, 0, 1, 0x65, 3, 0]);
        let nals = split_annex_b(&data);
        assert_eq!(nals, vec![&[0x67, 1][..], &[0x68, 2][..], &[0x65, 3][..]]);
    }

    #[test]
    fn groups_h264_pictures_and_marks_idr() {
        let n = |b: &'static [u8]| Bytes::from_static(b);
        let aus = group_access_units(
            Codec::H264,
            vec![n(&[0x67, 0x42]), n(&[0x68, 0xce]), n(&[0x65, 0x88]), n(&[0x41, 0x9a]), n(&[0x41, 0x9a])],
        );
        assert_eq!(aus.len(), 3);
        assert!(aus[0].keyframe && aus[0].nals.len() == 3);
        assert!(!aus[1].keyframe && aus[1].nals.len() == 1);
    }

    #[test]
    fn second_slice_of_a_picture_stays_in_its_access_unit() {
        let n = |b: &'static [u8]| Bytes::from_static(b);
        // first_mb_in_slice != 0 => leading bit 0
        let aus = group_access_units(Codec::H264, vec![n(&[0x65, 0x88]), n(&[0x65, 0x40]), n(&[0x41, 0x9a])]);
        assert_eq!(aus.len(), 2);
        assert_eq!(aus[0].nals.len(), 2);
    }

    #[test]
    fn groups_h265_irap_with_parameter_sets() {
        let n = |b: &'static [u8]| Bytes::from_static(b);
        let aus = group_access_units(
            Codec::H265,
            vec![n(&[0x40, 1]), n(&[0x42, 1]), n(&[0x44, 1]), n(&[0x26, 1, 0xaf]), n(&[0x02, 1, 0xd0])],
        );
        assert_eq!(aus.len(), 2);
        assert!(aus[0].keyframe);
        assert!(!aus[1].keyframe);
    }
}
