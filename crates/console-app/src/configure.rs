//! The Settings view's back end, without a window: what the view shows, and saving and
//! applying what the operator changed to the running console (a new plant address or
//! token reconnects; alert settings and read-only mode apply at once).
//!
//! The command line wins over saved settings for the plant address, the token and the
//! site CA: an installer who fixed them there fixed them for this console, and the view
//! says so instead of offering a field that would not take effect.

use console_i18n::Language;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use console_core::alerts::{AlertKind, Severity};
use console_core::console::CommandError;
use console_core::{
    Console, FailoverPolicy, LinkConfig, PlantAddresses, PlantId, PlantUrl, Secret,
};
use console_settings::credentials::{self, CredentialError, TokenStorage, TokenVault};
use console_settings::settings::{FieldError, Settings, SettingsError, SETTINGS_FILE};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What the command line fixed for this run.
#[derive(Debug, Clone, Default)]
pub struct Fixed {
    /// `--server` (repeated)/`PLANT_SERVER`, or the demo plant's address.
    pub plant_url: Option<PlantAddresses>,
    /// `--failover`.
    pub failover: Option<FailoverPolicy>,
    /// `--prefer-primary-after`.
    pub prefer_primary_after: Option<std::time::Duration>,
    /// `--token-file`/`PLANT_TOKEN`, with the address it was given with: it is sent to
    /// that address only, never to another one set in Settings.
    pub token: Option<(Secret, PlantUrl)>,
    /// `--site-ca`.
    pub site_ca: Option<PathBuf>,
    pub demo: bool,
    /// `--plant NAME` (or the demo plant): the plant's identity whatever its address.
    pub plant: Option<PlantId>,
}

impl Fixed {
    /// The command line's token, if it belongs to `server`.
    fn token_for(&self, server: &PlantUrl) -> Option<&Secret> {
        self.token
            .as_ref()
            .filter(|(_, bound)| bound == server)
            .map(|(token, _)| token)
    }
}

/// Where the token is and where a new one would go, for the view. Never the token.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TokenInfo {
    pub present: bool,
    pub storage: TokenStorage,
    pub file_path: Option<String>,
    pub keyring_problem: Option<String>,
    pub from_command_line: bool,
}

/// Everything the Settings view shows.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SettingsView {
    pub settings: Settings,
    pub token: TokenInfo,
    pub plant_url_in_use: String,
    /// Every address of the plant in use, primary first.
    pub plant_urls_in_use: Vec<String>,
    /// The address cannot be changed here (demo plant, or given on the command line).
    pub plant_url_fixed: bool,
    /// The site CA is given on the command line (`--site-ca`), which wins.
    pub site_ca_fixed: bool,
    pub default_severities: BTreeMap<AlertKind, Severity>,
    pub settings_path: String,
}

/// What to do with the token on save.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TokenChange {
    Keep,
    Set { token: String },
    Clear,
}

/// What the Settings view sends on Apply.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SettingsInput {
    pub settings: Settings,
    pub token: TokenChange,
}

/// Why settings were not saved or not applied.
#[derive(Debug, Error)]
pub enum ConfigureError {
    #[error("some settings are not valid")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Token(#[from] CredentialError),
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error("the alert settings could not be applied: {0}")]
    Alerts(String),
}

impl ConfigureError {
    /// The stable code the UI switches on.
    pub fn code(&self) -> &'static str {
        match self {
            ConfigureError::Invalid(_) => "invalid_settings",
            ConfigureError::Settings(_) => "settings",
            ConfigureError::Token(_) => "token_store",
            ConfigureError::Command(error) => error.code(),
            ConfigureError::Alerts(_) => "alerts",
        }
    }

    /// The refused fields, for an `invalid_settings` error.
    pub fn fields(&self) -> &[FieldError] {
        match self {
            ConfigureError::Invalid(fields) => fields,
            _ => &[],
        }
    }
}

/// The settings of one running console.
#[derive(Debug)]
pub struct Configurator {
    data_dir: PathBuf,
    vault: TokenVault,
    fixed: Fixed,
    /// The link settings in use: a new configuration starts from these, so timeouts and
    /// the like stay what the console was started with.
    link: Mutex<LinkConfig>,
    saved: Mutex<Settings>,
}

impl Configurator {
    pub fn new(
        data_dir: PathBuf,
        vault: TokenVault,
        fixed: Fixed,
        link: LinkConfig,
        saved: Settings,
    ) -> Self {
        Configurator {
            data_dir,
            vault,
            fixed,
            link: Mutex::new(link),
            saved: Mutex::new(saved),
        }
    }

    fn saved(&self) -> Settings {
        self.saved
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn link(&self) -> LinkConfig {
        self.link
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// What the view shows. Blocks on the keyring: call it off the runtime.
    pub fn view(&self) -> Result<SettingsView, ConfigureError> {
        let link = self.link();
        let from_command_line = self.fixed.token_for(link.server()).is_some();
        let present = from_command_line || self.vault.get(link.server())?.is_some();
        let file = (self.vault.storage() == TokenStorage::File)
            .then(|| self.vault.file_path().display().to_string());
        Ok(SettingsView {
            settings: self.saved(),
            token: TokenInfo {
                present,
                storage: self.vault.storage(),
                file_path: file,
                keyring_problem: self.vault.keyring_problem().map(str::to_owned),
                from_command_line,
            },
            plant_url_in_use: link.server().to_string(),
            plant_urls_in_use: link.servers.iter().map(ToString::to_string).collect(),
            plant_url_fixed: self.fixed.plant_url.is_some(),
            site_ca_fixed: self.fixed.site_ca.is_some(),
            default_severities: AlertKind::ALL
                .into_iter()
                .map(|kind| (kind, kind.default_severity()))
                .collect(),
            settings_path: self.data_dir.join(SETTINGS_FILE).display().to_string(),
        })
    }

    /// Validates, saves and applies `input` to `console`. Nothing is saved unless every
    /// value is valid. Blocks on the keyring and the disk: call it from a blocking task
    /// and the console's async calls through `apply`.
    pub fn save(&self, input: &SettingsInput) -> Result<Plan, ConfigureError> {
        let mut errors = input.settings.validate().err().unwrap_or_default();
        // Where the settings lead; the token rules below depend on it.
        let target = match (&self.fixed.plant_url, &input.settings.plant_url) {
            (Some(fixed), _) => Some(fixed.primary().clone()),
            (None, Some(url)) => PlantUrl::parse(url).ok(),
            (None, None) => Some(self.link().server().clone()),
        };
        if let TokenChange::Set { token } = &input.token {
            if target
                .as_ref()
                .is_some_and(|server| self.fixed.token_for(server).is_some())
            {
                errors.push(FieldError {
                    field: "token".into(),
                    message: "the token is given on the command line; change it there".into(),
                });
            } else if let Err(error) = credentials::validate_token(token) {
                errors.push(error);
            }
        }
        if !errors.is_empty() {
            return Err(ConfigureError::Invalid(errors));
        }
        let before = self.saved();
        // A user name and password typed into the URL are dropped here: they would end
        // up in settings.json, the logs and the window.
        let settings = input.settings.without_credentials();
        let mut link = self.link();
        // The token and the plant's identity go with the primary address; every address
        // of the list gets the same token.
        let servers = match (&self.fixed.plant_url, &settings.plant_url) {
            (Some(fixed), _) => fixed.clone(),
            (None, Some(_)) => settings.plant_addresses().ok_or_else(|| {
                ConfigureError::Invalid(vec![FieldError {
                    field: "plant_url".into(),
                    message: "the plant's addresses cannot be used".into(),
                }])
            })?,
            (None, None) => link.servers.clone(),
        };
        let server = servers.primary().clone();
        let failover = self.fixed.failover.unwrap_or(settings.failover);
        let hold = self
            .fixed
            .prefer_primary_after
            .unwrap_or_else(|| settings.prefer_primary_after());
        // The token first: if the keyring or the file refuses it, nothing has been saved
        // and the operator's error says so truthfully.
        match &input.token {
            TokenChange::Keep => {}
            TokenChange::Set { token } => {
                self.vault.set(&server, &Secret::new(token.as_str()))?;
            }
            TokenChange::Clear => self.vault.clear(&server)?,
        }
        settings.save(&self.data_dir)?;
        *self
            .saved
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = settings.clone();

        let token = match self.fixed.token_for(&server) {
            Some(token) => Some(token.clone()),
            None => self.vault.get(&server)?,
        };
        let plant = self
            .fixed
            .plant
            .clone()
            .unwrap_or_else(|| PlantId::from_url(&server));
        let site_ca = self
            .fixed
            .site_ca
            .clone()
            .or_else(|| settings.site_ca.as_ref().map(PathBuf::from));
        let relink = servers != link.servers
            || failover != link.failover
            || hold != link.prefer_primary_after
            || token != link.token
            || site_ca != link.site_ca
            || plant != link.plant;
        if relink {
            link.servers = servers;
            link.failover = failover;
            link.prefer_primary_after = hold;
            link.plant = plant;
            link.token = token;
            link = match &site_ca {
                Some(ca) => link.with_site_ca(ca).map_err(|e| {
                    ConfigureError::Invalid(vec![FieldError {
                        field: "site_ca".into(),
                        message: e.to_string(),
                    }])
                })?,
                None => {
                    let mut plain = link;
                    plain.site_ca = None;
                    plain
                }
            };
            *self
                .link
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = link.clone();
        }
        Ok(Plan {
            link: relink.then_some(link),
            alerts: (settings.alerts != before.alerts).then(|| settings.alerts.to_settings()),
            read_only: settings.read_only,
            language: Language::parse(&settings.language),
        })
    }
}

/// What saving decided to change in the running console.
#[derive(Debug)]
pub struct Plan {
    link: Option<LinkConfig>,
    alerts: Option<console_core::AlertSettings>,
    read_only: bool,
    language: Option<Language>,
}

impl Plan {
    /// Applies the plan: read-only first (so nothing is sent while the rest changes),
    /// then the alert settings, then the link.
    pub async fn apply(self, console: &Console) -> Result<(), ConfigureError> {
        if self.read_only != console.is_read_only() {
            console.set_read_only(self.read_only).await?;
        }
        if let Some(lang) = self.language {
            // Later notifications (and the tray) speak it; the window re-words itself.
            console.set_language(lang);
        }
        if let Some(alerts) = self.alerts {
            console
                .configure_alerts(alerts)
                .await
                .map_err(|e| ConfigureError::Alerts(e.to_string()))?;
        }
        if let Some(link) = self.link {
            tracing::info!(server = %link.server(), addresses = link.servers.len(), "applying new link settings");
            console.reconfigure_link(link).await?;
        }
        Ok(())
    }
}
