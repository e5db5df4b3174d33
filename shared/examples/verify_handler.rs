//! A std-only HTTP backend that trusts Kith sessions: `GET /api/me` with
//! `Authorization: Bearer <access token>` answers who the token says the user is.
//!
//! ```sh
//! cargo run -p kith-claims --features rustcrypto --example verify_handler -- \
//!     http://127.0.0.1:8787 <project-id> [port]
//! ```
//!
//! The verification is sans-I/O ([`access_token::verify_now`]: key set and time are
//! arguments); this file does the I/O around it: it fetches `{issuer}/.well-known/jwks.json`
//! (plain HTTP on loopback here: a real backend uses its HTTPS client) and refetches it for an
//! unknown `kid` as [`jwks_cache::decide`] allows (at most once per cooldown). For sensitive
//! requests, also ask the Worker's `POST /api/auth/session/check` with the token's `sid`.
#![allow(clippy::print_stdout)]

use kith_claims::access_token::{self, AccessClaims, AccessExpectations};
use kith_claims::jose::jwks_cache::{self, CacheState, JwksAction};
use kith_claims::jose::JwkSet;
use kith_claims::{ErrorCode, Verified};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{SystemTime, UNIX_EPOCH};

type Failure = Box<dyn std::error::Error>;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// GET `url` (`http://host:port/path`) with HTTP/1.0: the status and the body.
fn http_get(url: &str) -> Result<(u16, Vec<u8>), Failure> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("this example fetches http:// only")?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(host)?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {host}\r\nAccept: application/json\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no HTTP head")?;
    let head = String::from_utf8_lossy(answer.get(..split).unwrap_or_default());
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("no status")?;
    Ok((status, answer.get(split + 4..).unwrap_or_default().to_vec()))
}

/// The Worker's key set and what the cache policy needs to know about it.
struct Keys {
    jwks_url: String,
    set: JwkSet,
    state: CacheState,
}

impl Keys {
    fn fetch(jwks_url: String) -> Result<Self, Failure> {
        let (status, body) = http_get(&jwks_url)?;
        if status != 200 {
            return Err(format!("{jwks_url} answered {status}").into());
        }
        let now = now();
        let state = CacheState {
            fetched_at: now,
            expires_at: now + jwks_cache::DEFAULT_TTL_SECS,
            last_attempt_at: now,
            refetched_at: i64::MIN,
            in_flight: false,
        };
        Ok(Self {
            set: JwkSet::parse(&body)?,
            jwks_url,
            state,
        })
    }

    /// Verifies `token`; an unknown `kid` (or a stale set) refetches when the policy allows.
    fn verify(
        &mut self,
        token: &str,
        expect: &AccessExpectations,
    ) -> kith_claims::Result<Verified<AccessClaims>> {
        let now = now();
        let first = access_token::verify_now(token, &self.set, expect, now);
        let kid_known = !matches!(&first, Err(e) if e.code() == ErrorCode::NoMatchingKey);
        if jwks_cache::decide(Some(&self.state), now, kid_known) == JwksAction::UseCached {
            return first;
        }
        jwks_cache::record_fetch(&mut self.state, now);
        match Self::fetch(self.jwks_url.clone()) {
            Ok(fresh) => {
                let refetched_at = self.state.refetched_at;
                *self = fresh;
                self.state.refetched_at = refetched_at;
            }
            Err(e) => println!("key set refetch failed: {e}"),
        }
        access_token::verify_now(token, &self.set, expect, now)
    }
}

/// The handler: `GET /api/me` → 200 with the verified claims, or 401 with the stable code.
fn me(authorization: Option<&str>, keys: &mut Keys, expect: &AccessExpectations) -> (u16, String) {
    let Some(token) = authorization.and_then(|h| h.strip_prefix("Bearer ")) else {
        return (
            401,
            r#"{"error":"invalid_token","error_description":"no bearer token"}"#.into(),
        );
    };
    match keys.verify(token.trim(), expect) {
        Ok(claims) => {
            let message = format!(
                "your API saw user {} ({})",
                claims.sub,
                claims.email.as_deref().unwrap_or("no email")
            );
            let body = serde_json::json!({ "message": message, "claims": claims.get() });
            (200, body.to_string())
        }
        Err(e) => {
            let body =
                serde_json::json!({ "error": e.code().as_str(), "error_description": e.detail() });
            (401, body.to_string())
        }
    }
}

fn serve(stream: TcpStream, keys: &mut Keys, expect: &AccessExpectations) -> Result<(), Failure> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut authorization = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("authorization") {
                authorization = Some(value.trim().to_owned());
            }
        }
    }
    let (status, body) = match request_line
        .split(' ')
        .take(2)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["GET", "/api/me"] => me(authorization.as_deref(), keys, expect),
        _ => (404, r#"{"error":"not_found"}"#.into()),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        if status == 200 { "OK" } else { "Error" },
        body.len()
    )?;
    Ok(())
}

fn main() -> Result<(), Failure> {
    let mut args = std::env::args().skip(1);
    let (Some(issuer), Some(project)) = (args.next(), args.next()) else {
        return Err("usage: verify_handler <issuer> <project-id> [port]".into());
    };
    let port = args.next().unwrap_or_else(|| "0".into());
    let expect = AccessExpectations::new(issuer.clone(), project);
    let mut keys = Keys::fetch(format!(
        "{}/.well-known/jwks.json",
        issuer.trim_end_matches('/')
    ))?;
    let listener = TcpListener::bind(format!("127.0.0.1:{port}"))?;
    println!("listening on http://{}/api/me", listener.local_addr()?);
    for stream in listener.incoming() {
        if let Err(e) = serve(stream?, &mut keys, &expect) {
            println!("request failed: {e}");
        }
    }
    Ok(())
}
