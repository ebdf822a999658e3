// User-visible texts, one table per language with the same keys (a test checks
// that). `strings` is the table of the current language: read it when a text is
// needed (never keep a part of it in a module-level constant), since the
// language can change while the window is open.

export type Language = "en" | "fa";

export const LANGUAGES: readonly Language[] = ["en", "fa"];

/** Counts inside sentences, in ASCII digits. */
function en(n: number): string {
  return String(n);
}

const faDigits = new Intl.NumberFormat("fa-IR", { useGrouping: false, maximumFractionDigits: 3 });

/** Counts inside Persian sentences, in Persian digits. */
function fa(n: number): string {
  return Number.isFinite(n) ? faDigits.format(n) : String(n);
}

/**
 * A path or address inside a sentence, isolated (FSI … PDI) so that its
 * slashes and colons keep their order in a right-to-left sentence, and a
 * right-to-left name inside it cannot reorder the sentence around it.
 */
function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}

const english = {
  appTitle: "Plant Console",
  demoBanner: "DEMO PLANT — simulated devices, not a real plant",
  demoTitleSuffix: " — DEMO PLANT",
  serverLabel: "Server",
  noServer: "no server configured",

  language: {
    label: "Language",
    /** Each language named in itself (the same in every table). */
    names: { en: "English", fa: "فارسی" },
  },

  tabs: {
    label: "Views",
    plant: "Plant",
    alerts: "Alerts & events",
    diagnostics: "Diagnostics",
    settings: "Settings",
  },

  link: {
    connecting: "Connecting…",
    realtime: "Real-time",
    fallback: "HTTP fallback",
    staleWithAge: (age: string) => `Stale — last message ${age} ago`,
    staleNoMessage: "Stale — no message received yet",
    offlineLastContact: (time: string) => `Offline — last contact ${time}`,
    offlineNeverContacted: "Offline — no contact yet",
    unauthorized: "Unauthorized",
    unknown: (mode: string) => `Unknown link state (${mode})`,
    announce: (label: string) => `Connection: ${label}`,
    rtt: (rtt: string) => `RTT ${rtt}`,
    rttUnknown: "RTT —",
    rttTitle: "Round-trip time to the plant server",
    lastMessage: (age: string) => `Last message ${age} ago`,
    noMessage: "No message yet",
    lastMessageTitle: "Time since the last message from the plant server",
    /** Short names of the link modes (diagnostics table). */
    modes: {
      connecting: "Connecting",
      realtime: "Real-time",
      fallback: "HTTP fallback",
      stale: "Stale",
      offline: "Offline",
      unauthorized: "Unauthorized",
    },
  },

  cacheRecovered: (path: string) =>
    `The local cache was damaged and has been set aside (${path}); a fresh cache was started.`,
  cacheNotSaved: (time: string, problem: string) =>
    `Cache not saved since ${time}: ${problem}. Nothing is lost yet: the changes are kept and saved as soon as the disk has room.`,

  /** The notice shown once the plant went past one of the console's caps. */
  caps: {
    notice: (parts: string) =>
      `The plant sent more than the console keeps: ${parts}. The console goes on with the rest; see the log.`,
    separator: "; ",
    devices: (n: number) => `${en(n)} devices left out past the cap of 100,000`,
    relays: (n: number) => `${en(n)} relays left out past the cap of 100,000`,
    ids: (n: number) => `${en(n)} devices or relays left out for an id over 256 bytes`,
    names: (n: number) => `${en(n)} names cut to 256 characters`,
    journal: (n: number) => `${en(n)} journal rows left out past 30 a minute per device`,
  },

  staleWarning:
    "Values are NOT live: the link to the plant server is down or stale. Every value shown is unconfirmed.",
  unconfirmedMark: "⚠",
  unconfirmedText: "unconfirmed",
  unconfirmedTitle: "Unconfirmed: the link is not live, this value may be out of date",
  tooOldTitle: (age: string) => `Unconfirmed: not updated for ${age}, this value may be out of date`,

  /** Value quality (good / uncertain / bad, computed by the console core) and what could not be used. */
  quality: {
    /** A shape for each level, so the quality never relies on colour alone. */
    goodMark: "●",
    uncertainMark: "◆",
    badMark: "✖",
    good: "Good",
    badValue: "bad value",
    /** Each reason (QualityReason). */
    reasons: {
      unreadable: "Bad value from the plant",
      unconfirmed: "Uncertain: from the cache, not yet confirmed by the plant",
      old: "Uncertain: not received for a long time",
      stale: "Uncertain: the link is stale",
      link_down: "Uncertain: the link is down, last known value",
    },
    unreadableFields: (fields: string) => `Bad value from the plant: ${fields} could not be read`,
    stateUnreadable: "state unreadable",
    label: "Quality",
    unusableBanner: (total: string, frames: string, items: string, values: string) =>
      `The plant sent data the console could not use: ${total} so far (frames dropped ${frames}, items dropped ${items}, unreadable values ${values}). See Diagnostics.`,
    unusableHeading: "Data the console could not use",
    unusableFrames: "Frames dropped",
    unusableItems: "Items dropped (no readable id)",
    unusableValues: "Items with unreadable values",
    unusableCounts: (session: string, total: string) => `${session} this session, ${total} in total`,
  },

  devices: {
    caption: "Devices",
    name: "Name",
    kind: "Kind",
    status: "Status",
    value: "Value",
    age: "Age",
    ageTitle: "Time since the console last received this device",
    empty: "No devices.",
    summary: (total: number, fault: number, offline: number) =>
      `${en(total)} total · ${en(fault)} fault · ${en(offline)} offline`,
    shown: (shown: number, total: number) => `Showing ${en(shown)} of ${en(total)}`,
    noMatch: "No device matches the search and filters.",
    search: "Search devices",
    searchPlaceholder: "Name, id or kind",
    statusFilter: "Status",
    kindFilter: "Kind",
    allStatuses: "All statuses",
    allKinds: "All kinds",
    sortTitle: (column: string) => `Sort by ${column}`,
    tableHelp: "Up and down arrows move between devices, Enter opens the details.",
  },

  details: {
    heading: (name: string) => `Device ${name}`,
    close: "Close",
    closeLabel: "Close the device details",
    fields: "Everything the server sent",
    receivedAt: "Received by the console",
    trend: "Value over the last hour",
    loading: "Loading the trend…",
    removed: "The plant no longer reports this device.",
  },

  chart: {
    noData: "No values in this period.",
    gapLegend: "Shaded: no live link",
    summary: (label: string, last: string, min: string, max: string) =>
      `${label}: last ${last}, lowest ${min}, highest ${max}`,
    summaryEmpty: (label: string) => `${label}: no values in this period`,
    min: (value: string) => `min ${value}`,
    max: (value: string) => `max ${value}`,
  },

  status: {
    online: "Online",
    offline: "Offline",
    fault: "Fault",
    unknown: "Unknown",
  },

  relays: {
    caption: "Relays",
    name: "Name",
    state: "State",
    changedAt: "Changed at",
    changedBy: "Changed by",
    control: "Control",
    on: "ON",
    off: "OFF",
    empty: "No relays.",
  },

  switching: {
    switchOn: "Switch ON",
    switchOff: "Switch OFF",
    /** Why a relay's switch is disabled. */
    reasons: {
      read_only: "Read-only console",
      locked: "Locked by the plant",
      device_offline: "Device offline",
      stale: "Values unconfirmed",
    },
    confirmQuestion: (name: string, state: string) => `Switch relay ${name} ${state}?`,
    queueQuestion: (until: string) => `Plant unreachable — send when the link returns, until ${until}?`,
    queueAction: (until: string) => `Queue until ${until}`,
    cancel: "Cancel",
    close: "Close",
    sending: "Sending…",
    readOnly: "This console is read-only: it cannot send commands.",
    failed: (message: string) => `Not sent: ${message}`,
    relayGone: "Not sent: the plant no longer reports this relay.",
  },

  commandStatus: {
    queued: "Queued",
    sent: "Sent",
    acked: "Acked",
    confirmed: "Confirmed",
    failed: "Failed",
    failedWithError: (error: string) => `Failed: ${error}`,
    expired: "Expired",
    cancelled: "Cancelled",
    superseded: "Superseded",
    plantChanged: "Plant changed",
    plantChangedWithError: (error: string) => `Plant changed: ${error}`,
  },

  outbox: {
    heading: "Outbox",
    depth: (open: number) => `Outbox ${en(open)}`,
    depthUnknown: "Outbox —",
    depthTitle: "Commands not finished yet (queued, sent or acknowledged)",
    relay: "Relay",
    requested: "Requested",
    status: "Status",
    issuedAt: "Issued at",
    expiresAt: "Expires at",
    attempts: "Attempts",
    action: "Action",
    cancel: "Cancel",
    cancelLabel: (relay: string, state: string) => `Cancel the queued command: switch ${relay} ${state}`,
    empty: "No commands.",
    operator: (operator: string) => `Operator: ${operator}`,
  },

  stats: {
    heading: "Plant server",
    cpu: "CPU",
    memory: "Memory",
    disk: "Disk",
    uptime: "Uptime",
    clients: "Clients",
    age: "Figures from",
    ageValue: (age: string) => `${age} ago`,
    none: "No figures received yet.",
    range: "Period",
    rangeHour: "Last hour",
    rangeDay: "Last 24 hours",
  },

  alerts: {
    heading: "Alerts",
    /** Header button: unacknowledged alerts. */
    count: (unacked: number) => `Alerts ${en(unacked)}`,
    countCritical: (critical: number) => ` (${en(critical)} critical)`,
    countTitle: "Unacknowledged alerts — go to the alert list",
    summary: (unacked: number, critical: number) => `${en(unacked)} unacknowledged · ${en(critical)} critical`,
    time: "Time",
    severity: "Severity",
    alert: "Alert",
    notification: "Notification",
    acknowledged: "Acknowledged",
    acknowledge: "Acknowledge",
    acknowledgeLabel: (title: string) => `Acknowledge alert: ${title}`,
    acknowledgeAll: "Acknowledge all",
    acknowledgeAllTitle: "Acknowledge every unacknowledged alert",
    ackedBy: (by: string, at: string) => `${by}, ${at}`,
    ackedAt: (at: string) => `Acknowledged ${at}`,
    empty: "No alerts.",
    loading: "Loading alerts…",
    severities: {
      critical: "Critical",
      high: "High",
      low: "Low",
      info: "Info",
    },
    notified: "Notified",
    notifiedTitle: "Shown as a desktop notification",
    notNotified: "Not notified",
    /** Why an alert was not shown as a notification: short text, and the longer title. */
    suppressed: {
      muted: { text: "Muted", title: "Not notified: notifications were muted" },
      shelved: { text: "Shelved", title: "Not notified: its device was shelved" },
      flood: { text: "Flood — in summary", title: "Not notified one by one: too many alerts at once, counted in a summary" },
      flapping: { text: "Repeated — in summary", title: "Not notified: the same alert again shortly after, counted in a summary" },
      quiet: { text: "Below notify level", title: "Not notified: its severity is below the level that is notified" },
    },
    suppressedUnknown: (reason: string) => `Not notified (${reason})`,
    mute: (minutes: number) => `Mute ${en(minutes)} min`,
    muteTitle: (minutes: number) => `Mute desktop notifications for ${en(minutes)} minutes (alerts are still recorded)`,
    mutedUntil: (until: string) => `Muted until ${until} — Unmute`,
    mutedIndefinitely: "Muted — Unmute",
    unmuteTitle: "Notifications are muted: press to unmute",
    shelve: (minutes: number) => `Shelve ${en(minutes)} min`,
    shelveLabel: (device: string, minutes: number) => `Shelve the alerts of ${device} for ${en(minutes)} minutes`,
    shelvedUntil: (until: string) => `Shelved until ${until}`,
    shelvedTitle: "Alerts of this device are recorded but not notified",
    column: "Alerts",
  },

  journal: {
    heading: "Events",
    kindFilter: "Kind",
    rangeFilter: "Period",
    kinds: {
      all: "All events",
      link: "Link",
      device: "Devices",
      relay: "Relays",
      command: "Commands",
      quality: "Bad values",
    },
    /** Label of each kind of entry (an unknown kind is shown as it is). */
    kindLabels: {
      link: "Link",
      device_status: "Device status",
      device_added: "Device appeared",
      device_removed: "Device removed",
      relay_switched: "Relay switched",
      relay_added: "Relay appeared",
      relay_removed: "Relay removed",
      command: "Command",
      quality: "Value quality",
    },
    ranges: {
      hour: "Last hour",
      shift: "Shift (8 hours)",
      day: "Last 24 hours",
      week: "Last 7 days",
    },
    count: (shown: number) => `${en(shown)} events`,
    limited: (limit: number) => `Only the latest ${en(limit)} events of the period are loaded.`,
    empty: "No events in this period.",
    loading: "Loading events…",
  },

  diagnostics: {
    heading: "Diagnostics",
    linkHeading: "Link",
    link: "Status",
    since: "In this mode since",
    rtt: "Round-trip time",
    rate: "Messages per second",
    messages: "Messages received",
    reconnects: "Reconnects",
    droppedFrames: "Dropped frames",
    alertsDropped: "Alerts dropped",
    plant: "Plant",
    clockOffset: "Plant clock offset",
    clockOffsetValue: (seconds: string, ahead: boolean) =>
      ahead ? `plant ${seconds} s ahead` : `plant ${seconds} s behind`,
    lastMessage: "Last message",
    modes: "Time in each link mode",
    mode: "Mode",
    time: "Time",
    share: "Share",
    changes: "Recent link changes",
    noChanges: "No link change recorded.",
    notifications: "Desktop notifications",
    notificationsHelp: "Check that alerts reach this desktop.",
    testNotification: "Send test notification",
    testSending: "Sending…",
    testSent: "Sent",
    testFailed: (message: string) => `Not sent: ${message}`,
    folders: "Folders",
    dataDir: "Data folder",
    logDir: "Log folder",
    waiting: "Waiting for the first reading…",
  },

  settings: {
    heading: "Settings",
    loading: "Loading the settings…",
    reload: "Load again",
    file: "Settings file",
    plantHeading: "Plant server",
    plantUrl: "Plant server address",
    plantUrlHelp: "Leave empty to use the address given on the command line.",
    plantUrlFixedDemo: "This is the demo plant: its address cannot be changed here.",
    siteCaFixed: "The site CA was given on the command line (--site-ca): it cannot be changed here.",
    plantUrlFixedCommandLine:
      "The address was given on the command line (--server or PLANT_SERVER): it cannot be changed here.",
    inUse: "In use now",
    siteCa: "Site CA certificate (PEM file)",
    siteCaHelp: "Optional: the path of a PEM file with your site's own certificate authority, trusted for https besides the system's.",
    tokenHeading: "Access token",
    token: "New access token",
    tokenHelp: "Leave empty to keep the stored token. A stored token is never shown.",
    tokenFromCommandLine:
      "The token comes from the command line (--token-file or PLANT_TOKEN): it cannot be changed here.",
    tokenPresent: "A token is stored.",
    tokenAbsent: "No token stored.",
    tokenKeyring: "Kept in the OS keyring.",
    tokenFile: (path: string) => `Kept in the file ${isolate(path)} (readable only by you).`,
    tokenFileNoKeyring: (path: string, problem: string) =>
      `Kept in the file ${isolate(path)} (readable only by you): no OS keyring here (${isolate(problem)}).`,
    tokenClear: "Remove the stored token",
    alertsHeading: "Alerts",
    notifyFrom: "Notify from",
    notifyFromHelp: "Alerts below this severity are recorded but not shown as desktop notifications.",
    severitiesCaption: "Severity of each kind of alert",
    kind: "Kind of alert",
    severity: "Severity",
    severityDefault: (label: string) => `default (${label})`,
    /** Each kind of alert (AlertKind). */
    kinds: {
      relay_switched: "Relay switched",
      device_offline: "Device offline",
      device_fault: "Device fault",
      device_recovered: "Device back online",
      device_appeared: "Device appeared",
      device_removed: "Device removed",
      limit_high: "High limit crossed",
      limit_low: "Low limit crossed",
      limit_cleared: "Limit cleared",
      link_lost: "Link lost",
      link_restored: "Link restored",
      command_failed: "Command failed",
      command_expired: "Command expired",
      bad_value: "Bad value from the plant",
    },
    limitsHeading: "Limits on device values",
    limitsHelp:
      "An alert is raised when a value goes above the high limit or below the low limit; it clears once the value is back inside by the deadband.",
    noLimits: "No limits.",
    limit: (n: number) => `Limit ${en(n)}`,
    appliesTo: "Applies to",
    targets: { device_id: "Device id", device_kind: "Device kind" },
    subject: "Id or kind",
    low: "Low",
    high: "High",
    deadband: "Deadband",
    removeLimit: "Remove",
    removeLimitLabel: (n: number) => `Remove limit ${en(n)}`,
    addLimit: "Add limit",
    linkLoss: "Link-loss alert after (seconds)",
    linkLossHelp: "How long without data from the plant before that is an alert: 1 to 3600 seconds.",
    consoleHeading: "This console",
    readOnly: "Read-only console",
    readOnlyHelp: "This console will show everything and switch nothing; queued commands are cancelled.",
    language: "Language",
    languageHelp: "Applied when the settings are saved.",
    apply: "Apply",
    revert: "Revert",
    reverted: "Edits discarded.",
    saving: "Saving…",
    saved: "Saved.",
    savedReconnecting: (url: string) => `Saved. Reconnecting to ${isolate(url)}…`,
    saveFailed: (code: string, message: string) => `Not saved (${code}): ${message}`,
    loadFailed: (code: string, message: string) => `Could not load the settings (${code}): ${message}`,
    invalid: (count: number) =>
      count === 1 ? "Not saved: 1 value needs correcting." : `Not saved: ${en(count)} values need correcting.`,
    summaryHeading: "Correct these values:",
    /** Names of the fields in the list of refused values. */
    fields: {
      plant_url: "Plant server address",
      site_ca: "Site CA certificate",
      token: "Access token",
      language: "Language",
      read_only: "Read-only console",
      notify_from: "Notify from",
      link_loss: "Link-loss alert",
      limits: "Limits",
      severity: (kind: string) => `Severity of ${kind}`,
      limitPart: (n: number, part: string) => `Limit ${en(n)}, ${part}`,
    },
    /** Why a value is refused before it is sent (the console checks the same). */
    errors: {
      urlScheme: "The address must start with http://, https://, ws:// or wss://.",
      urlHost: "The address needs a host name, such as http://plant-server:5000.",
      urlInvalid: "This is not an address, such as http://plant-server:5000.",
      linkLoss: "Must be a number of seconds from 1 to 3600.",
      limitSubject: "Name the device id or the device kind the limit applies to.",
      limitBounds: "Give a high limit, a low limit or both.",
      number: "Must be a number.",
      lowBelowHigh: "The low limit must be below the high limit.",
      deadbandWidth: "Must be less than half the distance between the limits.",
      deadbandNegative: "Must be zero or a positive number.",
      tooManyLimits: (most: number) => `At most ${en(most)} limits.`,
    },
  },

  missing: "—",

  units: {
    second: "s",
    minute: "min",
    hour: "h",
    day: "d",
    ms: "ms",
    perSecond: "/s",
    percent: (n: string) => `${n} %`,
  },

  errors: {
    snapshotFailed: (message: string) => `Could not load the console state: ${message}`,
    listenFailed: (message: string) => `Could not subscribe to updates: ${message}`,
    outboxFailed: (message: string) => `Could not load the outbox: ${message}`,
    cancelFailed: (message: string) => `Could not cancel the command: ${message}`,
    alertsFailed: (message: string) => `Could not load the alerts: ${message}`,
    ackFailed: (message: string) => `Could not acknowledge: ${message}`,
    muteFailed: (message: string) => `Could not change the mute: ${message}`,
    shelveFailed: (device: string, message: string) => `Could not shelve ${device}: ${message}`,
    trendFailed: (message: string) => `Could not load the trend: ${message}`,
    journalFailed: (message: string) => `Could not load the events: ${message}`,
    diagnosticsFailed: (message: string) => `Could not read the diagnostics: ${message}`,
    noBackend: "No backend: this page must run inside the Plant Console application.",
    timeout: "the backend did not answer in time",
  },
};

/** The shape every language table has. */
export type Strings = typeof english;

const persian: Strings = {
  appTitle: "کنسول کارخانه",
  demoBanner: "کارخانهٔ نمایشی — دستگاه‌ها شبیه‌سازی‌شده‌اند، نه کارخانهٔ واقعی",
  demoTitleSuffix: " — کارخانهٔ نمایشی",
  serverLabel: "سرور",
  noServer: "سروری تنظیم نشده است",

  language: {
    label: "زبان",
    names: { en: "English", fa: "فارسی" },
  },

  tabs: {
    label: "نماها",
    plant: "کارخانه",
    alerts: "هشدارها و رویدادها",
    diagnostics: "عیب‌یابی",
    settings: "تنظیمات",
  },

  link: {
    connecting: "در حال اتصال…",
    realtime: "بلادرنگ",
    fallback: "پشتیبان HTTP",
    staleWithAge: (age: string) => `کهنه — آخرین پیام ${age} پیش`,
    staleNoMessage: "کهنه — هنوز پیامی نرسیده",
    offlineLastContact: (time: string) => `خارج از دسترس — آخرین ارتباط ${time}`,
    offlineNeverContacted: "خارج از دسترس — هنوز ارتباطی برقرار نشده",
    unauthorized: "دسترسی رد شد",
    unknown: (mode: string) => `وضعیت ناشناختهٔ ارتباط (${mode})`,
    announce: (label: string) => `ارتباط: ${label}`,
    rtt: (rtt: string) => `رفت‌وبرگشت ${rtt}`,
    rttUnknown: "رفت‌وبرگشت —",
    rttTitle: "زمان رفت‌وبرگشت تا سرور کارخانه",
    lastMessage: (age: string) => `آخرین پیام ${age} پیش`,
    noMessage: "هنوز پیامی نرسیده",
    lastMessageTitle: "زمان گذشته از آخرین پیام سرور کارخانه",
    modes: {
      connecting: "در حال اتصال",
      realtime: "بلادرنگ",
      fallback: "پشتیبان HTTP",
      stale: "کهنه",
      offline: "خارج از دسترس",
      unauthorized: "دسترسی رد شد",
    },
  },

  cacheRecovered: (path: string) =>
    `حافظهٔ محلی آسیب دیده بود و کنار گذاشته شد (${path})؛ حافظهٔ تازه‌ای آغاز شد.`,
  cacheNotSaved: (time: string, problem: string) =>
    `حافظهٔ محلی از ساعت ${time} ذخیره نشده است: ${problem}. هنوز چیزی از دست نرفته است: تغییرات نگه داشته می‌شوند و به محض آزاد شدن فضای دیسک ذخیره می‌شوند.`,

  caps: {
    notice: (parts: string) =>
      `سرور کارخانه بیش از آنچه کنسول نگه می‌دارد فرستاد: ${parts}. کنسول با بقیه کار می‌کند؛ گزارش (لاگ) را ببینید.`,
    separator: "؛ ",
    devices: (n: number) => `${fa(n)} دستگاه بیش از سقف ${fa(100000)} کنار گذاشته شد`,
    relays: (n: number) => `${fa(n)} رله بیش از سقف ${fa(100000)} کنار گذاشته شد`,
    ids: (n: number) => `${fa(n)} دستگاه یا رله به خاطر شناسهٔ بلندتر از ${fa(256)} بایت کنار گذاشته شد`,
    names: (n: number) => `${fa(n)} نام به ${fa(256)} نویسه کوتاه شد`,
    journal: (n: number) => `${fa(n)} سطر رویدادنامه بیش از ${fa(30)} در دقیقه برای هر دستگاه کنار گذاشته شد`,
  },

  staleWarning:
    "مقادیر زنده نیستند: ارتباط با سرور کارخانه قطع یا کهنه است. هیچ‌یک از مقادیر نمایش‌داده‌شده تأیید نشده است.",
  unconfirmedMark: "⚠",
  unconfirmedText: "تأییدنشده",
  unconfirmedTitle: "تأییدنشده: ارتباط زنده نیست، این مقدار ممکن است قدیمی باشد",
  tooOldTitle: (age: string) => `تأییدنشده: ${age} به‌روز نشده، این مقدار ممکن است قدیمی باشد`,

  quality: {
    goodMark: "●",
    uncertainMark: "◆",
    badMark: "✖",
    good: "خوب",
    badValue: "مقدار نامعتبر",
    reasons: {
      unreadable: "مقدار نامعتبر از کارخانه",
      unconfirmed: "نامطمئن: از حافظهٔ محلی، هنوز کارخانه تأیید نکرده است",
      old: "نامطمئن: مدت زیادی دریافت نشده است",
      stale: "نامطمئن: ارتباط کهنه است",
      link_down: "نامطمئن: ارتباط قطع است، آخرین مقدار شناخته‌شده",
    },
    unreadableFields: (fields: string) => `مقدار نامعتبر از کارخانه: ${fields} خوانده نشد`,
    stateUnreadable: "وضعیت ناخوانا",
    label: "کیفیت",
    unusableBanner: (total: string, frames: string, items: string, values: string) =>
      `کارخانه داده‌ای فرستاد که کنسول نتوانست به کار ببرد: تاکنون ${total} (قاب‌های دورریخته ${frames}، اقلام دورریخته ${items}، مقادیر ناخوانا ${values}). عیب‌یابی را ببینید.`,
    unusableHeading: "داده‌های به‌کارنرفته",
    unusableFrames: "قاب‌های دورریخته",
    unusableItems: "اقلام دورریخته (شناسهٔ ناخوانا)",
    unusableValues: "اقلام با مقدار ناخوانا",
    unusableCounts: (session: string, total: string) => `${session} در این نشست، ${total} در کل`,
  },

  devices: {
    caption: "دستگاه‌ها",
    name: "نام",
    kind: "نوع",
    status: "وضعیت",
    value: "مقدار",
    age: "عمر داده",
    ageTitle: "زمان گذشته از آخرین دریافت این دستگاه در کنسول",
    empty: "دستگاهی نیست.",
    summary: (total: number, fault: number, offline: number) =>
      `${fa(total)} دستگاه · ${fa(fault)} خطا · ${fa(offline)} خارج از دسترس`,
    shown: (shown: number, total: number) => `نمایش ${fa(shown)} از ${fa(total)}`,
    noMatch: "هیچ دستگاهی با جست‌وجو و فیلترها جور نیست.",
    search: "جست‌وجوی دستگاه",
    searchPlaceholder: "نام، شناسه یا نوع",
    statusFilter: "وضعیت",
    kindFilter: "نوع",
    allStatuses: "همهٔ وضعیت‌ها",
    allKinds: "همهٔ نوع‌ها",
    sortTitle: (column: string) => `مرتب‌سازی بر اساس ${column}`,
    tableHelp: "با کلیدهای جهت بالا و پایین بین دستگاه‌ها جابه‌جا شوید؛ Enter جزئیات را باز می‌کند.",
  },

  details: {
    heading: (name: string) => `دستگاه ${name}`,
    close: "بستن",
    closeLabel: "بستن جزئیات دستگاه",
    fields: "همهٔ داده‌های ارسالی سرور",
    receivedAt: "دریافت در کنسول",
    trend: "مقدار در یک ساعت گذشته",
    loading: "در حال بارگذاری روند…",
    removed: "کارخانه دیگر این دستگاه را گزارش نمی‌کند.",
  },

  chart: {
    noData: "در این بازه مقداری ثبت نشده.",
    gapLegend: "سایه‌دار: بدون ارتباط زنده",
    summary: (label: string, last: string, min: string, max: string) =>
      `${label}: آخرین ${last}، کمترین ${min}، بیشترین ${max}`,
    summaryEmpty: (label: string) => `${label}: در این بازه مقداری نیست`,
    min: (value: string) => `کمینه ${value}`,
    max: (value: string) => `بیشینه ${value}`,
  },

  status: {
    online: "برخط",
    offline: "خارج از دسترس",
    fault: "خطا",
    unknown: "نامعلوم",
  },

  relays: {
    caption: "رله‌ها",
    name: "نام",
    state: "وضعیت",
    changedAt: "زمان تغییر",
    changedBy: "تغییر توسط",
    control: "فرمان",
    on: "روشن",
    off: "خاموش",
    empty: "رله‌ای نیست.",
  },

  switching: {
    switchOn: "روشن کن",
    switchOff: "خاموش کن",
    reasons: {
      read_only: "کنسول فقط‌خواندنی",
      locked: "قفل‌شده از سوی کارخانه",
      device_offline: "دستگاه خارج از دسترس",
      stale: "مقادیر تأییدنشده",
    },
    confirmQuestion: (name: string, state: string) => `رلهٔ ${name} ${state} شود؟`,
    queueQuestion: (until: string) => `کارخانه در دسترس نیست — با برگشتن ارتباط، تا ${until} فرستاده شود؟`,
    queueAction: (until: string) => `در صف تا ${until}`,
    cancel: "انصراف",
    close: "بستن",
    sending: "در حال ارسال…",
    readOnly: "این کنسول فقط‌خواندنی است و نمی‌تواند فرمان بفرستد.",
    failed: (message: string) => `فرستاده نشد: ${message}`,
    relayGone: "فرستاده نشد: کارخانه دیگر این رله را گزارش نمی‌کند.",
  },

  commandStatus: {
    queued: "در صف",
    sent: "فرستاده‌شده",
    acked: "پذیرفته‌شده",
    confirmed: "تأییدشده",
    failed: "ناموفق",
    failedWithError: (error: string) => `ناموفق: ${error}`,
    expired: "منقضی‌شده",
    cancelled: "لغوشده",
    superseded: "جایگزین‌شده",
    plantChanged: "کارخانه عوض شد",
    plantChangedWithError: (error: string) => `کارخانه عوض شد: ${error}`,
  },

  outbox: {
    heading: "صف فرمان‌ها",
    depth: (open: number) => `صف فرمان ${fa(open)}`,
    depthUnknown: "صف فرمان —",
    depthTitle: "فرمان‌های تمام‌نشده (در صف، فرستاده‌شده یا پذیرفته‌شده)",
    relay: "رله",
    requested: "درخواست",
    status: "وضعیت",
    issuedAt: "زمان صدور",
    expiresAt: "زمان انقضا",
    attempts: "تلاش‌ها",
    action: "اقدام",
    cancel: "لغو",
    cancelLabel: (relay: string, state: string) => `لغو فرمان در صف: ${relay} ${state} شود`,
    empty: "فرمانی نیست.",
    operator: (operator: string) => `اپراتور: ${operator}`,
  },

  stats: {
    heading: "سرور کارخانه",
    cpu: "پردازنده",
    memory: "حافظه",
    disk: "دیسک",
    uptime: "زمان کارکرد",
    clients: "کاربران متصل",
    age: "ارقام مربوط به",
    ageValue: (age: string) => `${age} پیش`,
    none: "هنوز رقمی نرسیده.",
    range: "بازه",
    rangeHour: "یک ساعت گذشته",
    rangeDay: "۲۴ ساعت گذشته",
  },

  alerts: {
    heading: "هشدارها",
    count: (unacked: number) => `هشدارها ${fa(unacked)}`,
    countCritical: (critical: number) => ` (${fa(critical)} بحرانی)`,
    countTitle: "هشدارهای تصدیق‌نشده — رفتن به فهرست هشدارها",
    summary: (unacked: number, critical: number) => `${fa(unacked)} تصدیق‌نشده · ${fa(critical)} بحرانی`,
    time: "زمان",
    severity: "شدت",
    alert: "هشدار",
    notification: "اعلان",
    acknowledged: "تصدیق",
    acknowledge: "تصدیق",
    acknowledgeLabel: (title: string) => `تصدیق هشدار: ${title}`,
    acknowledgeAll: "تصدیق همه",
    acknowledgeAllTitle: "تصدیق همهٔ هشدارهای تصدیق‌نشده",
    ackedBy: (by: string, at: string) => `${by}، ${at}`,
    ackedAt: (at: string) => `تصدیق‌شده ${at}`,
    empty: "هشداری نیست.",
    loading: "در حال بارگذاری هشدارها…",
    severities: {
      critical: "بحرانی",
      high: "بالا",
      low: "پایین",
      info: "اطلاعی",
    },
    notified: "اعلان شد",
    notifiedTitle: "به‌صورت اعلان روی میزکار نشان داده شد",
    notNotified: "اعلان نشد",
    suppressed: {
      muted: { text: "بی‌صدا", title: "اعلان نشد: اعلان‌ها بی‌صدا بودند" },
      shelved: { text: "معلق", title: "اعلان نشد: دستگاهش معلق شده بود" },
      flood: { text: "هجوم هشدار — در خلاصه", title: "تک‌تک اعلان نشد: هشدارهای هم‌زمان زیاد بود و در یک خلاصه شمرده شد" },
      flapping: { text: "تکراری — در خلاصه", title: "اعلان نشد: همین هشدار کمی بعد تکرار شد و در یک خلاصه شمرده شد" },
      quiet: { text: "زیر سطح اعلان", title: "اعلان نشد: شدتش کمتر از سطحی است که اعلان می‌شود" },
    },
    suppressedUnknown: (reason: string) => `اعلان نشد (${reason})`,
    mute: (minutes: number) => `بی‌صدا ${fa(minutes)} دقیقه`,
    muteTitle: (minutes: number) => `اعلان‌های میزکار ${fa(minutes)} دقیقه بی‌صدا شوند (هشدارها همچنان ثبت می‌شوند)`,
    mutedUntil: (until: string) => `بی‌صدا تا ${until} — صدادار کردن`,
    mutedIndefinitely: "بی‌صدا — صدادار کردن",
    unmuteTitle: "اعلان‌ها بی‌صدا هستند: برای صدادار کردن بزنید",
    shelve: (minutes: number) => `تعلیق ${fa(minutes)} دقیقه`,
    shelveLabel: (device: string, minutes: number) => `تعلیق هشدارهای ${device} به مدت ${fa(minutes)} دقیقه`,
    shelvedUntil: (until: string) => `معلق تا ${until}`,
    shelvedTitle: "هشدارهای این دستگاه ثبت می‌شوند اما اعلان نمی‌شوند",
    column: "هشدارها",
  },

  journal: {
    heading: "رویدادها",
    kindFilter: "نوع",
    rangeFilter: "بازه",
    kinds: {
      all: "همهٔ رویدادها",
      link: "ارتباط",
      device: "دستگاه‌ها",
      relay: "رله‌ها",
      command: "فرمان‌ها",
      quality: "مقادیر نامعتبر",
    },
    kindLabels: {
      link: "ارتباط",
      device_status: "وضعیت دستگاه",
      device_added: "دستگاه جدید",
      device_removed: "حذف دستگاه",
      relay_switched: "تغییر رله",
      relay_added: "رلهٔ جدید",
      relay_removed: "حذف رله",
      command: "فرمان",
      quality: "کیفیت مقدار",
    },
    ranges: {
      hour: "یک ساعت گذشته",
      shift: "شیفت (۸ ساعت)",
      day: "۲۴ ساعت گذشته",
      week: "۷ روز گذشته",
    },
    count: (shown: number) => `${fa(shown)} رویداد`,
    limited: (limit: number) => `فقط ${fa(limit)} رویداد آخرِ این بازه بارگذاری شده است.`,
    empty: "در این بازه رویدادی نیست.",
    loading: "در حال بارگذاری رویدادها…",
  },

  diagnostics: {
    heading: "عیب‌یابی",
    linkHeading: "ارتباط",
    link: "وضعیت",
    since: "در این حالت از",
    rtt: "زمان رفت‌وبرگشت",
    rate: "پیام در ثانیه",
    messages: "پیام‌های دریافتی",
    reconnects: "اتصال‌های دوباره",
    droppedFrames: "قاب‌های دورریخته",
    alertsDropped: "هشدارهای دورریخته",
    plant: "کارخانه",
    clockOffset: "اختلاف ساعت کارخانه",
    clockOffsetValue: (seconds: string, ahead: boolean) =>
      ahead ? `کارخانه ${seconds} ثانیه جلوتر` : `کارخانه ${seconds} ثانیه عقب‌تر`,
    lastMessage: "آخرین پیام",
    modes: "زمان در هر حالت ارتباط",
    mode: "حالت",
    time: "زمان",
    share: "سهم",
    changes: "تغییرات اخیر ارتباط",
    noChanges: "تغییری در ارتباط ثبت نشده.",
    notifications: "اعلان‌های میزکار",
    notificationsHelp: "بررسی کنید که هشدارها به این میزکار می‌رسند.",
    testNotification: "فرستادن اعلان آزمایشی",
    testSending: "در حال فرستادن…",
    testSent: "فرستاده شد",
    testFailed: (message: string) => `فرستاده نشد: ${message}`,
    folders: "پوشه‌ها",
    dataDir: "پوشهٔ داده‌ها",
    logDir: "پوشهٔ گزارش‌ها",
    waiting: "در انتظار نخستین خوانش…",
  },

  settings: {
    heading: "تنظیمات",
    loading: "در حال بارگذاری تنظیمات…",
    reload: "بارگذاری دوباره",
    file: "پروندهٔ تنظیمات",
    plantHeading: "سرور کارخانه",
    plantUrl: "نشانی سرور کارخانه",
    plantUrlHelp: "برای استفاده از نشانیِ داده‌شده در خط فرمان، خالی بگذارید.",
    plantUrlFixedDemo: "این کارخانهٔ نمایشی است: نشانی آن را اینجا نمی‌توان تغییر داد.",
    siteCaFixed: "گواهی CA سایت در خط فرمان داده شده است (‎--site-ca‎)؛ اینجا نمی‌توان آن را تغییر داد.",
    plantUrlFixedCommandLine:
      "نشانی در خط فرمان داده شده است (‎--server‎ یا PLANT_SERVER)؛ اینجا نمی‌توان آن را تغییر داد.",
    inUse: "نشانی کنونی",
    siteCa: "گواهی مرجع صدور سایت (پروندهٔ PEM)",
    siteCaHelp: "اختیاری: مسیر پروندهٔ PEM مرجع صدور گواهی سایت شما، که افزون بر مرجع‌های سیستم برای https پذیرفته می‌شود.",
    tokenHeading: "توکن دسترسی",
    token: "توکن دسترسی جدید",
    tokenHelp: "برای نگه‌داشتن توکن ذخیره‌شده، خالی بگذارید. توکن ذخیره‌شده هرگز نمایش داده نمی‌شود.",
    tokenFromCommandLine:
      "توکن از خط فرمان می‌آید (‎--token-file‎ یا PLANT_TOKEN)؛ اینجا نمی‌توان آن را تغییر داد.",
    tokenPresent: "توکنی ذخیره شده است.",
    tokenAbsent: "توکنی ذخیره نشده است.",
    tokenKeyring: "در کلیدستان سیستم‌عامل نگه‌داری می‌شود.",
    tokenFile: (path: string) => `در پروندهٔ ${isolate(path)} نگه‌داری می‌شود (فقط برای شما خواندنی).`,
    tokenFileNoKeyring: (path: string, problem: string) =>
      `در پروندهٔ ${isolate(path)} نگه‌داری می‌شود (فقط برای شما خواندنی)؛ اینجا کلیدستان سیستم‌عامل در دسترس نیست (${isolate(problem)}).`,
    tokenClear: "حذف توکن ذخیره‌شده",
    alertsHeading: "هشدارها",
    notifyFrom: "اعلان از شدت",
    notifyFromHelp: "هشدارهای کمتر از این شدت ثبت می‌شوند اما اعلان میزکار نمی‌شوند.",
    severitiesCaption: "شدت هر نوع هشدار",
    kind: "نوع هشدار",
    severity: "شدت",
    severityDefault: (label: string) => `پیش‌فرض (${label})`,
    kinds: {
      relay_switched: "تغییر رله",
      device_offline: "دستگاه خارج از دسترس",
      device_fault: "خطای دستگاه",
      device_recovered: "بازگشت دستگاه",
      device_appeared: "دستگاه جدید",
      device_removed: "حذف دستگاه",
      limit_high: "عبور از حد بالا",
      limit_low: "عبور از حد پایین",
      limit_cleared: "بازگشت به محدوده",
      link_lost: "قطع ارتباط",
      link_restored: "برقراری دوبارهٔ ارتباط",
      command_failed: "فرمان ناموفق",
      command_expired: "فرمان منقضی‌شده",
      bad_value: "مقدار نامعتبر از کارخانه",
    },
    limitsHeading: "حدهای مقادیر دستگاه‌ها",
    limitsHelp:
      "وقتی مقداری از حد بالا بیشتر یا از حد پایین کمتر شود هشدار داده می‌شود؛ هشدار وقتی برطرف می‌شود که مقدار به اندازهٔ باند مرده به درون محدوده برگردد.",
    noLimits: "حدی تعریف نشده است.",
    limit: (n: number) => `حد ${fa(n)}`,
    appliesTo: "برای",
    targets: { device_id: "شناسهٔ دستگاه", device_kind: "نوع دستگاه" },
    subject: "شناسه یا نوع",
    low: "پایین",
    high: "بالا",
    deadband: "باند مرده",
    removeLimit: "حذف",
    removeLimitLabel: (n: number) => `حذف حد ${fa(n)}`,
    addLimit: "افزودن حد",
    linkLoss: "هشدار قطع ارتباط پس از (ثانیه)",
    linkLossHelp: "چه مدت بی‌داده ماندن از کارخانه هشدار به شمار آید: از ۱ تا ۳۶۰۰ ثانیه.",
    consoleHeading: "این کنسول",
    readOnly: "کنسول فقط‌خواندنی",
    readOnlyHelp: "این کنسول همه چیز را نشان می‌دهد و هیچ فرمانی نمی‌فرستد؛ فرمان‌های در صف لغو می‌شوند.",
    language: "زبان",
    languageHelp: "با ذخیرهٔ تنظیمات اعمال می‌شود.",
    apply: "اعمال",
    revert: "بازگردانی",
    reverted: "ویرایش‌ها کنار گذاشته شد.",
    saving: "در حال ذخیره…",
    saved: "ذخیره شد.",
    savedReconnecting: (url: string) => `ذخیره شد. در حال اتصال دوباره به ${isolate(url)}…`,
    saveFailed: (code: string, message: string) => `ذخیره نشد (${code}): ${message}`,
    loadFailed: (code: string, message: string) => `بارگذاری تنظیمات ممکن نشد (${code}): ${message}`,
    invalid: (count: number) => `ذخیره نشد: ${fa(count)} مقدار باید اصلاح شود.`,
    summaryHeading: "این مقادیر را اصلاح کنید:",
    fields: {
      plant_url: "نشانی سرور کارخانه",
      site_ca: "گواهی مرجع صدور سایت",
      token: "توکن دسترسی",
      language: "زبان",
      read_only: "کنسول فقط‌خواندنی",
      notify_from: "اعلان از شدت",
      link_loss: "هشدار قطع ارتباط",
      limits: "حدها",
      severity: (kind: string) => `شدت ${kind}`,
      limitPart: (n: number, part: string) => `حد ${fa(n)}، ${part}`,
    },
    errors: {
      urlScheme: "نشانی باید با http://‎، https://‎، ws://‎ یا wss://‎ آغاز شود.",
      urlHost: "نشانی به نام میزبان نیاز دارد، مانند http://plant-server:5000‎.",
      urlInvalid: "این یک نشانی نیست؛ نمونه: http://plant-server:5000‎.",
      linkLoss: "باید عددی از ۱ تا ۳۶۰۰ ثانیه باشد.",
      limitSubject: "شناسه یا نوع دستگاهی را که این حد برای آن است بنویسید.",
      limitBounds: "حد بالا، حد پایین یا هر دو را بدهید.",
      number: "باید عدد باشد.",
      lowBelowHigh: "حد پایین باید کمتر از حد بالا باشد.",
      deadbandWidth: "باید کمتر از نصف فاصلهٔ دو حد باشد.",
      deadbandNegative: "باید صفر یا عددی مثبت باشد.",
      tooManyLimits: (most: number) => `حداکثر ${fa(most)} حد.`,
    },
  },

  missing: "—",

  units: {
    second: "ثانیه",
    minute: "دقیقه",
    hour: "ساعت",
    day: "روز",
    ms: "میلی‌ثانیه",
    perSecond: "در ثانیه",
    percent: (n: string) => `${n}٪`,
  },

  errors: {
    snapshotFailed: (message: string) => `بارگذاری وضعیت کنسول ممکن نشد: ${message}`,
    listenFailed: (message: string) => `دریافت به‌روزرسانی‌ها ممکن نشد: ${message}`,
    outboxFailed: (message: string) => `بارگذاری صف فرمان‌ها ممکن نشد: ${message}`,
    cancelFailed: (message: string) => `لغو فرمان ممکن نشد: ${message}`,
    alertsFailed: (message: string) => `بارگذاری هشدارها ممکن نشد: ${message}`,
    ackFailed: (message: string) => `تصدیق ممکن نشد: ${message}`,
    muteFailed: (message: string) => `تغییر بی‌صدایی ممکن نشد: ${message}`,
    shelveFailed: (device: string, message: string) => `تعلیق ${device} ممکن نشد: ${message}`,
    trendFailed: (message: string) => `بارگذاری روند ممکن نشد: ${message}`,
    journalFailed: (message: string) => `بارگذاری رویدادها ممکن نشد: ${message}`,
    diagnosticsFailed: (message: string) => `خواندن اطلاعات عیب‌یابی ممکن نشد: ${message}`,
    noBackend: "بک‌اند در دسترس نیست: این صفحه باید درون برنامهٔ کنسول کارخانه اجرا شود.",
    timeout: "بک‌اند به‌موقع پاسخ نداد",
  },
};

/** Every language's table, by language. */
export const STRINGS: Readonly<Record<Language, Strings>> = { en: english, fa: persian };

/** The texts of the current language (a live binding: it changes with setLanguage). */
export let strings: Strings = english;

let current: Language = "en";

/** The current language. */
export function language(): Language {
  return current;
}

export function isLanguage(value: unknown): value is Language {
  return value === "en" || value === "fa";
}

/** Switches every text (and number and time format) to `lang`. Views must be built again. */
export function setLanguage(lang: Language): void {
  current = lang;
  strings = STRINGS[lang];
}

/** Writing direction of a language. */
export function languageDirection(lang: Language): "ltr" | "rtl" {
  return lang === "fa" ? "rtl" : "ltr";
}

/** The locale the Intl formatters use for a language. */
export function languageLocale(lang: Language): string {
  return lang === "fa" ? "fa-IR" : "en-GB";
}
