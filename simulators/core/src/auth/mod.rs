//! Authentication building blocks every device composes. Pure code: no routers, no I/O, no clock
//! reads (time comes in as `now_ms` on the device clock). Realm, scheme names on the wire,
//! cookie names and error wording belong to the device; nothing here names a vendor.
//!
//! - [`basic`]: `Authorization: Basic ...` parsing and the `Basic realm="..."` challenge.
//! - [`digest`]: a server-side Digest verifier ([`digest::DigestServer`]) for HTTP and RTSP
//!   (RFC 2069 without `qop`, RFC 2617 / RFC 7616 with `qop=auth`, MD5 and SHA-256), and a
//!   client-side helper for tests and the conformance runner.
//! - [`session`]: cookie session tokens with idle expiry ([`session::SessionStore`]) and cookie
//!   header helpers.
//! - [`bearer`]: named API tokens ([`bearer::TokenStore`]) and `Authorization: Bearer` parsing.
//!
//! Every store here is a plain struct: the device keeps it inside its own state lock, so the
//! whole request (auth and model change) happens under one lock.

pub mod basic;
pub mod bearer;
pub mod digest;
pub mod session;

use rand::RngCore;

/// `bytes` random bytes from the operating system's CSPRNG, as lowercase hex (`2 * bytes` chars).
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// `s` as an RFC 7230 quoted-string: surrounded by `"`, with `"` and `\` escaped.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Splits `Scheme rest` (leading whitespace allowed) when the scheme matches `scheme`
/// case-insensitively and is followed by whitespace or the end. Returns the rest, trimmed.
pub(crate) fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let v = value.trim_start_matches([' ', '\t']);
    let head = v.get(..scheme.len())?;
    if !head.eq_ignore_ascii_case(scheme) {
        return None;
    }
    let rest = &v[scheme.len()..];
    match rest.as_bytes().first() {
        None => Some(""),
        Some(b' ' | b'\t') => Some(rest.trim_matches([' ', '\t'])),
        Some(_) => None,
    }
}

/// Compares two byte strings in time that depends only on their lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_hex_has_requested_length_and_is_lowercase_hex() {
        let t = random_hex(16);
        assert_eq!(t.len(), 32);
        assert!(t.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_ne!(random_hex(16), t, "two 128-bit draws must differ");
    }

    #[test]
    fn quote_escapes_quotes_and_backslashes() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote(""), r#""""#);
    }

    #[test]
    fn strip_scheme_is_case_insensitive_and_needs_a_separator() {
        assert_eq!(strip_scheme("  basic  abc ", "Basic"), Some("abc"));
        assert_eq!(strip_scheme("Basic", "Basic"), Some(""));
        assert_eq!(strip_scheme("Basicabc", "Basic"), None);
        assert_eq!(strip_scheme("Bas", "Basic"), None);
        assert_eq!(strip_scheme("Digest x", "Basic"), None);
        // A multi-byte character where the scheme would end must not panic.
        assert_eq!(strip_scheme("Basé abc", "Basic"), None);
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
