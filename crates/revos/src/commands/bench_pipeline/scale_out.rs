//! The workers of the run, in this process or as `revos worker` processes against the same
//! PostgreSQL database (scale-out), and the CPU time and memory of each process, read from
//! `/proc` (Linux; elsewhere the figures are absent).

use anyhow::Context;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// CPU seconds (user + system) of process `pid` ("self" for this one), if readable.
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // The kernel's USER_HZ is 100 on every Linux this runs on.
    Some((utime + stime) / 100.0)
}

/// A `VmXxx` line of `/proc/{pid}/status`, in MiB.
pub fn status_mib(pid: &str, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// `revos worker` processes of this run.
pub struct Workers {
    children: Vec<Child>,
}

/// What the worker processes need to know: the database, the fake Unipile and the master key
/// that encrypts the workspace's data keys.
pub struct WorkerEnv<'a> {
    /// The scratch database.
    pub database_url: &'a str,
    /// The fake Unipile's base URL.
    pub unipile_url: &'a str,
    /// The fake's API key.
    pub unipile_key: &'a str,
    /// The master key, base64.
    pub master_key: &'a str,
    /// A directory for their data (none is written on PostgreSQL).
    pub data_dir: &'a std::path::Path,
}

impl Workers {
    /// Starts `n` worker processes of this binary.
    pub fn start(n: u32, env: &WorkerEnv<'_>) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("finding the revos binary")?;
        let mut children = Vec::new();
        for i in 0..n {
            let mut cmd = Command::new(&exe);
            for (k, _) in std::env::vars() {
                if k.starts_with("REVOS_") {
                    cmd.env_remove(k);
                }
            }
            let child = cmd
                .arg("worker")
                .env("REVOS_DATABASE_URL", env.database_url)
                .env("REVOS_UNIPILE_URL", env.unipile_url)
                .env("REVOS_UNIPILE_API_KEY", env.unipile_key)
                .env("REVOS_MASTER_KEY", env.master_key)
                .env("REVOS_DATA_DIR", env.data_dir)
                .env("REVOS_WORKER_ID", format!("bench-worker-{i}"))
                .env("REVOS_LOG", "warn")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .spawn()
                .context("starting a worker process")?;
            children.push(child);
        }
        Ok(Self { children })
    }

    /// Their process ids.
    pub fn pids(&self) -> Vec<String> {
        self.children.iter().map(|c| c.id().to_string()).collect()
    }

    /// CPU seconds of all of them so far.
    pub fn cpu_seconds(&self) -> f64 {
        self.pids().iter().filter_map(|p| cpu_seconds(p)).sum()
    }

    /// The largest peak resident memory among them, MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        self.pids()
            .iter()
            .filter_map(|p| status_mib(p, "VmHWM:"))
            .fold(0.0, f64::max)
    }

    /// Asks each to stop (SIGTERM) and waits for them, killing any still running after 15 s.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        for child in &self.children {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
        }
        for child in &mut self.children {
            let mut waited = Duration::ZERO;
            while child.try_wait()?.is_none() {
                if waited > Duration::from_secs(15) {
                    child.kill()?;
                    child.wait()?;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                waited += Duration::from_millis(100);
            }
        }
        Ok(())
    }
}
