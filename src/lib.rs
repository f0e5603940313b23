//! belong: evaluate social-connection and wellness programs.
pub mod error;
pub mod instruments;
pub mod stats;
