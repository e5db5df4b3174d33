//! The session machine, natively: timing on skewed and sleeping clocks, tabs that share a
//! session (one refresh for N tabs, lock holders that die), failures (401, 429 storms,
//! timeouts) — each test one behaviour, in a simulated world of tabs, bus, lock and Worker.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "session_machine/failures.rs"]
mod failures;
#[path = "session_machine/sim.rs"]
mod sim;
#[path = "session_machine/tabs.rs"]
mod tabs;
#[path = "session_machine/timing.rs"]
mod timing;
