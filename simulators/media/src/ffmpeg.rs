//! Running the system's ffmpeg (Debian package `ffmpeg`) through `ffmpeg-sidecar`, never more than
//! a fixed number at once, and ffprobe for reading back what was made.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};

use devsim_core::error::{Error, ErrorKind, Result};
use ffmpeg_sidecar::command::FfmpegCommand;
use ffmpeg_sidecar::event::{FfmpegEvent, LogLevel};
use tokio::sync::Semaphore;

/// The message every video operation returns when ffmpeg is missing.
pub const FFMPEG_MISSING: &str = "ffmpeg not found: install the Debian package ffmpeg";
/// The message when the monospace font for the on-screen display is missing.
pub const FONT_MISSING: &str =
    "monospace font not found: install the Debian package fonts-dejavu-core (DejaVuSansMono.ttf)";

/// Where Debian's fonts-dejavu-core (and fonts-dejavu-mono on newer releases) put the font.
pub const DEFAULT_FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
];

/// Resolve the ffmpeg binary: an explicit path, or `ffmpeg` on `PATH` (ffmpeg-sidecar's lookup,
/// which also accepts a binary beside our own executable). Checked by running `ffmpeg -version`.
pub fn locate_ffmpeg(explicit: Option<&Path>) -> Result<PathBuf> {
    let path = explicit.map(Path::to_path_buf).unwrap_or_else(ffmpeg_sidecar::paths::ffmpeg_path);
    let ok = std::process::Command::new(&path)
        .arg("-version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok {
        Ok(path)
    } else {
        Err(Error::unavailable(FFMPEG_MISSING))
    }
}

/// Resolve the ffprobe binary beside the ffmpeg we use (or on `PATH`).
pub fn locate_ffprobe(ffmpeg: &Path) -> PathBuf {
    let sibling = ffmpeg.with_file_name("ffprobe");
    if ffmpeg.is_absolute() && sibling.exists() {
        sibling
    } else {
        ffmpeg_sidecar::ffprobe::ffprobe_path()
    }
}

/// Resolve the OSD font: an explicit path or the Debian default.
pub fn locate_font(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return if p.is_file() {
            Ok(p.to_path_buf())
        } else {
            Err(Error::unavailable(format!("{FONT_MISSING} ({} does not exist)", p.display())))
        };
    }
    DEFAULT_FONTS
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| Error::unavailable(FONT_MISSING))
}

/// A bounded pool of ffmpeg processes.
#[derive(Debug)]
pub struct Runner {
    ffmpeg: PathBuf,
    slots: Semaphore,
    runs: AtomicU64,
    active: AtomicU64,
    peak: AtomicU64,
}

impl Runner {
    pub fn new(ffmpeg: PathBuf, max_processes: usize) -> Self {
        Runner {
            ffmpeg,
            slots: Semaphore::new(max_processes.max(1)),
            runs: AtomicU64::new(0),
            active: AtomicU64::new(0),
            peak: AtomicU64::new(0),
        }
    }

    pub fn ffmpeg_path(&self) -> &Path {
        &self.ffmpeg
    }

    /// How many ffmpeg processes this runner has started.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    /// The most ffmpeg processes that ran at the same time.
    pub fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }

    /// Run ffmpeg with `args` (after `-hide_banner -nostdin -y`), waiting for a free slot first.
    /// A non-zero exit becomes an `Internal` error carrying ffmpeg's error lines.
    pub async fn run(&self, what: &str, args: Vec<String>) -> Result<()> {
        let _permit = self.slots.acquire().await.map_err(|_| Error::internal("ffmpeg worker pool closed"))?;
        self.runs.fetch_add(1, Ordering::Relaxed);
        let now = self.active.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let ffmpeg = self.ffmpeg.clone();
        let what = what.to_string();
        tracing::debug!(what = %what, args = ?args, "ffmpeg start");
        let started = std::time::Instant::now();
        let res = tokio::task::spawn_blocking(move || run_blocking(&ffmpeg, &args))
            .await
            .map_err(|e| Error::internal(format!("ffmpeg task failed: {e}")));
        self.active.fetch_sub(1, Ordering::SeqCst);
        let res = res?;
        match &res {
            Ok(()) => tracing::debug!(what = %what, ms = started.elapsed().as_millis() as u64, "ffmpeg done"),
            Err(e) => tracing::warn!(what = %what, error = %e, "ffmpeg failed"),
        }
        res
    }
}

fn run_blocking(ffmpeg: &Path, args: &[String]) -> Result<()> {
    let mut cmd = FfmpegCommand::new_with_path(ffmpeg);
    cmd.hide_banner().arg("-nostdin").overwrite().args(args);
    let mut child = cmd.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::unavailable(FFMPEG_MISSING)
        } else {
            Error::internal(format!("cannot start ffmpeg: {e}"))
        }
    })?;
    let mut errors: Vec<String> = Vec::new();
    match child.iter() {
        Ok(events) => {
            for ev in events {
                match ev {
                    // "No output streams found" is the iterator's own note when we write to files
                    // rather than stdout; it is not an ffmpeg failure.
                    FfmpegEvent::Log(LogLevel::Error | LogLevel::Fatal, line) | FfmpegEvent::Error(line)
                        if !line.contains("No output streams found") && errors.len() < 20 =>
                    {
                        errors.push(line);
                    }
                    _ => {}
                }
            }
        }
        Err(e) => errors.push(e.to_string()),
    }
    let status = child.wait().map_err(|e| Error::internal(format!("waiting for ffmpeg: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Internal,
            format!("ffmpeg exited with {status}: {}", errors.join(" | ").trim()),
        ))
    }
}

/// What ffprobe says about a media file (the parts tests and device crates check).
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeInfo {
    pub format_name: String,
    pub duration_s: Option<f64>,
    pub streams: Vec<ProbeStream>,
}

/// One stream of a probed file.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeStream {
    /// `video` or `audio`.
    pub codec_type: String,
    /// `h264`, `hevc`, `aac`, `pcm_mulaw`, `mjpeg`, ...
    pub codec_name: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// `avg_frame_rate` as a float, when ffprobe knows it.
    pub fps: Option<f64>,
    pub nb_frames: Option<u64>,
}

impl ProbeInfo {
    /// The first video stream.
    pub fn video(&self) -> Option<&ProbeStream> {
        self.streams.iter().find(|s| s.codec_type == "video")
    }
    /// The first audio stream.
    pub fn audio(&self) -> Option<&ProbeStream> {
        self.streams.iter().find(|s| s.codec_type == "audio")
    }
}

/// Run `ffprobe -print_format json -show_format -show_streams` on a file and parse its answer.
pub async fn probe(ffprobe: &Path, file: &Path) -> Result<ProbeInfo> {
    let out = tokio::process::Command::new(ffprobe)
        .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"])
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::unavailable("ffprobe not found: install the Debian package ffmpeg")
            } else {
                Error::internal(format!("cannot start ffprobe: {e}"))
            }
        })?;
    if !out.status.success() {
        return Err(Error::internal(format!(
            "ffprobe failed on {}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    parse_probe_json(&out.stdout)
}

/// Parse ffprobe's JSON output.
pub fn parse_probe_json(json: &[u8]) -> Result<ProbeInfo> {
    let v: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| Error::internal(format!("ffprobe JSON: {e}")))?;
    let s = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    let num = |v: &serde_json::Value, k: &str| -> Option<f64> {
        match v.get(k)? {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(t) => t.parse().ok(),
            _ => None,
        }
    };
    let rate = |r: &str| -> Option<f64> {
        let (a, b) = r.split_once('/')?;
        let (a, b): (f64, f64) = (a.parse().ok()?, b.parse().ok()?);
        (b != 0.0 && a != 0.0).then(|| a / b)
    };
    let format = v.get("format").cloned().unwrap_or_default();
    let streams = v
        .get("streams")
        .and_then(|x| x.as_array())
        .map(|a| {
            a.iter()
                .map(|st| ProbeStream {
                    codec_type: s(st, "codec_type"),
                    codec_name: s(st, "codec_name"),
                    width: num(st, "width").map(|x| x as u32),
                    height: num(st, "height").map(|x| x as u32),
                    fps: rate(&s(st, "avg_frame_rate")),
                    nb_frames: num(st, "nb_frames").map(|x| x as u64),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(ProbeInfo { format_name: s(&format, "format_name"), duration_s: num(&format, "duration"), streams })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ffprobe_json_for_an_mp4() {
        let json = br#"{"streams":[{"codec_name":"h264","codec_type":"video","width":320,"height":180,
            "avg_frame_rate":"10/1","nb_frames":"30"},{"codec_name":"aac","codec_type":"audio"}],
            "format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"3.000000"}}"#;
        let p = parse_probe_json(json).unwrap();
        let v = p.video().unwrap();
        assert_eq!(
            (v.codec_name.as_str(), v.width, v.height, v.fps, v.nb_frames),
            ("h264", Some(320), Some(180), Some(10.0), Some(30))
        );
        assert_eq!(p.audio().unwrap().codec_name, "aac");
        assert_eq!(p.duration_s, Some(3.0));
    }

    #[test]
    fn missing_ffmpeg_is_unavailable_with_the_install_hint() {
        let err = locate_ffmpeg(Some(Path::new("/nonexistent/ffmpeg"))).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unavailable);
        assert_eq!(err.message, FFMPEG_MISSING);
    }

    #[test]
    fn missing_font_is_unavailable() {
        let err = locate_font(Some(Path::new("/nonexistent/font.ttf"))).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unavailable);
        assert!(err.message.contains("fonts-dejavu-core"));
    }
}
