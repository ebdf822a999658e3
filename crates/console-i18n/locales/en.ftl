# Plant Console's words in English: the catalog both the Rust side (native
# notifications, the tray, the command line) and the window read. Each message
# has the same id and arguments in every language (a test checks that).
#
# Arguments are data, never words: ids and names as the plant sends them,
# numbers, states as their codes (`on`/`off`, a link mode, a device status).
# A length of time ($duration) arrives worded by the duration-* messages, and a
# unit ($unit) with its leading space (" °C"), or empty when the plant gives none.

## Shared words.

on-off = { $state ->
    [on] ON
   *[off] OFF
 }
device-status = { $status ->
    [online] online
    [offline] offline
    [fault] fault
   *[other] { $status }
 }
link-mode = { $mode ->
    [connecting] Connecting
    [realtime] Real-time
    [fallback] HTTP fallback
    [stale] Stale
    [offline] Offline
    [unauthorized] Unauthorized
   *[other] { $mode }
 }
duration-seconds = { $s } s
duration-minutes = { $m } min
duration-minutes-seconds = { $m } min { $s } s
duration-hours = { $h } h
duration-hours-minutes = { $h } h { $m } min

## Alarms: one per condition of a source. $source is the device or relay id,
## $name its name as the plant gives it.

alarm-device_offline = { $name } is offline
alarm-device_fault = { $name } reports a fault
alarm-limit_high = { $name } is above its high limit
alarm-limit_low = { $name } is below its low limit
alarm-link_lost = The plant link is lost
alarm-command_failed = A command to { $name } did not take effect
alarm-bad_value = Bad value from { $name }

## Alerts: a title and a body. $place is the id, the device and the location as
## the plant names them ("relay-03 · Boiler 1 · Hall 2").

alert-device-appeared-title = Device { $name } appeared
alert-device-appeared-body = { $place } · { $status ->
    [online] online
    [offline] offline
    [fault] fault
   *[other] { $status }
 } · { $value }{ $unit }
alert-device-appeared-body-no-value = { $place } · { $status ->
    [online] online
    [offline] offline
    [fault] fault
   *[other] { $status }
 }
alert-device-removed-title = Device { $name } was removed
alert-device-removed-body = { $place } · the plant no longer lists it
alert-relay-switched-title = Relay { $name } switched { $state ->
    [on] ON
   *[off] OFF
 }
alert-relay-switched-by-title = Relay { $name } switched { $state ->
    [on] ON
   *[off] OFF
 } by { $by }
alert-relay-switched-body = { $place } · was { $was ->
    [on] ON
   *[off] OFF
 }
alert-bad-value-device-title = Device { $name }: bad value from the plant
alert-bad-value-relay-title = Relay { $name }: bad value from the plant
alert-bad-value-body = { $place } · could not read { $fields }
alert-device-offline-title = Device { $name } went offline
alert-device-fault-title = Device { $name } reports a fault
alert-device-standing-offline-title = Device { $name } is offline
alert-device-online-title = Device { $name } is back online
alert-device-status-body = { $place } · was { $was ->
    [online] online
    [offline] offline
    [fault] fault
   *[other] { $was }
 }
alert-device-status-last-body = { $place } · was { $was ->
    [online] online
    [offline] offline
    [fault] fault
   *[other] { $was }
 } · last value { $value }{ $unit }
alert-limit-high-title = { $name } is above its high limit: { $value }{ $unit }
alert-limit-high-body = { $place } · high limit { $limit }{ $unit }
alert-limit-low-title = { $name } is below its low limit: { $value }{ $unit }
alert-limit-low-body = { $place } · low limit { $limit }{ $unit }
alert-limit-cleared-title = { $name } is back within its limits: { $value }{ $unit }
alert-limit-cleared-high-body = { $place } · was above { $limit }{ $unit }
alert-limit-cleared-low-body = { $place } · was below { $limit }{ $unit }
alert-link-restored-title = Plant link restored after { $duration }
alert-link-restored-body = { $server } · { $mode ->
    [connecting] Connecting
    [realtime] Real-time
    [fallback] HTTP fallback
    [stale] Stale
    [offline] Offline
    [unauthorized] Unauthorized
   *[other] { $mode }
 }
alert-link-lost-title = Plant link lost: no data for { $duration }
alert-link-lost-body = { $server } · { $mode ->
    [connecting] Connecting
    [realtime] Real-time
    [fallback] HTTP fallback
    [stale] Stale
    [offline] Offline
    [unauthorized] Unauthorized
   *[other] { $mode }
 } · values shown are the last known
alert-link-lost-detail-body = { $server } · { $mode ->
    [connecting] Connecting
    [realtime] Real-time
    [fallback] HTTP fallback
    [stale] Stale
    [offline] Offline
    [unauthorized] Unauthorized
   *[other] { $mode }
 }: { $detail } · values shown are the last known
alert-command-failed-title = Command to switch { $name } { $state ->
    [on] ON
   *[off] OFF
 } failed
alert-command-expired-title = Command to switch { $name } { $state ->
    [on] ON
   *[off] OFF
 } expired
alert-command-plant-changed-title = Command to switch { $name } { $state ->
    [on] ON
   *[off] OFF
 } ended: plant changed
alert-command-failed-body = { $place } · the plant did not apply it · requested by { $operator }
alert-command-expired-body = { $place } · its time ran out before it took effect · requested by { $operator }
alert-command-plant-changed-body = { $place } · the console is on another plant than the one it was meant for · requested by { $operator }
alert-command-error-body = { $place } · { $error } · requested by { $operator }

## Notifications that stand for many alerts (flood control).

notify-more = { $count } more: { $parts }
notify-summary-title = { $count ->
    [one] { $count } alert held back
   *[other] { $count } alerts held back
 }

## The tray.

tray-address = Server { $address } ({ $role ->
    [primary] primary
   *[standby] standby
 }) · { $failovers ->
    [one] 1 failover
   *[other] { $failovers } failovers
 }
tray-tooltip = Plant Console — { $mode ->
    [connecting] Connecting
    [realtime] Real-time
    [fallback] HTTP fallback
    [stale] Stale — values unconfirmed
    [offline] Offline — values are last known
    [unauthorized] Unauthorized
   *[other] { $mode }
 }
    { $devices } devices · { $alarms ->
        [0] no unacknowledged alarms
        [one] { $alarms } unacknowledged alarm
       *[other] { $alarms } unacknowledged alarms
    }
tray-show = Show console
tray-mute = Mute notifications for 15 min
tray-unmute = Unmute notifications
tray-reconnect = Reconnect now
tray-quit = Quit
tray-window-alarms = Alarm summary window
tray-window-overview = Plant overview window
tray-window-trend = Trend window
window-title-alarms = Plant Console — Alarm summary
window-title-overview = Plant Console — Plant overview
window-title-trend = Plant Console — Trend

## The operator session in the window: who is signed in, signing in and out, the
## re-authentication before a control action. $role is a role's code (viewer,
## operator, engineer), $action an action's code (switch_relay, acknowledge, …),
## $until a local time.

session-role = { $role ->
    [viewer] viewer
    [operator] operator
   *[engineer] engineer
 }
session-who = { $name } ({ $role ->
    [viewer] viewer
    [operator] operator
   *[engineer] engineer
 })
session-who-title = Signed in as { $name }, { $role ->
    [viewer] viewer: sees everything, controls nothing
    [operator] operator: switches relays, acknowledges, shelves and silences alarms
   *[engineer] engineer: everything, settings and alarm configuration too
 }
session-nobody = Nobody signed in — viewing
session-nobody-title = Viewing goes on without anyone signed in; sign in to control the plant.
session-sign-in = Sign in
session-sign-out = Sign out
session-refused = The operators file was refused: { $reason } Nobody can control the plant from this console until an engineer fixes the file; viewing goes on.
session-idle-signed-out = { $name } was signed out after { $duration } without activity.
session-block-not-signed-in = Sign in to { $action ->
    [switch_relay] switch relays
    [acknowledge] acknowledge alarms
    [shelve] shelve alarms
    [silence] silence alarms
    [reset_latched] reset latched alarms
    [out_of_service] take devices out of service
    [settings] change the settings
    [alarm_config] change the alarm configuration
   *[manage_operators] manage operators
 }
session-block-forbidden = An operator signed in as { $role ->
    [viewer] viewer
    [operator] operator
   *[engineer] engineer
 } may not { $action ->
    [switch_relay] switch relays
    [acknowledge] acknowledge alarms
    [shelve] shelve alarms
    [silence] silence alarms
    [reset_latched] reset latched alarms
    [out_of_service] take devices out of service
    [settings] change the settings
    [alarm_config] change the alarm configuration
   *[manage_operators] manage operators
 }
session-block-refused = The operators file was refused: nobody can control the plant from this console
signin-title = Sign in
signin-help = Your name and password, as the engineer set them up. Enter signs in.
signin-name = Name
signin-password = Password
signin-cancel = Cancel
signin-submit = Sign in
signin-busy = Signing in…
signin-name-required = Enter your name.
signin-password-required = Enter your password.
signin-bad-credentials = Wrong name or password.
signin-locked-out = Too many failed attempts: signing in as { $name } is locked until { $until }.
signin-failed = Could not sign in: { $message }
reauth-title = Confirm it is you
reauth-help = { $name }, enter your password again to { $action ->
    [switch_relay] switch relay { $relay } { $state ->
        [on] ON
       *[off] OFF
     }
    [acknowledge] acknowledge alarms
    [shelve] shelve or unshelve an alarm
    [silence] silence alarms
    [reset_latched] reset a latched alarm
    [out_of_service] take a device out of service or back
    [settings] change the settings
    [alarm_config] change the alarm configuration
   *[manage_operators] manage operators
 }.
reauth-password = Password
reauth-reason = Reason
reauth-reason-help = { $relay } is a critical relay: say why you switch it. The reason goes into the audit trail.
reauth-password-required = Enter your password.
reauth-reason-required = A critical relay needs a reason.
reauth-cancel = Cancel
reauth-confirm = Confirm
reauth-wrong-password = Wrong password.
reauth-failed = Not confirmed: { $message }

## Journal entries. Old entries written before the catalog keep their English text.

journal-device-status = Device { $name } changed from { $from ->
    [online] online
    [offline] offline
    [fault] fault
   *[other] { $from }
 } to { $status ->
    [online] online
    [offline] offline
    [fault] fault
   *[other] { $status }
 }
journal-device-added = Device { $name } appeared ({ $status ->
    [online] online
    [offline] offline
    [fault] fault
   *[other] { $status }
 })
journal-device-removed = Device { $name } was removed
journal-relay-switched = Relay { $name } switched { $state ->
    [on] ON
   *[off] OFF
 }
journal-relay-switched-by = Relay { $name } switched { $state ->
    [on] ON
   *[off] OFF
 } by { $by }
journal-relay-added = Relay { $name } appeared ({ $state ->
    [on] ON
   *[off] OFF
 })
journal-relay-removed = Relay { $name } was removed
journal-link = Link changed from { $from ->
    [connecting] Connecting
    [realtime] Real-time
    [fallback] HTTP fallback
    [stale] Stale
    [offline] Offline
    [unauthorized] Unauthorized
   *[other] { $from }
 } to { $mode ->
    [connecting] Connecting
    [realtime] Real-time
    [fallback] HTTP fallback
    [stale] Stale
    [offline] Offline
    [unauthorized] Unauthorized
   *[other] { $mode }
 }
journal-link-detail = Link changed from { $from ->
    [connecting] Connecting
    [realtime] Real-time
    [fallback] HTTP fallback
    [stale] Stale
    [offline] Offline
    [unauthorized] Unauthorized
   *[other] { $from }
 } to { $mode ->
    [connecting] Connecting
    [realtime] Real-time
    [fallback] HTTP fallback
    [stale] Stale
    [offline] Offline
    [unauthorized] Unauthorized
   *[other] { $mode }
 }: { $detail }
journal-link-interrupted = Link was interrupted and is { $mode ->
    [connecting] Connecting
    [realtime] Real-time
    [fallback] HTTP fallback
    [stale] Stale
    [offline] Offline
    [unauthorized] Unauthorized
   *[other] { $mode }
 } again
journal-failover = Link failed over from { $from } to { $to } ({ $role ->
    [primary] primary
   *[standby] standby
 })
journal-readable-again = { $what ->
    [device] Device { $name }
    [relay] Relay { $name }
   *[stats] The server's figures
 }: readable again (good value from the plant)
journal-bad-value = { $what ->
    [device] Device { $name }
    [relay] Relay { $name }
   *[stats] The server's figures
 }: bad value from the plant ({ $fields } could not be read)
journal-still-bad-value = { $what ->
    [device] Device { $name }
    [relay] Relay { $name }
   *[stats] The server's figures
 }: bad value from the plant (now { $fields } could not be read)

## The alarm journal's transitions.

alarm-event = { $event ->
    [activate] Activated
    [return] Returned to normal
    [acknowledge] Acknowledged
    [reset] Reset
    [shelve] Shelved
    [unshelve] Unshelved
    [remove_from_service] Removed from service
    [return_to_service] Returned to service
    [suppress] Suppressed
    [unsuppress] No longer suppressed
   *[other] { $event }
 }
alarm-state = { $state ->
    [normal] Normal
    [unack_active] Active, unacknowledged
    [ack_active] Active, acknowledged
    [unack_returned] Returned, unacknowledged
    [latched] Latched, to reset
    [shelved] Shelved
    [out_of_service] Out of service
    [suppressed] Suppressed by design
   *[other] { $state }
 }
alarm-priority = { $priority ->
    [critical] Critical
    [high] High
    [medium] Medium
   *[low] Low
 }
alarm-notification-title = { $priority ->
    [critical] Critical
    [high] High
    [medium] Medium
   *[low] Low
 } alarm

## Command steps: $status is the step (queued, sent, acked, confirmed, failed,
## expired, cancelled, superseded, plant_changed).

journal-command = Command to switch relay { $relay } { $state ->
    [on] ON
   *[off] OFF
 } ({ $operator }): { $status ->
    [queued] queued
    [sent] sent
    [acked] acknowledged by the server
    [confirmed] confirmed by the plant
    [failed] failed
    [expired] expired
    [cancelled] cancelled
    [superseded] superseded
    [plant_changed] plant changed
   *[other] { $status }
 }
journal-command-detail = Command to switch relay { $relay } { $state ->
    [on] ON
   *[off] OFF
 } ({ $operator }): { $status ->
    [queued] queued
    [sent] sent
    [acked] acknowledged by the server
    [confirmed] confirmed by the plant
    [failed] failed
    [expired] expired
    [cancelled] cancelled
    [superseded] superseded
    [plant_changed] plant changed
   *[other] { $status }
 } — { $detail }
## A command issued with an operator signed in: $person is their name, $role their
## role (viewer, operator, engineer), $operator the OS user.
journal-command-by = Command to switch relay { $relay } { $state ->
    [on] ON
   *[off] OFF
 } by { $person } ({ $role ->
    [viewer] viewer
    [operator] operator
    [engineer] engineer
   *[other] { $role }
 }) as { $operator }: { $status ->
    [queued] queued
    [sent] sent
    [acked] acknowledged by the server
    [confirmed] confirmed by the plant
    [failed] failed
    [expired] expired
    [cancelled] cancelled
    [superseded] superseded
    [plant_changed] plant changed
   *[other] { $status }
 }
journal-command-by-detail = Command to switch relay { $relay } { $state ->
    [on] ON
   *[off] OFF
 } by { $person } ({ $role ->
    [viewer] viewer
    [operator] operator
    [engineer] engineer
   *[other] { $role }
 }) as { $operator }: { $status ->
    [queued] queued
    [sent] sent
    [acked] acknowledged by the server
    [confirmed] confirmed by the plant
    [failed] failed
    [expired] expired
    [cancelled] cancelled
    [superseded] superseded
    [plant_changed] plant changed
   *[other] { $status }
 } — { $detail }
journal-capped = { $count } more changes of { $subject } in one minute were not journaled (at most { $cap } a minute per device or relay)

## Flood summaries: how many alerts of a kind ($kind, an alert kind).

alert-count = { $kind ->
    [relay_switched] { $count ->
        [one] { $count } relay change
       *[other] { $count } relay changes
    }
    [device_offline] { $count ->
        [one] { $count } device offline
       *[other] { $count } devices offline
    }
    [device_fault] { $count ->
        [one] { $count } device in fault
       *[other] { $count } devices in fault
    }
    [device_recovered] { $count ->
        [one] { $count } device back online
       *[other] { $count } devices back online
    }
    [device_appeared] { $count ->
        [one] { $count } device appeared
       *[other] { $count } devices appeared
    }
    [device_removed] { $count ->
        [one] { $count } device removed
       *[other] { $count } devices removed
    }
    [limit_high] { $count ->
        [one] { $count } high limit crossed
       *[other] { $count } high limits crossed
    }
    [limit_low] { $count ->
        [one] { $count } low limit crossed
       *[other] { $count } low limits crossed
    }
    [limit_cleared] { $count ->
        [one] { $count } limit cleared
       *[other] { $count } limits cleared
    }
    [link_lost] { $count ->
        [one] { $count } link loss
       *[other] { $count } link losses
    }
    [link_restored] { $count ->
        [one] { $count } link restored
       *[other] { $count } link restorations
    }
    [command_failed] { $count ->
        [one] { $count } failed command
       *[other] { $count } failed commands
    }
    [command_expired] { $count ->
        [one] { $count } expired command
       *[other] { $count } expired commands
    }
   *[bad_value] { $count ->
        [one] { $count } bad value from the plant
       *[other] { $count } bad values from the plant
    }
 }
notify-summary-body = Shown together to keep notifications readable; every alert is in the console's alert list.

## Lists.

list-separator = {", "}

## Marks of an alarm in lists ($until: a time of day already written out).

alarm-first-out = first out
alarm-chattering = chattering
alarm-shelved-until = shelved until { $until }
