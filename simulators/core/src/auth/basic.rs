//! HTTP Basic authentication (RFC 7617): parse `Authorization: Basic <base64(user:password)>`
//! and build the `Basic realm="..."` challenge. The realm and what a failure looks like on the
//! wire are the device's.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

use super::{quote, strip_scheme};

/// Standard alphabet; padding optional on input (some clients drop it), always written on output.
const B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Parses an `Authorization` header value `Basic <token>` into `(user, password)`.
///
/// The scheme is matched case-insensitively; the password is everything after the first `:`
/// (so it may itself contain colons). Returns `None` for another scheme, bad base64, a decoded
/// value without a colon, or one that is not UTF-8. Never panics.
pub fn parse(header_value: &str) -> Option<(String, String)> {
    let token = strip_scheme(header_value, "Basic")?;
    if token.is_empty() || token.contains([' ', '\t']) {
        return None;
    }
    let decoded = B64.decode(token).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// The Basic credentials of the first `Authorization` header of `headers`, if it holds any.
pub fn from_headers(headers: &::http::HeaderMap) -> Option<(String, String)> {
    let value = headers.get(::http::header::AUTHORIZATION)?.to_str().ok()?;
    parse(value)
}

/// The `WWW-Authenticate` value asking for Basic credentials: `Basic realm="<realm>"`.
pub fn challenge(realm: &str) -> String {
    format!("Basic realm={}", quote(realm))
}

/// The `Authorization` value a client sends for `user` and `password` (for tests and clients).
pub fn encode(user: &str, password: &str) -> String {
    format!("Basic {}", B64.encode(format!("{user}:{password}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_rfc7617_example() {
        // RFC 7617 §2: Aladdin / open sesame.
        assert_eq!(
            parse("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
            Some(("Aladdin".to_owned(), "open sesame".to_owned()))
        );
    }

    #[test]
    fn scheme_is_case_insensitive_and_spacing_tolerated() {
        assert_eq!(parse("  bAsIc   dXNlcjpwYXNz  "), Some(("user".to_owned(), "pass".to_owned())));
    }

    #[test]
    fn password_keeps_everything_after_the_first_colon() {
        assert_eq!(parse(&encode("u", "a:b:c")), Some(("u".to_owned(), "a:b:c".to_owned())));
        assert_eq!(parse(&encode("", "")), Some((String::new(), String::new())));
    }

    #[test]
    fn accepts_missing_padding() {
        assert_eq!(parse("Basic dXNlcjpwYXM"), Some(("user".to_owned(), "pas".to_owned())));
    }

    #[test]
    fn returns_none_for_bad_base64() {
        assert_eq!(parse("Basic !!!notbase64"), None);
        assert_eq!(parse("Basic dXNl cjpwYXNz"), None);
    }

    #[test]
    fn returns_none_without_colon() {
        assert_eq!(parse(&format!("Basic {}", B64.encode("nocolon"))), None);
    }

    #[test]
    fn returns_none_for_non_utf8() {
        assert_eq!(parse(&format!("Basic {}", B64.encode([0xff, 0xfe, b':', b'x']))), None);
    }

    #[test]
    fn returns_none_for_other_scheme_or_empty_token() {
        assert_eq!(parse("Bearer dXNlcjpwYXNz"), None);
        assert_eq!(parse("Basic"), None);
        assert_eq!(parse("Basic   "), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn utf8_credentials_round_trip() {
        assert_eq!(parse(&encode("jäger", "pässwörd")), Some(("jäger".to_owned(), "pässwörd".to_owned())));
    }

    #[test]
    fn challenge_quotes_the_realm() {
        assert_eq!(challenge("Login to cam"), r#"Basic realm="Login to cam""#);
        assert_eq!(challenge(r#"a"b"#), r#"Basic realm="a\"b""#);
    }

    #[test]
    fn from_headers_reads_authorization() {
        let mut h = ::http::HeaderMap::new();
        assert_eq!(from_headers(&h), None);
        h.insert(::http::header::AUTHORIZATION, encode("admin", "pw").parse().unwrap());
        assert_eq!(from_headers(&h), Some(("admin".to_owned(), "pw".to_owned())));
    }

    proptest! {
        #[test]
        fn random_strings_never_panic(s in ".*") {
            let _ = parse(&s);
            let _ = parse(&format!("Basic {s}"));
        }

        #[test]
        fn encode_then_parse_round_trips(user in "[^:]*", password in ".*") {
            prop_assert_eq!(parse(&encode(&user, &password)), Some((user, password)));
        }
    }
}
