//! What one benchmark hands to `cargo xtask bench`: its figures, its targets with
//! met or missed, and notes, as JSON (the xtask writes BENCHMARKS.md from them). Also the
//! small statistics every benchmark needs.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

/// The outcome of one benchmark.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The subcommand, e.g. `latency`.
    pub name: String,
    /// The heading, e.g. `1. Latency`.
    pub title: String,
    /// What was measured and how, in a sentence or two.
    pub method: String,
    pub figures: Vec<Figure>,
    pub targets: Vec<Target>,
    /// Observations worth keeping with the figures.
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Figure {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub struct Target {
    pub what: String,
    pub target: String,
    pub measured: String,
    pub met: bool,
    /// For a miss: what is in the way, as far as profiling showed.
    pub in_the_way: Option<String>,
}

impl Report {
    pub fn new(name: &str, title: &str, method: impl Into<String>) -> Self {
        Report {
            name: name.to_owned(),
            title: title.to_owned(),
            method: method.into(),
            figures: Vec::new(),
            targets: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds a figure and prints it at once, so a long run shows its progress.
    pub fn figure(&mut self, label: &str, value: impl Into<String>) {
        let value = value.into();
        println!("{}: {label}: {value}", self.name);
        self.figures.push(Figure {
            label: label.to_owned(),
            value,
        });
    }

    /// Adds a target; `in_the_way` is kept only when the target is missed.
    pub fn target(
        &mut self,
        what: &str,
        target: &str,
        measured: impl Into<String>,
        met: bool,
        in_the_way: &str,
    ) {
        let measured = measured.into();
        println!(
            "{}: target {what} {target}: {measured} ({})",
            self.name,
            if met { "met" } else { "MISSED" }
        );
        self.targets.push(Target {
            what: what.to_owned(),
            target: target.to_owned(),
            measured,
            met,
            in_the_way: (!met).then(|| in_the_way.to_owned()),
        });
    }

    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        println!("{}: note: {note}", self.name);
        self.notes.push(note);
    }

    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, serde_json::to_vec_pretty(self)?)?;
        Ok(())
    }
}

/// The nearest-rank percentile `p` (0–100) of `sorted` (ascending), or NaN when empty.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Sorts in place and returns (p50, p99, max) of `values`.
pub fn summary(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    (
        percentile(values, 50.0),
        percentile(values, 99.0),
        values.last().copied().unwrap_or(f64::NAN),
    )
}

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), 50.0);
        assert_eq!(percentile(&values, 99.0), 99.0);
        assert_eq!(percentile(&values, 100.0), 100.0);
        assert_eq!(percentile(&[7.0], 99.0), 7.0);
        assert!(percentile(&[], 50.0).is_nan());
    }
}
