//! devsim-media: test video made by ffmpeg, cached on disk and shared by every session and device.
//!
//! * [`au`]: the shared types: [`StreamParams`] (cache key), [`AccessUnit`], [`ParameterSets`].
//! * [`sei`]: the in-band device-clock timestamp every access unit carries.
//! * [`MediaSource`]: segments encoded lazily by at most N ffmpeg processes, cached on disk,
//!   de-duplicated, prefetched; access-unit streams, JPEG snapshots and MP4/MKV clips.
//!
//! See the crate README for the cache layout and its invariants.
#![forbid(unsafe_code)]

pub mod au;
pub mod clip;
pub mod ffmpeg;
pub mod nal;
pub mod osd;
pub mod sei;
pub mod snapshot;
pub mod source;

pub use au::{AccessUnit, AudioCodec, AudioParams, Codec, ParameterSets, StreamParams};
pub use clip::{Clip, ClipOptions, Container};
pub use ffmpeg::{ProbeInfo, ProbeStream, FFMPEG_MISSING};
pub use osd::{Osd, OsdFormat, OsdPosition};
pub use sei::{insert_timestamp_sei, read_timestamp_sei, DEVSIM_SEI_UUID};
pub use snapshot::{Snapshot, SnapshotOptions};
pub use source::{MediaConfig, MediaSource, Segment, Variant};
