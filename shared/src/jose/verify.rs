//! The signature-verification port.
//!
//! The claims core decides *what* must verify (which key, which algorithm, which bytes);
//! a [`SignatureVerifier`] only answers whether the signature is valid. The Worker implements
//! it with WebCrypto (10-30x faster than pure-Rust crypto in wasm, and no code size); native
//! callers and tests use [`RustCryptoVerifier`] (feature `rustcrypto`).

use super::jwk::Jwk;
use super::jws::Alg;
use crate::error::Result;
use core::future::Future;

/// Verifies one signature (RFC 7515 section 5.2, step 8). Implementations must:
/// - use exactly `alg` with `key` (the core has already checked they fit together),
/// - treat ES256 signatures as raw `r || s` (64 bytes, RFC 7518 section 3.4),
/// - answer `Ok(false)` for a signature that does not verify, `Err` only when the check could
///   not be carried out.
pub trait SignatureVerifier {
    /// Checks `signature` over `message` with `key`.
    fn verify(
        &self,
        alg: Alg,
        key: &Jwk,
        message: &[u8],
        signature: &[u8],
    ) -> impl Future<Output = Result<bool>>;
}

#[cfg(feature = "rustcrypto")]
pub use rustcrypto::RustCryptoVerifier;

#[cfg(feature = "rustcrypto")]
mod rustcrypto {
    use super::SignatureVerifier;
    use crate::error::Result;
    use crate::jose::{Alg, Jwk, KeyMaterial};

    /// A [`SignatureVerifier`] on RustCrypto: `rsa` (RFC 8017 section 8.2.2), `p256`
    /// (ECDSA P-256, RFC 7518 section 3.4), `ed25519-dalek` (RFC 8032
    /// section 5.1.7, strict).
    #[derive(Debug, Clone, Copy, Default)]
    pub struct RustCryptoVerifier;

    impl RustCryptoVerifier {
        /// The synchronous check behind the trait (same rules as [`SignatureVerifier`]).
        pub fn verify_now(alg: Alg, key: &Jwk, message: &[u8], signature: &[u8]) -> bool {
            match (alg, key.material()) {
                (Alg::Rs256, KeyMaterial::Rsa { n, e }) => {
                    use rsa::pkcs1v15::{Signature, VerifyingKey};
                    use rsa::signature::Verifier;
                    let Ok(public) = rsa::RsaPublicKey::new(
                        rsa::BigUint::from_bytes_be(n),
                        rsa::BigUint::from_bytes_be(e),
                    ) else {
                        return false;
                    };
                    let Ok(sig) = Signature::try_from(signature) else {
                        return false;
                    };
                    VerifyingKey::<sha2::Sha256>::new(public)
                        .verify(message, &sig)
                        .is_ok()
                }
                (Alg::Es256, KeyMaterial::P256 { x, y }) => {
                    use p256::ecdsa::signature::Verifier;
                    use p256::ecdsa::{Signature, VerifyingKey};
                    let point = p256::EncodedPoint::from_affine_coordinates(
                        x.as_slice().into(),
                        y.as_slice().into(),
                        false,
                    );
                    let Ok(public) = VerifyingKey::from_encoded_point(&point) else {
                        return false;
                    };
                    // from_slice refuses r or s equal to zero (CVE-2022-21449) and wrong lengths.
                    let Ok(sig) = Signature::from_slice(signature) else {
                        return false;
                    };
                    public.verify(message, &sig).is_ok()
                }
                (Alg::EdDsa, KeyMaterial::Ed25519 { x }) => {
                    let Ok(bytes) = <[u8; 32]>::try_from(x.as_slice()) else {
                        return false;
                    };
                    let Ok(public) = ed25519_dalek::VerifyingKey::from_bytes(&bytes) else {
                        return false;
                    };
                    let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
                        return false;
                    };
                    public.verify_strict(message, &sig).is_ok()
                }
                _ => false,
            }
        }
    }

    impl SignatureVerifier for RustCryptoVerifier {
        async fn verify(
            &self,
            alg: Alg,
            key: &Jwk,
            message: &[u8],
            signature: &[u8],
        ) -> Result<bool> {
            Ok(Self::verify_now(alg, key, message, signature))
        }
    }
}
