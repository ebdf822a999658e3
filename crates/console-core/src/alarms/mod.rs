//! Alarms as a control room runs them (ISA-18.2 / IEC 62682): one alarm per condition of
//! one source, with a state (active or returned, acknowledged or not, latched, shelved,
//! out of service, suppressed by design) that changes only by the transitions of the
//! standard's state diagram, each recorded with its time, who and why.
//!
//! `model.rs` holds the types the window, the CLI and the store share; `table.rs` the
//! state diagram as a table; `book.rs` the alarms themselves (first-out, chattering,
//! shelving, out of service, suppression by design), with time as an argument.

pub mod book;
pub mod csv;
pub mod kpis;
pub mod model;
pub mod table;

pub use model::*;
