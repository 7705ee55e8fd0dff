//! Not a test: how long a 60 s clip takes, with and without transcoding, on this machine.
//!
//! `cargo bench -p devsim-media --bench clip` (optionally `DEVSIM_BENCH_SIZE=1920x1080`,
//! `DEVSIM_BENCH_FPS=30`). Prints one line per measurement; the numbers go into the issue note.

use std::time::Instant;

use devsim_media::{ClipOptions, Codec, MediaConfig, MediaSource, StreamParams, Variant};

const T0: i64 = 1_700_000_000_000;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it, and
    // then it must not spend a minute and a half encoding.
    if !std::env::args().any(|a| a == "--bench") {
        println!("devsim-media clip bench: run with `cargo bench -p devsim-media --bench clip`");
        return Ok(());
    }
    let size = env_or("DEVSIM_BENCH_SIZE", "1280x720");
    let (w, h) = size.split_once('x').ok_or("DEVSIM_BENCH_SIZE must look like 1280x720")?;
    let fps: u32 = env_or("DEVSIM_BENCH_FPS", "30").parse()?;
    let params = StreamParams::new(Codec::H264, w.parse()?, h.parse()?, fps);
    let dir = tempfile::tempdir()?;
    let src = MediaSource::new(MediaConfig::new(dir.path()))?;
    src.check()?;
    let range = [(T0, T0 + 60_000)];
    println!(
        "devsim-media clip bench: {size} @ {fps} fps H.264, GOP {} frames, 60 s clips",
        params.gop_frames
    );

    let t = Instant::now();
    let seg = src.segment("bench", &Variant::recorded(&params), T0).await?;
    println!("encode one 10 s segment (H.264):              {:>8.2} s", t.elapsed().as_secs_f64());
    drop(seg);

    let t = Instant::now();
    let clip = src.clip("bench", &params, &range, &ClipOptions::default()).await?;
    println!(
        "60 s MP4, cold cache (encode 6 segments + remux): {:>8.2} s  ({} frames, {} KiB)",
        t.elapsed().as_secs_f64(),
        clip.frames,
        clip.bytes.len() / 1024
    );

    let runs = src.ffmpeg_runs();
    let t = Instant::now();
    let clip = src.clip("bench", &params, &range, &ClipOptions::default()).await?;
    println!(
        "60 s MP4, warm cache (remux only, -c copy):      {:>8.2} s  ({} ffmpeg run)",
        t.elapsed().as_secs_f64(),
        src.ffmpeg_runs() - runs
    );
    assert!(!clip.transcoded);

    let t = Instant::now();
    let opts = ClipOptions { codec: Some(Codec::H265), qvalue: Some(32), ..Default::default() };
    let clip = src.clip("bench", &params, &range, &opts).await?;
    println!(
        "60 s MP4, transcoded to H.265 q32 (same size):   {:>8.2} s  ({} KiB)",
        t.elapsed().as_secs_f64(),
        clip.bytes.len() / 1024
    );

    let t = Instant::now();
    let opts = ClipOptions { width: Some(640), height: Some(360), fps: Some(15), ..Default::default() };
    let clip = src.clip("bench", &params, &range, &opts).await?;
    println!(
        "60 s MP4, transcoded to H.264 640x360 @ 15 fps:  {:>8.2} s  ({} KiB)",
        t.elapsed().as_secs_f64(),
        clip.bytes.len() / 1024
    );
    println!("ffmpeg processes started in total: {}", src.ffmpeg_runs());
    Ok(())
}
