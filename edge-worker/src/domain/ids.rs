//! Identifiers that must not be confused with one another or with free text.

use serde::Serialize;
use std::fmt;

/// A project id: a lower-case hyphenated UUID (the `project-id` header, the admin path).
/// Anything else names no project, so it is refused before any storage is touched.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ProjectId(String);

impl ProjectId {
    /// Parses a project id; `None` unless it is a lower-case hyphenated UUID.
    pub fn parse(id: &str) -> Option<Self> {
        let uuid = id.len() == 36
            && id.bytes().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
            });
        uuid.then(|| Self(id.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id Kith issued (from its CSPRNG, or read back from storage).
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

opaque_id!(
    /// A user id (a random UUID Kith assigns at sign-up).
    UserId
);
opaque_id!(
    /// A session id (`sid` of the access token; a random UUID per sign-in).
    SessionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_ids_must_be_lowercase_uuids() {
        assert!(ProjectId::parse("8f14e45f-ceea-467f-a0e6-1b1e2a2e8f3d").is_some());
        assert!(ProjectId::parse("8F14E45F-CEEA-467F-A0E6-1B1E2A2E8F3D").is_none());
        assert!(ProjectId::parse("not-a-uuid").is_none());
        assert!(ProjectId::parse("8f14e45f-ceea-467f-a0e6-1b1e2a2e8f3d/").is_none());
    }
}
