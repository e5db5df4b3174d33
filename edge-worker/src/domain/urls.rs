//! The URLs a project and its providers may name, under kith-claims' one URL policy
//! ([`TrustworthyUrl`]: https, or http on a loopback host; no userinfo, no parser tricks).

use kith_claims::url_policy::TrustworthyUrl;

/// A URL Kith will talk to or send a browser to (provider endpoints, issuers, discovery).
pub fn check_url(field: &str, value: &str) -> Result<(), String> {
    TrustworthyUrl::parse(value).map(|_| ()).map_err(|e| {
        format!(
            "\"{field}\" must be https (http only on a loopback host): {}",
            e.detail()
        )
    })
}

/// An allowed origin: `scheme://host[:port]` exactly as a browser's `Origin` header says it.
pub fn check_origin(value: &str) -> Result<(), String> {
    check_url("allowed_origins", value)?;
    match TrustworthyUrl::parse(value) {
        Ok(url) if url.is_origin() => Ok(()),
        _ => Err(format!(
            "\"{value}\" is not an origin (scheme://host[:port], no path)"
        )),
    }
}

/// A redirect URL: web ones under the URL policy, native apps' custom schemes
/// (`com.example.app:/cb`, RFC 8252 section 7.1) as a scheme and a path; never a fragment.
pub fn check_redirect(url: &str) -> Result<(), String> {
    let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or_default();
    if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
        let parsed = TrustworthyUrl::parse(url).map_err(|e| {
            format!(
                "redirect URL \"{url}\" must be https (http only on a loopback host): {}",
                e.detail()
            )
        })?;
        if parsed.has_fragment() {
            return Err("redirect URLs may not carry a fragment".into());
        }
        return Ok(());
    }
    let custom = !scheme.is_empty()
        && scheme
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !custom || url.len() > 2048 || url.bytes().any(|b| b <= b' ' || b == 0x7f || b == b'\\') {
        return Err(format!("redirect URL \"{url}\" is not a URL"));
    }
    if url.contains('#') {
        return Err("redirect URLs may not carry a fragment".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_https_except_on_loopback() {
        assert!(check_url("x", "https://op.example/token").is_ok());
        assert!(check_url("x", "http://127.0.0.1:9000/token").is_ok());
        assert!(check_url("x", "http://op.example/token").is_err());
        assert!(check_url("x", "https://good.example@evil.example/").is_err());
    }

    #[test]
    fn origins_are_bare() {
        assert!(check_origin("https://app.example").is_ok());
        assert!(check_origin("http://127.0.0.1:5173").is_ok());
        assert!(check_origin("http://127.0.0.1:5173/").is_err());
        assert!(check_origin("http://app.example").is_err());
    }

    #[test]
    fn redirects_allow_custom_schemes_but_no_fragments() {
        assert!(check_redirect("com.example.app:/callback").is_ok());
        assert!(check_redirect("https://app.example/cb").is_ok());
        assert!(check_redirect("https://app.example/cb#x").is_err());
        assert!(check_redirect("com.example.app:/cb#x").is_err());
        assert!(check_redirect("http://app.example/cb").is_err());
        assert!(check_redirect("java script:/x").is_err());
    }
}
