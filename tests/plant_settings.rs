//! Secrets and the plant address, through the real start-up path (`Launch`) and the
//! Settings back end: a user name and password typed into a plant URL reach neither
//! `settings.json` nor the window, and a token given on the command line goes only to
//! the address it was given with, not to another one set in Settings.

use std::time::Duration;

use clap::Parser;
use console_core::LinkMode;
use console_settings::settings::{Settings, SETTINGS_FILE};
use plant_console::cli::Cli;
use plant_console::configure::{SettingsInput, TokenChange};
use plant_console::launch::Launch;
use plant_server::{RunningServer, ServerConfig};

const LIMIT: Duration = Duration::from_secs(30);

async fn plant(token: Option<&str>) -> RunningServer {
    plant_server::start(
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        ServerConfig {
            token: token.map(str::to_owned),
            devices: 2,
            sim_interval: None,
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap()
}

/// Saves settings whose plant is `url` in `dir`, as an operator's earlier session would.
fn saved_plant(dir: &std::path::Path, url: &str) {
    std::fs::write(
        dir.join(SETTINGS_FILE),
        serde_json::json!({ "plant_url": url }).to_string(),
    )
    .unwrap();
}

async fn wait_mode(launch: &Launch, mode: LinkMode) {
    let mut state = launch.console.link().state();
    let reached = tokio::time::timeout(LIMIT, state.wait_for(|s| s.mode == mode)).await;
    assert!(
        reached.is_ok(),
        "never {mode:?}: {:?}",
        launch.console.link_status()
    );
}

/// Saves and applies `settings` as the Settings view's Apply does.
async fn save(launch: &Launch, settings: Settings) -> Result<(), String> {
    // The keyring and the disk block: off the runtime's async work, as the shell does.
    let plan = tokio::task::block_in_place(|| {
        launch.configurator.save(&SettingsInput {
            settings,
            token: TokenChange::Keep,
        })
    })
    .map_err(|e| format!("{e}: {:?}", e.fields()))?;
    plan.apply(&launch.console).await.map_err(|e| e.to_string())
}

fn view(launch: &Launch) -> plant_console::configure::SettingsView {
    tokio::task::block_in_place(|| launch.configurator.view()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_typed_into_a_plant_url_reach_neither_settings_json_nor_the_window() {
    let a = plant(None).await;
    let b = plant(None).await;
    let dir = tempfile::tempdir().unwrap();
    saved_plant(dir.path(), &format!("http://{}", a.local_addr()));
    let cli = Cli::parse_from(["plant-console", "--data-dir", dir.path().to_str().unwrap()]);
    let launch = Launch::start(&cli.run).await.unwrap();
    wait_mode(&launch, LinkMode::Realtime).await;

    // A typo'd URL with credentials is refused without repeating them.
    let refused = save(
        &launch,
        Settings {
            plant_url: Some("http://operator:hunter2@/no-host".into()),
            ..Settings::default()
        },
    )
    .await
    .unwrap_err();
    assert!(!refused.contains("hunter2"), "{refused}");

    let typed = format!("http://operator:hunter2@{}/", b.local_addr());
    save(
        &launch,
        Settings {
            plant_url: Some(typed),
            ..Settings::default()
        },
    )
    .await
    .unwrap();
    // Wait on the link's own state: the move to B ends the session at A, so the next
    // Realtime with a client at B is the session at B.
    let deadline = tokio::time::Instant::now() + LIMIT;
    let mut state = launch.console.link().state();
    while b.plant().connected_clients() == 0 || state.borrow_and_update().mode != LinkMode::Realtime
    {
        tokio::time::timeout_at(deadline, state.changed())
            .await
            .expect("never live at B")
            .unwrap();
    }

    let file = std::fs::read_to_string(dir.path().join(SETTINGS_FILE)).unwrap();
    assert!(
        !file.contains("hunter2") && !file.contains("operator"),
        "{file}"
    );
    assert!(file.contains(&b.local_addr().to_string()), "{file}");
    let view = view(&launch);
    let shown = [
        serde_json::to_string(&view).unwrap(),
        serde_json::to_string(&launch.console.snapshot()).unwrap(),
        serde_json::to_string(&launch.console.diagnostics()).unwrap(),
    ];
    for text in shown {
        assert!(
            !text.contains("hunter2") && !text.contains("operator:"),
            "{text}"
        );
    }
    launch.shutdown().await.unwrap();
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_line_token_is_not_sent_to_another_address_set_in_settings() {
    // Both plants take the same token: only whether the console sends it differs.
    let a = plant(Some("line-secret")).await;
    let b = plant(Some("line-secret")).await;
    let dir = tempfile::tempdir().unwrap();
    saved_plant(dir.path(), &format!("http://{}", a.local_addr()));
    let token_file = dir.path().join("token.txt");
    std::fs::write(&token_file, "line-secret\n").unwrap();
    let cli = Cli::parse_from([
        "plant-console",
        "--token-file",
        token_file.to_str().unwrap(),
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    let launch = Launch::start(&cli.run).await.unwrap();
    wait_mode(&launch, LinkMode::Realtime).await;

    save(
        &launch,
        Settings {
            plant_url: Some(format!("http://{}", b.local_addr())),
            ..Settings::default()
        },
    )
    .await
    .unwrap();
    // B refuses a console without the token: the command line's token stayed with A.
    wait_mode(&launch, LinkMode::Unauthorized).await;
    let view = view(&launch);
    assert!(!view.token.from_command_line);

    // Back at A, the token given with A's address is used again.
    save(
        &launch,
        Settings {
            plant_url: Some(format!("http://{}", a.local_addr())),
            ..Settings::default()
        },
    )
    .await
    .unwrap();
    wait_mode(&launch, LinkMode::Realtime).await;
    launch.shutdown().await.unwrap();
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_address_list_is_applied_by_reconnecting_and_a_bad_entry_is_refused_by_name() {
    let a = plant(None).await;
    let b = plant(None).await;
    let a_url = format!("http://{}", a.local_addr());
    let b_url = format!("http://{}", b.local_addr());
    let dir = tempfile::tempdir().unwrap();
    // A file from before failover: one address.
    saved_plant(dir.path(), &a_url);
    let cli = Cli::parse_from(["plant-console", "--data-dir", dir.path().to_str().unwrap()]);
    let launch = Launch::start(&cli.run).await.unwrap();
    wait_mode(&launch, LinkMode::Realtime).await;
    assert_eq!(view(&launch).plant_urls_in_use, [a_url.clone()]);

    let refused = save(
        &launch,
        Settings {
            plant_url: Some(a_url.clone()),
            standby_urls: vec![b_url.clone(), "ftp://nowhere".into()],
            ..Settings::default()
        },
    )
    .await
    .unwrap_err();
    assert!(refused.contains("standby_urls[1]"), "{refused}");
    assert_eq!(
        view(&launch).plant_urls_in_use,
        [a_url.clone()],
        "nothing applied"
    );

    save(
        &launch,
        Settings {
            plant_url: Some(a_url.clone()),
            standby_urls: vec![b_url.clone()],
            ..Settings::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        view(&launch).plant_urls_in_use,
        [a_url.clone(), b_url.clone()]
    );
    // The new list is in use: with the primary gone, the link fails over to B.
    a.shutdown().await;
    let mut state = launch.console.link().state();
    let on_b = tokio::time::timeout(
        LIMIT,
        state.wait_for(|s| s.mode == LinkMode::Realtime && s.address.current == b_url),
    )
    .await;
    assert!(
        on_b.is_ok(),
        "never live on B: {:?}",
        launch.console.link_status()
    );
    // Same plant (its identity is the primary's address): the cache is kept.
    assert_eq!(launch.console.plant().as_str(), a_url);
    let saved = Settings::load(dir.path()).unwrap();
    assert_eq!(saved.standby_urls, [b_url]);
    launch.shutdown().await.unwrap();
    b.shutdown().await;
}
