//! The simulated fleet: generating plausible devices and relays, and drifting them tick by tick.
//!
//! Everything here is a pure function of its inputs and a random number generator, so that a
//! seeded server produces the same fleet and the same sequence of changes every time. Nothing in
//! this module knows about locks, clocks or sockets.

use std::collections::BTreeMap;

use plant_protocol::{Device, DeviceStatus, Extra, Relay};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};

/// How a kind of device behaves: its name, its unit, and the band its value wanders in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Profile {
    pub kind: &'static str,
    pub unit: &'static str,
    /// The device is named "{prefix} {n} {suffix}", e.g. "Boiler 1 temperature".
    pub prefix: &'static str,
    pub suffix: &'static str,
    pub low: f64,
    pub high: f64,
    /// Values are rounded to this many decimals, as a real transmitter would report them.
    pub decimals: i32,
}

/// The kinds of devices the fleet is made of, cycled through in this order.
pub(crate) const PROFILES: &[Profile] = &[
    Profile {
        kind: "temperature",
        unit: "°C",
        prefix: "Boiler",
        suffix: "temperature",
        low: 60.0,
        high: 95.0,
        decimals: 1,
    },
    Profile {
        kind: "pressure",
        unit: "bar",
        prefix: "Steam line",
        suffix: "pressure",
        low: 4.0,
        high: 10.0,
        decimals: 2,
    },
    Profile {
        kind: "flow",
        unit: "m³/h",
        prefix: "Cooling water",
        suffix: "flow",
        low: 10.0,
        high: 60.0,
        decimals: 1,
    },
    Profile {
        kind: "level",
        unit: "%",
        prefix: "Tank",
        suffix: "level",
        low: 5.0,
        high: 95.0,
        decimals: 1,
    },
    Profile {
        kind: "vibration",
        unit: "mm/s",
        prefix: "Pump",
        suffix: "vibration",
        low: 0.5,
        high: 7.0,
        decimals: 2,
    },
    Profile {
        kind: "power",
        unit: "kW",
        prefix: "Press",
        suffix: "power",
        low: 15.0,
        high: 120.0,
        decimals: 1,
    },
    Profile {
        kind: "speed",
        unit: "rpm",
        prefix: "Conveyor",
        suffix: "speed",
        low: 800.0,
        high: 1500.0,
        decimals: 0,
    },
    Profile {
        kind: "humidity",
        unit: "%RH",
        prefix: "Hall",
        suffix: "humidity",
        low: 30.0,
        high: 70.0,
        decimals: 1,
    },
];

/// What the relays switch, cycled through in this order: "Pump 1", "Conveyor 1", ….
const RELAY_NAMES: &[&str] = &["Pump", "Conveyor", "Heater", "Fan", "Valve", "Compressor"];

/// Every fifth relay is locked, so that a default fleet (6 relays) always has one relay that
/// refuses remote commands with `forbidden` for tests and demos to exercise.
const LOCKED_EVERY: usize = 5;

/// Chance per tick that an online device drops out (offline or fault).
const DROP_OUT_CHANCE: f64 = 0.01;
/// Share of drop-outs that are faults rather than plain loss of contact.
const FAULT_SHARE: f64 = 0.3;
/// Chance per tick that an offline device is heard from again (about 10 ticks on average).
const RECOVER_FROM_OFFLINE_CHANCE: f64 = 0.1;
/// Faults take longer to clear than lost contact (about 20 ticks on average).
const RECOVER_FROM_FAULT_CHANCE: f64 = 0.05;
/// Largest random step per tick, as a share of the band's width.
const STEP_SHARE: f64 = 0.02;
/// How strongly a value is pulled back towards the middle of its band each tick, so that the
/// walk stays plausible instead of sticking to a band edge.
const REVERSION: f64 = 0.05;

/// The profile of a device kind, if the simulation knows how that kind behaves.
pub(crate) fn profile_for(kind: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.kind == kind)
}

/// The random number generator for a server: repeatable with a seed, otherwise from the OS.
pub(crate) fn rng_for(seed: Option<u64>) -> StdRng {
    match seed {
        Some(seed) => StdRng::seed_from_u64(seed),
        None => StdRng::from_os_rng(),
    }
}

/// Zero-padded numbering wide enough for `count` items, so ids sort in numeric order.
fn id_width(count: usize, minimum: usize) -> usize {
    count.to_string().len().max(minimum)
}

fn round_to(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// Builds `devices` devices named after the profiles, all reporting at `now`.
pub(crate) fn generate_devices(count: usize, rng: &mut StdRng, now: f64) -> Vec<Device> {
    let width = id_width(count, 3);
    (0..count)
        .map(|index| {
            let profile = &PROFILES[index % PROFILES.len()];
            let number = index / PROFILES.len() + 1;
            let span = profile.high - profile.low;
            let value = round_to(
                profile.low + span * rng.random_range(0.3..0.7),
                profile.decimals,
            );
            // A few devices start out offline so a fresh console has something to show.
            let status = if rng.random_bool(0.05) {
                DeviceStatus::Offline
            } else {
                DeviceStatus::Online
            };
            let mut extra = Extra::new();
            if rng.random_bool(0.75) {
                let hall = rng.random_range(1..=4);
                extra.insert("location".into(), Value::from(format!("Hall {hall}")));
            }
            if rng.random_bool(0.5) {
                let minor = rng.random_range(0..=6);
                let patch = rng.random_range(0..=9);
                extra.insert("firmware".into(), Value::from(format!("2.{minor}.{patch}")));
            }
            Device {
                id: format!("dev-{:0width$}", index + 1),
                name: format!("{} {number} {}", profile.prefix, profile.suffix),
                kind: profile.kind.to_string(),
                status,
                value: Some(value),
                unit: Some(profile.unit.to_string()),
                last_seen: now,
                extra,
            }
        })
        .collect()
}

/// Builds `count` relays; most are wired to one of `devices`, some to none.
pub(crate) fn generate_relays(
    count: usize,
    devices: &[Device],
    rng: &mut StdRng,
    now: f64,
) -> Vec<Relay> {
    let width = id_width(count, 2);
    (0..count)
        .map(|index| {
            let name = RELAY_NAMES[index % RELAY_NAMES.len()];
            let number = index / RELAY_NAMES.len() + 1;
            let device_id = if !devices.is_empty() && rng.random_bool(0.7) {
                Some(devices[rng.random_range(0..devices.len())].id.clone())
            } else {
                None
            };
            let state = rng.random_bool(0.5);
            let mut extra = Map::new();
            if (index + 1) % LOCKED_EVERY == 0 {
                extra.insert("locked".into(), Value::Bool(true));
            }
            Relay {
                id: format!("relay-{:0width$}", index + 1),
                name: format!("{name} {number}"),
                device_id,
                state,
                changed_at: now,
                changed_by: None,
                extra,
            }
        })
        .collect()
}

/// Advances every device by one tick and returns the devices that changed, in id order.
///
/// Online devices drift within their band and now and then drop out; offline and faulted
/// devices come back after a while. Each change stamps `last_seen` with `now`. The work is
/// one pass over the fleet, so a tick stays linear in the number of devices.
pub(crate) fn step(
    devices: &mut BTreeMap<String, Device>,
    rng: &mut StdRng,
    now: f64,
) -> Vec<Device> {
    let mut changed = Vec::new();
    for device in devices.values_mut() {
        let before_status = device.status;
        let before_value = device.value;
        match device.status {
            DeviceStatus::Online => {
                if rng.random_bool(DROP_OUT_CHANCE) {
                    device.status = if rng.random_bool(FAULT_SHARE) {
                        DeviceStatus::Fault
                    } else {
                        DeviceStatus::Offline
                    };
                } else {
                    drift(device, rng);
                }
            }
            DeviceStatus::Offline => {
                if rng.random_bool(RECOVER_FROM_OFFLINE_CHANCE) {
                    device.status = DeviceStatus::Online;
                }
            }
            DeviceStatus::Fault => {
                if rng.random_bool(RECOVER_FROM_FAULT_CHANCE) {
                    device.status = DeviceStatus::Online;
                }
            }
            // A status the simulation does not model was set from outside; leave it alone.
            DeviceStatus::Unknown => {}
        }
        if device.status != before_status || device.value != before_value {
            device.last_seen = now;
            changed.push(device.clone());
        }
    }
    changed
}

/// One random-walk step with a pull towards the middle of the band, clamped to the band.
pub(crate) fn drift(device: &mut Device, rng: &mut StdRng) {
    // Kinds the simulation does not know (upserted from outside) and devices without a value
    // keep what they have: there is no plausible band to wander in.
    let (Some(profile), Some(value)) = (profile_for(&device.kind), device.value) else {
        return;
    };
    let span = profile.high - profile.low;
    let middle = profile.low + span / 2.0;
    let step = span * STEP_SHARE * rng.random_range(-1.0..=1.0);
    let next = (value + step + (middle - value) * REVERSION).clamp(profile.low, profile.high);
    device.value = Some(round_to(next, profile.decimals));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet(seed: u64, devices: usize, relays: usize) -> (Vec<Device>, Vec<Relay>) {
        let mut rng = rng_for(Some(seed));
        let d = generate_devices(devices, &mut rng, 1_000.0);
        let r = generate_relays(relays, &d, &mut rng, 1_000.0);
        (d, r)
    }

    fn by_id(devices: Vec<Device>) -> BTreeMap<String, Device> {
        devices.into_iter().map(|d| (d.id.clone(), d)).collect()
    }

    #[test]
    fn same_seed_generates_the_same_fleet() {
        assert_eq!(fleet(42, 50, 10), fleet(42, 50, 10));
    }

    #[test]
    fn different_seeds_generate_different_fleets() {
        assert_ne!(fleet(1, 50, 10), fleet(2, 50, 10));
    }

    #[test]
    fn ids_are_zero_padded_and_names_follow_the_profiles() {
        let (devices, relays) = fleet(7, 12, 6);
        assert_eq!(devices[0].id, "dev-001");
        assert_eq!(devices[0].name, "Boiler 1 temperature");
        assert_eq!(devices[0].unit.as_deref(), Some("°C"));
        assert_eq!(devices[8].name, "Boiler 2 temperature");
        assert_eq!(relays[0].id, "relay-01");
        assert_eq!(relays[0].name, "Pump 1");
        assert_eq!(relays[2].name, "Heater 1");
        let (big, _) = fleet(7, 10_000, 0);
        assert_eq!(big[0].id, "dev-00001");
        assert_eq!(big[9_999].id, "dev-10000");
    }

    #[test]
    fn every_fifth_relay_is_locked() {
        let (_, relays) = fleet(7, 12, 10);
        let locked: Vec<&str> = relays
            .iter()
            .filter(|r| r.extra.get("locked") == Some(&Value::Bool(true)))
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(locked, ["relay-05", "relay-10"]);
    }

    #[test]
    fn relays_point_at_existing_devices_or_at_none() {
        let (devices, relays) = fleet(3, 12, 30);
        assert!(relays.iter().any(|r| r.device_id.is_none()));
        for relay in relays.iter().filter_map(|r| r.device_id.as_ref()) {
            assert!(devices.iter().any(|d| &d.id == relay));
        }
    }

    #[test]
    fn seeded_simulation_repeats_the_same_changes() {
        let run = || {
            let mut rng = rng_for(Some(9));
            let mut devices = by_id(generate_devices(40, &mut rng, 0.0));
            (1..=50)
                .map(|tick| step(&mut devices, &mut rng, f64::from(tick)))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn drifting_values_stay_inside_their_band_and_devices_drop_out_and_return() {
        let mut rng = rng_for(Some(5));
        let mut devices = by_id(generate_devices(80, &mut rng, 0.0));
        let mut statuses: BTreeMap<String, DeviceStatus> = devices
            .iter()
            .map(|(id, d)| (id.clone(), d.status))
            .collect();
        let mut saw_drop_out = false;
        let mut saw_return = false;
        for tick in 1..=500 {
            for changed in step(&mut devices, &mut rng, f64::from(tick)) {
                assert_eq!(changed.last_seen, f64::from(tick));
                assert_eq!(
                    &devices[&changed.id], &changed,
                    "a report is the stored device"
                );
                let profile = profile_for(&changed.kind).expect("generated kinds have profiles");
                let value = changed.value.expect("generated devices have values");
                assert!((profile.low..=profile.high).contains(&value), "{changed:?}");
                let was = statuses.insert(changed.id.clone(), changed.status).unwrap();
                saw_drop_out |=
                    was == DeviceStatus::Online && changed.status != DeviceStatus::Online;
                saw_return |= was != DeviceStatus::Online && changed.status == DeviceStatus::Online;
            }
        }
        assert!(
            saw_drop_out,
            "500 ticks of 80 devices should see a drop-out"
        );
        assert!(
            saw_return,
            "500 ticks of 80 devices should see a device come back"
        );
    }

    #[test]
    fn a_tick_reports_only_the_devices_that_changed() {
        let mut rng = rng_for(Some(11));
        let mut devices = by_id(generate_devices(20, &mut rng, 0.0));
        let before = devices.clone();
        let changed = step(&mut devices, &mut rng, 1.0);
        let differing: Vec<&String> = devices
            .iter()
            .filter(|(id, d)| before[*id] != **d)
            .map(|(id, _)| id)
            .collect();
        let reported: Vec<&String> = changed.iter().map(|d| &d.id).collect();
        assert_eq!(reported, differing);
    }

    #[test]
    fn devices_of_unknown_kind_keep_their_value() {
        let mut rng = rng_for(Some(1));
        let mut device = generate_devices(1, &mut rng, 0.0).remove(0);
        device.kind = "mystery".into();
        device.value = Some(3.0);
        let before = device.clone();
        drift(&mut device, &mut rng);
        assert_eq!(device, before);
    }
}
