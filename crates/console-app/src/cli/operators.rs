//! `plant-console operators add|passwd|remove|list`, and the sign-in of the control
//! commands' `--operator NAME`: the operators file edited and the gate asked, with the
//! password read from stdin (one line) or the terminal without echo, never from the
//! command line. Each change is appended to the file's history (`operators history`).

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use console_auth::history::{self, Change, ChangeKind};
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
    /// Who added, re-passworded or removed which operator, when, from which account.
    History {
        #[command(flatten)]
        place: OperatorsPlace,
        #[arg(long)]
        json: bool,
    },
}

/// Records a change just saved to the operators file at `path`, in the OS account's name.
fn record(path: &Path, change: ChangeKind, name: &str, role: Role) -> anyhow::Result<()> {
    let actor = Actor::current();
    let change = Change {
        at: plant_link::clock::unix_now() as u64,
        user: actor.user,
        host: actor.host,
        change,
        name: name.to_string(),
        role,
    };
    tracing::info!(target: "audit", change = ?change.change, name, %role, user = %change.user, "operators file changed");
    history::append(path, &change).with_context(|| {
        format!(
            "the change was saved to {} but could not be added to its history",
            path.display()
        )
    })
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
            history::check(&path)?;
            let password = read_password(&format!("password for {name}: "), true)?;
            file.add(&name, role, &password)?;
            file.save(&path)?;
            record(&path, ChangeKind::Added, &name, role)?;
            println!("{name} ({role}) added to {}", path.display());
        }
        OperatorsAction::Passwd { name, place } => {
            let path = existing(&place, &data_dir(&place))?;
            let mut file = OperatorsFile::load(&path)?;
            history::check(&path)?;
            let password = read_password(&format!("new password for {name}: "), true)?;
            file.set_password(&name, &password)?;
            file.save(&path)?;
            let role = file.find(&name).map_or(Role::Viewer, |o| o.role);
            record(&path, ChangeKind::PasswordChanged, &name, role)?;
            println!("password of {name} changed in {}", path.display());
        }
        OperatorsAction::Remove { name, place } => {
            let path = existing(&place, &data_dir(&place))?;
            let mut file = OperatorsFile::load(&path)?;
            history::check(&path)?;
            let role = file.remove(&name)?;
            file.save(&path)?;
            record(&path, ChangeKind::Removed, &name, role)?;
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
        OperatorsAction::History { place, json } => {
            let path = existing(&place, &data_dir(&place))?;
            let changes = history::read(&path)?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"file": path, "history": history::history_path(&path), "changes": changes})
                );
            } else {
                for c in &changes {
                    let change = match c.change {
                        ChangeKind::Added => "added",
                        ChangeKind::PasswordChanged => "password changed",
                        ChangeKind::Removed => "removed",
                    };
                    println!(
                        "{}\t{} ({})\t{change}\tby {}@{}",
                        super::report::local_text(c.at as f64),
                        c.name,
                        c.role,
                        c.user,
                        c.host
                    );
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
