//! The server host's own figures (CPU, memory, disk), sampled through sysinfo.
//!
//! Reading the host through sysinfo touches /proc and the mount table, which can block, so it
//! happens on the blocking pool once per stats period (`tasks::broadcast_stats`, which also
//! sends the periodic `system_stats_update`). Everything else that needs the figures
//! (a client's `request_system_stats`, `GET /api/system/stats`) reads the latest sample, which
//! costs nothing and keeps those answers fast.

use std::path::Path;

use sysinfo::{Disks, System};

/// The host figures of one sample, in percent.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct HostFigures {
    pub cpu_percent: f64,
    pub memory_percent: f64,
    pub disk_percent: f64,
}

/// sysinfo's view of the host, kept between samples because CPU usage is measured as the
/// difference between two refreshes.
pub(crate) struct HostSampler {
    system: System,
    disks: Disks,
}

impl HostSampler {
    /// A sampler with its first sample taken. Blocking: call it on the blocking pool.
    pub(crate) fn new_sampled() -> (Self, HostFigures) {
        let mut sampler = Self {
            system: System::new(),
            disks: Disks::new_with_refreshed_list(),
        };
        let figures = sampler.sample();
        (sampler, figures)
    }

    /// Refreshes what the figures need and computes them. Blocking.
    pub(crate) fn sample(&mut self) -> HostFigures {
        self.system.refresh_cpu_usage();
        self.system.refresh_memory();
        // `true` drops disks that were unmounted since the last sample.
        self.disks.refresh(true);
        HostFigures {
            cpu_percent: clamp_percent(f64::from(self.system.global_cpu_usage())),
            memory_percent: percent(self.system.used_memory(), self.system.total_memory()),
            disk_percent: self.disk_percent(),
        }
    }

    /// Usage of the disk holding "/", or of the largest disk where there is no "/" (Windows).
    fn disk_percent(&self) -> f64 {
        let disks = self.disks.list();
        let disk = disks
            .iter()
            .find(|d| d.mount_point() == Path::new("/"))
            .or_else(|| disks.iter().max_by_key(|d| d.total_space()));
        disk.map_or(0.0, |d| {
            let total = d.total_space();
            percent(total.saturating_sub(d.available_space()), total)
        })
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    // Precision loss above 2^53 bytes is irrelevant for a percentage.
    clamp_percent(part as f64 / whole as f64 * 100.0)
}

fn clamp_percent(value: f64) -> f64 {
    if value.is_finite() {
        value.clamp(0.0, 100.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_bounded_and_survive_an_empty_whole() {
        assert_eq!(percent(1, 0), 0.0);
        assert_eq!(percent(50, 200), 25.0);
        assert_eq!(percent(300, 200), 100.0);
        assert_eq!(clamp_percent(f64::NAN), 0.0);
    }

    #[test]
    fn a_host_sample_has_real_memory_and_disk_figures() {
        let (_, figures) = HostSampler::new_sampled();
        assert!(figures.memory_percent > 0.0 && figures.memory_percent <= 100.0);
        assert!((0.0..=100.0).contains(&figures.disk_percent));
        assert!((0.0..=100.0).contains(&figures.cpu_percent));
    }
}
