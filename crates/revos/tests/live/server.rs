//! A real `revos serve` child process on a free loopback port with a clean `REVOS_*`
//! environment: shared by every test that drives the program from outside (the API test
//! binary's binary, memory and shutdown tests, the browser scenarios, the API fuzzer).
// Each test binary that includes this file uses a different part of it.
#![allow(dead_code)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_revos");

/// A `revos` command run in `dir` with no `REVOS_*` variable of the test's environment.
pub fn command(dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("REVOS_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// A running `revos serve`, killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    log: PathBuf,
}

impl Server {
    /// Starts the server in `dir` on a free port with a clean `REVOS_*` environment, sign-up
    /// open (the tests sign up several workspaces, as on an instance whose operator chose
    /// `REVOS_SIGNUP=open`), then `envs`, which may override it; `{base}` in their values
    /// stands for the server's own address (for `REVOS_PUBLIC_URL`, known once the port is).
    pub fn start(dir: &Path, envs: &[(&str, &str)]) -> Self {
        Self::spawn(dir, &[&[("REVOS_SIGNUP", "open")], envs].concat())
    }

    /// Starts the server like [`Server::start`] but with the default sign-up rule.
    pub fn start_with_default_signup(dir: &Path, envs: &[(&str, &str)]) -> Self {
        Self::spawn(dir, envs)
    }

    fn spawn(dir: &Path, envs: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = dir.join(format!("serve-{port}.log"));
        let base = format!("http://127.0.0.1:{port}");
        let envs: Vec<(&str, String)> = envs
            .iter()
            .map(|(k, v)| (*k, v.replace("{base}", &base)))
            .collect();
        let child = command(dir)
            .args([
                "serve",
                "--data-dir",
                "data",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(File::create(&log).expect("server log"))
            .spawn()
            .expect("spawn revos serve");
        Self { child, base, log }
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The peak resident memory of the server process (`VmHWM`), in kB.
    pub fn peak_memory_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("/proc/<pid>/status");
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// Waits until `/healthz` answers 200, for at most 30 s.
    pub async fn wait_healthy(&mut self) {
        self.wait_healthy_within(Duration::from_secs(30)).await;
    }

    /// Waits until `/healthz` answers 200, for at most `limit`; returns how long that took.
    pub async fn wait_healthy_within(&mut self, limit: Duration) -> Duration {
        let client = reqwest::Client::new();
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(r) = client.get(format!("{}/healthz", self.base)).send().await
                && r.status() == 200
            {
                return start.elapsed();
            }
            if let Some(status) = self.try_wait() {
                panic!("revos serve exited with {status}:\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "revos serve did not answer /healthz within {limit:?}:\n{}",
            self.log()
        );
    }

    /// Sends SIGTERM to the server.
    pub fn terminate(&self) {
        let pid = self.pid().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .expect("run kill")
                .success()
        );
    }

    /// The server's exit status if it has exited.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("the server's status")
    }

    /// Sends SIGTERM and waits up to 10 s for a clean exit; returns the log.
    pub fn stop(mut self) -> String {
        self.terminate();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.try_wait() {
                assert!(
                    status.success(),
                    "revos serve exited with {status} after SIGTERM"
                );
                break;
            }
            assert!(
                Instant::now() < deadline,
                "revos serve did not stop within 10 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        self.log()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
