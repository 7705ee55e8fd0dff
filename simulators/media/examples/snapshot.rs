//! Write a JPEG snapshot of a simulated camera: `cargo run -p devsim-media --example snapshot --
//! <label> <unix-seconds> <out.jpg> [cache-dir] [12h|24h] [Top-Left|...]`.

use devsim_media::{
    Codec, MediaConfig, MediaSource, Osd, OsdFormat, OsdPosition, SnapshotOptions, StreamParams,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: snapshot <label> <unix-seconds> <out.jpg> [cache-dir] [12h|24h] [position]");
        std::process::exit(2);
    }
    let t_ms: i64 = args[2].parse::<i64>()? * 1000;
    let cache = args
        .get(4)
        .cloned()
        .unwrap_or_else(|| std::env::temp_dir().join("devsim-cache").display().to_string());
    let mut osd = Osd::default();
    if let Some(f) = args.get(5) {
        osd.format = OsdFormat::parse(f)?;
    }
    if let Some(p) = args.get(6) {
        osd.position = OsdPosition::parse(p)?;
    }
    let src = MediaSource::new(MediaConfig::new(cache))?;
    let params = StreamParams::new(Codec::H264, 640, 360, 10);
    let jpeg =
        src.jpeg_at(&args[1], &params, t_ms, &SnapshotOptions { width: None, height: None, osd }).await?;
    std::fs::write(&args[3], &jpeg)?;
    println!("{} bytes, {} ffmpeg runs", jpeg.len(), src.ffmpeg_runs());
    Ok(())
}
