//! The storage layer on its own, on both backends: the schema (row-level security derived
//! from the catalogue, SQLite/PostgreSQL parity), transactions, the lead stage transitions
//! and the comment watermarks. One test binary, to link once.

use revos_test_support::both_backends;

mod fixtures;
mod parity;
mod schema;
mod stages;
mod watermarks;
