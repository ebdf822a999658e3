//! The `alarms` command: the alarm list from the cache, worded in the chosen language,
//! and the alarm actions (`alarms ack`, `alarms shelve`) queued for the running console
//! with their outcome waited for.

use std::path::Path;
use std::time::{Duration, Instant};

use console_core::alarms::{AlarmState, AlarmView};
use console_core::alerts::AlarmAction;
use console_core::audit::Actor;
use console_core::store::{self, alarm_requests, alarm_requests::AlarmRequest};
use console_i18n::{localize_digits, word, Language, Message};
use plant_link::text::escape_control as esc;

use super::report::local_text;
use super::{AlarmTarget, PlantChoice, ReadError};

/// Reads the alarms from the plant's cache: those in `states`, or every alarm not normal.
/// In the summary's order (priority, then newest).
pub fn read_alarms(
    data_dir: &Path,
    plant: &PlantChoice,
    states: &[AlarmState],
) -> Result<Vec<AlarmView>, ReadError> {
    let conn = super::open_for_reading(data_dir, plant)?;
    let alarms = store::alarms::all(&conn).map_err(|problem| ReadError::Store {
        dir: data_dir.to_owned(),
        problem,
    })?;
    Ok(console_core::alarms::book::select_for_summary(
        alarms, states,
    ))
}

/// The local date and time of `at`, in the language's digits.
fn time_of_day(lang: Language, at: f64) -> String {
    localize_digits(lang, &local_text(at))
}

/// The `alarms` report for people: one line per alarm, its id, priority, state, since
/// when, source and text, then its marks, all in `lang`.
pub fn alarms_text(alarms: &[AlarmView], lang: Language) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for alarm in alarms {
        let priority = word(
            lang,
            &Message::new("alarm-priority").text("priority", alarm.priority.as_str()),
        );
        let state = word(
            lang,
            &Message::new("alarm-state").text("state", alarm.state.as_str()),
        );
        let since = time_of_day(lang, alarm.activated_at.unwrap_or(alarm.changed_at));
        let mut marks = Vec::new();
        if alarm.first_out {
            marks.push(word(lang, &Message::new("alarm-first-out")));
        }
        if alarm.chattering {
            marks.push(word(lang, &Message::new("alarm-chattering")));
        }
        if let Some(until) = alarm.shelved_until {
            marks.push(word(
                lang,
                &Message::new("alarm-shelved-until").text("until", time_of_day(lang, until)),
            ));
        }
        let marks = if marks.is_empty() {
            String::new()
        } else {
            format!("  [{}]", marks.join(", "))
        };
        writeln!(
            out,
            "{:>5}  {:<9}  {:<26}  {since}  {:<12}  {}{marks}",
            localize_digits(lang, &alarm.id.to_string()),
            priority,
            state,
            esc(&alarm.source),
            esc(&word(lang, &alarm.message)),
        )
        .ok();
    }
    out
}

/// Why an alarm action from the command line did not take effect.
#[derive(Debug, thiserror::Error)]
pub enum AlarmRequestError {
    #[error(transparent)]
    Choice(#[from] store::PlantChoiceError),
    #[error("cannot queue the alarm action in {dir}: {problem}")]
    Store {
        dir: std::path::PathBuf,
        problem: store::StoreError,
    },
    #[error("the console refused it: {0}")]
    Refused(String),
    #[error(
        "no console running on this data folder applied request {request_id} within {waited} s; \
         it is refused unapplied if none does within a minute of being asked"
    )]
    NotApplied { request_id: String, waited: u64 },
}

/// Queues `action` for the console running on the data folder, as this OS user, and
/// waits up to `target.wait` seconds for it to be applied. The console applies it once
/// (and records it in the alarm's history and the audit trail), or refuses it.
pub fn request_alarm_action(
    target: &AlarmTarget,
    action: &AlarmAction,
    actor: &Actor,
) -> Result<AlarmRequest, AlarmRequestError> {
    let data_dir = target
        .data_dir
        .clone()
        .unwrap_or_else(super::default_data_dir);
    let (_plant, cache_dir) = super::relay_target(&data_dir, &target.plant)?;
    let store_error = |problem| AlarmRequestError::Store {
        dir: cache_dir.clone(),
        problem,
    };
    let conn = store::open(&cache_dir).map_err(store_error)?;
    let request_id = uuid::Uuid::new_v4().to_string();
    // An AlarmAction is ids, numbers and text: it always serializes.
    let action_json = serde_json::to_string(action).unwrap_or_default();
    alarm_requests::enqueue(
        &conn,
        &request_id,
        plant_link::clock::unix_now(),
        &action_json,
        &actor.user,
        &actor.host,
        actor
            .operator
            .as_ref()
            .map(|p| (p.name.as_str(), p.role.as_str())),
    )
    .map_err(store_error)?;
    let deadline = Instant::now() + Duration::from_secs(target.wait);
    loop {
        let request = alarm_requests::get(&conn, &request_id).map_err(store_error)?;
        if let Some(request) = request {
            match request.status.as_str() {
                "applied" => return Ok(request),
                "refused" => {
                    return Err(AlarmRequestError::Refused(
                        request.result.unwrap_or_default(),
                    ))
                }
                _ => {}
            }
        }
        if Instant::now() >= deadline {
            return Err(AlarmRequestError::NotApplied {
                request_id,
                waited: target.wait,
            });
        }
        // The console looks for requests once a second; a quarter of that keeps the
        // answer prompt without busy-waiting on the cache.
        std::thread::sleep(Duration::from_millis(250));
    }
}
