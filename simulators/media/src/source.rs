//! [`MediaSource`]: the shared, cached supply of encoded video.
//!
//! Video is cut into fixed segments of device time (default 10 s, aligned to multiples of the
//! segment length since the epoch), because the device time is burned into the picture. A segment
//! is identified by (label, [`Variant`], segment start); it is encoded once by ffmpeg, on first
//! use, into `<cache-dir>/media/<hash of label and variant>/<start-ms>.<h264|h265>` and shared by
//! every session and device that uses this source (and by later processes: the cache is on disk).

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use devsim_core::error::{Error, Result};
use futures::stream::BoxStream;
use futures::StreamExt as _;
use sha2::Digest as _;
use tokio::sync::OnceCell;

use crate::au::{AccessUnit, Codec, ParameterSets, StreamParams};
use crate::ffmpeg::{self, Runner};
use crate::nal::{self, NalKind};
use crate::osd::{self, Osd};
use crate::sei;

/// Bump when the encoding recipe changes: it is part of every cache key.
const CACHE_VERSION: u32 = 1;

/// How a [`MediaSource`] is set up.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// Root of the cache; segments go to `<cache_dir>/media/`, scratch files to `<cache_dir>/media/tmp/`.
    pub cache_dir: PathBuf,
    /// At most this many ffmpeg processes at once, whatever the number of sessions (default 2).
    pub max_encoders: usize,
    /// Segment length in device milliseconds (default 10 000; 1 000..=60 000).
    pub segment_ms: i64,
    /// Parsed segments kept in memory (default 32); the disk cache is unbounded.
    pub memory_segments: usize,
    /// ffmpeg binary; default `ffmpeg` on `PATH`.
    pub ffmpeg: Option<PathBuf>,
    /// OSD font; default Debian's DejaVuSansMono.ttf.
    pub font: Option<PathBuf>,
}

impl MediaConfig {
    /// Defaults with the given cache directory.
    pub fn new(cache_dir: impl Into<PathBuf>) -> Self {
        MediaConfig {
            cache_dir: cache_dir.into(),
            max_encoders: 2,
            segment_ms: 10_000,
            memory_segments: 32,
            ffmpeg: None,
            font: None,
        }
    }
}

/// Everything that decides how encoded pictures look: the stream parameters, the OSD and an
/// optional constant quality (VideoClip `qvalue`, used instead of the bitrate).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Variant {
    pub params: StreamParams,
    pub osd: Osd,
    pub qvalue: Option<u8>,
}

impl Variant {
    /// The stream as a camera records it: default OSD (24 h, top left), bitrate control.
    pub fn recorded(params: &StreamParams) -> Self {
        Variant { params: params.clone(), osd: Osd::default(), qvalue: None }
    }
}

/// One encoded segment, parsed into access units that carry their SEI timestamps.
#[derive(Debug)]
pub struct Segment {
    /// Device time of the first frame (aligned to the segment length).
    pub start_ms: i64,
    pub codec: Codec,
    pub parameter_sets: ParameterSets,
    /// Decode order = presentation order; the first is a keyframe.
    pub aus: Vec<AccessUnit>,
}

impl Segment {
    /// Index of the last keyframe at or before `t_ms` (0 when `t_ms` precedes the segment).
    pub fn keyframe_at_or_before(&self, t_ms: i64) -> usize {
        let last = self.frame_at_or_before(t_ms);
        (0..=last).rev().find(|&i| self.aus[i].keyframe).unwrap_or(0)
    }

    /// Index of the last frame at or before `t_ms` (0 when `t_ms` precedes the segment).
    pub fn frame_at_or_before(&self, t_ms: i64) -> usize {
        self.aus.partition_point(|a| a.device_time_ms <= t_ms).saturating_sub(1)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SegKey {
    label: String,
    variant: Variant,
    start_ms: i64,
}

#[derive(Debug)]
pub(crate) struct Tools {
    pub(crate) runner: Runner,
    pub(crate) font: PathBuf,
    pub(crate) ffprobe: PathBuf,
}

struct Inner {
    cfg: MediaConfig,
    tools: OnceLock<Result<Tools>>,
    cells: Mutex<HashMap<SegKey, Arc<OnceCell<Arc<Segment>>>>>,
    order: Mutex<VecDeque<SegKey>>,
    /// Parameter sets per (label, variant): the encoder makes the same ones for every segment.
    params_sets: Mutex<HashMap<(String, Variant), ParameterSets>>,
    scratch: AtomicU64,
}

/// A cheap-clone handle to the shared media cache. Create one per process (or per fleet) and give
/// clones to every device and RTSP server.
#[derive(Clone)]
pub struct MediaSource {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for MediaSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaSource").field("cfg", &self.inner.cfg).finish()
    }
}

impl MediaSource {
    /// A source over `cfg.cache_dir`. Never fails for a missing ffmpeg: that is reported by each
    /// operation that needs video (and by [`MediaSource::check`]), so devices keep answering
    /// everything else.
    pub fn new(mut cfg: MediaConfig) -> Result<Self> {
        if !(1_000..=60_000).contains(&cfg.segment_ms) {
            return Err(Error::invalid(format!("segment length {} ms out of 1000..60000", cfg.segment_ms)));
        }
        cfg.max_encoders = cfg.max_encoders.max(1);
        cfg.memory_segments = cfg.memory_segments.max(2);
        Ok(MediaSource {
            inner: Arc::new(Inner {
                cfg,
                tools: OnceLock::new(),
                cells: Mutex::new(HashMap::new()),
                order: Mutex::new(VecDeque::new()),
                params_sets: Mutex::new(HashMap::new()),
                scratch: AtomicU64::new(0),
            }),
        })
    }

    /// Ok when ffmpeg and the OSD font are present; else the `Unavailable` error every video
    /// operation would return ("ffmpeg not found: install the Debian package ffmpeg").
    pub fn check(&self) -> Result<()> {
        self.tools().map(|_| ())
    }

    pub(crate) fn tools(&self) -> Result<&Tools> {
        let cfg = &self.inner.cfg;
        self.inner
            .tools
            .get_or_init(|| {
                let ffmpeg = ffmpeg::locate_ffmpeg(cfg.ffmpeg.as_deref())?;
                let font = ffmpeg::locate_font(cfg.font.as_deref())?;
                let ffprobe = ffmpeg::locate_ffprobe(&ffmpeg);
                Ok(Tools { runner: Runner::new(ffmpeg, cfg.max_encoders), font, ffprobe })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The cache root given at construction.
    pub fn cache_dir(&self) -> &Path {
        &self.inner.cfg.cache_dir
    }

    /// Segment length in device milliseconds.
    pub fn segment_ms(&self) -> i64 {
        self.inner.cfg.segment_ms
    }

    /// How many ffmpeg processes this source has started (encodes, snapshots, clip muxes).
    pub fn ffmpeg_runs(&self) -> u64 {
        self.inner.tools.get().and_then(|t| t.as_ref().ok()).map(|t| t.runner.runs()).unwrap_or(0)
    }

    /// The most ffmpeg processes this source ever ran at the same time (never above
    /// `max_encoders`).
    pub fn ffmpeg_peak(&self) -> u64 {
        self.inner.tools.get().and_then(|t| t.as_ref().ok()).map(|t| t.runner.peak()).unwrap_or(0)
    }

    /// The ffprobe binary beside our ffmpeg (for callers that check what we made).
    pub fn ffprobe_path(&self) -> Result<PathBuf> {
        Ok(self.tools()?.ffprobe.clone())
    }

    /// Probe a media file with ffprobe.
    pub async fn probe(&self, file: &Path) -> Result<ffmpeg::ProbeInfo> {
        ffmpeg::probe(&self.tools()?.ffprobe, file).await
    }

    /// Start of the segment containing `t_ms`.
    pub fn segment_start(&self, t_ms: i64) -> i64 {
        t_ms.div_euclid(self.segment_ms()) * self.segment_ms()
    }

    /// The directory holding every segment of (label, variant).
    pub fn variant_dir(&self, label: &str, variant: &Variant) -> PathBuf {
        self.media_root().join(variant_hash(label, variant))
    }

    fn media_root(&self) -> PathBuf {
        self.inner.cfg.cache_dir.join("media")
    }

    pub(crate) fn scratch_path(&self, suffix: &str) -> Result<PathBuf> {
        let dir = self.media_root().join("tmp");
        std::fs::create_dir_all(&dir).map_err(|e| io_err("create", &dir, e))?;
        let n = self.inner.scratch.fetch_add(1, Ordering::Relaxed);
        Ok(dir.join(format!("{}-{n}.{suffix}", std::process::id())))
    }

    /// The parameter sets of the stream, for SDP `sprop-parameter-sets`. The encoder makes the
    /// same ones for every segment of a variant, so any segment already made answers (memory,
    /// then disk); otherwise the segment containing `at_ms` is encoded (it is the one a PLAY at
    /// `at_ms` needs next anyway).
    pub async fn parameter_sets(
        &self,
        label: &str,
        params: &StreamParams,
        at_ms: i64,
    ) -> Result<ParameterSets> {
        let variant = Variant::recorded(params);
        let k = (label.to_string(), variant.clone());
        if let Some(ps) = self.inner.params_sets.lock().unwrap_or_else(|p| p.into_inner()).get(&k) {
            return Ok(ps.clone());
        }
        osd::validate_label(label)?;
        params.validate()?;
        let dir = self.variant_dir(label, &variant);
        let ext = format!(".{}", params.codec.as_str());
        if let Ok(mut rd) = tokio::fs::read_dir(&dir).await {
            while let Ok(Some(entry)) = rd.next_entry().await {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some(start) = name.strip_suffix(&ext).and_then(|s| s.parse::<i64>().ok()) else {
                    continue;
                };
                if let Ok(seg) = self.segment(label, &variant, start).await {
                    return Ok(seg.parameter_sets.clone());
                }
            }
        }
        let seg = self.segment(label, &variant, self.segment_start(at_ms)).await?;
        Ok(seg.parameter_sets.clone())
    }

    /// The recorded stream of `label` from `from_ms` (starting with the last keyframe at or before
    /// it) up to, not including, `to_ms` (`None`: without end, as for live). Each access unit
    /// carries its SEI timestamp; pts are continuous across segments. The next segment is encoded
    /// in the background while one plays. Errors (ffmpeg missing, bad params) come as the first item.
    pub fn access_units(
        &self,
        label: &str,
        params: &StreamParams,
        from_ms: i64,
        to_ms: Option<i64>,
    ) -> BoxStream<'static, Result<AccessUnit>> {
        self.variant_access_units(label, &Variant::recorded(params), from_ms, to_ms)
    }

    /// [`MediaSource::access_units`] for any variant.
    pub fn variant_access_units(
        &self,
        label: &str,
        variant: &Variant,
        from_ms: i64,
        to_ms: Option<i64>,
    ) -> BoxStream<'static, Result<AccessUnit>> {
        if to_ms.is_some_and(|t| t <= from_ms) {
            return futures::stream::empty().boxed();
        }
        struct St {
            src: MediaSource,
            label: String,
            variant: Variant,
            seg_start: i64,
            seg: Option<Arc<Segment>>,
            idx: Option<usize>,
            from_ms: i64,
            to_ms: Option<i64>,
            done: bool,
        }
        let st = St {
            src: self.clone(),
            label: label.to_string(),
            variant: variant.clone(),
            seg_start: self.segment_start(from_ms),
            seg: None,
            idx: None,
            from_ms,
            to_ms,
            done: false,
        };
        futures::stream::unfold(st, |mut st| async move {
            loop {
                if st.done {
                    return None;
                }
                let seg = match &st.seg {
                    Some(s) => s.clone(),
                    None => match st.src.segment(&st.label, &st.variant, st.seg_start).await {
                        Ok(s) => {
                            let next = st.seg_start + st.src.segment_ms();
                            if st.to_ms.is_none_or(|t| next < t) {
                                st.src.prefetch(&st.label, &st.variant, next);
                            }
                            st.seg = Some(s.clone());
                            s
                        }
                        Err(e) => {
                            st.done = true;
                            return Some((Err(e), st));
                        }
                    },
                };
                let idx = *st.idx.get_or_insert_with(|| seg.keyframe_at_or_before(st.from_ms));
                let Some(au) = seg.aus.get(idx) else {
                    st.seg_start += st.src.segment_ms();
                    st.seg = None;
                    st.idx = Some(0);
                    continue;
                };
                if st.to_ms.is_some_and(|t| au.device_time_ms >= t) {
                    return None;
                }
                st.idx = Some(idx + 1);
                return Some((Ok(au.clone()), st));
            }
        })
        .boxed()
    }

    /// Encode (or load) the segment in the background; errors are logged, not returned.
    pub fn prefetch(&self, label: &str, variant: &Variant, start_ms: i64) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else { return };
        let this = self.clone();
        let label = label.to_string();
        let variant = variant.clone();
        handle.spawn(async move {
            if let Err(e) = this.segment(&label, &variant, start_ms).await {
                tracing::debug!(label = %label, start_ms, error = %e, "prefetch failed");
            }
        });
    }

    /// The segment of (label, variant) starting at `start_ms` (must be aligned): from memory, else
    /// from the disk cache, else encoded now. Concurrent callers for one segment share one encode.
    pub async fn segment(&self, label: &str, variant: &Variant, start_ms: i64) -> Result<Arc<Segment>> {
        osd::validate_label(label)?;
        variant.params.validate()?;
        if let Some(q) = variant.qvalue {
            if !(10..=50).contains(&q) {
                return Err(Error::invalid(format!("qvalue {q} out of 10..50")));
            }
        }
        if start_ms < 0 || start_ms % self.segment_ms() != 0 {
            return Err(Error::invalid(format!("segment start {start_ms} is not an aligned device time")));
        }
        self.tools()?;
        let key = SegKey { label: label.to_string(), variant: variant.clone(), start_ms };
        let cell = self.cell(&key);
        let seg = cell.get_or_try_init(|| self.load_or_encode(&key)).await?;
        self.inner
            .params_sets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((key.label, key.variant))
            .or_insert_with(|| seg.parameter_sets.clone());
        Ok(seg.clone())
    }

    fn cell(&self, key: &SegKey) -> Arc<OnceCell<Arc<Segment>>> {
        let mut cells = self.inner.cells.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cells.get(key) {
            return c.clone();
        }
        let c = Arc::new(OnceCell::new());
        cells.insert(key.clone(), c.clone());
        let mut order = self.inner.order.lock().unwrap_or_else(|p| p.into_inner());
        order.push_back(key.clone());
        // Evict the oldest finished segments beyond the bound; in-flight ones stay (they dedupe).
        let mut guard = order.len();
        while cells.len() > self.inner.cfg.memory_segments && guard > 0 {
            guard -= 1;
            let Some(old) = order.pop_front() else { break };
            let done = cells.get(&old).map(|c| c.initialized()).unwrap_or(true);
            if done && old != *key {
                cells.remove(&old);
            } else {
                order.push_back(old);
            }
        }
        c
    }

    async fn load_or_encode(&self, key: &SegKey) -> Result<Arc<Segment>> {
        let dir = self.variant_dir(&key.label, &key.variant);
        let file = dir.join(format!("{}.{}", key.start_ms, key.variant.params.codec.as_str()));
        if let Ok(data) = tokio::fs::read(&file).await {
            match parse_segment(&key.variant.params, key.start_ms, Bytes::from(data)) {
                Ok(seg) => return Ok(Arc::new(seg)),
                Err(e) => {
                    tracing::warn!(file = %file.display(), error = %e, "cached segment unusable; encoding again");
                }
            }
        }
        self.encode(key, &dir, &file).await?;
        let data = tokio::fs::read(&file).await.map_err(|e| io_err("read", &file, e))?;
        Ok(Arc::new(parse_segment(&key.variant.params, key.start_ms, Bytes::from(data))?))
    }

    async fn encode(&self, key: &SegKey, dir: &Path, file: &Path) -> Result<()> {
        let tools = self.tools()?;
        tokio::fs::create_dir_all(dir).await.map_err(|e| io_err("create", dir, e))?;
        let key_file = dir.join("key.json");
        if !key_file.exists() {
            let doc = serde_json::json!({
                "version": CACHE_VERSION, "label": key.label, "variant": key.variant,
                "segment_ms": self.segment_ms(),
            });
            let body = serde_json::to_vec_pretty(&doc).map_err(|e| Error::internal(e.to_string()))?;
            write_atomic(&key_file, &body, &self.scratch_path("json")?).await?;
        }
        let text = self.scratch_path("osd.txt")?;
        let osd_text = osd::text_file_contents(&key.label, key.start_ms, key.variant.osd.format);
        tokio::fs::write(&text, osd_text).await.map_err(|e| io_err("write", &text, e))?;
        let tmp = self.scratch_path(key.variant.params.codec.as_str())?;
        let args = encode_args(&tools.font, &text, &key.variant, key.start_ms, self.segment_ms(), &tmp);
        let res = tools.runner.run(&format!("encode {} @{}", key.label, key.start_ms), args).await;
        let _ = tokio::fs::remove_file(&text).await;
        if let Err(e) = res {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
        // Invariant: a segment file under its final name is complete (rename is atomic).
        tokio::fs::rename(&tmp, file).await.map_err(|e| io_err("rename", file, e))?;
        tracing::info!(label = %key.label, start_ms = key.start_ms, file = %file.display(), "segment encoded");
        Ok(())
    }
}

pub(crate) fn io_err(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::internal(format!("cannot {what} {}: {e}", path.display()))
}

async fn write_atomic(path: &Path, body: &[u8], tmp: &Path) -> Result<()> {
    tokio::fs::write(tmp, body).await.map_err(|e| io_err("write", tmp, e))?;
    tokio::fs::rename(tmp, path).await.map_err(|e| io_err("rename", path, e))
}

/// The cache directory name of (label, variant): 16 hex digits of a SHA-256 over the key.
pub fn variant_hash(label: &str, variant: &Variant) -> String {
    let doc = serde_json::json!({ "v": CACHE_VERSION, "label": label, "variant": variant });
    let digest = sha2::Sha256::digest(doc.to_string().as_bytes());
    hex::encode(&digest[..8])
}

/// Number of frames in a segment: those whose time falls inside [start, start + segment).
pub fn frames_per_segment(params: &StreamParams, segment_ms: i64) -> u64 {
    let num = segment_ms as u128 * params.fps_num as u128;
    let den = 1000u128 * params.fps_den.max(1) as u128;
    num.div_ceil(den) as u64
}

/// The ffmpeg arguments that render and encode one segment.
pub(crate) fn encode_args(
    font: &Path,
    text_file: &Path,
    variant: &Variant,
    start_ms: i64,
    segment_ms: i64,
    out: &Path,
) -> Vec<String> {
    let p = &variant.params;
    let frames = frames_per_segment(p, segment_ms);
    // The pattern scrolls 1/200 of the width per frame, continuing across segments.
    let global_frame = (start_ms as i128 * p.fps_num as i128 / (1000 * p.fps_den.max(1) as i128)) as u64;
    let hpos = (global_frame % 200) as f64 / 200.0;
    let filter = format!(
        "scroll=horizontal=0.005:hpos={hpos:.3},{}",
        osd::drawtext_filter(
            &font.to_string_lossy(),
            &text_file.to_string_lossy(),
            p.height,
            variant.osd.position
        )
    );
    let mut a: Vec<String> = vec![
        "-f".into(),
        "lavfi".into(),
        "-i".into(),
        format!("smptehdbars=size={}x{}:rate={}/{}", p.width, p.height, p.fps_num, p.fps_den),
        "-vf".into(),
        filter,
        "-frames:v".into(),
        frames.to_string(),
        "-pix_fmt".into(),
        "yuv420p".into(),
    ];
    let g = p.gop_frames.to_string();
    let rate: Vec<String> = match variant.qvalue {
        Some(q) => vec!["-crf".into(), q.to_string()],
        None => vec![
            "-b:v".into(),
            format!("{}k", p.bitrate_kbps),
            "-maxrate".into(),
            format!("{}k", p.bitrate_kbps),
            "-bufsize".into(),
            format!("{}k", p.bitrate_kbps * 2),
        ],
    };
    match p.codec {
        Codec::H264 => {
            a.extend(
                ["-c:v", "libx264", "-preset", "ultrafast", "-bf", "0", "-g", &g, "-keyint_min", &g]
                    .map(String::from),
            );
            a.extend(["-sc_threshold", "0"].map(String::from));
            a.extend(rate);
            a.extend(["-f", "h264"].map(String::from));
        }
        Codec::H265 => {
            a.extend(["-c:v", "libx265", "-preset", "ultrafast"].map(String::from));
            a.push("-x265-params".into());
            a.push(format!(
                "keyint={g}:min-keyint={g}:scenecut=0:bframes=0:open-gop=0:repeat-headers=1:log-level=error"
            ));
            a.extend(rate);
            a.extend(["-f", "hevc"].map(String::from));
        }
    }
    a.push(out.to_string_lossy().into_owned());
    a
}

/// Parse an encoded segment: access units, device times and pts from the frame index, parameter
/// sets repeated before every keyframe, and the SEI timestamp inserted.
pub fn parse_segment(params: &StreamParams, start_ms: i64, data: Bytes) -> Result<Segment> {
    let codec = params.codec;
    let raw = nal::group_access_units(codec, nal::split_annex_b(&data));
    let first = raw.first().ok_or_else(|| Error::internal("segment holds no pictures"))?;
    if !first.keyframe {
        return Err(Error::internal("segment does not start with a keyframe"));
    }
    let find = |want: NalKind| first.nals.iter().find(|n| nal::classify(codec, n) == Some(want)).cloned();
    let sps = find(NalKind::Sps).ok_or_else(|| Error::internal("first keyframe lacks an SPS"))?;
    let pps = find(NalKind::Pps).ok_or_else(|| Error::internal("first keyframe lacks a PPS"))?;
    let vps = match codec {
        Codec::H264 => None,
        Codec::H265 => Some(find(NalKind::Vps).ok_or_else(|| Error::internal("first keyframe lacks a VPS"))?),
    };
    let parameter_sets = ParameterSets { codec, vps: vps.clone(), sps: sps.clone(), pps: pps.clone() };
    let base_90k = start_ms as i128 * 90;
    let aus = raw
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let mut nals = r.nals;
            if r.keyframe && !nals.iter().any(|n| nal::classify(codec, n) == Some(NalKind::Sps)) {
                let mut ps: Vec<Bytes> = vps.iter().cloned().collect();
                ps.push(sps.clone());
                ps.push(pps.clone());
                ps.extend(nals);
                nals = ps;
            }
            let device_time_ms = start_ms + params.frame_offset_ms(i as u64);
            let mut au = AccessUnit {
                pts_90k: (base_90k + params.frame_offset_90k(i as u64) as i128) as i64,
                device_time_ms,
                keyframe: r.keyframe,
                nals,
            };
            sei::insert_timestamp_sei(codec, &mut au, device_time_ms);
            au
        })
        .collect();
    Ok(Segment { start_ms, codec, parameter_sets, aus })
}
