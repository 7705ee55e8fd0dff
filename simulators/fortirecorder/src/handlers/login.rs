//! ServiceLogin and AdminLogin (§1.3.1-§1.3.4, §2.2.1). `reqAction` is ignored here.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue};
use serde_json::Value;

use devsim_core::auth::session::set_cookie;

use crate::device::FortiRecorder;
use crate::model::{Body, Command, LoginKind, Output};
use crate::wire::{self, FrcError, Resource};

pub(super) fn login(
    dev: &FortiRecorder,
    res: Resource,
    body: Option<Value>,
    https: bool,
) -> Result<Response, FrcError> {
    let kind = if res == Resource::ServiceLogin { LoginKind::Service } else { LoginKind::Admin };
    let b = Body::new(body.as_ref())?;
    let name = b.req_str("name")?.to_owned();
    let password = b.req_str("password")?.to_owned();
    let Output::Session { token } = dev.apply(Command::Login { kind, name, password })? else {
        return Err(FrcError::Internal);
    };
    let cookie = wire::cookie_name(dev.options().cookie_style, res, dev.cookie_suffix());
    let mut resp = wire::ok(&dev.profile().style(dev.options()), &wire::login_ok(res)).into_response();
    let value = HeaderValue::from_str(&set_cookie(&cookie, &token, https)).map_err(|_| FrcError::Internal)?;
    resp.headers_mut().append(header::SET_COOKIE, value);
    Ok(resp)
}
