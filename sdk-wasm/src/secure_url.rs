//! Which URLs the SDK talks to or sends the browser to: `https:` anywhere, `http:` only on a
//! loopback host (`localhost`, `127.0.0.1`, `[::1]`), nothing else.
//!
//! What it protects against: a Worker (or a provider configuration) naming a `javascript:`,
//! `data:` or plain-http authorization endpoint would otherwise have the SDK navigate there
//! (script injection, or the PKCE challenge, state and nonce sent in clear text); a plain-http
//! `baseUrl` would send refresh tokens in clear text. The check is deliberately stricter than
//! the WHATWG URL parser: anything a browser could read differently from this simple reading
//! (control characters, spaces, backslashes, userinfo `@`, percent-escapes or other spellings in
//! a loopback host) is refused rather than interpreted.

/// The loopback hosts where plain http is allowed (development).
const LOOPBACK: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// Whether `url` is an absolute `https:` URL, or an `http:` URL on a loopback host.
pub fn is_secure_or_loopback(url: &str) -> bool {
    if url.bytes().any(|b| b <= b' ' || b == b'\\' || b == 0x7f) {
        return false;
    }
    let url = url.to_ascii_lowercase();
    let (https, rest) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => return false,
    };
    let end = rest
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let authority = rest.get(..end).unwrap_or_default();
    match host_of(authority) {
        _ if authority.contains('@') => false,
        Some(host) if https => !host.is_empty(),
        Some(host) => LOOPBACK.contains(&host),
        None => false,
    }
}

/// The host of an authority `host[:port]` or `[v6][:port]`; `None` when the port is not 1-5
/// digits or the brackets do not close.
fn host_of(authority: &str) -> Option<&str> {
    let (host, port) = if authority.starts_with('[') {
        let (inside, after) = authority.split_once(']')?;
        let host = authority.get(..inside.len() + 1)?;
        match after.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if after.is_empty() => (host, None),
            None => return None,
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port_ok =
        port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok.then_some(host)
}

#[cfg(test)]
mod tests {
    use super::is_secure_or_loopback as ok;

    #[test]
    fn https_urls_are_allowed_anywhere() {
        for url in [
            "https://auth.example.com",
            "https://auth.example.com/",
            "HTTPS://Auth.Example.com:8443/oauth/authorize?x=1",
            "https://[2001:db8::1]/auth",
        ] {
            assert!(ok(url), "{url}");
        }
    }

    #[test]
    fn plain_http_is_allowed_only_on_loopback_hosts() {
        for url in [
            "http://localhost:8787",
            "http://127.0.0.1:9400/auth",
            "http://[::1]:8787/",
            "http://LOCALHOST/",
        ] {
            assert!(ok(url), "{url}");
        }
        for url in [
            "http://auth.example.com",
            "http://localhost.evil.example/",
            "http://127.0.0.1.nip.io/",
            "http://127.1/",
            "http://0x7f000001/",
            "http://%6c%6fcalhost/",
            "http://localhost./",
        ] {
            assert!(!ok(url), "{url}");
        }
    }

    #[test]
    fn script_and_data_schemes_are_refused() {
        for url in [
            "javascript:alert(1)",
            "javascript://%0aalert(1)",
            "data:text/html,<script>alert(1)</script>",
            "file:///etc/passwd",
            "ftp://example.com/",
            "//evil.example/auth",
            "/relative",
            "",
        ] {
            assert!(!ok(url), "{url}");
        }
    }

    #[test]
    fn spellings_a_browser_reads_differently_are_refused() {
        for url in [
            "http://evil.example\\@localhost/",
            "http://localhost@evil.example/",
            "https://user:pass@auth.example.com/",
            "http://local\thost/",
            "http://localhost:80:80/",
            "http://localhost:port/",
            "http://localhost:/",
            "http://[::1/",
            "http://[::1]x/",
            " https://auth.example.com",
            "https://",
        ] {
            assert!(!ok(url), "{url:?}");
        }
    }
}
