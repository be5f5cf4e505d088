//! The storage layer on its own, on both backends: the schema (row-level security derived
//! from the catalogue, SQLite/PostgreSQL parity), transactions, the lead stage transitions,
//! the comment watermarks and rows typed by the domain. One test binary, to link once.

use revos_test_support::both_backends;

mod comments;
mod fixtures;
mod lead_list;
mod lead_magnet_migration;
mod lead_search;
mod parity;
mod read_tx;
mod schema;
mod stages;
mod typed_rows;
mod watermarks;
