//! In-memory twins of the platform for native tests (feature `twins`, never in the Worker's
//! build): the SQLite twin of D1, an HTTP twin that answers as a provider would,
//! RustCrypto in place of WebCrypto, and a mailer that records the codes it is given.

pub mod crypto;
pub mod http;
pub mod mailer;

use super::sqlite::Sqlite;
use crate::app::ports::Platform;
use crate::app::store::StoreError;
use crypto::NativeCrypto;
use http::HttpTwin;
use mailer::MailerTwin;

/// The native platform: every port a twin.
pub struct TwinPlatform {
    pub db: Sqlite,
    pub http: HttpTwin,
    pub crypto: NativeCrypto,
    pub mailer: MailerTwin,
}

impl TwinPlatform {
    /// A fresh database with the migrations, no routes, a fixed key.
    pub fn new() -> Result<Self, StoreError> {
        Self::on(Sqlite::with_migrations()?)
    }

    /// On `db`, no routes, a fixed key.
    pub fn on(db: Sqlite) -> Result<Self, StoreError> {
        Ok(Self {
            db,
            http: HttpTwin::default(),
            crypto: NativeCrypto::default(),
            mailer: MailerTwin::default(),
        })
    }
}

impl Platform for TwinPlatform {
    type Db = Sqlite;
    type Http = HttpTwin;
    type Crypto = NativeCrypto;
    type Keys = HttpTwin;
    type Mailer = MailerTwin;
    fn db(&self) -> &Sqlite {
        &self.db
    }
    fn http(&self) -> &HttpTwin {
        &self.http
    }
    fn crypto(&self) -> &NativeCrypto {
        &self.crypto
    }
    fn keys(&self) -> &HttpTwin {
        &self.http
    }
    fn mailer(&self) -> &MailerTwin {
        &self.mailer
    }
    /// Yields once (the other futures joined with this one run), whatever `millis` says.
    async fn pause(&self, _millis: u64) {
        YieldOnce(false).await;
    }
}

/// A future that is pending once, waking itself: lets other futures joined on the same
/// executor run, as a network round trip or a timer would.
pub struct YieldOnce(pub bool);

impl core::future::Future for YieldOnce {
    type Output = ();
    fn poll(
        mut self: core::pin::Pin<&mut Self>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<()> {
        if self.0 {
            core::task::Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            core::task::Poll::Pending
        }
    }
}
