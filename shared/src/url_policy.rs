//! The one URL policy of Kith: which URLs it will fetch, redirect a browser to, or accept as
//! an origin. Both the Worker (provider endpoints, discovery, redirect URLs, allowed origins)
//! and the browser SDK use it.
//!
//! A URL is accepted when it is `https://`, or `http://` on a loopback host (`127.0.0.1`,
//! `localhost`, `[::1]`): the "potentially trustworthy" origins of W3C Secure Contexts
//! section 3.1, without `*.localhost`. Tokens, codes and client secrets only ever travel to
//! such URLs, so a network attacker cannot read them (OAuth 2.0 Security BCP, RFC 9700
//! section 4.1; RFC 8252 section 8.3 for loopback).
//!
//! The parser is hand-written and deliberately stricter than the WHATWG URL standard
//! browsers follow, so that every accepted URL means the same thing to Kith, to a browser and
//! to any HTTP client: no two readings of one string can send a secret elsewhere (the
//! open-redirect and parser-differential tricks of RFC 9700 section 4.11 and TESTING.md).
//! Refused:
//! - any scheme but lower-case `https` / `http`, and a missing `//` (`https:evil.example`);
//! - userinfo (`https://good.example@evil.example`), which hides the real host;
//! - backslashes (browsers read `\` as `/`), control characters, whitespace, non-ASCII
//!   characters (IDNs must come as punycode), and `%` in the host (no encoded dots);
//! - empty hosts, empty or malformed DNS labels, empty or out-of-range ports;
//! - numeric hosts that browsers would read as another IPv4 address (`127.1`,
//!   `2130706433`, `0x7f.0.0.1`): an IPv4 host must be a canonical dotted quad;
//! - malformed percent escapes in the path, query or fragment.
//!
//! No `url` crate: the SDK bundles this crate, and size matters (STYLE.md principle 8).

use crate::error::{Error, ErrorCode, Result};

/// The longest URL accepted, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// The scheme of a [`TrustworthyUrl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `https` (RFC 9110 section 4.2.2).
    Https,
    /// `http`, accepted only on a loopback host (RFC 8252 section 7.3, local development).
    Http,
}

impl Scheme {
    /// The port a URL of this scheme uses when it names none (RFC 9110 section 4.2).
    pub const fn default_port(self) -> u16 {
        match self {
            Self::Https => 443,
            Self::Http => 80,
        }
    }
}

/// A URL that passed Kith's URL policy (see the module documentation); it borrows the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TrustworthyUrl<'a> {
    text: &'a str,
    scheme: Scheme,
    host: &'a str,
    port: Option<u16>,
    /// Path, query and fragment, as written (starts with `/`, `?` or `#`, or is empty).
    rest: &'a str,
}

fn refuse(detail: &'static str) -> Error {
    Error::new(ErrorCode::InvalidUrl, detail)
}

/// A check's verdict: the reason a URL is refused, as static text (made an [`Error`] only by
/// [`TrustworthyUrl::parse`]: a caller that only branches on the verdict carries no text).
/// The checks are `#[inline(always)]` so that in [`is_trustworthy`], which drops the reason,
/// the texts are dead and leave the SDK's wasm (measured: 0.35 KB of its gzip).
type Check<T> = core::result::Result<T, &'static str>;

/// Whether `text` passes the policy ([`TrustworthyUrl::parse`] without the reason).
pub fn is_trustworthy(text: &str) -> bool {
    TrustworthyUrl::check(text).is_ok()
}

impl<'a> TrustworthyUrl<'a> {
    /// Parses `text` under the policy of the module documentation.
    pub fn parse(text: &'a str) -> Result<Self> {
        Self::check(text).map_err(refuse)
    }

    #[inline(always)]
    fn check(text: &'a str) -> Check<Self> {
        let bytes = text.as_bytes();
        if bytes.is_empty() || bytes.len() > MAX_URL_LEN {
            return Err("a URL must be 1-2048 characters");
        }
        // Printable ASCII only: no whitespace, control characters or non-ASCII anywhere.
        let (mut graphic, mut backslash) = (true, false);
        for &b in bytes {
            graphic &= b.is_ascii_graphic();
            backslash |= b == b'\\';
        }
        if !graphic {
            return Err("a URL must be printable ASCII without whitespace (IDNs as punycode)");
        }
        if backslash {
            return Err("a URL must not contain a backslash");
        }
        let (scheme, after) = if let Some(r) = text.strip_prefix("https://") {
            (Scheme::Https, r)
        } else if let Some(r) = text.strip_prefix("http://") {
            (Scheme::Http, r)
        } else {
            return Err("a URL must start with https:// (or http:// on loopback)");
        };
        // The authority ends at the first `/`, `?` or `#`; its port starts at the first `:`
        // after the last `]` (an IPv6 literal holds colons of its own).
        let (mut split, mut at, mut colon) = (0, false, None);
        for &b in after.as_bytes() {
            match b {
                b'/' | b'?' | b'#' => break,
                b'@' => at = true,
                b']' => colon = None,
                b':' if colon.is_none() => colon = Some(split),
                _ => {}
            }
            split += 1;
        }
        let (authority, rest) = after.split_at_checked(split).unwrap_or((after, ""));
        if at {
            return Err("a URL must not carry userinfo (user@host)");
        }
        let (host, port) = split_port(authority, colon)?;
        check_host(host)?;
        check_escapes(rest)?;
        let url = Self {
            text,
            scheme,
            host,
            port,
            rest,
        };
        if scheme == Scheme::Http && !url.is_loopback() {
            return Err("http:// is only accepted on a loopback host");
        }
        Ok(url)
    }

    /// The whole URL, as given.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host as written: a DNS name, a dotted-quad IPv4 address or a bracketed IPv6 one.
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The port, when the URL names one.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Path, query and fragment as written (empty, or starting with `/`, `?` or `#`).
    pub fn path_and_rest(&self) -> &'a str {
        self.rest
    }

    /// Whether the URL carries a fragment, which a redirection endpoint must not (RFC 6749
    /// section 3.1.2).
    pub fn has_fragment(&self) -> bool {
        self.rest.contains('#')
    }

    /// Whether the host is one of the loopback names Kith accepts over `http`.
    pub fn is_loopback(&self) -> bool {
        matches!(self.host, "127.0.0.1" | "localhost" | "[::1]")
    }

    /// Whether the text is exactly an origin in its serialized form (RFC 6454 section 6.2):
    /// `scheme://host[:port]` with a lower-case host, no default port, and nothing after it,
    /// so that it compares equal to a browser's `Origin` header byte for byte (CORS).
    pub fn is_origin(&self) -> bool {
        let lower = !self.host.bytes().any(|b| b.is_ascii_uppercase());
        let default_port = self.port == Some(self.scheme.default_port());
        self.rest.is_empty() && lower && !default_port
    }
}

/// Splits `host[:port]` at `colon`, refusing empty, non-numeric and out-of-range ports.
#[inline(always)]
fn split_port(authority: &str, colon: Option<usize>) -> Check<(&str, Option<u16>)> {
    let Some((host, digits)) = colon.and_then(|i| authority.split_at_checked(i)) else {
        return Ok((authority, None));
    };
    match number(digits.as_bytes().get(1..).unwrap_or_default(), 5) {
        Some(port @ 1..=65535) => Ok((host, u16::try_from(port).ok())),
        _ => Err("a URL port must be a number from 1 to 65535"),
    }
}

/// A DNS name of 1-63 character labels (letters, digits, inner `-`), a canonical dotted-quad
/// IPv4 address, or a bracketed IPv6 address.
#[inline(always)]
fn check_host(host: &str) -> Check<()> {
    let bytes = host.as_bytes();
    if bytes.is_empty() {
        return Err("a URL must name a host");
    }
    if let [b'[', inner @ ..] = bytes {
        let [inner @ .., b']'] = inner else {
            return Err("an IPv6 host must be bracketed");
        };
        let (mut colon, mut ok) = (false, true);
        for &b in inner {
            colon |= b == b':';
            ok &= b.is_ascii_hexdigit() || b == b':' || b == b'.';
        }
        return if colon && ok {
            Ok(())
        } else {
            Err("an IPv6 host holds only hex digits, ':' and '.'")
        };
    }
    if bytes.len() > 253 {
        return Err("a URL host is at most 253 characters");
    }
    match labels(bytes) {
        Labels::Invalid => Err("a URL host must be DNS labels of letters, digits and inner '-'"),
        // WHATWG reads a host whose last label is numeric (or 0x...) as an IPv4 address, in
        // decimal, octal or hex, with 1-4 parts: only accept the one canonical spelling.
        Labels::Numeric => Err("a numeric host must be a dotted-quad IPv4 address"),
        Labels::Name | Labels::Ipv4 => Ok(()),
    }
}

/// What [`labels`] found a host to be.
enum Labels {
    /// Not `.`-separated labels of 1-63 letters, digits and inner `-`.
    Invalid,
    /// A DNS name whose last label is neither all digits nor starts with `0x`.
    Name,
    /// A canonical dotted quad: four decimal parts of 0-255 without leading zeros.
    Ipv4,
    /// Numeric (the last label all digits or `0x...`) but not a canonical dotted quad.
    Numeric,
}

/// Reads `host` as `.`-separated labels in one pass, as if a `.` followed it (byte loops, not
/// `split` and `parse`: the split iterators, `memchr` and the integer parser are ~2 KB of the
/// SDK's wasm, for ASCII that has already been checked).
fn labels(host: &[u8]) -> Labels {
    // The label being read: its length, value as a decimal number, whether it is all digits,
    // and whether it starts with `0` or `0x`; the host: dotted-quad parts so far.
    let (mut len, mut value, mut digits, mut zero, mut hex) = (0u32, 0u32, true, false, false);
    let (mut quad, mut parts, mut prev, mut numeric) = (true, 0, b'.', false);
    for i in 0..host.len() + 1 {
        let b = host.get(i).copied().unwrap_or(b'.');
        if b == b'.' {
            if prev == b'.' || prev == b'-' {
                return Labels::Invalid;
            }
            quad &= digits && len <= 3 && value <= 255 && !(zero && len > 1);
            numeric = digits || hex;
            parts += 1;
            (len, value, digits) = (0, 0, true);
        } else {
            let inner_hyphen = b == b'-' && prev != b'.';
            if len == 63 || !(b.is_ascii_alphanumeric() || inner_hyphen) {
                return Labels::Invalid;
            }
            if len == 0 {
                zero = b == b'0';
            }
            hex = (len == 1 && zero && (b | 0x20) == b'x') || (len > 1 && hex);
            digits &= b.is_ascii_digit();
            // Only read for labels of at most 3 digits.
            value = value * 10 % 1000 + u32::from(b.wrapping_sub(b'0'));
            len += 1;
        }
        prev = b;
    }
    // `numeric` describes the last label here.
    match (quad && parts == 4, numeric) {
        (true, _) => Labels::Ipv4,
        (false, true) => Labels::Numeric,
        (false, false) => Labels::Name,
    }
}

/// `digits` as a number when it is 1 to `max` ASCII digits (no sign, no spaces).
fn number(digits: &[u8], max: usize) -> Option<u32> {
    if !(1..=max).contains(&digits.len()) {
        return None;
    }
    let mut value = 0u32;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(b - b'0');
    }
    Some(value)
}

/// Every `%` starts a two-hex-digit escape (RFC 3986 section 2.1).
#[inline(always)]
fn check_escapes(rest: &str) -> Check<()> {
    // Hex digits still owed to the last `%`.
    let mut owed = 0;
    for &b in rest.as_bytes() {
        if owed > 0 {
            if !b.is_ascii_hexdigit() {
                break;
            }
            owed -= 1;
        } else if b == b'%' {
            owed = 2;
        }
    }
    if owed > 0 {
        return Err("a URL has a malformed percent escape");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_parts_it_checked() {
        let u = TrustworthyUrl::parse("https://op.example:8443/a?b=c#d").unwrap();
        assert_eq!(u.scheme(), Scheme::Https);
        assert_eq!(u.host(), "op.example");
        assert_eq!(u.port(), Some(8443));
        assert_eq!(u.path_and_rest(), "/a?b=c#d");
        assert!(u.has_fragment());
        let v6 = TrustworthyUrl::parse("http://[::1]:9000/cb").unwrap();
        assert_eq!((v6.host(), v6.port()), ("[::1]", Some(9000)));
    }

    #[test]
    fn acceptable_urls_are_https_or_loopback_http() {
        let ok = |u: &str| TrustworthyUrl::parse(u).is_ok();
        assert!(ok("https://op.example/x"));
        assert!(ok("http://127.0.0.1:9000/x"));
        assert!(ok("http://localhost/x"));
        assert!(!ok("http://op.example/x"));
        assert!(!ok("http://127.0.0.1.evil.example/x"));
        assert!(!ok("ftp://op.example"));
        assert!(!ok("https://"));
    }
}
