//! `plant-console operators add|passwd|remove|list`, and the sign-in of the control
//! commands' `--operator NAME`: the operators file edited and the gate asked, with the
//! password read from stdin (one line) or the terminal without echo, never from the
//! command line.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use console_auth::{locate, Action, FileFailureLog, Gate, OperatorsFile, Password, Role};
use console_core::audit::Actor;

/// Where the operators file is: `--operators FILE`, else the site file, else the data
/// folder's.
#[derive(Debug, Args, Clone)]
pub struct OperatorsPlace {
    /// The operators file (default: the site file, else DATA/operators.json).
    #[arg(long = "operators", value_name = "FILE")]
    pub operators: Option<PathBuf>,
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum OperatorsAction {
    /// Add an operator; the password is read from stdin or the terminal.
    Add {
        name: String,
        #[arg(long, value_name = "ROLE", value_parser = parse_role)]
        role: Role,
        #[command(flatten)]
        place: OperatorsPlace,
    },
    /// Set an operator's password (read from stdin or the terminal).
    Passwd {
        name: String,
        #[command(flatten)]
        place: OperatorsPlace,
    },
    /// Remove an operator.
    Remove {
        name: String,
        #[command(flatten)]
        place: OperatorsPlace,
    },
    /// List the operators and their roles (never their hashes).
    List {
        #[command(flatten)]
        place: OperatorsPlace,
        #[arg(long)]
        json: bool,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse::<Role>().map_err(|e| e.to_string())
}

/// Reads a password: one line from stdin when it is not a terminal, else from the
/// terminal without echo (twice when `confirm`, which must agree).
pub fn read_password(prompt: &str, confirm: bool) -> anyhow::Result<Password> {
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        return Ok(Password::from_line(line));
    }
    let first = Password::new(rpassword::prompt_password(prompt)?);
    if confirm {
        let again = Password::new(rpassword::prompt_password("again: ")?);
        if !same(&first, &again) {
            bail!("the two passwords differ; nothing was changed");
        }
    }
    Ok(first)
}

fn same(a: &Password, b: &Password) -> bool {
    // The clear text is reachable inside console-auth alone, so it compares.
    console_auth::password::same(a, b)
}

/// `plant-console operators …`.
pub fn operators(action: OperatorsAction) -> anyhow::Result<()> {
    let data_dir = |place: &OperatorsPlace| {
        place
            .data_dir
            .clone()
            .unwrap_or_else(super::default_data_dir)
    };
    match action {
        OperatorsAction::Add { name, role, place } => {
            let dir = data_dir(&place);
            let path = locate(place.operators.as_deref(), &dir)
                .unwrap_or_else(|| console_auth::locate::path_for_new(None, &dir));
            let mut file = if path.exists() {
                OperatorsFile::load(&path)?
            } else {
                OperatorsFile::new()
            };
            let password = read_password(&format!("password for {name}: "), true)?;
            file.add(&name, role, &password)?;
            file.save(&path)?;
            println!("{name} ({role}) added to {}", path.display());
        }
        OperatorsAction::Passwd { name, place } => {
            let path = existing(&place, &data_dir(&place))?;
            let mut file = OperatorsFile::load(&path)?;
            let password = read_password(&format!("new password for {name}: "), true)?;
            file.set_password(&name, &password)?;
            file.save(&path)?;
            println!("password of {name} changed in {}", path.display());
        }
        OperatorsAction::Remove { name, place } => {
            let path = existing(&place, &data_dir(&place))?;
            let mut file = OperatorsFile::load(&path)?;
            let role = file.remove(&name)?;
            file.save(&path)?;
            println!("{name} ({role}) removed from {}", path.display());
        }
        OperatorsAction::List { place, json } => {
            let path = existing(&place, &data_dir(&place))?;
            let file = OperatorsFile::load(&path)?;
            if json {
                let list: Vec<_> = file
                    .operators()
                    .iter()
                    .map(|o| serde_json::json!({"name": o.name, "role": o.role}))
                    .collect();
                println!("{}", serde_json::json!({"file": path, "operators": list}));
            } else {
                for operator in file.operators() {
                    println!("{}\t{}", operator.name, operator.role);
                }
            }
        }
    }
    Ok(())
}

fn existing(place: &OperatorsPlace, data_dir: &Path) -> anyhow::Result<PathBuf> {
    locate(place.operators.as_deref(), data_dir).context(
        "sign-in is off: there is no operators file (add one with `plant-console operators add NAME --role ROLE`)",
    )
}

/// The actor of a control command from the command line: the OS user alone when
/// sign-in is off (no operators file), else `--operator NAME` signed in with the
/// password from stdin and allowed `action`. Refusals are errors the CLI prints, and
/// exit non-zero.
pub fn control_actor(
    operator: Option<&str>,
    operators_file: Option<&Path>,
    data_dir: &Path,
    action: Action,
) -> anyhow::Result<Actor> {
    let Some(path) = locate(operators_file, data_dir) else {
        return Ok(Actor::current());
    };
    let file = OperatorsFile::load(&path)?;
    let Some(name) = operator else {
        bail!(
            "sign-in is on ({}): name the operator with --operator NAME (the password is read from stdin)",
            path.display()
        );
    };
    let log = FileFailureLog::in_data_dir(data_dir);
    let log_name = log.path().display().to_string();
    let mut gate = Gate::new(file, Box::new(log), log_name);
    let password = read_password(&format!("password for {name}: "), false)?;
    let now = plant_link::clock::unix_now() as u64;
    let result = gate
        .sign_in(name, &password, now)
        .and_then(|_| gate.authorize(action, now));
    for event in gate.take_events() {
        tracing::info!(event = ?event, "sign-in");
    }
    let who = result.map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
    Ok(Actor::current().signed_in(who.name, who.role.as_str()))
}
