//! The console's log files in `<data-dir>/logs`, rotated by size so the folder never
//! holds more than [`MAX_LOG_FILES`] × [`MAX_LOG_FILE_BYTES`] of them (plus, after an
//! update, at most one file's worth of the daily files an older version wrote).
//!
//! Daily files (what the console wrote before) grow without bound on a day a server
//! sends something to complain about with every frame; a file that is rotated when it
//! is full, with the oldest one removed, keeps the most recent hours whatever happens.
//! The log lines themselves are rate-limited and their server text is cut short in the
//! core (`plant_link::lograte`, `plant_link::text`), so a full file is rare.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The largest one log file grows before it is rotated.
pub const MAX_LOG_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// How many log files the folder keeps: the current one and the older ones.
pub const MAX_LOG_FILES: usize = 5;

/// The name of the current log file; older ones are `plant-console.1.log` (the newest)
/// to `plant-console.4.log`.
const CURRENT: &str = "plant-console.log";

fn rotated(dir: &Path, n: usize) -> PathBuf {
    dir.join(format!("plant-console.{n}.log"))
}

/// Whether `name` is a daily file of an older version (`plant-console.2026-12-01.log`).
fn is_legacy(name: &str) -> bool {
    name.strip_prefix("plant-console.")
        .and_then(|rest| rest.strip_suffix(".log"))
        .is_some_and(|middle| {
            middle.len() == 10 && middle.bytes().filter(|b| *b == b'-').count() == 2
        })
}

/// A log file writer that rotates by size; give it to `tracing_appender::non_blocking`.
#[derive(Debug)]
pub struct RotatingLog {
    dir: PathBuf,
    max_bytes: u64,
    max_files: usize,
    file: File,
    written: u64,
}

impl RotatingLog {
    /// Opens (appending to) the current file in `dir` with the caps above.
    pub fn open(dir: &Path) -> io::Result<Self> {
        RotatingLog::with_caps(dir, MAX_LOG_FILE_BYTES, MAX_LOG_FILES)
    }

    /// Opens with other caps (for tests). Daily files of an older version are removed,
    /// oldest first, until what is left of them fits in one file's cap.
    pub fn with_caps(dir: &Path, max_bytes: u64, max_files: usize) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        prune_legacy(dir, max_bytes)?;
        let file = open_append(&dir.join(CURRENT))?;
        let written = file.metadata()?.len();
        Ok(RotatingLog {
            dir: dir.to_owned(),
            max_bytes: max_bytes.max(1),
            max_files: max_files.max(1),
            file,
            written,
        })
    }

    /// Moves every file one place older (dropping the oldest) and starts a new current
    /// file.
    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;
        let oldest = self.max_files - 1;
        if oldest == 0 {
            // One file only: it starts over.
            self.file = File::create(self.dir.join(CURRENT))?;
            self.written = 0;
            return Ok(());
        }
        match fs::remove_file(rotated(&self.dir, oldest)) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
        for n in (1..oldest).rev() {
            let from = rotated(&self.dir, n);
            if from.exists() {
                fs::rename(&from, rotated(&self.dir, n + 1))?;
            }
        }
        fs::rename(self.dir.join(CURRENT), rotated(&self.dir, 1))?;
        self.file = open_append(&self.dir.join(CURRENT))?;
        self.written = 0;
        Ok(())
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// Removes daily files of an older version, oldest first, while together they are over
/// `budget` bytes.
fn prune_legacy(dir: &Path, budget: u64) -> io::Result<()> {
    let mut total = 0u64;
    let mut legacy = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_legacy(&name) {
            let size = entry.metadata()?.len();
            total += size;
            legacy.push((name, size));
        }
    }
    // The date in the name sorts them oldest first.
    legacy.sort();
    for (name, size) in legacy {
        if total <= budget {
            break;
        }
        fs::remove_file(dir.join(&name))?;
        total -= size;
    }
    Ok(())
}

impl Write for RotatingLog {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.written > 0 && self.written + buf.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        // A single write larger than a whole file is cut to one: the file's cap holds.
        let take = buf
            .len()
            .min(usize::try_from(self.max_bytes).unwrap_or(usize::MAX));
        self.file.write_all(&buf[..take])?;
        self.written += take as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder_size(dir: &Path) -> (u64, usize) {
        fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().metadata().unwrap().len())
            .fold((0, 0), |(size, count), len| (size + len, count + 1))
    }

    #[test]
    fn an_hour_of_log_lines_never_takes_more_than_the_folder_cap() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = RotatingLog::with_caps(dir.path(), 64 * 1024, 3).unwrap();
        let line = format!("{} WARN frame dropped reason=x\n", "2026-12-02T08:00:00Z");
        // 30 000 lines of about 50 bytes: 1.5 MB into a folder capped at 192 kB.
        for i in 0..30_000 {
            log.write_all(line.as_bytes()).unwrap();
            if i % 1000 == 0 {
                let (size, count) = folder_size(dir.path());
                assert!(size <= 3 * 64 * 1024, "{size} bytes after {i} lines");
                assert!(count <= 3, "{count} files");
            }
        }
        log.write_all(b"the last line\n").unwrap();
        log.flush().unwrap();
        let (size, count) = folder_size(dir.path());
        assert!(size <= 3 * 64 * 1024, "{size}");
        assert_eq!(count, 3);
        let current = fs::read_to_string(dir.path().join(CURRENT)).unwrap();
        assert!(
            current.ends_with("the last line\n"),
            "the newest lines are kept"
        );
        assert!(dir.path().join("plant-console.2.log").exists());
    }

    #[test]
    fn a_line_larger_than_a_file_is_cut_to_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = RotatingLog::with_caps(dir.path(), 1000, 2).unwrap();
        log.write_all(&vec![b'x'; 1_000_000]).unwrap();
        log.write_all(&vec![b'y'; 1_000_000]).unwrap();
        log.flush().unwrap();
        assert!(folder_size(dir.path()).0 <= 2000);
    }

    #[test]
    fn a_reopened_log_goes_on_counting_and_old_daily_files_make_room() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("plant-console.2026-11-30.log"),
            vec![b'a'; 5000],
        )
        .unwrap();
        fs::write(
            dir.path().join("plant-console.2026-12-01.log"),
            vec![b'b'; 500],
        )
        .unwrap();
        fs::write(dir.path().join("notes.txt"), vec![b'n'; 5000]).unwrap();
        {
            let mut log = RotatingLog::with_caps(dir.path(), 1000, 2).unwrap();
            log.write_all(&[b'c'; 900]).unwrap();
        }
        assert!(!dir.path().join("plant-console.2026-11-30.log").exists());
        assert!(dir.path().join("plant-console.2026-12-01.log").exists());
        assert!(
            dir.path().join("notes.txt").exists(),
            "only the console's own files"
        );
        let mut log = RotatingLog::with_caps(dir.path(), 1000, 2).unwrap();
        log.write_all(&[b'd'; 200]).unwrap();
        log.flush().unwrap();
        assert_eq!(
            fs::read(dir.path().join("plant-console.1.log")).unwrap(),
            [b'c'; 900]
        );
        assert_eq!(fs::read(dir.path().join(CURRENT)).unwrap(), [b'd'; 200]);
    }
}
