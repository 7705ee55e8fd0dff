//! JPEG snapshots: the recorded frame at or before an instant, decoded from the cached segment.

use bytes::Bytes;
use devsim_core::error::{Error, Result};

use crate::au::StreamParams;
use crate::osd::Osd;
use crate::source::{io_err, MediaSource, Variant};

/// How a snapshot is rendered. `width`/`height` scale the picture (one of them alone keeps the
/// aspect ratio); `osd` selects the stream whose burned-in text has that format and position.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SnapshotOptions {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub osd: Osd,
}

/// A decoded snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub jpeg: Bytes,
    /// Device time of the frame shown (at or before the requested instant).
    pub frame_ms: i64,
}

impl MediaSource {
    /// A JPEG of the frame of `label` at or before `t_ms` (device time).
    pub async fn jpeg_at(
        &self,
        label: &str,
        params: &StreamParams,
        t_ms: i64,
        opts: &SnapshotOptions,
    ) -> Result<Bytes> {
        Ok(self.snapshot(label, params, t_ms, opts).await?.jpeg)
    }

    /// [`MediaSource::jpeg_at`] with the time of the frame it shows.
    pub async fn snapshot(
        &self,
        label: &str,
        params: &StreamParams,
        t_ms: i64,
        opts: &SnapshotOptions,
    ) -> Result<Snapshot> {
        for v in [opts.width, opts.height].into_iter().flatten() {
            if !(16..=8192).contains(&v) {
                return Err(Error::invalid(format!("snapshot size {v} out of 16..8192")));
            }
        }
        if t_ms < 0 {
            return Err(Error::invalid("snapshot time before the epoch"));
        }
        let variant = Variant { params: params.clone(), osd: opts.osd, qvalue: None };
        let seg = self.segment(label, &variant, self.segment_start(t_ms)).await?;
        let frame = seg.frame_at_or_before(t_ms);
        let key = seg.keyframe_at_or_before(t_ms);
        let mut es = Vec::new();
        for au in &seg.aus[key..=frame] {
            es.extend_from_slice(&au.to_annex_b());
        }
        let input = self.scratch_path(params.codec.as_str())?;
        let output = self.scratch_path("jpg")?;
        tokio::fs::write(&input, &es).await.map_err(|e| io_err("write", &input, e))?;
        let mut filter = format!("select=eq(n\\,{})", frame - key);
        match (opts.width, opts.height) {
            (None, None) => {}
            (w, h) => filter.push_str(&format!(
                ",scale={}:{}",
                w.map(|w| w.to_string()).unwrap_or_else(|| "-2".into()),
                h.map(|h| h.to_string()).unwrap_or_else(|| "-2".into())
            )),
        }
        let demuxer = match params.codec {
            crate::au::Codec::H264 => "h264",
            crate::au::Codec::H265 => "hevc",
        };
        let args: Vec<String> = vec![
            "-f".into(),
            demuxer.into(),
            "-i".into(),
            input.to_string_lossy().into_owned(),
            "-vf".into(),
            filter,
            "-frames:v".into(),
            "1".into(),
            "-q:v".into(),
            "3".into(),
            "-c:v".into(),
            "mjpeg".into(),
            "-f".into(),
            "image2".into(),
            output.to_string_lossy().into_owned(),
        ];
        let res = self.tools()?.runner.run(&format!("snapshot {label} @{t_ms}"), args).await;
        let _ = tokio::fs::remove_file(&input).await;
        res?;
        let jpeg = tokio::fs::read(&output).await.map_err(|e| io_err("read", &output, e));
        let _ = tokio::fs::remove_file(&output).await;
        let jpeg = jpeg?;
        if !jpeg.starts_with(&[0xff, 0xd8]) {
            return Err(Error::internal("ffmpeg did not produce a JPEG"));
        }
        Ok(Snapshot { jpeg: Bytes::from(jpeg), frame_ms: seg.aus[frame].device_time_ms })
    }
}
