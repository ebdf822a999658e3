//! Fuzz target: the per-item reader of plant payloads (`plant_link::items`). The first
//! byte picks the reader (`d` devices, `r` relays, `s` system stats, `a` a set_relay
//! answer; anything else tries all four) and the rest is the payload. Nothing panics, an
//! item's marks point at an item that exists, in order, and a payload the strict parse
//! accepts comes back exactly as that parse reads it, with no marks.
#![no_main]

use plant_link::items;
use libfuzzer_sys::fuzz_target;
use plant_protocol::{DevicesUpdate, RelaysUpdate, SetRelayResult, SystemStats};

fn check_marks(marks: &items::Marks, len: usize) {
    let mut previous = None;
    for (index, unreadable) in &marks.items {
        assert!(*index < len, "marks of item {index} of {len}");
        assert!(
            previous < Some(*index),
            "marks out of order: {:?}",
            marks.items
        );
        assert!(!unreadable.is_empty(), "an empty mark for item {index}");
        previous = Some(*index);
    }
}

fn devices(text: &str) {
    if let Ok(read) = items::devices_update(text) {
        check_marks(&read.marks, read.value.devices.len());
        if let Ok(strict) = serde_json::from_str::<DevicesUpdate>(text) {
            assert_eq!(read.value, strict);
            assert!(read.marks.is_clean());
        }
    }
}

fn relays(text: &str) {
    if let Ok(read) = items::relays_update(text) {
        check_marks(&read.marks, read.value.relays.len());
        if let Ok(strict) = serde_json::from_str::<RelaysUpdate>(text) {
            assert_eq!(read.value, strict);
            assert!(read.marks.is_clean());
        }
    }
}

fn stats(text: &str) {
    if let Ok(read) = items::system_stats(text) {
        check_marks(&read.marks, 1);
        if let Ok(strict) = serde_json::from_str::<SystemStats>(text) {
            assert_eq!(read.value, strict);
        }
    }
}

fn answer(text: &str) {
    if let Ok((result, unreadable)) = items::set_relay_result(text, "fallback-id") {
        if let Ok(strict) = serde_json::from_str::<SetRelayResult>(text) {
            assert_eq!(result, strict);
            assert!(unreadable.is_empty());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match selector {
        b'd' => devices(text),
        b'r' => relays(text),
        b's' => stats(text),
        b'a' => answer(text),
        _ => {
            devices(text);
            relays(text);
            stats(text);
            answer(text);
        }
    }
});
