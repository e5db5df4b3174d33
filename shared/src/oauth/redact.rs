//! Keeping what a request carries out of the text that describes its failure: a log line
//! may name the endpoint and the status, never a token, code, verifier or secret (RFC 6750
//! section 5.3; RFC 9700 section 4.3 on credentials in logs).

use super::form::{form_decode, form_encode};
use super::HttpRequest;

/// Headers whose values are not credentials (everything else, `authorization` first, is).
const PLAIN_HEADERS: [&str; 3] = ["accept", "content-type", "user-agent"];

/// What replaces a secret in a reason.
pub const REDACTED: &str = "[redacted]";

impl HttpRequest {
    /// Every value of this request that may be a credential, in each spelling it can take
    /// in an error message: the query and each of its values, the credential headers'
    /// values (also without their `Bearer `/`Basic ` scheme), the body and each of its form
    /// values, each raw and form-encoded. Longest first, so a value inside another goes too.
    fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        let form_values = |encoded: &str, out: &mut Vec<String>| {
            out.push(encoded.to_owned());
            for (_, v) in form_decode(encoded) {
                out.push(form_encode(&v));
                out.push(v);
            }
        };
        if let Some((_, query)) = self.url.split_once('?') {
            form_values(query.split('#').next().unwrap_or_default(), &mut out);
        }
        form_values(&self.body, &mut out);
        for (name, value) in &self.headers {
            if PLAIN_HEADERS.contains(name) {
                continue;
            }
            out.push(value.clone());
            if let Some((_, credential)) = value.split_once(' ') {
                out.push(form_encode(credential));
                out.push(credential.to_owned());
            }
        }
        out.retain(|s| !s.trim().is_empty());
        out.sort_by_key(|s| core::cmp::Reverse(s.len()));
        out.dedup();
        out
    }

    /// `text` (a failure's reason, a provider's error description) with every credential
    /// this request carries replaced by [`REDACTED`]: for reasons that echo the request,
    /// such as a fetch error naming the full URL or a token endpoint quoting the code.
    pub fn redact(&self, text: &str) -> String {
        self.secrets()
            .iter()
            .fold(text.to_owned(), |acc, s| acc.replace(s.as_str(), REDACTED))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> HttpRequest {
        HttpRequest {
            method: "POST",
            url: "https://op.example/token?appsecret_proof=ab12cd&x=y%2Bz".into(),
            headers: vec![
                ("authorization", "Bearer tok/en+1".into()),
                ("accept", "application/json".into()),
            ],
            body: "code=the+code&client_secret=s%3Acret&code_verifier=verifier".into(),
        }
    }

    #[test]
    fn redacts_every_credential_in_every_spelling() {
        let r = request();
        let text = format!(
            "TypeError: fetch {} failed; sent {} and {:?}; the code the code, s:cret, \
             verifier, tok/en+1 (tok%2Fen%2B1) and y+z",
            r.url, r.body, r.headers
        );
        let shown = r.redact(&text);
        for leak in [
            "ab12cd",
            "the+code",
            "the code",
            "s%3Acret",
            "s:cret",
            "verifier",
            "tok/en+1",
            "tok%2Fen%2B1",
            "y+z",
            "y%2Bz",
        ] {
            assert!(!shown.contains(leak), "{leak} in {shown}");
        }
        assert!(shown.contains("https://op.example/token?"), "{shown}");
        assert!(shown.contains("application/json"), "{shown}");
    }
}
