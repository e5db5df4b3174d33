//! OAuth 2.0 exchanges as prepare/process pairs, with no transport (RFC 6749, RFC 7636,
//! OIDC Core 1.0 section 3.1.2).
//!
//! - [`authorization_url`] builds the front-channel request (RFC 6749 section 4.1.1) with
//!   PKCE ([`PkceVerifier`], RFC 7636), `state` and `nonce` ([`random_token`]);
//! - [`CodeExchange::request`] prepares the back-channel code exchange (section 4.1.3) as a
//!   plain [`HttpRequest`] that the caller sends with whatever HTTP client it has, and
//!   [`process_token_response`] reads the answer (sections 5.1 / 5.2);
//! - [`TokenRenewal`] prepares the renewal of a provider's access token (section 6, and
//!   Facebook's long-lived exchange) and [`process_renewal_response`] reads its answer;
//! - [`relay_state`] / [`classify_state`]: the SDK's state through the Worker's form_post
//!   relay (Apple), told apart from the Worker's own flow state;
//! - [`form_encode`], [`form_decode`], [`percent_decode`]: the encodings these use.
//!
//! Every secret here (client secret, PKCE verifier, tokens in requests and answers) prints
//! redacted in `Debug`.

mod authorize;
#[cfg(feature = "std")]
mod client_secret;
mod form;
mod pkce;
#[cfg(feature = "std")]
mod redact;
#[cfg(feature = "std")]
mod refresh;
mod relay;
#[cfg(feature = "std")]
mod token;

pub use authorize::{append_params, authorization_url, AuthorizationRequest};
#[cfg(feature = "std")]
pub use client_secret::ClientSecret;
pub use form::{form_decode, form_encode, percent_decode};
pub use pkce::{random_token, PkceVerifier};
#[cfg(feature = "std")]
pub use redact::REDACTED;
#[cfg(feature = "std")]
pub use refresh::{process_renewal_response, Renewal, TokenRenewal};
pub use relay::{classify_state, relay_state, CallbackState, MAX_APP_PAGE, RELAY_PREFIX};
#[cfg(feature = "std")]
pub use token::{process_token_response, ClientAuth, CodeExchange, HttpRequest, TokenResponse};
