//! The mailer twin: records every code it is asked to deliver, or fails like an unreachable
//! webhook when told to.

use crate::app::ports::{CodeMessage, MailTarget, Mailer};
use crate::error::{ApiError, ApiResult};
use std::cell::{Cell, RefCell};

/// A message the twin received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentCode {
    pub url: String,
    pub to: String,
    pub code: String,
    pub expires_at: i64,
    pub project_id: String,
}

/// See the module docs.
#[derive(Default)]
pub struct MailerTwin {
    sent: RefCell<Vec<SentCode>>,
    failing: Cell<bool>,
}

impl MailerTwin {
    /// Every message delivered so far.
    pub fn sent(&self) -> Vec<SentCode> {
        self.sent.borrow().clone()
    }

    /// The code of the last message delivered to `to`.
    pub fn last_code(&self, to: &str) -> Option<String> {
        let sent = self.sent.borrow();
        sent.iter()
            .rev()
            .find(|m| m.to == to)
            .map(|m| m.code.clone())
    }

    /// From now on, refuse (`true`) or accept (`false`) deliveries.
    pub fn fail(&self, failing: bool) {
        self.failing.set(failing);
    }
}

impl Mailer for MailerTwin {
    async fn deliver(&self, t: &MailTarget<'_>, m: &CodeMessage<'_>, _now: i64) -> ApiResult<()> {
        if self.failing.get() {
            return Err(ApiError::MailerUnavailable(format!("{}: HTTP 500", t.url)));
        }
        self.sent.borrow_mut().push(SentCode {
            url: t.url.to_owned(),
            to: m.to.to_owned(),
            code: m.code.expose().to_owned(),
            expires_at: m.expires_at,
            project_id: m.project_id.to_owned(),
        });
        Ok(())
    }
}
