//! devsim-media: test video made by ffmpeg, cached on disk and shared by every session and device.
#![forbid(unsafe_code)]

pub mod au;
pub mod sei;

pub use au::{AccessUnit, AudioCodec, AudioParams, Codec, ParameterSets, StreamParams};
pub use sei::{insert_timestamp_sei, read_timestamp_sei, DEVSIM_SEI_UUID};
