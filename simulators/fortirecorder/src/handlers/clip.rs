//! VideoClip (§2.2.2): full request validation; media is not built yet.

use super::Req;
use crate::model::Command;
use crate::wire::{Action, FrcError};

pub(super) fn command(r: &Req) -> Result<Command, FrcError> {
    match r.action {
        Action::Clip => Ok(Command::Clip { caller: r.caller.clone(), body: r.body.clone() }),
        _ => Err(FrcError::MethodNotAllowed),
    }
}
