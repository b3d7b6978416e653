//! One anvil process per chain, which never outlives its owner.
//!
//! Processes are killed when their [`AnvilProcess`] is dropped. They also die with the process
//! that started them, even when it is killed without a chance to run destructors: each anvil is
//! spawned with `PR_SET_PDEATHSIG = SIGKILL`. That signal fires when the *thread* that forked the
//! child exits, so all anvils are forked from one dedicated thread that lives as long as the
//! process.

use std::{
    collections::VecDeque,
    io::{self, BufRead, BufReader, Read},
    os::unix::process::CommandExt,
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex, OnceLock, mpsc},
    thread,
    time::Duration,
};

use crate::DevnetError;

/// How long anvil may take to print its listening address.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// Lines of anvil output kept for error reports.
const KEPT_LINES: usize = 40;

/// A running anvil, killed on drop.
#[derive(Debug)]
pub(crate) struct AnvilProcess {
    child: Child,
    port: u16,
}

impl AnvilProcess {
    /// Starts anvil for `chain_id` on a free port of 127.0.0.1 and waits until it listens.
    pub(crate) fn spawn(
        anvil: &Path,
        chain_id: u64,
        extra_args: &[String],
    ) -> Result<Self, DevnetError> {
        let mut cmd = Command::new(anvil);
        cmd.args(["--host", "127.0.0.1", "--port", "0", "--hardfork", "prague"])
            .args(["--chain-id", &chain_id.to_string()])
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let parent = std::process::id();
        // SAFETY: the closure runs in the forked child before exec and only calls
        // async-signal-safe functions (prctl, getppid, _exit).
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // The parent may have died between fork and prctl.
                if libc::getppid() as u32 != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
        let mut child = spawn_from_reaper_thread(cmd)
            .map_err(|source| DevnetError::Spawn { chain_id, source })?;

        let log = Arc::new(Mutex::new(VecDeque::with_capacity(KEPT_LINES)));
        let (port_tx, port_rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        drain(stdout, Arc::clone(&log), Some(port_tx));
        drain(stderr, Arc::clone(&log), None);

        let port = match port_rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(port) => port,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().ok();
                let output = log
                    .lock()
                    .unwrap()
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n");
                return Err(DevnetError::Startup {
                    chain_id,
                    reason: match status {
                        Some(status) => format!("anvil exited ({status})"),
                        None => "anvil did not start listening in time".to_string(),
                    },
                    output,
                });
            }
        };
        Ok(Self { child, port })
    }

    /// The port anvil listens on (127.0.0.1).
    pub(crate) const fn port(&self) -> u16 {
        self.port
    }

    /// The operating system's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for AnvilProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads `stream` line by line until it closes, keeping the last lines for error reports and
/// sending the port of the first "Listening on" line to `port_tx`. Reading continuously also
/// keeps anvil from blocking on a full pipe.
fn drain(
    stream: impl Read + Send + 'static,
    log: Arc<Mutex<VecDeque<String>>>,
    mut port_tx: Option<mpsc::Sender<u16>>,
) {
    thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if let Some(tx) = &port_tx
                && let Some(port) = parse_listening_port(&line)
            {
                let _ = tx.send(port);
                port_tx = None;
            }
            let mut log = log.lock().unwrap();
            if log.len() == KEPT_LINES {
                log.pop_front();
            }
            log.push_back(line);
        }
    });
}

fn parse_listening_port(line: &str) -> Option<u16> {
    line.trim()
        .strip_prefix("Listening on ")?
        .rsplit(':')
        .next()?
        .trim()
        .parse()
        .ok()
}

type SpawnRequest = (Command, mpsc::Sender<io::Result<Child>>);

/// Forks `cmd` from a thread that never exits, so `PR_SET_PDEATHSIG` only fires when the whole
/// process dies.
fn spawn_from_reaper_thread(cmd: Command) -> io::Result<Child> {
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        thread::Builder::new()
            .name("anvil-spawner".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .expect("spawn the anvil spawner thread");
        Mutex::new(tx)
    });
    let (reply_tx, reply_rx) = mpsc::channel();
    spawner
        .lock()
        .unwrap()
        .send((cmd, reply_tx))
        .map_err(|_| io::Error::other("anvil spawner thread is gone"))?;
    reply_rx
        .recv()
        .map_err(|_| io::Error::other("anvil spawner thread is gone"))?
}

#[cfg(test)]
mod tests {
    use super::parse_listening_port;

    #[test]
    fn parses_the_listening_line() {
        assert_eq!(
            parse_listening_port("Listening on 127.0.0.1:46877"),
            Some(46877)
        );
        assert_eq!(
            parse_listening_port("  Listening on 127.0.0.1:8545  "),
            Some(8545)
        );
        assert_eq!(parse_listening_port("Genesis Number"), None);
        assert_eq!(
            parse_listening_port("Listening on 127.0.0.1:notaport"),
            None
        );
    }
}
