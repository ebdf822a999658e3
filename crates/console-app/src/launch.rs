//! Starting and stopping a console from the command line's options and the saved
//! settings: the plant's address, the token (command line, else the OS keyring or the
//! token file), the data folder, and the embedded demo plant when `--demo` is given.

use console_i18n::Language;
use std::path::PathBuf;

use console_core::view::UpdateBatch;
use console_core::{
    Console, ConsoleConfig, ConsoleError, LinkConfig, PlantAddresses, PlantId, PlantUrl, Secret,
};
use console_settings::credentials::{CredentialError, TokenVault};
use console_settings::settings::{Settings, SettingsError};
use thiserror::Error;
use tokio::sync::mpsc;

use crate::cli::{run_data_dir, RunArgs};
use crate::configure::{Configurator, Fixed};

/// Why the console could not start.
#[derive(Debug, Error)]
pub enum LaunchError {
    #[error(
        "no plant given: pass --server URL (or set PLANT_SERVER), save a plant URL in the \
         settings, or pass --demo for the demo plant"
    )]
    NoServer,
    #[error("the saved settings cannot be used: {0}")]
    Settings(#[from] SettingsError),
    #[error("the stored token cannot be read: {0}")]
    Token(#[from] CredentialError),
    #[error(transparent)]
    Config(#[from] console_core::ConfigError),
    #[error("cannot read the token file {path}: {source}")]
    TokenFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the token file {0} is empty")]
    EmptyToken(PathBuf),
    #[error("cannot start the demo plant: {0}")]
    Demo(String),
    #[error("a start-up task failed: {0}")]
    Task(String),
    #[error(transparent)]
    Console(#[from] ConsoleError),
}

/// A started console, with the demo plant it talks to when there is one.
pub struct Launch {
    pub console: Console,
    pub batches: mpsc::Receiver<UpdateBatch>,
    /// The embedded demo plant, stopped after the console.
    pub demo: Option<plant_server::RunningServer>,
    /// The Settings view's back end for this console.
    pub configurator: Configurator,
}

impl Launch {
    /// Resolves the options and starts the console (and the demo plant first, if asked).
    pub async fn start(args: &RunArgs) -> Result<Launch, LaunchError> {
        let cli_token = read_token(args)?;
        let data_dir = run_data_dir(args);
        // Reading the settings and asking the keyring (D-Bus) block; both happen once.
        let (settings, vault) = {
            let data_dir = data_dir.clone();
            tokio::task::spawn_blocking(move || {
                Settings::load(&data_dir).map(|settings| (settings, TokenVault::open(&data_dir)))
            })
            .await
            .map_err(|e| LaunchError::Task(e.to_string()))??
        };
        let (servers, demo) = if args.demo {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
                .await
                .map_err(|e| LaunchError::Demo(e.to_string()))?;
            let running = plant_server::start(listener, plant_server::ServerConfig::default())
                .await
                .map_err(|e| LaunchError::Demo(e.to_string()))?;
            let url = PlantUrl::parse(&format!("http://{}", running.local_addr()))?;
            tracing::info!(server = %url, "demo plant started");
            (PlantAddresses::one(url), Some(running))
        } else if !args.server.is_empty() {
            // `--server` repeated, or PLANT_SERVER's comma-separated list: primary first.
            let given = args
                .server
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty());
            (PlantAddresses::parse(given)?, None)
        } else {
            // The saved settings were validated when they were loaded.
            let saved = settings.plant_addresses().ok_or(LaunchError::NoServer)?;
            (saved, None)
        };
        let server = servers.primary().clone();
        let named = args.plant.as_deref().map(PlantId::named).transpose()?;
        let plant = match (&named, args.demo) {
            (Some(name), _) => name.clone(),
            // The demo plant takes another loopback port at every start; it is one plant.
            (None, true) => PlantId::demo(),
            (None, false) => PlantId::from_url(&server),
        };
        let fixed = Fixed {
            plant_url: (args.demo || !args.server.is_empty()).then(|| servers.clone()),
            failover: args.failover,
            prefer_primary_after: args
                .prefer_primary_after
                .map(std::time::Duration::from_secs),
            // A token from the command line or the environment belongs to the address it
            // was given with (the one the console starts with): Settings cannot send it
            // to another address.
            token: cli_token.clone().map(|token| (token, server.clone())),
            site_ca: args.site_ca.clone(),
            demo: args.demo,
            plant: named.clone().or_else(|| args.demo.then(PlantId::demo)),
        };
        let (vault, token) = match cli_token {
            Some(token) => (vault, Some(token)),
            None => {
                let plant = server.clone();
                tokio::task::spawn_blocking(move || {
                    let token = vault.get(&plant);
                    (vault, token)
                })
                .await
                .map(|(vault, token)| token.map(|token| (vault, token)))
                .map_err(|e| LaunchError::Task(e.to_string()))??
            }
        };
        let mut link = LinkConfig::with_servers(servers);
        link.plant = plant;
        link.failover = args.failover.unwrap_or(settings.failover);
        link.prefer_primary_after = args
            .prefer_primary_after
            .map(std::time::Duration::from_secs)
            .unwrap_or_else(|| settings.prefer_primary_after());
        link.token = token;
        let site_ca = args
            .site_ca
            .clone()
            .or_else(|| settings.site_ca.as_ref().map(std::path::PathBuf::from));
        if let Some(ca) = &site_ca {
            link = link.with_site_ca(ca)?;
        }
        let mut config = ConsoleConfig::new(link.clone(), data_dir.clone());
        config.demo = args.demo;
        config.read_only = settings.read_only;
        config.alerts = settings.alerts.to_settings();
        // Notifications speak the language the settings name (the OS user's until the
        // operator picks one).
        config.language = Language::parse(&settings.language).unwrap_or(Language::En);
        let (console, batches) = Console::start(config).await?;
        Ok(Launch {
            console,
            batches,
            demo,
            configurator: Configurator::new(data_dir, vault, fixed, link, settings),
        })
    }

    /// Stops the console (flushing its store), then the demo plant.
    pub async fn shutdown(self) -> Result<(), LaunchError> {
        let result = self.console.shutdown().await;
        if let Some(demo) = self.demo {
            demo.shutdown().await;
        }
        Ok(result?)
    }
}

fn read_token(args: &RunArgs) -> Result<Option<Secret>, LaunchError> {
    if let Some(path) = &args.token_file {
        let text = std::fs::read_to_string(path).map_err(|source| LaunchError::TokenFile {
            path: path.clone(),
            source,
        })?;
        let token = text.trim();
        if token.is_empty() {
            return Err(LaunchError::EmptyToken(path.clone()));
        }
        return Ok(Some(Secret::new(token)));
    }
    Ok(std::env::var("PLANT_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
        .map(|t| Secret::new(t.trim())))
}
