//! RTP packetisation (RFC 6184 H.264 single NAL unit + FU-A, RFC 7798 H.265 single + FU), the
//! ONVIF replay header extension (ONVIF Streaming Specification, id `0xABAC`) and RTCP sender
//! reports (RFC 3550 §6.4.1, with an SDES CNAME).

use bytes::{BufMut, Bytes, BytesMut};
use devsim_media::Codec;

/// RTP payload type used for video.
pub const PAYLOAD_TYPE: u8 = 96;
/// Seconds from 1900-01-01 (NTP era 0) to 1970-01-01.
pub const NTP_UNIX_OFFSET: u64 = 2_208_988_800;
/// The ONVIF replay extension's profile id.
pub const ONVIF_EXTENSION_ID: u16 = 0xABAC;

/// Device time (ms since the Unix epoch) as a 64-bit NTP timestamp (32.32 fixed point).
pub fn ntp_from_unix_ms(ms: i64) -> u64 {
    let secs = ms.div_euclid(1000);
    let frac_ms = ms.rem_euclid(1000) as u64;
    let ntp_secs = (secs as i128 + NTP_UNIX_OFFSET as i128).clamp(0, u32::MAX as i128) as u64;
    (ntp_secs << 32) | ((frac_ms << 32) / 1000)
}

/// The per-access-unit values of the ONVIF replay extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Onvif {
    /// NTP time of the frame (recording time).
    pub ntp: u64,
    /// Clean point: the access unit is a key frame.
    pub clean_point: bool,
    /// The access unit ends a contiguous recording section (E, set on its last packet).
    pub end_of_section: bool,
    /// The access unit follows a gap or a seek (D, set on its first packet).
    pub discontinuity: bool,
    /// The access unit is the last of the requested range (T, set on its last packet).
    pub terminal: bool,
    /// Low byte of the CSeq of the PLAY that started this delivery.
    pub cseq: u8,
}

/// Writes RTP packets for one stream; keeps the sequence number.
#[derive(Debug, Clone)]
pub struct Packetizer {
    pub codec: Codec,
    pub ssrc: u32,
    pub next_seq: u16,
    pub max_payload: usize,
    /// Packets and payload octets sent (for RTCP).
    pub packets: u32,
    pub octets: u32,
}

impl Packetizer {
    pub fn new(codec: Codec, ssrc: u32, first_seq: u16, max_payload: usize) -> Self {
        Packetizer {
            codec,
            ssrc,
            next_seq: first_seq,
            max_payload: max_payload.max(64),
            packets: 0,
            octets: 0,
        }
    }

    fn header(&mut self, out: &mut BytesMut, marker: bool, ts: u32, ext: Option<(&Onvif, bool, bool)>) {
        let x = ext.is_some();
        out.put_u8(0x80 | if x { 0x10 } else { 0 });
        out.put_u8(PAYLOAD_TYPE | if marker { 0x80 } else { 0 });
        out.put_u16(self.next_seq);
        out.put_u32(ts);
        out.put_u32(self.ssrc);
        if let Some((o, first, last)) = ext {
            out.put_u16(ONVIF_EXTENSION_ID);
            out.put_u16(3);
            out.put_u64(o.ntp);
            let mut flags = 0u8;
            if o.clean_point {
                flags |= 0x80;
            }
            if last && o.end_of_section {
                flags |= 0x40;
            }
            if first && o.discontinuity {
                flags |= 0x20;
            }
            if last && o.terminal {
                flags |= 0x10;
            }
            out.put_u8(flags);
            out.put_u8(o.cseq);
            out.put_u16(0);
        }
        self.next_seq = self.next_seq.wrapping_add(1);
    }

    /// The RTP packets of one access unit (`nals` without start codes), marker on the last.
    pub fn packetize(&mut self, nals: &[Bytes], ts: u32, onvif: Option<&Onvif>) -> Vec<Bytes> {
        let nals: Vec<&Bytes> = nals.iter().filter(|n| !n.is_empty()).collect();
        let mut out = Vec::new();
        let ext_len = if onvif.is_some() { 16 } else { 0 };
        let room = self.max_payload.saturating_sub(ext_len).max(32);
        let count = nals.len();
        for (i, nal) in nals.into_iter().enumerate() {
            let last_nal = i + 1 == count;
            let hdr_len = match self.codec {
                Codec::H264 => 1,
                Codec::H265 => 2,
            };
            if nal.len() <= room || nal.len() <= hdr_len {
                let first = out.is_empty();
                let mut b = BytesMut::with_capacity(12 + ext_len + nal.len());
                self.header(&mut b, last_nal, ts, onvif.map(|o| (o, first, last_nal)));
                b.extend_from_slice(nal);
                self.account(nal.len());
                out.push(b.freeze());
                continue;
            }
            let (prefix, body): (Vec<u8>, &[u8]) = match self.codec {
                Codec::H264 => (vec![(nal[0] & 0xE0) | 28], &nal[1..]),
                Codec::H265 => (vec![(nal[0] & 0x81) | (49 << 1), nal[1]], &nal[2..]),
            };
            let nal_type = match self.codec {
                Codec::H264 => nal[0] & 0x1F,
                Codec::H265 => (nal[0] >> 1) & 0x3F,
            };
            let chunk = room - prefix.len() - 1;
            let pieces: Vec<&[u8]> = body.chunks(chunk).collect();
            let n = pieces.len();
            for (j, piece) in pieces.into_iter().enumerate() {
                let start = j == 0;
                let end = j + 1 == n;
                let first = out.is_empty();
                let last = last_nal && end;
                let mut b = BytesMut::with_capacity(12 + ext_len + prefix.len() + 1 + piece.len());
                self.header(&mut b, last, ts, onvif.map(|o| (o, first, last)));
                b.extend_from_slice(&prefix);
                b.put_u8(if start { 0x80 } else { 0 } | if end { 0x40 } else { 0 } | nal_type);
                b.extend_from_slice(piece);
                self.account(prefix.len() + 1 + piece.len());
                out.push(b.freeze());
            }
        }
        out
    }

    fn account(&mut self, payload: usize) {
        self.packets = self.packets.wrapping_add(1);
        self.octets = self.octets.wrapping_add(payload as u32);
    }

    /// A compound RTCP packet: sender report at `ntp` / `rtp_ts`, then SDES with `cname`.
    pub fn sender_report(&self, ntp: u64, rtp_ts: u32, cname: &str) -> Bytes {
        let mut b = BytesMut::with_capacity(64);
        b.put_u8(0x80);
        b.put_u8(200);
        b.put_u16(6);
        b.put_u32(self.ssrc);
        b.put_u64(ntp);
        b.put_u32(rtp_ts);
        b.put_u32(self.packets);
        b.put_u32(self.octets);
        let cname = &cname.as_bytes()[..cname.len().min(255)];
        // SDES chunk: ssrc, CNAME item (type 1), end item, padding to 32 bits.
        let chunk_len = 4 + 2 + cname.len() + 1;
        let padded = chunk_len.div_ceil(4) * 4;
        b.put_u8(0x81);
        b.put_u8(202);
        b.put_u16((padded / 4) as u16);
        b.put_u32(self.ssrc);
        b.put_u8(1);
        b.put_u8(cname.len() as u8);
        b.extend_from_slice(cname);
        b.put_u8(0);
        for _ in chunk_len..padded {
            b.put_u8(0);
        }
        b.freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nal(first: u8, len: usize) -> Bytes {
        let mut v = vec![first];
        v.extend((1..len).map(|i| i as u8));
        Bytes::from(v)
    }

    #[test]
    fn small_nals_go_in_single_packets_with_marker_on_the_last() {
        let mut p = Packetizer::new(Codec::H264, 0x19d26fa8, 1, 1400);
        let pkts = p.packetize(&[nal(0x67, 10), nal(0x68, 4), nal(0x65, 100)], 1234, None);
        assert_eq!(pkts.len(), 3);
        assert_eq!(&pkts[0][..2], &[0x80, 96]);
        assert_eq!(pkts[2][1], 0x80 | 96);
        assert_eq!(u16::from_be_bytes([pkts[1][2], pkts[1][3]]), 2);
        assert_eq!(&pkts[0][8..12], &[0x19, 0xd2, 0x6f, 0xa8]);
        assert_eq!(&pkts[0][12..], &nal(0x67, 10)[..]);
        assert_eq!(p.next_seq, 4);
    }

    #[test]
    fn large_h264_nal_is_fragmented_into_fu_a_and_reassembles() {
        let big = nal(0x65, 5000);
        let mut p = Packetizer::new(Codec::H264, 1, 65535, 1400);
        let pkts = p.packetize(std::slice::from_ref(&big), 0, None);
        assert!(pkts.len() >= 4);
        let mut re = vec![(pkts[0][12] & 0xE0) | (pkts[0][13] & 0x1F)];
        for (i, pk) in pkts.iter().enumerate() {
            assert!(pk.len() <= 12 + 1400);
            assert_eq!(pk[12] & 0x1F, 28);
            assert_eq!(pk[13] & 0x80 != 0, i == 0, "S bit");
            assert_eq!(pk[13] & 0x40 != 0, i + 1 == pkts.len(), "E bit");
            assert_eq!(pk[1] & 0x80 != 0, i + 1 == pkts.len(), "marker");
            re.extend_from_slice(&pk[14..]);
        }
        assert_eq!(re, big.to_vec());
        assert_eq!(p.next_seq, (pkts.len() - 1) as u16, "sequence wraps");
    }

    #[test]
    fn large_h265_nal_uses_fu_type_49() {
        let big = Bytes::from([&[0x26u8, 0x01][..], &vec![7u8; 3000]].concat());
        let mut p = Packetizer::new(Codec::H265, 1, 0, 1400);
        let pkts = p.packetize(std::slice::from_ref(&big), 0, None);
        let mut re = vec![(pkts[0][12] & 0x81) | ((pkts[0][14] & 0x3F) << 1), pkts[0][13]];
        for pk in &pkts {
            assert_eq!((pk[12] >> 1) & 0x3F, 49);
            assert_eq!(pk[14] & 0x3F, 19);
            re.extend_from_slice(&pk[15..]);
        }
        assert_eq!(re, big.to_vec());
    }

    #[test]
    fn onvif_extension_carries_ntp_and_flags_on_the_right_packets() {
        let mut p = Packetizer::new(Codec::H264, 1, 0, 1400);
        let o = Onvif {
            ntp: ntp_from_unix_ms(1_689_189_104_000),
            clean_point: true,
            end_of_section: true,
            discontinuity: true,
            terminal: false,
            cseq: 4,
        };
        let pkts = p.packetize(&[nal(0x67, 10), nal(0x65, 3000)], 0, Some(&o));
        assert_eq!(pkts[0][0] & 0x10, 0x10, "X bit");
        assert_eq!(&pkts[0][12..16], &[0xAB, 0xAC, 0, 3]);
        assert_eq!(&pkts[0][16..20], &0xE859_7970u32.to_be_bytes());
        assert_eq!(pkts[0][24], 0x80 | 0x20, "C and D on the first packet");
        assert_eq!(pkts[1][24], 0x80, "C only in the middle");
        assert_eq!(pkts.last().unwrap()[24], 0x80 | 0x40, "C and E on the last packet");
        assert_eq!(pkts[0][25], 4);
        assert!(pkts.iter().all(|pk| pk.len() <= 12 + 1400));
    }

    #[test]
    fn sender_report_is_a_valid_compound_packet() {
        let mut p = Packetizer::new(Codec::H264, 0xdeadbeef, 0, 1400);
        p.packetize(&[nal(0x65, 10)], 0, None);
        let sr = p.sender_report(ntp_from_unix_ms(0), 99, "devsim");
        assert_eq!(&sr[..4], &[0x80, 200, 0, 6]);
        assert_eq!(&sr[16..20], &99u32.to_be_bytes());
        assert_eq!(&sr[20..24], &1u32.to_be_bytes());
        assert_eq!(sr[29], 202);
        let sdes_words = u16::from_be_bytes([sr[30], sr[31]]) as usize;
        assert_eq!(sr.len(), 28 + 4 + sdes_words * 4);
        assert_eq!(ntp_from_unix_ms(0) >> 32, NTP_UNIX_OFFSET);
    }
}
