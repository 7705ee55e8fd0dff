//! [`VideoSource`] for `devsim_media::MediaSource`: the shared, cached ffmpeg-made test media.
//! A device passes `Arc::new(media.clone())` from [`crate::RtspDevice::media`].

use devsim_media::{ParameterSets, StreamParams};
use futures::future::BoxFuture;

use crate::device::{AccessUnits, VideoSource};

impl VideoSource for devsim_media::MediaSource {
    fn parameter_sets(
        &self,
        label: &str,
        params: &StreamParams,
        at_ms: i64,
    ) -> BoxFuture<'static, Result<ParameterSets, devsim_core::Error>> {
        let (src, label, params) = (self.clone(), label.to_owned(), params.clone());
        Box::pin(async move { src.parameter_sets(&label, &params, at_ms).await })
    }

    fn access_units(
        &self,
        label: &str,
        params: &StreamParams,
        from_ms: i64,
    ) -> BoxFuture<'static, Result<AccessUnits, devsim_core::Error>> {
        let stream = devsim_media::MediaSource::access_units(self, label, params, from_ms, None);
        Box::pin(async move { Ok(stream) })
    }
}
