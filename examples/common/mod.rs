//! Helpers shared by the examples: price files, synthetic prices, parameter lists, bar
//! intervals and the heatmap picture.
//!
//! Included with `mod common;`; Cargo does not build this directory as an example of its own.
// Each example (and the integration test that includes this module) uses a different subset.
#![allow(dead_code)]

pub mod cli;
pub mod freq;
pub mod heatmap;
pub mod list;
pub mod ohlc;
pub mod synthetic;
