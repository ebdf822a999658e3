//! The caps on what a plant can make the console hold: how many devices and relays, how
//! long an id or a name, how many journal rows one device writes a minute.
//!
//! Each cap is far above any real plant (the benchmarks run 10 000 devices), so only a
//! broken or hostile server reaches one. Past a cap the console keeps working with what
//! it has: the items over it are left out (or, for a name, cut short), counted in
//! [`CapsReached`] for the window, and logged (the first time, then once a minute).
//! They run on each update after it has been read item by item ([`plant_link::items`]) and
//! before the plant state applies it.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use plant_protocol::{DevicesUpdate, RelaysUpdate, UnixSeconds};
use serde::Serialize;
use serde_json::json;

use crate::state::PlantState;
use crate::store::{journal_kind, NewJournalEntry};
use console_i18n::Message;
use plant_link::items::{Marks, Read};
use plant_link::lograte::RepeatLimiter;
use plant_link::text::log_text;

/// The most devices the console holds. A snapshot that lists more keeps the first
/// `MAX_DEVICES`; an update that adds devices past it adds none of the new ones (the
/// known ones still update).
pub const MAX_DEVICES: usize = 100_000;

/// The most relays the console holds, in the same way as [`MAX_DEVICES`].
pub const MAX_RELAYS: usize = 100_000;

/// The longest device or relay id, in bytes (UTF-8). An item with a longer id is left
/// out: a cut id could name another item, and a command must go to the relay it names.
pub const MAX_ID_BYTES: usize = 256;

/// The longest name, kind, unit or `changed_by`, in characters. A longer one is cut to
/// this length and ends in "…".
pub const MAX_NAME_CHARS: usize = 256;

/// The most journal rows one device or relay writes in one minute (by the minute of the
/// clock). Past it, its rows of that minute are left out and one row says how many.
pub const MAX_JOURNAL_ROWS_PER_ITEM_PER_MINUTE: u32 = 30;

/// How often each cap was reached since the console started, for the window's notice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CapsReached {
    /// Devices left out because the console already held [`MAX_DEVICES`].
    pub devices_left_out: u64,
    /// Relays left out because the console already held [`MAX_RELAYS`].
    pub relays_left_out: u64,
    /// Devices and relays left out because their id was longer than [`MAX_ID_BYTES`].
    pub ids_too_long: u64,
    /// Names (and kinds, units, `changed_by`) cut to [`MAX_NAME_CHARS`].
    pub names_cut: u64,
    /// Journal rows left out past [`MAX_JOURNAL_ROWS_PER_ITEM_PER_MINUTE`].
    pub journal_rows_left_out: u64,
}

impl CapsReached {
    /// Whether any cap was reached at all (the window shows a notice only then).
    pub fn any(&self) -> bool {
        *self != CapsReached::default()
    }
}

/// What the caps did to one update.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CapHits {
    pub left_out_for_count: u64,
    pub ids_too_long: u64,
    pub names_cut: u64,
}

impl CapHits {
    pub fn any(&self) -> bool {
        *self != CapHits::default()
    }
}

/// The count caps a console applies: [`MAX_DEVICES`] and [`MAX_RELAYS`] unless a test
/// or a benchmark sets lower ones (`ConsoleConfig::limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_devices: usize,
    pub max_relays: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_devices: MAX_DEVICES,
            max_relays: MAX_RELAYS,
        }
    }
}

/// The running counts, shared by the runtime that applies updates and the snapshot.
#[derive(Debug, Default)]
pub struct Caps {
    limits: Limits,
    devices_left_out: AtomicU64,
    relays_left_out: AtomicU64,
    ids_too_long: AtomicU64,
    names_cut: AtomicU64,
    journal_rows_left_out: AtomicU64,
    log: Mutex<RepeatLimiter>,
}

impl Caps {
    pub fn new(limits: Limits) -> Self {
        Caps {
            limits,
            ..Caps::default()
        }
    }

    pub fn reached(&self) -> CapsReached {
        CapsReached {
            devices_left_out: self.devices_left_out.load(Ordering::Relaxed),
            relays_left_out: self.relays_left_out.load(Ordering::Relaxed),
            ids_too_long: self.ids_too_long.load(Ordering::Relaxed),
            names_cut: self.names_cut.load(Ordering::Relaxed),
            journal_rows_left_out: self.journal_rows_left_out.load(Ordering::Relaxed),
        }
    }

    /// Caps a devices update against what `state` holds; returns whether a cap was hit
    /// (the window's notice then changes).
    pub fn devices(&self, read: &mut Read<DevicesUpdate>, state: &PlantState) -> bool {
        let cap = self.limits.max_devices;
        let hits = cap_devices(read, cap, state.device_count(), |id| {
            state.device(id).is_some()
        });
        self.count(hits, &self.devices_left_out, "devices", cap)
    }

    /// Caps a relays update against what `state` holds, like [`Caps::devices`].
    pub fn relays(&self, read: &mut Read<RelaysUpdate>, state: &PlantState) -> bool {
        let cap = self.limits.max_relays;
        let hits = cap_relays(read, cap, state.relay_count(), |id| {
            state.relay(id).is_some()
        });
        self.count(hits, &self.relays_left_out, "relays", cap)
    }

    /// Notes journal rows a [`JournalCap`] left out.
    pub fn journal_rows_left_out(&self, rows: u64) {
        if rows == 0 {
            return;
        }
        let total = self
            .journal_rows_left_out
            .fetch_add(rows, Ordering::Relaxed)
            + rows;
        if self.log_verdict() {
            tracing::warn!(
                left_out = rows,
                total,
                cap_per_minute = MAX_JOURNAL_ROWS_PER_ITEM_PER_MINUTE,
                "a device or relay changes more often than the journal keeps rows; the rest of its minute is summed up in one row"
            );
        }
    }

    /// Whether a cap warning is logged now: the first few a minute, then one a minute.
    fn log_verdict(&self) -> bool {
        let verdict = self
            .log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .hit(Instant::now());
        verdict.log || verdict.summary.is_some()
    }

    fn count(&self, hits: CapHits, left_out: &AtomicU64, what: &str, cap: usize) -> bool {
        if !hits.any() {
            return false;
        }
        left_out.fetch_add(hits.left_out_for_count, Ordering::Relaxed);
        self.ids_too_long
            .fetch_add(hits.ids_too_long, Ordering::Relaxed);
        self.names_cut.fetch_add(hits.names_cut, Ordering::Relaxed);
        if self.log_verdict() {
            let totals = self.reached();
            tracing::warn!(
                what,
                left_out_for_count = hits.left_out_for_count,
                count_cap = cap,
                ids_too_long = hits.ids_too_long,
                id_cap_bytes = MAX_ID_BYTES,
                names_cut = hits.names_cut,
                name_cap_chars = MAX_NAME_CHARS,
                ?totals,
                "the plant sent more than the console keeps; the rest is left out"
            );
        }
        true
    }
}

/// Cuts `text` to [`MAX_NAME_CHARS`] characters ending in "…"; true when it did.
fn cut_name(text: &mut String) -> bool {
    match text.char_indices().nth(MAX_NAME_CHARS - 1) {
        Some((at, _)) if text[at..].chars().nth(1).is_some() => {
            text.truncate(at);
            text.push('…');
            true
        }
        _ => false,
    }
}

fn cut_optional(text: &mut Option<String>) -> bool {
    text.as_mut().is_some_and(cut_name)
}

/// Keeps the items of `list` that `keep` accepts, moving the marks of those kept to their
/// new places.
fn retain_marked<T>(list: &mut Vec<T>, marks: &mut Marks, mut keep: impl FnMut(&mut T) -> bool) {
    let mut kept_marks = Vec::with_capacity(marks.items.len());
    let mut next = 0;
    let mut index = 0;
    list.retain_mut(|item| {
        let at = index;
        index += 1;
        if !keep(item) {
            return false;
        }
        if let Some(unreadable) = marks.of(at) {
            kept_marks.push((next, unreadable.clone()));
        }
        next += 1;
        true
    });
    marks.items = kept_marks;
}

/// The count cap of one update: a snapshot replaces everything, so its first `cap`
/// distinct items stay; a partial update keeps every known item and new ones while there
/// is room. An update that fits whole (the only case a real plant ever sends) is let
/// through without a single lookup.
struct Room {
    snapshot: bool,
    fits_whole: bool,
    held: usize,
    cap: usize,
    /// The distinct ids admitted so far (a snapshot's) or the new ones (an update's).
    seen: HashSet<String>,
}

impl Room {
    fn new(snapshot: bool, held: usize, listed: usize, cap: usize) -> Self {
        let fits_whole = if snapshot {
            listed <= cap
        } else {
            held.saturating_add(listed) <= cap
        };
        Room {
            snapshot,
            fits_whole,
            held,
            cap,
            seen: HashSet::new(),
        }
    }

    fn admits(&mut self, id: &str, known: impl FnOnce() -> bool) -> bool {
        if self.fits_whole || self.seen.contains(id) {
            return true;
        }
        if self.snapshot {
            if self.seen.len() >= self.cap {
                return false;
            }
        } else if known() {
            return true;
        } else if self.held + self.seen.len() >= self.cap {
            return false;
        }
        self.seen.insert(id.to_owned());
        true
    }
}

/// Applies the id, name and count caps to a devices update. `cap` is the most devices
/// the console holds, `held` how many it holds now, `known` whether it holds this id.
pub(crate) fn cap_devices(
    read: &mut Read<DevicesUpdate>,
    cap: usize,
    held: usize,
    known: impl Fn(&str) -> bool,
) -> CapHits {
    let mut hits = CapHits::default();
    let mut room = Room::new(read.value.snapshot, held, read.value.devices.len(), cap);
    retain_marked(&mut read.value.devices, &mut read.marks, |device| {
        if device.id.len() > MAX_ID_BYTES {
            hits.ids_too_long += 1;
            return false;
        }
        if !room.admits(&device.id, || known(&device.id)) {
            hits.left_out_for_count += 1;
            return false;
        }
        let cut = [
            cut_name(&mut device.name),
            cut_name(&mut device.kind),
            cut_optional(&mut device.unit),
        ];
        hits.names_cut += cut.iter().filter(|c| **c).count() as u64;
        true
    });
    hits
}

/// Applies the id, name and count caps to a relays update, like [`cap_devices`]; the id
/// of the device a relay belongs to is an id too.
pub(crate) fn cap_relays(
    read: &mut Read<RelaysUpdate>,
    cap: usize,
    held: usize,
    known: impl Fn(&str) -> bool,
) -> CapHits {
    let mut hits = CapHits::default();
    let mut room = Room::new(read.value.snapshot, held, read.value.relays.len(), cap);
    retain_marked(&mut read.value.relays, &mut read.marks, |relay| {
        let device_id_too_long = relay
            .device_id
            .as_ref()
            .is_some_and(|id| id.len() > MAX_ID_BYTES);
        if relay.id.len() > MAX_ID_BYTES || device_id_too_long {
            hits.ids_too_long += 1;
            return false;
        }
        if !room.admits(&relay.id, || known(&relay.id)) {
            hits.left_out_for_count += 1;
            return false;
        }
        let cut = [
            cut_name(&mut relay.name),
            cut_optional(&mut relay.changed_by),
        ];
        hits.names_cut += cut.iter().filter(|c| **c).count() as u64;
        true
    });
    hits
}

/// The journal's rate cap: at most [`MAX_JOURNAL_ROWS_PER_ITEM_PER_MINUTE`] rows per
/// subject (a device or relay id) in each minute of the clock. Held by the runtime.
#[derive(Debug, Default)]
pub struct JournalCap {
    minute: Option<i64>,
    rows: HashMap<String, u32>,
    left_out: HashMap<String, u32>,
}

fn minute_of(at: UnixSeconds) -> i64 {
    (at / 60.0).floor() as i64
}

impl JournalCap {
    /// Whether a row about `subject` at `at` may be journaled. Rows left out are counted
    /// for [`JournalCap::summaries`].
    pub fn allow(&mut self, subject: &str, at: UnixSeconds) -> bool {
        let minute = minute_of(at);
        if self.minute != Some(minute) {
            // The caller takes the summaries first; what is left is dropped with the
            // minute so the maps never outgrow one minute's subjects.
            self.minute = Some(minute);
            self.rows.clear();
        }
        let rows = match self.rows.get_mut(subject) {
            Some(rows) => rows,
            None => self.rows.entry(subject.to_owned()).or_default(),
        };
        if *rows < MAX_JOURNAL_ROWS_PER_ITEM_PER_MINUTE {
            *rows += 1;
            true
        } else {
            *self.left_out.entry(subject.to_owned()).or_default() += 1;
            false
        }
    }

    /// One row per subject that had rows left out in a minute that is over by `now`
    /// (or in any minute, with `all`, when the console stops), saying how many.
    pub fn summaries(&mut self, now: UnixSeconds, all: bool) -> Vec<NewJournalEntry> {
        if self.left_out.is_empty() || (!all && self.minute == Some(minute_of(now))) {
            return Vec::new();
        }
        let minute = self.minute.unwrap_or_else(|| minute_of(now));
        let mut rows: Vec<NewJournalEntry> = self
            .left_out
            .drain()
            .map(|(subject, left_out)| NewJournalEntry {
                at: now,
                kind: journal_kind::JOURNAL_CAPPED.into(),
                message: Some(
                    Message::new("journal-capped")
                        .number("count", f64::from(left_out))
                        .text("subject", log_text(&subject))
                        .number("cap", MAX_JOURNAL_ROWS_PER_ITEM_PER_MINUTE as f64),
                ),
                text: format!(
                    "{left_out} more changes of {} in one minute were not journaled (at most {} a minute per device or relay)",
                    log_text(&subject),
                    MAX_JOURNAL_ROWS_PER_ITEM_PER_MINUTE
                ),
                data: json!({
                    "subject": subject,
                    "left_out": left_out,
                    "minute_start": minute as f64 * 60.0,
                    "cap": MAX_JOURNAL_ROWS_PER_ITEM_PER_MINUTE,
                }),
                subject,
            })
            .collect();
        rows.sort_by(|a, b| a.subject.cmp(&b.subject));
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plant_link::items::Unreadable;
    use plant_protocol::{Device, DeviceStatus, Relay};
    use serde_json::Map;

    fn device(id: &str) -> Device {
        Device {
            id: id.into(),
            name: format!("Device {id}"),
            kind: "level".into(),
            status: DeviceStatus::Online,
            value: Some(1.0),
            unit: None,
            last_seen: 1.0,
            extra: Default::default(),
        }
    }

    fn devices(list: Vec<Device>, snapshot: bool) -> Read<DevicesUpdate> {
        Read::whole(DevicesUpdate {
            devices: list,
            snapshot,
            server_time: 1.0,
        })
    }

    #[test]
    fn a_snapshot_over_the_device_cap_keeps_the_first_hundred_thousand() {
        let list: Vec<Device> = (0..MAX_DEVICES + 5)
            .map(|i| device(&format!("d{i}")))
            .collect();
        let mut read = devices(list, true);
        let hits = cap_devices(&mut read, MAX_DEVICES, 0, |_| false);
        assert_eq!(hits.left_out_for_count, 5);
        assert_eq!(read.value.devices.len(), MAX_DEVICES);
        assert_eq!(
            read.value.devices.last().unwrap().id,
            format!("d{}", MAX_DEVICES - 1)
        );
    }

    #[test]
    fn a_partial_update_at_the_cap_updates_known_devices_and_adds_no_new_ones() {
        let mut read = devices(
            vec![device("new-1"), device("known"), device("new-2")],
            false,
        );
        let hits = cap_devices(&mut read, MAX_DEVICES, MAX_DEVICES - 1, |id| id == "known");
        let ids: Vec<&str> = read.value.devices.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["new-1", "known"]);
        assert_eq!(hits.left_out_for_count, 1);
    }

    #[test]
    fn an_over_long_id_is_left_out_and_an_over_long_name_is_cut_and_marks_follow_their_item() {
        let mut long_name = device("ok");
        long_name.name = "N".repeat(10_000);
        long_name.unit = Some("u".repeat(MAX_NAME_CHARS));
        let mut read = devices(
            vec![
                device(&"x".repeat(MAX_ID_BYTES + 1)),
                long_name,
                device("bad"),
            ],
            true,
        );
        read.marks.items = vec![(2, Unreadable::from_names(["value"]))];
        let hits = cap_devices(&mut read, MAX_DEVICES, 0, |_| false);
        assert_eq!(hits.ids_too_long, 1);
        assert_eq!(hits.names_cut, 1, "a unit of exactly the cap is not cut");
        let kept = &read.value.devices;
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].name.chars().count(), MAX_NAME_CHARS);
        assert!(kept[0].name.ends_with('…'));
        assert_eq!(read.marks.of(1), Some(&Unreadable::from_names(["value"])));
        assert_eq!(read.marks.of(2), None);
    }

    #[test]
    fn relays_with_an_over_long_id_or_device_id_are_left_out() {
        let relay = |id: &str, device_id: Option<String>| Relay {
            id: id.into(),
            name: "Pump".into(),
            device_id,
            state: false,
            changed_at: 1.0,
            changed_by: Some("b".repeat(MAX_NAME_CHARS + 1)),
            extra: Map::new(),
        };
        let mut read = Read::whole(RelaysUpdate {
            relays: vec![
                relay("r1", None),
                relay(&"r".repeat(MAX_ID_BYTES + 1), None),
                relay("r3", Some("d".repeat(MAX_ID_BYTES + 1))),
            ],
            snapshot: true,
            server_time: 1.0,
        });
        let hits = cap_relays(&mut read, MAX_RELAYS, 0, |_| false);
        assert_eq!(hits.ids_too_long, 2);
        assert_eq!(hits.names_cut, 1);
        assert_eq!(read.value.relays.len(), 1);
    }

    #[test]
    fn a_flapping_device_journals_thirty_rows_a_minute_and_one_summary() {
        let mut cap = JournalCap::default();
        let start = 1_767_225_600.0; // on a minute boundary
        let allowed = (0..1000)
            .filter(|i| cap.allow("dev-1", start + f64::from(*i) * 0.05))
            .count();
        assert_eq!(allowed, MAX_JOURNAL_ROWS_PER_ITEM_PER_MINUTE as usize);
        assert!(
            cap.allow("dev-2", start + 1.0),
            "other devices are not held back"
        );
        assert!(
            cap.summaries(start + 59.0, false).is_empty(),
            "the minute is not over"
        );
        let rows = cap.summaries(start + 60.0, false);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].subject, "dev-1");
        assert_eq!(rows[0].data["left_out"], 970);
        assert!(rows[0].text.starts_with("970 more changes of dev-1"));
        assert!(
            cap.allow("dev-1", start + 60.0),
            "a new minute starts afresh"
        );
    }
}
