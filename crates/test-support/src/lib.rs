//! Test support shared by the crates' own tests and the API tests (dev-only, never shipped).
//!
//! - [`TestDb`]: a fresh database per test, a temporary SQLite file or a new PostgreSQL
//!   database dropped afterwards, and [`TestDb::migrated`] for a migrated [`Store`];
//! - [`both_backends!`]: one async test body, run on SQLite and on PostgreSQL;
//! - [`catalogue`]: the schema as the database reports it, for the row-level-security and
//!   schema-parity tests;
//! - [`funnel_check`]: the funnel rollup compared with the per-lead rule over the raw rows;
//! - [`fakes`]: the fake provider servers started together, with their URLs and keys;
//! - [`s3`]: a real S3-compatible server (moto) for the file storage tests;
//! - [`ApiClient`]: the small JSON client the API tests talk through, with typed helpers.
//!
//! PostgreSQL is reached at `REVOS_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When no server answers, PostgreSQL tests
//! fail; they never skip.
//!
//! This crate depends on nothing above `revos-store` and `revos-providers`, so `store`,
//! `jobs` and `app` can all use it for their own tests.

mod client;
mod db;
mod macros;
mod template;

pub mod catalogue;
pub mod fakes;
pub mod funnel_check;
pub mod pdf;
pub mod s3;

pub use client::{ApiClient, assert_error_shape, error_fields, parse, request};
pub use db::{Db, TestDb, migrated_store, postgres_admin_url};
pub use revos_store::Store;
