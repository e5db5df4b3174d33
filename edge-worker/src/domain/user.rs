//! Users and sessions as the API returns them (CONTRACT "User", "Session").

use serde::{Deserialize, Serialize};

/// An identity linked to a user (CONTRACT "User").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityOut {
    pub provider: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub linked_at: i64,
}

/// A user as the API returns it (CONTRACT "User").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserOut {
    pub id: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub picture: Option<String>,
    pub roles: Vec<String>,
    pub identities: Vec<IdentityOut>,
    pub created_at: i64,
    pub last_sign_in_at: i64,
}

/// The session answer (CONTRACT "Session"). Its `Debug` shows no token.
#[derive(Clone, Serialize)]
pub struct SessionOut {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub expires_at: i64,
    pub refresh_token: String,
    pub user: UserOut,
}

impl std::fmt::Debug for SessionOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionOut")
            .field("access_token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &"[redacted]")
            .field("user", &self.user.id)
            .finish()
    }
}
