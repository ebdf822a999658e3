// The IPC contract between the Rust side of Plant Console and this UI.
// All JSON is snake_case; all times are Unix seconds (float).

export type LinkMode =
  | "connecting"
  | "realtime"
  | "fallback"
  | "stale"
  | "offline"
  | "unauthorized";

export interface LinkStatus {
  mode: LinkMode;
  /** When the link entered this mode (local clock). */
  since: number;
  /** Local time of the last message from the plant server, if any. */
  last_message_at: number | null;
  /** Local time of the last successful contact of any kind, if any. */
  last_contact: number | null;
  detail: string | null;
  /** What the link mode says about every value shown (good only when live). */
  quality: Quality;
  /** Frames and items the plant sent that the console could not use. */
  unusable: Unusable;
}

/** How far a value can be trusted, as the core computes it (OPC UA's good/uncertain/bad). */
export type QualityLevel = "good" | "uncertain" | "bad";

/** Why a value is not good. */
export type QualityReason = "unconfirmed" | "old" | "stale" | "link_down" | "unreadable";

export interface Quality {
  level: QualityLevel;
  /** null exactly when the level is good. */
  reason: QualityReason | null;
}

/** Counts of what the console received but could not use: since start and since the session went live. */
export interface Unusable {
  /** Whole frames dropped. */
  frames: number;
  /** Devices or relays dropped because their id could not be read. */
  items_dropped: number;
  /** Items received with a field that could not be read (shown with a bad quality). */
  items_unreadable: number;
  session_frames: number;
  session_items_dropped: number;
  session_items_unreadable: number;
}

export type DeviceStatus = "online" | "offline" | "fault" | "unknown";

/** A plant device. Objects may carry extra fields: they are kept, never dropped. */
export interface Device {
  id: string;
  name: string;
  kind: string;
  status: DeviceStatus;
  value: number | null;
  unit: string | null;
  last_seen: number;
  [extra: string]: unknown;
}

export interface Relay {
  id: string;
  name: string;
  device_id: string | null;
  /** true = energized (on). */
  state: boolean;
  changed_at: number;
  changed_by: string | null;
  /** true = the plant refuses commands to this relay (`forbidden`). */
  locked?: boolean;
  [extra: string]: unknown;
}

export interface SystemStats {
  cpu_percent: number;
  memory_percent: number;
  disk_percent: number;
  uptime_s: number;
  clients: number;
  server_time: number;
  [extra: string]: unknown;
}

/** received_at = local time the console last got it. */
export interface DeviceEntry {
  device: Device;
  received_at: number;
  /** Fields the plant sent that could not be read; their values are not shown. */
  unreadable: string[];
  /** The entry's own quality; combine with `LinkStatus.quality` (the worse wins). */
  quality: Quality;
}

export interface RelayEntry {
  relay: Relay;
  received_at: number;
  unreadable: string[];
  quality: Quality;
}

export interface StatsEntry {
  stats: SystemStats;
  received_at: number;
  unreadable: string[];
  quality: Quality;
}

/** Answer of `get_snapshot`. */
export interface ConsoleSnapshot {
  demo: boolean;
  server_url: string;
  /** The plant the console is on: its name, or its address when it has none. */
  plant: string;
  link: LinkStatus;
  devices: DeviceEntry[];
  relays: RelayEntry[];
  system_stats: StatsEntry | null;
  /** How long a command queued while the plant is unreachable stays valid (seconds). */
  command_ttl_s: number;
  /** A read-only console sends no commands. */
  read_only: boolean;
  /** Where a damaged local cache was moved at start-up (a fresh one replaced it), or null. */
  recovered_from: string | null;
  /** Unacknowledged alerts, mute and shelves, as the tray shows them. */
  alert_status: AlertStatus;
  /** Whether the local cache keeps up ("cache not saved since HH:MM" while it does not). */
  cache: CacheStatus;
  /** How often the plant went past the console's caps since start; a notice while any is above zero. */
  caps: CapsReached;
}

/**
 * How often the plant went past the console's caps (`bounds` in the core): items left out
 * or cut short. All zero for any real plant.
 */
export interface CapsReached {
  /** Devices left out because the console already held its most devices (100 000). */
  devices_left_out: number;
  /** Relays left out because the console already held its most relays (100 000). */
  relays_left_out: number;
  /** Devices and relays left out because their id was longer than 256 bytes. */
  ids_too_long: number;
  /** Names, kinds, units and `changed_by` cut to 256 characters. */
  names_cut: number;
  /** Journal rows left out past 30 per device or relay per minute. */
  journal_rows_left_out: number;
}

/** Whether the local cache keeps up with the console's writes (a full disk). */
export interface CacheStatus {
  /** While writes fail: when the cache was last saved (Unix seconds); null while they succeed. */
  unsaved_since: number | null;
  /** Why the last write failed, while they fail. */
  problem: string | null;
}

/** Payload of the `console://batch` event. */
export interface UpdateBatch {
  link: LinkStatus | null;
  devices: DeviceEntry[];
  removed_devices: string[];
  relays: RelayEntry[];
  removed_relays: string[];
  system_stats: StatsEntry | null;
  /** Alerts raised since the previous batch, oldest first (at most 100; the full list is `alerts`). */
  alerts: AlertView[];
  /** The alert status, when it changed. */
  alert_status: AlertStatus | null;
  /** The cache's status, when it changed. */
  cache: CacheStatus | null;
  /** The caps' counts, when they changed. */
  caps: CapsReached | null;
}

/** What a rejected invoke carries. */
export interface UiError {
  code: string;
  message: string;
  /** The refused values, with `code` "invalid_settings" (save_settings). */
  fields?: FieldError[];
}

/** Lifecycle of an operator command (relay switch). */
export type CommandStatus =
  | "queued"
  | "sent"
  | "acked"
  | "confirmed"
  | "failed"
  | "expired"
  | "cancelled"
  | "superseded"
  /** The console is on another plant than the one the command was issued for. */
  | "plant_changed";

/**
 * One operator command: answer of `set_relay` / `cancel_command`, element of
 * `outbox`, payload of the `console://command` event.
 */
export interface CommandView {
  /** Idempotency key, made once by the console and never changed. */
  request_id: string;
  relay_id: string;
  /** Requested relay state (true = on). */
  state: boolean;
  status: CommandStatus;
  issued_at: number;
  expires_at: number;
  updated_at: number;
  attempts: number;
  error: string | null;
  operator: string;
  /** The plant the command was issued for (null: queued by an older console). */
  plant: string | null;
}

/** How urgent an alert is. */
export type AlertSeverity = "info" | "low" | "high" | "critical";

export type AlertKind =
  | "relay_switched"
  | "device_offline"
  | "device_fault"
  | "device_recovered"
  | "device_appeared"
  | "device_removed"
  | "limit_high"
  | "limit_low"
  | "limit_cleared"
  | "link_lost"
  | "link_restored"
  | "command_failed"
  | "command_expired"
  | "bad_value";

/** Why an alert was not shown as a notification. */
export type AlertSuppressed = "muted" | "shelved" | "flood" | "flapping" | "quiet";

/** One recorded alert: element of `alerts`, of `UpdateBatch.alerts`. */
export interface AlertView {
  id: number;
  at: number;
  kind: AlertKind;
  severity: AlertSeverity;
  /** The device or relay id, or "link". */
  subject: string;
  /** What happened and to what, e.g. "Relay Pump 3 switched OFF by operator-2". */
  title: string;
  /** Where, and the detail. */
  body: string;
  /** Whether it was shown as a desktop notification. */
  notified: boolean;
  suppressed: AlertSuppressed | null;
  acked_at: number | null;
  /** The OS user who acknowledged it. */
  acked_by: string | null;
}

/** A shelved device (or relay) and until when. */
export interface Shelf {
  subject: string;
  until: number;
}

export interface AlertStatus {
  unacked: number;
  unacked_critical: number;
  muted: boolean;
  /** While muted: until when, or null for "until unmuted". */
  muted_until: number | null;
  shelved: Shelf[];
}

// ---------- the read side: trends, journal, diagnostics ----------

/** An interval without a live link; `end` is null while it lasts. */
export interface Gap {
  start: number;
  end: number | null;
}

/** Answer of `device_trend`: the device's stored values (oldest first) and the link gaps. */
export interface DeviceTrend {
  device_id: string;
  /** [at, value]; value null where the device reported none. */
  points: [number, number | null][];
  gaps: Gap[];
}

/** The server's figures at one moment (local receive time). */
export interface StatsSample {
  at: number;
  cpu: number;
  memory: number;
  disk: number;
  clients: number;
}

/** Answer of `stats_trend`. */
export interface StatsTrend {
  samples: StatsSample[];
  gaps: Gap[];
}

/** One journal entry: element of the `journal` answer (oldest first). */
export interface JournalEntry {
  id: number;
  at: number;
  /** "link", "device_status", "device_added", "device_removed", "relay_switched", "relay_added", "relay_removed", "command", … */
  kind: string;
  /** The device or relay id, or "link". */
  subject: string;
  /** A sentence for people, made by the console (in English). */
  text: string;
  /** Machine-readable details (any JSON). */
  data: unknown;
}

/** Arguments of `journal`; every one may be left out. */
export interface JournalQuery {
  since?: number;
  until?: number;
  /** A kind or a kind family ("device" finds "device_status", …). */
  kind?: string;
  /** At most 5000 (the console's default is 500). */
  limit?: number;
}

/** Answer of `diagnostics`. */
export interface Diagnostics {
  link: LinkStatus;
  rtt_ms: number | null;
  messages: number;
  /** Since the previous diagnostics call (null on the first one). */
  messages_per_second: number | null;
  reconnects: number;
  dropped_frames: number;
  alerts_dropped: number;
  /** Seconds spent in each link mode since start. */
  time_in_modes: [LinkMode, number][];
  data_dir: string;
  log_dir: string;
  /** The plant the console is on and the folder of its own cache. */
  plant: string;
  cache_dir: string;
  /** Seconds the plant's clock runs ahead of this computer's (negative: behind); null before the first stamp. */
  clock_offset_s: number | null;
  /** Set when the offset is large enough to warn about. */
  clock_offset_warning: string | null;
}

// ---------- settings: get_settings / save_settings ----------

/** A high and/or low limit on the values of one device or of every device of a kind. */
export interface Limit {
  /** The device it applies to (exactly one of device_id and device_kind is set). */
  device_id: string | null;
  device_kind: string | null;
  high: number | null;
  low: number | null;
  /** How far back inside a limit a value must come before the alarm clears. */
  deadband: number;
}

export interface AlertPrefs {
  /** Alerts below this severity are recorded but not notified. */
  notify_from: AlertSeverity;
  /** Only the kinds whose severity differs from their default. */
  severities: Partial<Record<AlertKind, AlertSeverity>>;
  limits: Limit[];
  /** 1..3600. */
  link_loss_after_seconds: number;
}

/** Everything the operator can change in the Settings view (the token aside). */
export interface Settings {
  /** null = the address from the command line (or the demo plant). */
  plant_url: string | null;
  /** Path of a PEM file with the site's own CA. */
  site_ca: string | null;
  read_only: boolean;
  language: "en" | "fa";
  alerts: AlertPrefs;
}

/** One refused value: a path such as "plant_url" or "alerts.limits[2].high", and why. */
export interface FieldError {
  field: string;
  message: string;
}

/** Where a token entered in the Settings view is kept. */
export type TokenStorage = "keyring" | "file";

/** What the console says about the access token (never the token itself). */
export interface TokenInfo {
  /** A token is stored for the plant in use. */
  present: boolean;
  storage: TokenStorage;
  /** The file readable only by the operator, when storage is "file". */
  file_path: string | null;
  /** Why the OS keyring is not used, when storage is "file". */
  keyring_problem: string | null;
  /** --token-file / PLANT_TOKEN was given: that token is used and cannot be changed here. */
  from_command_line: boolean;
}

/** Answer of `get_settings` and `save_settings`. */
export interface SettingsView {
  settings: Settings;
  token: TokenInfo;
  /** The address the console talks to now. */
  plant_url_in_use: string;
  /** The address cannot be changed here: the demo plant, or given on the command line. */
  plant_url_fixed: boolean;
  /** The site CA is given on the command line (--site-ca), which wins over the saved one. */
  site_ca_fixed: boolean;
  /** Each kind's default severity. */
  default_severities: Record<AlertKind, AlertSeverity>;
  /** Where settings.json lives. */
  settings_path: string;
}

/** What to do with the stored token: keep it, replace it, or remove it. */
export type TokenChange = { action: "keep" } | { action: "set"; token: string } | { action: "clear" };

/** Argument `input` of `save_settings`. */
export interface SettingsInput {
  settings: Settings;
  token: TokenChange;
}
