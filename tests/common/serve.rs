//! A running `govpki serve` for the tests of the service (tests/serve.rs, serve_ocsp.rs,
//! remote.rs): started on loopback with port 0, its listening lines read, killed when dropped.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{Env, govpki};

/// A running `govpki serve`, killed when dropped (a failing test leaves no server behind).
pub struct Server {
    child: Option<Child>,
    /// `(url, label)` per listener, in the order printed.
    listening: Vec<(String, String)>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Server {
    /// Starts `govpki serve ARGS` on `home` and waits for `listeners` listening lines.
    pub fn start(env: &Env, home: &Path, args: &[&str], listeners: usize) -> Server {
        let mut cmd = govpki(home, env.root());
        cmd.arg("serve").args(args);
        Server::spawn(cmd, listeners)
    }

    /// Starts `cmd` (a `serve` command line) and waits for `listeners` listening lines.
    pub fn spawn(mut cmd: std::process::Command, listeners: usize) -> Server {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn govpki serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let errors = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child: Some(child),
            listening: Vec::new(),
            stderr: Some(errors),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while server.listening.len() < listeners {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                let err = server.stop_and_stderr();
                panic!("no listening line from govpki serve within 60 s; stderr:\n{err}");
            };
            let rest = line
                .strip_prefix("listening ")
                .unwrap_or_else(|| panic!("unexpected stdout line `{line}`"));
            let (url, label) = rest.split_once(' ').expect("`URL (LABEL)`");
            server
                .listening
                .push((url.to_string(), label.trim_matches(['(', ')']).to_string()));
        }
        server
    }

    pub fn url(&self, label: &str) -> &str {
        &self
            .listening
            .iter()
            .find(|(_, l)| l == label)
            .unwrap_or_else(|| panic!("no `{label}` listener in {:?}", self.listening))
            .0
    }

    /// The publication listener's socket address.
    pub fn plain(&self) -> SocketAddr {
        self.url("publication")
            .trim_start_matches("http://")
            .parse()
            .expect("a socket address")
    }

    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.as_ref().expect("running").id()).expect("a pid")
    }

    pub fn signal(&self, signal: rustix::process::Signal) {
        let pid = rustix::process::Pid::from_raw(self.pid()).expect("a pid");
        rustix::process::kill_process(pid, signal).expect("signal the server");
    }

    /// Waits up to `within` for the server to exit; its exit code and stderr.
    pub fn wait_exit(&mut self, within: Duration) -> (Option<i32>, String) {
        let mut child = self.child.take().expect("running");
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                let err = self.stderr.take().map(|h| h.join().unwrap_or_default());
                return (status.code(), err.unwrap_or_default());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                let err = self.stderr.take().map(|h| h.join().unwrap_or_default());
                panic!(
                    "govpki serve still running after {within:?}; stderr:\n{}",
                    err.unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stop_and_stderr(&mut self) -> String {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
