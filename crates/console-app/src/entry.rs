//! The program's entry, shared by `plant-console` and `plant-console-headless`: takes the
//! data folder's lock (before logging), installs the `tracing` subscriber (the only place
//! that does), and runs the window, the headless console or an offline subcommand. The
//! window is the caller's: this crate never names tauri.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches};

use console_core::alerts::AlarmAction;
use console_core::instance::{InstanceError, InstanceLock, Mode};
use console_core::outbox::Outbox;
use tracing_subscriber::EnvFilter;

use crate::cli::{self, AuditAction, Cli, CliCommand, OnOff, RelayAction, TokenAction, TokenPlant};

/// The console window, given by the program that has one (`plant-console`, whose
/// `src-tauri/src/shell/` implements it over Tauri).
pub trait Window {
    /// Opens the console window on the runtime and runs until it is closed; then stops
    /// the console.
    fn run(&self, runtime: tokio::runtime::Runtime, args: &cli::RunArgs) -> anyhow::Result<()>;
    /// Hands this command line to the window of the console running on `data_dir`
    /// (`--raise-window`, `--leave-kiosk`); an error when no window answers.
    fn raise(&self, data_dir: &Path) -> anyhow::Result<()>;
}

/// Gives glibc's malloc one arena for the whole process. Rust's allocations go to
/// mimalloc; what still calls glibc's malloc is mostly SQLite, from the store's writer,
/// its checkpointer and the connections of the alert engine and the outbox, each on its
/// own thread. glibc gives each such thread an arena of its own, and each arena kept
/// growing by fragmentation: a recorder on 10 000 devices at 1 000 updates/s grew from
/// 38.0 to 41.6 MB in its first half hour, three arenas of about 1.5 MB each, against
/// 39.7 to 39.8 MB with one arena in the same run (`plant-bench memory` shows the
/// growth). The threads allocate little through it, so they rarely wait for its lock.
/// Called first, while the process has one thread.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn one_malloc_arena(program: &str) {
    // mallopt is glibc's documented knob for this; it only sets a limit that arenas
    // created from now on obey, and takes no pointers.
    #[allow(unsafe_code)]
    // SAFETY: mallopt(M_ARENA_MAX, n) changes a malloc parameter and touches no memory of ours.
    let set = unsafe { libc::mallopt(libc::M_ARENA_MAX, 1) };
    if set != 1 {
        // Nothing is logged yet (the subscriber comes later): the default arenas stay.
        eprintln!("{program}: glibc refused one malloc arena; keeping its default");
    }
}

/// Elsewhere (Windows, musl) the C allocator has no per-thread arenas to limit.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_malloc_arena(_program: &str) {}

/// Runs the parsed command line as `program` (the name its messages start with) and
/// gives the exit code. Without a window (`plant-console-headless`) a console run is
/// headless whether or not `--headless` was given, and the window's own options are
/// refused.
pub fn main(program: &str, mut cli: Cli, window: Option<&dyn Window>) -> ExitCode {
    one_malloc_arena(program);
    match window {
        Some(window) => {
            if cli.run.raise_window || cli.run.leave_kiosk {
                // The helper a refused second window start runs (see `take_data_folder`),
                // and the engineer's way out of kiosk mode: both only hand this command
                // line to the running window, through the single-instance plugin, which
                // acts on it.
                return match window.raise(&cli::run_data_dir(&cli.run)) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(error) => {
                        eprintln!("{program}: {error:#}");
                        ExitCode::FAILURE
                    }
                };
            }
        }
        None => {
            if let Some(option) = window_only_option(&cli.run) {
                eprintln!(
                    "{program}: {option} needs the console window, which this program does \
                     not have: use plant-console {option}"
                );
                return ExitCode::from(2);
            }
            cli.run.headless = true;
        }
    }
    // A console run takes its data folder before anything else, logging included, so that
    // a second console refuses before it has touched a file of the first one.
    let _instance = match cli
        .command
        .is_none()
        .then(|| take_data_folder(program, &cli.run))
    {
        Some(Ok(lock)) => Some(lock),
        Some(Err(code)) => return code,
        None => None,
    };
    // A console run (window or headless) also logs to daily files in its data folder, so
    // an operator can hand the engineer what happened; CLI subcommands log to stderr only.
    let _flush_on_exit = init_logging(
        program,
        cli.command
            .is_none()
            .then(|| console_core::console::log_dir(&cli::run_data_dir(&cli.run))),
    );
    match run(cli, window) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{program}: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The first option given that only a window can act on (`--kiosk`, `--leave-kiosk`,
/// `--raise-window`), as typed.
pub fn window_only_option(args: &cli::RunArgs) -> Option<&'static str> {
    [
        (args.kiosk, "--kiosk"),
        (args.leave_kiosk, "--leave-kiosk"),
        (args.raise_window, "--raise-window"),
    ]
    .into_iter()
    .find_map(|(given, name)| given.then_some(name))
}

/// Parses `plant-console-headless`'s command line: plant-console's, named for this
/// program, with `--headless` (implied) and the window's options hidden from its help.
/// Those options still parse, so that [`main`] refuses them with a sentence saying why.
pub fn headless_cli() -> Cli {
    let command = Cli::command()
        .name("plant-console-headless")
        .bin_name("plant-console-headless")
        .about(
            "Plant Console's headless recorder: the link, the store and the alerts without \
             a window (it links none), until stopped; and the same subcommands as plant-console.",
        )
        .mut_arg("headless", |arg| arg.hide(true))
        .mut_arg("kiosk", |arg| arg.hide(true))
        .mut_arg("leave_kiosk", |arg| arg.hide(true));
    let matches = command.get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
}

/// Locks the data folder for this console run; when another console holds it, says which
/// one and gives the exit code. A second window start also brings the running window to
/// the front, through a helper process (`--raise-window`): Tauri's single-instance plugin
/// ends the process that hands over with status 0, and this one must end non-zero.
fn take_data_folder(program: &str, args: &cli::RunArgs) -> Result<InstanceLock, ExitCode> {
    let data_dir = cli::run_data_dir(args);
    let mode = if args.headless {
        Mode::Headless
    } else {
        Mode::Window
    };
    match InstanceLock::acquire(&data_dir, mode) {
        Ok(lock) => Ok(lock),
        Err(error) => {
            eprintln!("{program}: {error}");
            if let InstanceError::InUse {
                holder: Some(holder),
                ..
            } = &error
            {
                if mode == Mode::Window && holder.mode == Mode::Window {
                    raise_running_window(program, &data_dir);
                }
            }
            Err(ExitCode::FAILURE)
        }
    }
}

/// Runs this program as `--raise-window` for `data_dir` and waits a bounded time for it.
fn raise_running_window(program: &str, data_dir: &std::path::Path) {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let child = std::process::Command::new(exe)
        .arg("--raise-window")
        .arg("--data-dir")
        .arg(data_dir)
        .stdin(std::process::Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return;
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                if status.success() {
                    eprintln!("{program}: the running console's window was brought to the front");
                }
                return;
            }
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return;
            }
        }
    }
}

/// Lines waiting for the log file's writer thread at most.
const LOG_QUEUE_LINES: usize = 8_192;

/// Sets up `tracing`: stderr always, plus size-rotated files in `log_dir` when given. The
/// returned guard flushes the file writer when `main` ends.
fn init_logging(
    program: &str,
    log_dir: Option<std::path::PathBuf>,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    // Files rotated by size, not by day: the folder stays under its cap whatever a
    // plant makes the console say (see `logfiles`).
    let (file, guard) = match log_dir.map(|dir| crate::logfiles::RotatingLog::open(&dir)) {
        Some(Ok(appender)) => {
            // The queue to the file thread is allocated whole at the start: the default
            // 128 000 lines cost 4 MB of heap (dhat, BENCHMARKS.md memory) for a console
            // whose repeated warnings are summarized (`lograte`); 8 192 lines cost 256 KiB.
            // Past it lines are dropped, as past the default.
            let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
                .buffered_lines_limit(LOG_QUEUE_LINES)
                .finish(appender);
            (
                Some(
                    tracing_subscriber::fmt::layer()
                        .with_ansi(false)
                        .with_writer(writer),
                ),
                Some(guard),
            )
        }
        Some(Err(error)) => {
            eprintln!("{program}: logging to files is off: {error}");
            (None, None)
        }
        None => (None, None),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(stderr)
        .with(file)
        .init();
    guard
}

fn run(cli: Cli, window: Option<&dyn Window>) -> anyhow::Result<()> {
    match cli.command {
        Some(CliCommand::Relay {
            action:
                RelayAction::Set {
                    relay_id,
                    state,
                    data_dir,
                    ttl,
                    plant,
                    operator,
                    operators_file,
                },
        }) => {
            let data_dir = data_dir.unwrap_or_else(cli::default_data_dir);
            // With sign-in on, the operator signs in and their role is checked before
            // anything is queued; with it off, the OS user as before.
            let actor = cli::control_actor(
                operator.as_deref(),
                operators_file.as_deref(),
                &data_dir,
                console_auth::Action::SwitchRelay,
            )?;
            let (plant, cache_dir) = cli::relay_target(&data_dir, &plant)?;
            let outbox = Outbox::open(&cache_dir)
                .with_context(|| format!("opening the outbox in {}", cache_dir.display()))?;
            let command = outbox.enqueue(
                &plant,
                &relay_id,
                state == OnOff::On,
                Duration::from_secs(ttl),
                &actor,
                plant_link::clock::unix_now(),
            )?;
            println!("{}", command.request_id);
            Ok(())
        }
        Some(CliCommand::Token { action }) => token(action),
        Some(CliCommand::Operators { action }) => cli::operators(action),
        Some(CliCommand::Outbox {
            data_dir,
            plant,
            json,
        }) => {
            let data_dir = data_dir.unwrap_or_else(cli::default_data_dir);
            let conn = cli::open_for_reading(&data_dir, &plant)?;
            let commands = Outbox::read_recent(&conn, 500)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&commands)?);
            } else {
                print!("{}", cli::outbox_text(&commands));
            }
            Ok(())
        }
        Some(CliCommand::Audit {
            action: AuditAction::Verify { data_dir, plant },
        }) => {
            let data_dir = data_dir.unwrap_or_else(cli::default_data_dir);
            // Whatever keeps the chain from being read is a failure to verify, never an
            // intact trail of no entries.
            let conn = cli::open_for_reading(&data_dir, &plant)
                .context("cannot verify the audit trail")?;
            let result =
                console_core::audit::verify(&conn).context("cannot verify the audit trail")?;
            match result.problem {
                None => {
                    let anchored = match result.anchored_through {
                        Some(seq) => format!(", anchored through entry {seq}"),
                        None => String::new(),
                    };
                    println!("audit trail intact: {} entries{anchored}", result.entries);
                    Ok(())
                }
                Some(problem) => {
                    anyhow::bail!("audit trail broken: {problem} ({} entries)", result.entries)
                }
            }
        }
        Some(CliCommand::Journal {
            data_dir,
            plant,
            since,
            until,
            kind,
            limit,
            json,
            csv,
            lang,
        }) => {
            let data_dir = data_dir.unwrap_or_else(cli::default_data_dir);
            let lang = cli::chosen_language(lang, &data_dir);
            let entries =
                cli::read_journal(&data_dir, &plant, kind.as_deref(), since, until, limit)
                    .with_context(|| format!("reading the journal in {}", data_dir.display()))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&entries)?);
            } else if csv {
                print!("{}", cli::journal_csv(&entries, lang));
            } else {
                print!("{}", cli::journal_text(&entries, lang));
            }
            Ok(())
        }
        Some(CliCommand::Alarms {
            action: None,
            data_dir,
            plant,
            state,
            json,
            lang,
        }) => {
            let data_dir = data_dir.unwrap_or_else(cli::default_data_dir);
            let lang = cli::chosen_language(lang, &data_dir);
            let alarms = cli::read_alarms(&data_dir, &plant, &state)
                .with_context(|| format!("reading the alarms in {}", data_dir.display()))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&alarms)?);
            } else {
                print!("{}", cli::alarms_text(&alarms, lang));
            }
            Ok(())
        }
        Some(CliCommand::Alarms {
            action: Some(action),
            ..
        }) => {
            let (target, action) = match action {
                cli::AlarmsAction::Ack { ids, target } => (target, AlarmAction::Acknowledge(ids)),
                cli::AlarmsAction::Shelve {
                    id,
                    minutes,
                    reason,
                    target,
                } => (
                    target,
                    AlarmAction::Shelve {
                        id,
                        minutes: Some(minutes),
                        reason,
                    },
                ),
                cli::AlarmsAction::Unshelve { id, target } => (target, AlarmAction::Unshelve(id)),
                cli::AlarmsAction::Reset { id, target } => (target, AlarmAction::Reset(id)),
                cli::AlarmsAction::OutOfService {
                    device,
                    reason,
                    target,
                } => (target, AlarmAction::RemoveFromService { device, reason }),
                cli::AlarmsAction::InService { device, target } => {
                    (target, AlarmAction::ReturnToService(device))
                }
            };
            // With sign-in on, the operator signs in and their role is checked before the
            // request reaches the running console; with it off, the OS user as before.
            let needs = match &action {
                AlarmAction::Acknowledge(_) | AlarmAction::AcknowledgeAll => {
                    console_auth::Action::Acknowledge
                }
                AlarmAction::Shelve { .. } | AlarmAction::Unshelve(_) => {
                    console_auth::Action::Shelve
                }
                AlarmAction::Reset(_) => console_auth::Action::ResetLatched,
                AlarmAction::RemoveFromService { .. } | AlarmAction::ReturnToService(_) => {
                    console_auth::Action::OutOfService
                }
                AlarmAction::Silence => console_auth::Action::Silence,
            };
            let data_dir = target
                .data_dir
                .clone()
                .unwrap_or_else(cli::default_data_dir);
            let actor = cli::control_actor(
                target.operator.as_deref(),
                target.operators_file.as_deref(),
                &data_dir,
                needs,
            )?;
            let done = cli::request_alarm_action(&target, &action, &actor)?;
            println!("{}: {}", done.request_id, done.result.unwrap_or_default());
            Ok(())
        }
        Some(CliCommand::State {
            data_dir,
            plant,
            json,
        }) => {
            let data_dir = data_dir.unwrap_or_else(cli::default_data_dir);
            let state = cli::read_state(&data_dir, &plant)
                .with_context(|| format!("reading the cache in {}", data_dir.display()))?;
            if json {
                let mut document = cli::state_json(&state);
                // The address part is a journal read; a cache without it still reports.
                if let Ok(link) = cli::read_link_address(&data_dir, &plant) {
                    document["link"] = serde_json::to_value(link)?;
                }
                println!("{}", serde_json::to_string_pretty(&document)?);
            } else {
                print!("{}", cli::state_text(&state, plant_link::clock::unix_now()));
            }
            Ok(())
        }
        None => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            match window {
                Some(window) if !cli.run.headless => window.run(runtime, &cli.run),
                _ => Ok(runtime.block_on(crate::headless::run(&cli.run))?),
            }
        }
    }
}

/// `plant-console token set|clear|status`.
fn token(action: TokenAction) -> anyhow::Result<()> {
    use console_core::{PlantUrl, Secret};
    use console_settings::credentials::{TokenStorage, TokenVault};
    use console_settings::settings::Settings;

    let open = |plant: &TokenPlant| -> anyhow::Result<(TokenVault, PlantUrl)> {
        let data_dir = plant.data_dir.clone().unwrap_or_else(cli::default_data_dir);
        let saved = Settings::load(&data_dir)?;
        // A token is kept for the plant's primary address and sent to every address.
        let url = plant
            .server
            .first()
            .cloned()
            .or(saved.plant_url)
            .context("no plant given: pass --server URL (or save one in the settings)")?;
        Ok((TokenVault::open(&data_dir), PlantUrl::parse(&url)?))
    };
    let place = |vault: &TokenVault| match vault.storage() {
        TokenStorage::Keyring => format!("{} (the OS keyring)", vault.store_name()),
        TokenStorage::File => format!(
            "{} (readable only by this user; no OS keyring: {})",
            vault.file_path().display(),
            vault.keyring_problem().unwrap_or("unknown")
        ),
    };
    match action {
        TokenAction::Set { plant } => {
            let (vault, url) = open(&plant)?;
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            let token = line.trim_end_matches(['\r', '\n']);
            console_settings::credentials::validate_token(token)
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            vault.set(&url, &Secret::new(token))?;
            println!("token for {url} kept in {}", place(&vault));
        }
        TokenAction::Clear { plant } => {
            let (vault, url) = open(&plant)?;
            vault.clear(&url)?;
            println!("token for {url} removed");
        }
        TokenAction::Status { plant, json } => {
            let (vault, url) = open(&plant)?;
            let present = vault.get(&url)?.is_some();
            if json {
                let status = serde_json::json!({
                    "plant": url.to_string(),
                    "present": present,
                    "storage": vault.storage(),
                    "store": vault.store_name(),
                    "file_path": vault.file_path(),
                    "keyring_problem": vault.keyring_problem(),
                });
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                let kept = if present {
                    "a token is kept"
                } else {
                    "no token is kept"
                };
                println!("{url}: {kept}; tokens go to {}", place(&vault));
            }
        }
    }
    Ok(())
}
