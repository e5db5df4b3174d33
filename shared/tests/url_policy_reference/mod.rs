//! The URL policy as it was written before its one-pass rewrite (issue 14, fourth round):
//! `str` searches, `split` and per-check helpers. Kept as the oracle the shipped parser is
//! compared against (`tests/url_policy_differential.rs`): same verdict, same parts, same
//! reason, for every input.

pub type Parts<'a> = (bool, &'a str, Option<u16>, &'a str);

/// `(https, host, port, rest)` of an accepted URL, or the reason it is refused.
pub fn check(text: &str) -> Result<Parts<'_>, &'static str> {
    if text.is_empty() || text.len() > 2048 {
        return Err("a URL must be 1-2048 characters");
    }
    if !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("a URL must be printable ASCII without whitespace (IDNs as punycode)");
    }
    if text.contains('\\') {
        return Err("a URL must not contain a backslash");
    }
    let (https, after) = if let Some(r) = text.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = text.strip_prefix("http://") {
        (false, r)
    } else {
        return Err("a URL must start with https:// (or http:// on loopback)");
    };
    let split = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(split);
    if authority.contains('@') {
        return Err("a URL must not carry userinfo (user@host)");
    }
    let (host, port) = split_port(authority)?;
    check_host(host)?;
    check_escapes(rest)?;
    if !https && !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return Err("http:// is only accepted on a loopback host");
    }
    Ok((https, host, port, rest))
}

fn split_port(authority: &str) -> Result<(&str, Option<u16>), &'static str> {
    let after = authority.rfind(']').unwrap_or(0);
    let Some(colon) = authority[after..].find(':').map(|i| i + after) else {
        return Ok((authority, None));
    };
    match number(&authority[colon + 1..], 5) {
        Some(port @ 1..=65535) => Ok((&authority[..colon], Some(port as u16))),
        _ => Err("a URL port must be a number from 1 to 65535"),
    }
}

fn check_host(host: &str) -> Result<(), &'static str> {
    if host.is_empty() {
        return Err("a URL must name a host");
    }
    if let Some(inner) = host.strip_prefix('[') {
        let inner = inner
            .strip_suffix(']')
            .ok_or("an IPv6 host must be bracketed")?;
        let ok = inner.contains(':')
            && inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        return if ok {
            Ok(())
        } else {
            Err("an IPv6 host holds only hex digits, ':' and '.'")
        };
    }
    if host.len() > 253 {
        return Err("a URL host is at most 253 characters");
    }
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if !host.split('.').all(label_ok) {
        return Err("a URL host must be DNS labels of letters, digits and inner '-'");
    }
    let last = host.rsplit('.').next().unwrap_or(host);
    let numeric = last.bytes().all(|b| b.is_ascii_digit())
        || last.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("0x"));
    if numeric && !canonical_ipv4(host) {
        return Err("a numeric host must be a dotted-quad IPv4 address");
    }
    Ok(())
}

fn canonical_ipv4(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| (*p == "0" || !p.starts_with('0')) && number(p, 3).is_some_and(|n| n <= 255))
}

fn number(digits: &str, max: usize) -> Option<u32> {
    let ok = (1..=max).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| digits.parse().ok()).flatten()
}

fn check_escapes(rest: &str) -> Result<(), &'static str> {
    let bytes = rest.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' {
            let escape = bytes.get(i + 1..i + 3);
            if !escape.is_some_and(|e| e.iter().all(u8::is_ascii_hexdigit)) {
                return Err("a URL has a malformed percent escape");
            }
        }
    }
    Ok(())
}
