//! The macro that runs one test body on both backends.

/// Generates `sqlite` and `postgres` variants of an async test `fn name(db: Db)`: for each
/// name, a module `name` with two `#[tokio::test]`s calling `super::name` with
/// [`Db::Sqlite`](crate::Db::Sqlite) and [`Db::Postgres`](crate::Db::Postgres). The calling
/// crate needs `tokio` (with the `macros` and multi-thread runtime features).
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Db::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::Db::Postgres).await
                }
            }
        )*
    };
}
