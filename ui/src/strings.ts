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

  staleWarning:
    "Values are NOT live: the link to the plant server is down or stale. Every value shown is unconfirmed.",
  unconfirmedMark: "⚠",
  unconfirmedText: "unconfirmed",
  unconfirmedTitle: "Unconfirmed: the link is not live, this value may be out of date",
  tooOldTitle: (age: string) => `Unconfirmed: not updated for ${age}, this value may be out of date`,

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

  staleWarning:
    "مقادیر زنده نیستند: ارتباط با سرور کارخانه قطع یا کهنه است. هیچ‌یک از مقادیر نمایش‌داده‌شده تأیید نشده است.",
  unconfirmedMark: "⚠",
  unconfirmedText: "تأییدنشده",
  unconfirmedTitle: "تأییدنشده: ارتباط زنده نیست، این مقدار ممکن است قدیمی باشد",
  tooOldTitle: (age: string) => `تأییدنشده: ${age} به‌روز نشده، این مقدار ممکن است قدیمی باشد`,

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
