//! Plant Console's entry point: parses the command line, sets up logging, and runs the
//! window, the headless console or an offline subcommand.

// On Windows a GUI program must not open a console window beside its own.
#![cfg_attr(
    all(not(debug_assertions), target_os = "windows"),
    windows_subsystem = "windows"
)]

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

use console_core::audit::Actor;
use console_core::outbox::Outbox;
use plant_console::cli::{self, AuditAction, Cli, Command, OnOff, RelayAction};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("plant-console: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::Relay {
            action:
                RelayAction::Set {
                    relay_id,
                    state,
                    data_dir,
                    ttl,
                },
        }) => {
            let data_dir = data_dir.unwrap_or_else(cli::default_data_dir);
            let outbox = Outbox::open(&data_dir)
                .with_context(|| format!("opening the outbox in {}", data_dir.display()))?;
            let command = outbox.enqueue(
                &relay_id,
                state == OnOff::On,
                Duration::from_secs(ttl),
                &Actor::current(),
                console_core::link::unix_now(),
            )?;
            println!("{}", command.request_id);
            Ok(())
        }
        Some(Command::Outbox { data_dir, json }) => {
            let data_dir = data_dir.unwrap_or_else(cli::default_data_dir);
            let commands = Outbox::open(&data_dir)?.recent(500)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&commands)?);
            } else {
                print!("{}", cli::outbox_text(&commands));
            }
            Ok(())
        }
        Some(Command::Audit {
            action: AuditAction::Verify { data_dir },
        }) => {
            let data_dir = data_dir.unwrap_or_else(cli::default_data_dir);
            let result = Outbox::open(&data_dir)?.verify_audit()?;
            match result.problem {
                None => {
                    println!("audit trail intact: {} entries", result.entries);
                    Ok(())
                }
                Some(problem) => {
                    anyhow::bail!("audit trail broken: {problem} ({} entries)", result.entries)
                }
            }
        }
        Some(Command::Journal {
            data_dir,
            since,
            until,
            kind,
            limit,
            json,
            csv,
        }) => {
            let data_dir = data_dir.unwrap_or_else(cli::default_data_dir);
            let entries = cli::read_journal(&data_dir, kind.as_deref(), since, until, limit)
                .with_context(|| format!("reading the journal in {}", data_dir.display()))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&entries)?);
            } else if csv {
                print!("{}", cli::journal_csv(&entries));
            } else {
                print!("{}", cli::journal_text(&entries));
            }
            Ok(())
        }
        Some(Command::State { data_dir, json }) => {
            let data_dir = data_dir.unwrap_or_else(cli::default_data_dir);
            let state = cli::read_state(&data_dir)
                .with_context(|| format!("reading the cache in {}", data_dir.display()))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&cli::state_json(&state))?
                );
            } else {
                print!(
                    "{}",
                    cli::state_text(&state, console_core::link::unix_now())
                );
            }
            Ok(())
        }
        None => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            if cli.run.headless {
                runtime.block_on(plant_console::headless::run(&cli.run))?;
            } else {
                plant_console::shell::run(runtime, &cli.run)?;
            }
            Ok(())
        }
    }
}
