//! The crate layering rules, checked against `cargo metadata`: which of the workspace's
//! crates may link what. The rules live here, not in a document, so that a dependency added
//! in the wrong place fails `cargo xtask test` (and this crate's own tests) instead of
//! quietly turning a layer into a tangle.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::Value;

/// One rule: `krate`, through its normal and build dependencies (direct or not), must not
/// reach any of `forbidden`.
pub struct Rule {
    pub krate: &'static str,
    pub forbidden: &'static [&'static str],
    pub why: &'static str,
}

/// Window libraries: a crate that reaches one of these links GTK/WebKitGTK on Linux or
/// WebView2 on Windows.
const WINDOW: &[&str] = &["tauri", "wry", "tao", "webkit2gtk", "gtk", "webview2-com"];

/// The layers, bottom up. Each rule names what a layer must never link; the tauri rule
/// for every other crate is [`only_app_links_tauri`].
pub const RULES: &[Rule] = &[
    Rule {
        krate: "plant-protocol",
        forbidden: &[
            "plant-link",
            "console-core",
            "console-settings",
            "plant-server",
            "plant-console",
            "tokio",
            "rusqlite",
        ],
        why: "the contract's types are the bottom layer: serde only, no runtime, no storage",
    },
    Rule {
        krate: "plant-link",
        forbidden: &[
            "console-core",
            "console-settings",
            "plant-console",
            "rusqlite",
            "keyring",
            "notify-rust",
        ],
        why: "the link speaks to the plant and knows no store, no alerts, no keyring and no notifications",
    },
    Rule {
        krate: "console-core",
        forbidden: &["console-settings", "plant-console", "keyring"],
        why: "the core holds state, store and alerts; settings files and the OS keyring belong to the app's side",
    },
    Rule {
        krate: "console-settings",
        forbidden: &["plant-console"],
        why: "settings and credentials are read by the app and the headless recorder alike",
    },
    Rule {
        krate: "console-app",
        // WINDOW, and the app above it.
        forbidden: &[
            "tauri",
            "wry",
            "tao",
            "webkit2gtk",
            "gtk",
            "webview2-com",
            "plant-console",
        ],
        why: "console-app builds plant-console-headless, the recorder that maps no GTK, WebKitGTK or WebView2; the window is handed to it by plant-console",
    },
    Rule {
        krate: "console-i18n",
        forbidden: &[
            "plant-protocol",
            "plant-link",
            "console-core",
            "console-settings",
            "plant-console",
            "tokio",
            "rusqlite",
        ],
        why: "the catalog words messages for every layer above it and knows none of them",
    },
    Rule {
        krate: "console-auth",
        forbidden: &[
            "plant-protocol",
            "plant-link",
            "console-core",
            "console-settings",
            "plant-server",
            "plant-console",
            "tokio",
            "rusqlite",
            "keyring",
        ],
        why: "who may do what is decided apart from the plant, the store and any runtime, so that the window and the CLI ask the same pure gate",
    },
    Rule {
        krate: "plant-server",
        forbidden: &[
            "plant-link",
            "console-core",
            "console-settings",
            "plant-console",
            "rusqlite",
            "keyring",
        ],
        why: "the reference plant follows the contract and shares nothing with the console but plant-protocol",
    },
];

/// The one crate that may link the window libraries.
pub const APP: &str = "plant-console";

/// The workspace's dependency graph: package name → names of the packages it depends on
/// through normal and build dependencies, and the set of workspace members.
pub struct Graph {
    edges: HashMap<String, BTreeSet<String>>,
    dev_edges: HashMap<String, BTreeSet<String>>,
    members: BTreeSet<String>,
}

impl Graph {
    /// Reads the graph from `cargo metadata --format-version 1` output.
    pub fn from_metadata(metadata: &Value) -> Result<Graph> {
        let packages = metadata["packages"]
            .as_array()
            .context("cargo metadata: no packages")?;
        let name_of: HashMap<&str, String> = packages
            .iter()
            .filter_map(|p| Some((p["id"].as_str()?, p["name"].as_str()?.to_string())))
            .collect();
        let members: BTreeSet<String> = metadata["workspace_members"]
            .as_array()
            .context("cargo metadata: no workspace_members")?
            .iter()
            .filter_map(|id| name_of.get(id.as_str()?).cloned())
            .collect();
        let mut edges: HashMap<String, BTreeSet<String>> = HashMap::new();
        let mut dev_edges: HashMap<String, BTreeSet<String>> = HashMap::new();
        let nodes = metadata["resolve"]["nodes"]
            .as_array()
            .context("cargo metadata: no resolve graph (was --no-deps given?)")?;
        for node in nodes {
            let Some(from) = node["id"].as_str().and_then(|id| name_of.get(id)) else {
                continue;
            };
            for dep in node["deps"].as_array().into_iter().flatten() {
                let Some(to) = dep["pkg"].as_str().and_then(|id| name_of.get(id)) else {
                    continue;
                };
                for kind in dep["dep_kinds"].as_array().into_iter().flatten() {
                    // `kind` is null for a normal dependency, "build" or "dev" otherwise.
                    let target = match kind["kind"].as_str() {
                        Some("dev") => &mut dev_edges,
                        _ => &mut edges,
                    };
                    target.entry(from.clone()).or_default().insert(to.clone());
                }
            }
        }
        Ok(Graph {
            edges,
            dev_edges,
            members,
        })
    }

    /// Every package `krate` reaches through normal and build dependencies, with the path
    /// to each (for a message that says how a forbidden crate got in).
    fn reach(&self, krate: &str) -> HashMap<String, Vec<String>> {
        let mut paths: HashMap<String, Vec<String>> = HashMap::new();
        let mut queue = VecDeque::from([vec![krate.to_string()]]);
        while let Some(path) = queue.pop_front() {
            let last = path.last().expect("paths are never empty");
            for next in self.edges.get(last).into_iter().flatten() {
                if next != krate && !paths.contains_key(next) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    paths.insert(next.clone(), longer.clone());
                    queue.push_back(longer);
                }
            }
        }
        paths
    }
}

/// Checks every rule against `graph`; returns one line per broken rule (empty if none).
pub fn broken(graph: &Graph) -> Vec<String> {
    let mut found = Vec::new();
    for rule in RULES {
        if !graph.members.contains(rule.krate) {
            found.push(format!(
                "{} is named by a layering rule but is not a workspace member",
                rule.krate
            ));
            continue;
        }
        let reach = graph.reach(rule.krate);
        // A window library a rule names is reported here, with the rule's reason, and
        // `only_app_links_tauri` leaves it out, so a crate that reaches tauri is reported
        // once, not twice.
        for forbidden in rule.forbidden {
            if let Some(path) = reach.get(*forbidden) {
                found.push(format!(
                    "{} must not depend on {} ({}): {}",
                    rule.krate,
                    forbidden,
                    rule.why,
                    path.join(" → ")
                ));
            }
        }
    }
    found.extend(only_app_links_tauri(graph));
    found
}

/// No workspace crate but the app may reach tauri or a window library, through its normal
/// dependencies or its dev-dependencies (a test helper that linked tauri would make every
/// crate's tests build WebKitGTK).
fn only_app_links_tauri(graph: &Graph) -> Vec<String> {
    let mut found = Vec::new();
    for member in graph.members.iter().filter(|m| m.as_str() != APP) {
        let mut starts = vec![member.clone()];
        starts.extend(graph.dev_edges.get(member).into_iter().flatten().cloned());
        for start in starts {
            if start == APP {
                found.push(format!(
                    "{member} must not depend on {APP}: only the app crate links tauri"
                ));
                continue;
            }
            let mut reach = graph.reach(&start);
            reach.insert(start.clone(), vec![start.clone()]);
            // The path starts at `start`: the member itself, or one of its dev-dependencies.
            let via = if start == *member {
                String::new()
            } else {
                format!("{member} (dev) → ")
            };
            for window in WINDOW {
                if start == *member && named_by_a_rule(member, window) {
                    continue;
                }
                if let Some(path) = reach.get(*window) {
                    found.push(format!(
                        "{member} must not depend on {window}: only {APP} links tauri: {via}{}",
                        path.join(" → ")
                    ));
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Whether a rule of [`RULES`] forbids `krate` to reach `forbidden` (and reports it).
fn named_by_a_rule(krate: &str, forbidden: &str) -> bool {
    RULES
        .iter()
        .any(|rule| rule.krate == krate && rule.forbidden.contains(&forbidden))
}

/// Runs `cargo metadata` in `root` and checks the rules; an error lists every broken one.
pub fn check(root: &Path) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root)
        .output()
        .context("could not run cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: Value =
        serde_json::from_slice(&output.stdout).context("cargo metadata printed no JSON")?;
    let lines = broken(&Graph::from_metadata(&metadata)?);
    if !lines.is_empty() {
        bail!("crate layering rules broken:\n  {}", lines.join("\n  "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A tiny `cargo metadata` answer: `members` are workspace crates, `edges` are
    /// (from, to, kind) with kind null, "build" or "dev".
    fn metadata(members: &[&str], others: &[&str], edges: &[(&str, &str, Value)]) -> Value {
        let id = |name: &str| format!("{name} 0.1.0 (id)");
        let packages: Vec<Value> = members
            .iter()
            .chain(others)
            .map(|name| json!({"id": id(name), "name": name}))
            .collect();
        let mut nodes: HashMap<&str, Vec<Value>> = HashMap::new();
        for (from, to, kind) in edges {
            nodes
                .entry(from)
                .or_default()
                .push(json!({"pkg": id(to), "dep_kinds": [{"kind": kind}]}));
        }
        json!({
            "packages": packages,
            "workspace_members": members.iter().map(|m| id(m)).collect::<Vec<_>>(),
            "resolve": {"nodes": nodes.into_iter()
                .map(|(from, deps)| json!({"id": id(from), "deps": deps}))
                .collect::<Vec<_>>()},
        })
    }

    const MEMBERS: &[&str] = &[
        "console-app",
        "plant-protocol",
        "plant-link",
        "console-core",
        "console-settings",
        "console-i18n",
        "console-auth",
        "plant-server",
        "plant-console",
        "test-support",
    ];

    fn layered() -> Vec<(&'static str, &'static str, Value)> {
        vec![
            ("plant-link", "plant-protocol", Value::Null),
            ("plant-link", "tokio", Value::Null),
            ("console-core", "plant-link", Value::Null),
            ("console-core", "rusqlite", Value::Null),
            ("console-core", "console-i18n", Value::Null),
            ("console-core", "plant-server", json!("dev")),
            ("console-settings", "console-core", Value::Null),
            ("console-settings", "keyring", Value::Null),
            ("plant-server", "plant-protocol", Value::Null),
            ("console-app", "console-settings", Value::Null),
            ("console-app", "test-support", json!("dev")),
            ("plant-console", "console-app", Value::Null),
            ("plant-console", "console-settings", Value::Null),
            ("plant-console", "console-auth", Value::Null),
            ("plant-console", "tauri", Value::Null),
            ("tauri", "wry", Value::Null),
        ]
    }

    fn check_edges(edges: &[(&str, &str, Value)]) -> Vec<String> {
        let others = ["tokio", "rusqlite", "keyring", "tauri", "wry"];
        broken(&Graph::from_metadata(&metadata(MEMBERS, &others, edges)).unwrap())
    }

    #[test]
    fn a_well_layered_workspace_breaks_no_rule() {
        assert_eq!(check_edges(&layered()), Vec::<String>::new());
    }

    #[test]
    fn the_link_reaching_rusqlite_through_another_crate_is_reported_with_its_path() {
        let mut edges = layered();
        edges.push(("plant-link", "console-core", Value::Null));
        let lines = check_edges(&edges);
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("plant-link must not depend on rusqlite")
                    && l.ends_with("plant-link → console-core → rusqlite")),
            "{lines:#?}"
        );
        assert!(lines
            .iter()
            .any(|l| l.starts_with("plant-link must not depend on console-core")));
    }

    #[test]
    fn the_core_linking_keyring_is_reported() {
        let mut edges = layered();
        edges.push(("console-core", "keyring", Value::Null));
        let lines = check_edges(&edges);
        assert_eq!(lines.len(), 1, "{lines:#?}");
        assert!(lines[0].starts_with("console-core must not depend on keyring"));
    }

    #[test]
    fn the_auth_crate_reaching_the_core_or_a_runtime_is_reported() {
        let mut edges = layered();
        edges.push(("console-auth", "console-core", Value::Null));
        let lines = check_edges(&edges);
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("console-auth must not depend on console-core")),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("console-auth must not depend on tokio")),
            "{lines:#?}"
        );
    }

    #[test]
    fn console_app_is_held_to_every_window_library() {
        for window in WINDOW {
            assert!(
                named_by_a_rule("console-app", window),
                "console-app's rule lacks {window}"
            );
        }
    }

    #[test]
    fn the_headless_recorder_reaching_a_window_library_is_reported_once_with_its_reason() {
        let mut edges = layered();
        edges.push(("console-settings", "tauri", Value::Null));
        let lines = check_edges(&edges);
        let about_app: Vec<&String> = lines
            .iter()
            .filter(|l| l.starts_with("console-app must not depend on tauri"))
            .collect();
        assert_eq!(about_app.len(), 1, "{lines:#?}");
        assert!(
            about_app[0].contains("plant-console-headless")
                && about_app[0].ends_with("console-app → console-settings → tauri"),
            "{lines:#?}"
        );
        // Through tauri, wry too, on the same rule.
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("console-app must not depend on wry")
                    && l.contains("plant-console-headless")),
            "{lines:#?}"
        );
    }

    #[test]
    fn console_app_depending_on_the_app_is_reported() {
        let mut edges = layered();
        edges.push(("console-app", "plant-console", Value::Null));
        let lines = check_edges(&edges);
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("console-app must not depend on plant-console")),
            "{lines:#?}"
        );
    }

    #[test]
    fn a_test_helper_that_links_tauri_is_reported_for_every_crate_that_uses_it() {
        let mut edges = layered();
        edges.push(("test-support", "tauri", Value::Null));
        edges.push(("plant-server", "test-support", json!("dev")));
        let lines = check_edges(&edges);
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("test-support must not depend on tauri")),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("plant-server must not depend on tauri")),
            "{lines:#?}"
        );
    }

    #[test]
    fn a_rule_naming_a_crate_that_is_gone_is_reported_rather_than_passing() {
        let members: Vec<&str> = MEMBERS
            .iter()
            .copied()
            .filter(|m| *m != "plant-link")
            .collect();
        let graph = Graph::from_metadata(&metadata(&members, &["tokio"], &[])).unwrap();
        let lines = broken(&graph);
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("plant-link is named by a layering rule")),
            "{lines:#?}"
        );
    }

    #[test]
    fn this_workspace_keeps_its_layers() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask sits in the workspace root");
        if let Err(error) = check(root) {
            panic!("{error:#}");
        }
    }
}
