//! A real S3-compatible server for storage tests: moto's server mode (`moto_server`, from
//! PyPI, pinned and installed by `scripts/test`), one process per test on a free loopback
//! port, with one bucket made through the S3 API. Without `moto_server` the test fails,
//! saying what to install; it never skips.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The moto release these tests are written for (`scripts/test` installs it).
pub const MOTO_VERSION: &str = "5.2.1";

/// A running moto server with an empty bucket; stopped when dropped.
pub struct S3Server {
    child: Child,
    /// The S3 API's base URL, e.g. `http://127.0.0.1:40123`.
    pub endpoint: String,
    /// The bucket made for the test.
    pub bucket: String,
}

impl S3Server {
    /// Starts moto on a free port and makes bucket `bucket`.
    pub async fn start(bucket: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start moto_server ({e}): run scripts/test --setup-only, or \
                     pip install 'moto[server]=={MOTO_VERSION}'"
                )
            });
        let server = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            bucket: bucket.to_owned(),
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let made = http
                .put(format!("{}/{bucket}", server.endpoint))
                .send()
                .await
                .map(|r| r.status().is_success());
            match made {
                Ok(true) => break,
                Ok(false) => panic!("moto refused to make bucket {bucket}"),
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await
                }
                Err(e) => panic!("moto_server did not answer within 60 s: {e}"),
            }
        }
        server
    }

    /// The object keys in the bucket (ListObjectsV2 through the S3 API).
    pub async fn keys(&self) -> Vec<String> {
        let body = reqwest::get(format!("{}/{}?list-type=2", self.endpoint, self.bucket))
            .await
            .expect("list objects")
            .text()
            .await
            .expect("list body");
        body.split("<Key>")
            .skip(1)
            .filter_map(|s| s.split("</Key>").next())
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
