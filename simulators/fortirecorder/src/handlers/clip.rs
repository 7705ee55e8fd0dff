//! VideoClip (§2.2.2): the model validates and plans; the clip is rendered by devsim-media.

use axum::response::{IntoResponse, Response};
use http::header;

use super::Req;
use crate::device::FortiRecorder;
use crate::model::{ClipPlan, Command};
use crate::wire::{Action, FrcError};

pub(super) fn command(r: &Req) -> Result<Command, FrcError> {
    match r.action {
        Action::Clip => Ok(Command::Clip { caller: r.caller.clone(), body: r.body.clone() }),
        _ => Err(FrcError::MethodNotAllowed),
    }
}

/// Render a valid request: `200` with the MP4 or JPEG bytes. A missing ffmpeg (or any media
/// failure) is the device's 500 with the reason in `errorMsg`.
pub(super) async fn respond(dev: &FortiRecorder, plan: &ClipPlan) -> Result<Response, FrcError> {
    let media = dev.media();
    let r = crate::media::render(&media, plan, dev.options()).await.map_err(|e| {
        tracing::warn!(camera = %plan.camera, error = %e, "video clip failed");
        match e.kind {
            devsim_core::ErrorKind::Unavailable => {
                FrcError::Unavailable(format!("Video clip service unavailable: {}", e.message))
            }
            devsim_core::ErrorKind::NotFound => FrcError::NotFound,
            _ => FrcError::Unavailable(format!("Video clip conversion failed: {}", e.message)),
        }
    })?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        r.filename
            .chars()
            .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
            .collect::<String>()
    );
    Ok((
        [(header::CONTENT_TYPE, r.content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        r.bytes,
    )
        .into_response())
}
