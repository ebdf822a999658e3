//! The console on a disk that fills up: a size-limited tmpfs of the test's own holds the
//! data folder. While the disk is full the writes are kept and retried, the snapshot
//! says since when the cache is not saved, and the outbox refuses rather than claims a
//! command it could not commit; once space returns, everything held is saved (nothing
//! lost) and the journal records the gap.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{cache_of, start, wait_for};
use console_core::{ConsoleConfig, LinkConfig, LinkMode, PlantUrl};
use plant_server::ServerConfig;

/// A tmpfs mounted for one test, unmounted when dropped (also when the test fails).
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Tmpfs {
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "this test mounts a tmpfs of its own and needs root (CAP_SYS_ADMIN): mount said {status}"
        );
        Tmpfs {
            dir: dir.to_owned(),
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy: a file still open in a failed test must not keep the mount behind.
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// Fills the file system holding `dir` with one file, until the OS says it is full.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).expect("create the filler");
    let block = vec![0x5a_u8; 4096];
    loop {
        match file.write_all(&block).and_then(|()| file.sync_data()) {
            Ok(()) => {}
            Err(error) if error.raw_os_error() == Some(28) => break,
            Err(error) => panic!("filling the disk failed otherwise: {error}"),
        }
    }
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_keeps_the_writes_says_since_when_and_journals_the_gap_once_saved() {
    let server = plant_server::start(
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        ServerConfig {
            sim_interval: Some(Duration::from_millis(100)),
            seed: Some(11),
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap();
    let url = format!("http://{}", server.local_addr());
    let root = tempfile::tempdir().unwrap();
    let mount = Tmpfs::mount(root.path(), "8m");
    let data_dir = mount.dir.join("data");

    let console = start(ConsoleConfig::new(
        LinkConfig::new(PlantUrl::parse(&url).unwrap()),
        data_dir.clone(),
    ))
    .await;
    let live = wait_for(&console, "the plant, live", |s| {
        s.link.mode == LinkMode::Realtime && !s.relays.is_empty()
    })
    .await;
    assert_eq!(live.cache.unsaved_since, None);
    let relay = live.relays[0].relay.clone();

    let filler = fill(&mount.dir);
    let full = wait_for(
        &console,
        "the snapshot to say the cache is not saved",
        |s| s.cache.unsaved_since.is_some(),
    )
    .await;
    let problem = full.cache.problem.clone().unwrap();
    assert!(
        problem.contains("full") || problem.contains("disk"),
        "{problem}"
    );

    // What happens at the plant meanwhile is kept.
    server
        .plant()
        .set_relay(&relay.id, !relay.state, "night-shift")
        .unwrap();
    wait_for(&console, "the switched relay in the picture", |s| {
        s.relays
            .iter()
            .any(|r| r.relay.id == relay.id && r.relay.state != relay.state)
    })
    .await;
    // The outbox fails safe: a command it cannot commit is refused, never reported queued.
    let other = live.relays.iter().find(|r| r.relay.id != relay.id).unwrap();
    let queued = console
        .set_relay(&other.relay.id, !other.relay.state, true)
        .await;

    std::fs::remove_file(&filler).unwrap();
    wait_for(&console, "the cache to be saved again", |s| {
        s.cache.unsaved_since.is_none()
    })
    .await;
    let outbox = console.outbox(100).await.unwrap();
    console.shutdown().await.unwrap();
    server.shutdown().await;

    match &queued {
        Ok(command) => assert!(
            outbox.iter().any(|c| c.request_id == command.request_id),
            "a command reported queued must be in the outbox"
        ),
        Err(_) => assert!(
            outbox.iter().all(|c| c.relay_id != other.relay.id),
            "a refused command must not be in the outbox: {outbox:?}"
        ),
    }

    let cache = cache_of(&data_dir, &url);
    let conn = console_core::store::open_read_only(&cache)
        .unwrap()
        .unwrap();
    let state = console_core::store::load_state(&conn).unwrap();
    let cached = state
        .relays
        .iter()
        .find(|r| r.relay.id == relay.id)
        .unwrap();
    assert_eq!(cached.relay.state, !relay.state, "the held write was saved");
    let entries = console_core::store::journal(&conn, None, None, u32::MAX).unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.kind == "relay_switched" && e.text.contains("night-shift")),
        "the journal entry made while the disk was full was kept"
    );
    let gaps: Vec<_> = entries.iter().filter(|e| e.kind == "cache").collect();
    assert_eq!(gaps.len(), 1, "the gap is journaled once: {gaps:?}");
    assert!(
        gaps[0].text.contains("could not be saved from")
            && gaps[0].data["unsaved_since"].as_f64() == full.cache.unsaved_since,
        "{:?}",
        gaps[0]
    );
    drop(conn);
    drop(mount);
}
