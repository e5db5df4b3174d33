//! # kith-sdk
//!
//! Kith's browser SDK, compiled to WebAssembly; `pkg/index.js` is its JavaScript face.
//!
//! - [`machine`]: the session machine (signed out / signed in / refreshing), sans-I/O: refresh
//!   timing from `expires_in` and the local receipt time, back-off with jitter, one refresh
//!   across tabs, pauses while offline or hidden, revocation. Time and randomness are inputs.
//! - [`flow`]: the redirect sign-in's one-time values (PKCE S256, state, nonce; single use,
//!   10 minutes in sessionStorage).
//! - [`secure_url`]: the SDK calls and navigates to https only (http on loopback).
//! - `web` (wasm32 only): the browser ports — Web Storage or the app's storage object,
//!   `fetch`, BroadcastChannel, Web Locks, timers, online and visibility events —
//!   and the `Client` exported to JavaScript.
//!
//! It verifies no signatures (the Worker does), and stays free of `serde_json`, float
//! formatting, most `core::fmt` and `async` so the module stays small; the shipped module is
//! `no_std` (feature `bundle`, BENCHMARKS.md "SDK size").
#![forbid(unsafe_code)]
#![cfg_attr(feature = "bundle", no_std)]

extern crate alloc;

/// What the std prelude would bring (the `bundle` build is `no_std`).
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::string::String;
    pub use alloc::vec::Vec;
}

/// The `bundle` build's panic handler: trap. No panic is reachable by design (no `unwrap`,
/// no indexing, checked arithmetic where it matters); should one happen anyway, the instance
/// stops as it would with std's `panic = "abort"`, without linking the formatting of a
/// message nobody reads.
#[cfg(all(feature = "bundle", target_arch = "wasm32"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

pub mod backoff;
mod claims;
pub mod error;
pub mod flow;
pub mod machine;
pub mod secure_url;
pub mod session;
mod text;

#[cfg(target_arch = "wasm32")]
pub mod web;

/// The module's allocator: `lol_alloc`'s free list behind a spin lock (safe to construct; the
/// lock is never contended in a single-threaded page).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());
