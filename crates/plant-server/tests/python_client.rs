//! The reference server checked by a client nobody on this team wrote: python-socketio's
//! `Client` (and `requests`) running `tests/python/check_reference_server.py`.

use std::process::Command;
use std::time::Duration;

use plant_server::ServerConfig;
use test_support::{python, workspace_root, KillOnDrop};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_socketio_client_finds_the_reference_server_true_to_the_contract() {
    let config = ServerConfig {
        token: Some("py-check".into()),
        devices: 12,
        relays: 6,
        stats_interval: Duration::from_millis(200),
        sim_interval: None,
        seed: Some(11),
        ..ServerConfig::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = plant_server::start(listener, config).await.unwrap();
    let url = format!("http://{}", server.local_addr());

    let output = tokio::task::spawn_blocking(move || {
        let child = Command::new(python())
            .arg(workspace_root().join("tests/python/check_reference_server.py"))
            .args(["--url", &url, "--token", "py-check"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start the python checker");
        // The checker has a watchdog of its own; the guard covers a hung interpreter.
        let mut guard = KillOnDrop(child);
        guard.wait_exit(Duration::from_secs(60));
        let mut stdout = String::new();
        let mut stderr = String::new();
        use std::io::Read;
        guard
            .0
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .unwrap();
        guard
            .0
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (guard.0.wait().unwrap(), stdout, stderr)
    })
    .await
    .unwrap();
    let (status, stdout, stderr) = output;
    println!("{stdout}");
    assert!(
        status.success(),
        "the python client found faults:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    server.shutdown().await;
}
