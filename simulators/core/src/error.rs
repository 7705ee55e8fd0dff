//! One error type for the shared machinery, with a closed set of kinds.
//!
//! Every device's own model error converts into [`Error`]; the device's wire module decides how a
//! kind is worded and which status it gets. Nothing in the core maps a kind to bytes on the wire
//! except the control API, which has its own JSON error shape.

use std::fmt;

/// The closed set of failure kinds every layer agrees on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The request is malformed or a value is out of range.
    InvalidArgument,
    /// The addressed object does not exist.
    NotFound,
    /// No (valid) credentials were presented.
    Unauthenticated,
    /// Credentials are valid but do not grant the operation.
    PermissionDenied,
    /// The operation conflicts with current state (duplicate key, object in use).
    Conflict,
    /// The operation is not supported (method, feature, profile).
    Unsupported,
    /// The device or a dependency (e.g. ffmpeg) is not available right now.
    Unavailable,
    /// A bug or an I/O failure on our side.
    Internal,
}

impl ErrorKind {
    /// Stable snake_case name, used in control API bodies and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Internal => "internal",
        }
    }

    /// The HTTP status the control API uses for this kind (device APIs use their own mapping).
    pub fn control_status(self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            ErrorKind::InvalidArgument => S::BAD_REQUEST,
            ErrorKind::NotFound => S::NOT_FOUND,
            ErrorKind::Unauthenticated => S::UNAUTHORIZED,
            ErrorKind::PermissionDenied => S::FORBIDDEN,
            ErrorKind::Conflict => S::CONFLICT,
            ErrorKind::Unsupported => S::METHOD_NOT_ALLOWED,
            ErrorKind::Unavailable => S::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => S::INTERNAL_SERVER_ERROR,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error with a kind and a human message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into() }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
