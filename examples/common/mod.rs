//! Helpers shared by the examples: their command-line arguments and bounds, price files,
//! synthetic prices, parameter lists, bar intervals, timing and reports, the heatmap, and the
//! validation's numbers and pictures.
//!
//! Included with `mod common;`; Cargo does not build this directory as an example of its own.
// Each example (and the integration test that includes this module) uses a different subset.
#![allow(dead_code)]

pub mod args;
pub mod backtests;
pub mod bounds;
pub mod cli;
pub mod freq;
pub mod heatmap;
pub mod list;
pub mod load;
pub mod ohlc;
pub mod outputs;
pub mod report;
pub mod synthetic;
pub mod validation;
