use super::{Ctx, Fail, Out};

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    let _ = ctx;
    None
}
