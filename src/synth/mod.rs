//! Synthetic program data.
