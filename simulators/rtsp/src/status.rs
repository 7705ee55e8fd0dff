//! RTSP status codes (RFC 2326 §7.1.1) with their reason phrases.

use std::fmt;

/// An RTSP status code. The device's errors are statuses too (`Status::NOT_FOUND` for an unknown
/// camera).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Status(pub u16);

impl Status {
    pub const OK: Status = Status(200);
    pub const BAD_REQUEST: Status = Status(400);
    pub const UNAUTHORIZED: Status = Status(401);
    pub const FORBIDDEN: Status = Status(403);
    pub const NOT_FOUND: Status = Status(404);
    pub const METHOD_NOT_ALLOWED: Status = Status(405);
    pub const REQUEST_ENTITY_TOO_LARGE: Status = Status(413);
    pub const UNSUPPORTED_MEDIA_TYPE: Status = Status(415);
    pub const SESSION_NOT_FOUND: Status = Status(454);
    pub const METHOD_NOT_VALID_IN_THIS_STATE: Status = Status(455);
    pub const INVALID_RANGE: Status = Status(457);
    pub const AGGREGATE_OPERATION_NOT_ALLOWED: Status = Status(459);
    pub const UNSUPPORTED_TRANSPORT: Status = Status(461);
    pub const INTERNAL_SERVER_ERROR: Status = Status(500);
    pub const NOT_IMPLEMENTED: Status = Status(501);
    pub const SERVICE_UNAVAILABLE: Status = Status(503);
    pub const VERSION_NOT_SUPPORTED: Status = Status(505);
    pub const OPTION_NOT_SUPPORTED: Status = Status(551);

    /// The reason phrase of RFC 2326.
    pub fn reason(self) -> &'static str {
        match self.0 {
            100 => "Continue",
            200 => "OK",
            201 => "Created",
            250 => "Low on Storage Space",
            300 => "Multiple Choices",
            301 => "Moved Permanently",
            302 => "Moved Temporarily",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            406 => "Not Acceptable",
            408 => "Request Time-out",
            413 => "Request Entity Too Large",
            414 => "Request-URI Too Large",
            415 => "Unsupported Media Type",
            451 => "Parameter Not Understood",
            453 => "Not Enough Bandwidth",
            454 => "Session Not Found",
            455 => "Method Not Valid in This State",
            456 => "Header Field Not Valid for Resource",
            457 => "Invalid Range",
            458 => "Parameter Is Read-Only",
            459 => "Aggregate operation not allowed",
            460 => "Only aggregate operation allowed",
            461 => "Unsupported transport",
            462 => "Destination unreachable",
            500 => "Internal Server Error",
            501 => "Not Implemented",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            504 => "Gateway Time-out",
            505 => "RTSP Version not supported",
            551 => "Option not supported",
            _ => "Unknown",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0, self.reason())
    }
}

impl From<&devsim_core::Error> for Status {
    fn from(e: &devsim_core::Error) -> Self {
        use devsim_core::ErrorKind as K;
        match e.kind {
            K::InvalidArgument => Status::BAD_REQUEST,
            K::NotFound => Status::NOT_FOUND,
            K::Unauthenticated => Status::UNAUTHORIZED,
            K::PermissionDenied => Status::FORBIDDEN,
            K::Conflict => Status::METHOD_NOT_VALID_IN_THIS_STATE,
            K::Unsupported => Status::NOT_IMPLEMENTED,
            K::Unavailable => Status::SERVICE_UNAVAILABLE,
            _ => Status::INTERNAL_SERVER_ERROR,
        }
    }
}
