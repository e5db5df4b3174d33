//! `application/x-www-form-urlencoded` (WHATWG URL standard, section 5) and percent-decoding
//! (RFC 3986 section 2.1): how OAuth 2.0 requests and some answers are written (RFC 6749
//! appendix B).

use crate::hex;
use alloc::string::String;
use alloc::vec::Vec;

/// `application/x-www-form-urlencoded` encoding of one component (WHATWG URL standard,
/// "application/x-www-form-urlencoded serializer"; RFC 6749 appendix B).
/// (Written without `format!`: the browser SDK links this and stays free of `core::fmt`.)
pub fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => {
                // Upper-case hex digits, as RFC 3986 section 2.1 recommends.
                out.push('%');
                out.push(char::from(hex::digit(b >> 4, true)));
                out.push(char::from(hex::digit(b & 0x0f, true)));
            }
        }
    }
    out
}

/// `k1=v1&k2=v2`, each part form-encoded.
pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&form_encode(k));
        out.push('=');
        out.push_str(&form_encode(v));
    }
    out
}

/// Decodes `%XX` escapes (RFC 3986 section 2.1); anything else is kept as it is.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| core::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes `application/x-www-form-urlencoded` (`+` is a space, `%XX` a byte; WHATWG URL
/// standard, "application/x-www-form-urlencoded parser").
pub fn form_decode(body: &str) -> Vec<(String, String)> {
    let unescape = |s: &str| percent_decode(&s.replace('+', " "));
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (unescape(k), unescape(v)),
            None => (unescape(pair), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_round_trips_reserved_characters() {
        let text = "a b&c=d/é%+";
        assert_eq!(form_encode(text), "a+b%26c%3Dd%2F%C3%A9%25%2B");
        assert_eq!(
            form_decode(&form(&[("k", text)])),
            vec![("k".to_owned(), text.to_owned())]
        );
    }
}
