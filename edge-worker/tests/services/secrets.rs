//! `{:?}` of every Worker type that holds a secret shows none of it (logs are not a leak).

use super::world::*;
use kith_worker::app::ports::MailTarget;
use kith_worker::domain::{Mailer, SessionOut, UserOut};

const REFRESH: &str = "rt-SECRET-4f2a";
const CODE: &str = "918273";
const CLIENT: &str = "client-SECRET-77";
const ACCESS: &str = "eyJ-access-SECRET";
/// A webhook URL with a credential in its path and query.
const HOOK: &str = "https://mail.example/hook/PATH-SECRET?token=QUERY-SECRET";

fn assert_redacted(what: &str, printed: String, secrets: &[&str]) {
    for s in secrets {
        assert!(!printed.contains(s), "{what} prints {s}: {printed}");
    }
}

fn user() -> UserOut {
    UserOut {
        id: "u".into(),
        email: None,
        email_verified: false,
        name: None,
        picture: None,
        roles: vec![],
        identities: vec![],
        created_at: 0,
        last_sign_in_at: 0,
    }
}

#[test]
fn no_secret_holding_type_prints_its_secret() {
    let fresh = Fresh {
        user_id: "u".into(),
        session_id: SessionId::new("s"),
        refresh_token: RefreshToken::new(REFRESH),
        verification_id: "v".into(),
        verification_code: Secret::new(CODE),
    };
    assert_redacted("Fresh", format!("{fresh:?} {fresh:#?}"), &[REFRESH, CODE]);
    let granted = Granted {
        user: user(),
        session_id: SessionId::new("s"),
        refresh_token: RefreshToken::new(REFRESH),
        amr: "social:google".into(),
    };
    assert_redacted("Granted", format!("{granted:?} {granted:#?}"), &[REFRESH]);
    let session = SessionOut {
        access_token: ACCESS.into(),
        token_type: "bearer",
        expires_in: 60,
        expires_at: 1,
        refresh_token: REFRESH.into(),
        user: user(),
    };
    assert_redacted("SessionOut", format!("{session:?}"), &[ACCESS, REFRESH]);
    let secret = Secret::new(CLIENT);
    assert_redacted("Secret", format!("{secret:?}"), &[CLIENT]);
    let key = ReplayKey {
        key: "idt:SECRET-hash".into(),
        keep_until: 1,
    };
    assert_redacted("ReplayKey", format!("{key:?}"), &["SECRET-hash"]);
    let mailer = Mailer {
        url: HOOK.into(),
        secret_enc: "SEALED-SECRET".into(),
    };
    let printed = format!("{mailer:?} {mailer:#?}");
    assert_redacted("Mailer", printed.clone(), &["PATH-SECRET", "QUERY-SECRET"]);
    assert!(printed.contains("https://mail.example"), "{printed}");
    let whsec = Secret::new(CLIENT);
    let target = MailTarget {
        url: HOOK,
        secret: &whsec,
    };
    let printed = format!("{target:?} {target:#?}");
    assert_redacted(
        "MailTarget",
        printed.clone(),
        &["PATH-SECRET", "QUERY-SECRET", CLIENT],
    );
    assert!(printed.contains("https://mail.example"), "{printed}");
    let with_user = MailTarget {
        url: "https://USER-SECRET:PW-SECRET@mail.example/hook",
        secret: &whsec,
    };
    let printed = format!("{with_user:?}");
    assert_redacted("MailTarget", printed.clone(), &["USER-SECRET", "PW-SECRET"]);
    assert!(printed.contains("https://mail.example"), "{printed}");
}
