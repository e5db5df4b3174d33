//! Which URLs the SDK talks to or sends the browser to: `https:` anywhere, `http:` only on a
//! loopback host (`localhost`, `127.0.0.1`, `[::1]`), nothing else.
//!
//! What it protects against: a Worker (or a provider configuration) naming a `javascript:`,
//! `data:` or plain-http authorization endpoint would otherwise have the SDK navigate there
//! (script injection, or the PKCE challenge, state and nonce sent in clear text); a plain-http
//! `baseUrl` would send refresh tokens in clear text. The check is deliberately stricter than
//! the WHATWG URL parser: anything a browser could read differently (control characters,
//! spaces, backslashes, userinfo `@`, other spellings of a loopback host) is refused rather
//! than interpreted.

/// Whether `url` is an absolute `https:` URL, or an `http:` URL on a loopback host: the one
/// URL policy of Kith (`kith_claims::url_policy`), which the Worker applies too.
pub fn is_secure_or_loopback(url: &str) -> bool {
    crate::claims::is_trustworthy(url)
}

#[cfg(test)]
mod tests {
    use super::is_secure_or_loopback as ok;

    #[test]
    fn https_urls_are_allowed_anywhere() {
        for url in [
            "https://auth.example.com",
            "https://auth.example.com/",
            "https://auth.example.com:8443/oauth/authorize?x=1",
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
        ] {
            assert!(ok(url), "{url}");
        }
        // Other spellings are refused rather than read: the one URL policy is strict.
        for url in ["http://LOCALHOST/", "HTTPS://auth.example.com/"] {
            assert!(!ok(url), "{url}");
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
