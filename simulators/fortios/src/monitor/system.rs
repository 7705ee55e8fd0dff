use serde_json::{json, Value};

use super::{Ctx, Fail, Out};
use crate::model::Model;

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    let _ = ctx;
    None
}

/// `system/status` of later firmware (profile `firmware_extras`).
pub(super) fn status_extra(model: &Model, now: i64) -> Value {
    json!({"model_name": "FortiGate", "model_number": model.identity.model.trim_start_matches("FGT"),
        "model": model.identity.model, "hostname": model.identity.hostname, "log_disk_status": "available",
        "uptime": now - model.revision.boot_epoch})
}
