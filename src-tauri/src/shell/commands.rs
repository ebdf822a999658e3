//! Tests over the command list (`commands.list`): they write the window's TypeScript for
//! the IPC (`ui/src/generated/`) from the list and the Rust types, fail when the committed
//! files are stale, and check the capability and the command functions against the list.
//!
//! `IPC_TYPES_WRITE=1 cargo test -p plant-console --lib generated_typescript` (which is
//! what `cargo xtask ipc-types` runs) writes the files instead of comparing them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::{Config, Dependency, TypeVisitor, TS};

use super::*;

/// One listed command as the TypeScript side sees it.
struct Entry {
    name: &'static str,
    /// Each argument: its Rust name, its TypeScript type and whether it may be left out.
    args: Vec<(&'static str, String, bool)>,
    answer: String,
    /// The arguments and the answer as written in the list, for comparing with the
    /// command functions.
    rust_args: Vec<String>,
    rust_answer: String,
}

/// The listed commands, with their types rendered by ts-rs; `visit` meets every type of
/// every argument and answer.
macro_rules! entries {
    ($($name:ident($($arg:ident: $ty:ty),* $(,)?) -> $answer:ty;)*) => {
        fn entries(cfg: &Config, visit: &mut impl TypeVisitor) -> Vec<Entry> {
            vec![$({
                $(roots::<$ty>(visit);)*
                roots::<$answer>(visit);
                Entry {
                    name: stringify!($name),
                    args: vec![$((
                        stringify!($arg),
                        <$ty as TS>::name(cfg),
                        <$ty as TS>::IS_OPTION,
                    )),*],
                    answer: <$answer as TS>::name(cfg),
                    rust_args: vec![$(format!("{}:{}", stringify!($arg), stringify!($ty))),*],
                    rust_answer: stringify!($answer).to_owned(),
                }
            }),*]
        }
    };
}
ipc_commands!(entries);

/// A type and the types inside it (`Vec<QueuedCommand>` is `QueuedCommand`), for the visitor.
fn roots<T: TS + 'static + ?Sized>(visit: &mut impl TypeVisitor) {
    visit.visit::<T>();
    T::visit_generics(visit);
}

/// Exports every type it meets that has a file of its own (with the types it uses), and
/// keeps their names and files for `commands.ts`'s imports.
struct Export<'a> {
    cfg: &'a Config,
    imports: BTreeMap<String, PathBuf>,
    error: Option<String>,
}

impl TypeVisitor for Export<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        let Some(dependency) = Dependency::from_ty::<T>(self.cfg) else {
            return;
        };
        if let Err(error) = T::export_all(self.cfg) {
            self.error
                .get_or_insert(format!("{}: {error}", dependency.ts_name));
        }
        self.imports
            .insert(dependency.ts_name, dependency.output_path);
    }
}

/// The ts-rs settings: JSON numbers for every integer (serde_json sends `u64` as a
/// number, and JavaScript reads it as one), files in `dir`.
fn config(dir: &Path) -> Config {
    Config::new().with_large_int("number").with_out_dir(dir)
}

/// `relay_id` → `relayId`: Tauri's names for command arguments.
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Writes the IPC's TypeScript into `dir`: a file per Rust type (ts-rs) and
/// `commands.ts`, the list with each command's arguments and answer and the two events.
fn generate(dir: &Path) {
    let cfg = config(dir);
    let mut export = Export {
        cfg: &cfg,
        imports: BTreeMap::new(),
        error: None,
    };
    let entries = entries(&cfg, &mut export);
    roots::<UpdateBatchPayload>(&mut export);
    roots::<CommandPayload>(&mut export);
    roots::<WindowPayload>(&mut export);
    roots::<SessionPayload>(&mut export);
    // The error has its own file but no place in commands.ts, which would not use it.
    roots::<UiError>(&mut export);
    export.imports.remove("UiError");
    if let Some(error) = export.error {
        panic!("ts-rs could not export {error}");
    }

    let mut ts = String::from(
        "// Generated from the command list (src-tauri/src/shell/commands.list) and the Rust\n\
         // types by `cargo xtask ipc-types`; do not edit.\n\n",
    );
    for (name, path) in &export.imports {
        let module = path.with_extension("");
        ts.push_str(&format!(
            "import type {{ {name} }} from \"./{}\";\n",
            module.display()
        ));
    }
    ts.push_str("\n/** Every command the window may invoke. */\nexport const COMMANDS = [\n");
    for entry in &entries {
        ts.push_str(&format!("  \"{}\",\n", entry.name));
    }
    ts.push_str(
        "] as const;\n\n\
         export type CommandName = (typeof COMMANDS)[number];\n\n\
         /** Each command's arguments, by the names the window sends (camelCase), and its answer. */\n\
         export interface Commands {\n",
    );
    for entry in &entries {
        let args = if entry.args.is_empty() {
            "Record<string, never>".to_owned()
        } else {
            let fields: Vec<String> = entry
                .args
                .iter()
                .map(|(name, ty, optional)| {
                    format!("{}{}: {ty}", camel(name), if *optional { "?" } else { "" })
                })
                .collect();
            format!("{{ {} }}", fields.join("; "))
        };
        ts.push_str(&format!(
            "  {}: {{ args: {args}; answer: {} }};\n",
            entry.name, entry.answer
        ));
    }
    ts.push_str(&format!(
        "}}\n\n\
         /** The arguments of a command. */\n\
         export type Args<C extends CommandName> = Commands[C][\"args\"];\n\n\
         /** The answer of a command. */\n\
         export type Answer<C extends CommandName> = Commands[C][\"answer\"];\n\n\
         /** The event that carries update batches to the window. */\n\
         export const BATCH_EVENT = \"{BATCH_EVENT}\";\n\n\
         /** The event that carries each lifecycle step of an operator command. */\n\
         export const COMMAND_EVENT = \"{COMMAND_EVENT}\";\n\n\
         /** The event that tells the windows that kiosk mode was left. */\n\
         export const WINDOW_EVENT = \"{WINDOW_EVENT}\";\n\n\
         /** The event that tells the windows that the operator session changed. */\n\
         export const SESSION_EVENT = \"{SESSION_EVENT}\";\n\n\
         /** Each event's payload. */\n\
         export interface Events {{\n  \"{BATCH_EVENT}\": {};\n  \"{COMMAND_EVENT}\": {};\n  \"{WINDOW_EVENT}\": {};\n  \"{SESSION_EVENT}\": {};\n}}\n",
        UpdateBatchPayload::name(&cfg),
        CommandPayload::name(&cfg),
        WindowPayload::name(&cfg),
        SessionPayload::name(&cfg),
    ));
    std::fs::write(dir.join("commands.ts"), ts).expect("commands.ts is written");
}

/// What `BATCH_EVENT` and `COMMAND_EVENT` carry (see `run`).
type UpdateBatchPayload = console_core::view::UpdateBatch;
type CommandPayload = QueuedCommand;
type WindowPayload = WindowInfo;
type SessionPayload = SessionChange;
use super::windows::WINDOW_EVENT;

fn generated_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/generated")
}

/// Every file under `dir`, by its path inside it.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(next) = pending.pop() {
        let Ok(listing) = std::fs::read_dir(&next) else {
            continue;
        };
        for item in listing {
            let path = item.expect("a folder entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("a generated file");
                found.insert(path.strip_prefix(dir).unwrap().to_owned(), bytes);
            }
        }
    }
    found
}

#[test]
fn generated_typescript_is_what_the_rust_types_give() {
    let committed = generated_dir();
    if std::env::var_os("IPC_TYPES_WRITE").is_some_and(|v| v == "1") {
        if committed.exists() {
            std::fs::remove_dir_all(&committed).unwrap();
        }
        std::fs::create_dir_all(&committed).unwrap();
        generate(&committed);
        return;
    }
    let fresh = tempfile::tempdir().unwrap();
    generate(fresh.path());
    let (want, have) = (files(fresh.path()), files(&committed));
    let shown = |path: &Path| format!("ui/src/generated/{}", path.display());
    for (path, bytes) in &want {
        match have.get(path) {
            None => panic!(
                "STALE: {} is missing: run `cargo xtask ipc-types`",
                shown(path)
            ),
            Some(old) if old != bytes => panic!(
                "STALE: {} is stale (the Rust types or the command list changed): run `cargo xtask ipc-types`",
                shown(path)
            ),
            Some(_) => {}
        }
    }
    if let Some(path) = have.keys().find(|path| !want.contains_key(*path)) {
        panic!(
            "STALE: {} is no longer generated: run `cargo xtask ipc-types`",
            shown(path)
        );
    }
}

#[test]
fn the_capability_grants_exactly_the_listed_commands() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/capabilities/default.json");
    let capability: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let granted: Vec<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    let listed: Vec<String> = entries(&config(Path::new(".")), &mut Ignore)
        .iter()
        .map(|entry| entry.name.to_owned())
        .collect();
    let (mut granted_sorted, mut listed_sorted) = (granted.clone(), listed.clone());
    granted_sorted.sort();
    listed_sorted.sort();
    assert_eq!(
        granted_sorted, listed_sorted,
        "src-tauri/capabilities/default.json must grant `allow-<command>` for exactly the commands of commands.list"
    );
}

/// A visitor that does nothing, for reading the list without exporting.
struct Ignore;

impl TypeVisitor for Ignore {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {}
}

/// The text between the `(` at `open` and its matching `)`.
fn parenthesized(text: &str, open: usize) -> &str {
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced parentheses")
}

/// Splits at the commas outside `<…>` and `(…)`, without whitespace.
fn top_level_parts(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0;
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut().unwrap().push(c);
    }
    parts.retain(|part| !part.is_empty());
    parts
}

#[test]
fn each_command_function_takes_and_answers_what_the_list_says() {
    let source = include_str!("mod.rs");
    for entry in entries(&config(Path::new(".")), &mut Ignore) {
        let head = format!("async fn {}(", entry.name);
        let start = source
            .find(&head)
            .unwrap_or_else(|| panic!("shell/mod.rs has no `{head}`"));
        let open = start + head.len() - 1;
        let params = parenthesized(source, open);
        let args: Vec<String> = top_level_parts(params)
            .into_iter()
            // What Tauri hands the command itself, not the window.
            .filter(|param| {
                !param.contains(":tauri::State<")
                    && !param.ends_with(":tauri::AppHandle")
                    && !param.ends_with(":tauri::WebviewWindow")
            })
            .collect();
        let listed: Vec<String> = entry
            .rust_args
            .iter()
            .map(|arg| arg.split_whitespace().collect())
            .collect();
        assert_eq!(
            args, listed,
            "the arguments of `{}` differ from commands.list",
            entry.name
        );
        let rest = &source[open + params.len() + 2..];
        let answer: String = rest[..rest.find('{').unwrap()].split_whitespace().collect();
        let listed: String = entry.rust_answer.split_whitespace().collect();
        assert_eq!(
            answer,
            format!("->Result<{listed},UiError>"),
            "the answer of `{}` differs from commands.list",
            entry.name
        );
    }
}
