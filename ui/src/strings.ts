// User-visible texts, in one place so that other languages can be added later.

export const strings = {
  appTitle: "Plant Console",
  demoBanner: "DEMO PLANT — simulated devices, not a real plant",
  demoTitleSuffix: " — DEMO PLANT",
  serverLabel: "Server",
  noServer: "no server configured",

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
  },

  cacheRecovered: (path: string) =>
    `The local cache was damaged and has been set aside (${path}); a fresh cache was started.`,

  staleWarning:
    "Values are NOT live: the link to the plant server is down or stale. Every value shown is unconfirmed.",
  unconfirmedMark: "⚠",
  unconfirmedText: "unconfirmed",
  unconfirmedTitle: "Unconfirmed: the link is not live, this value may be out of date",

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
      `${total} total · ${fault} fault · ${offline} offline`,
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
    depth: (open: number) => `Outbox ${open}`,
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
  },

  missing: "—",

  units: {
    second: "s",
    minute: "min",
    hour: "h",
    day: "d",
  },

  errors: {
    snapshotFailed: (message: string) => `Could not load the console state: ${message}`,
    listenFailed: (message: string) => `Could not subscribe to updates: ${message}`,
    outboxFailed: (message: string) => `Could not load the outbox: ${message}`,
    cancelFailed: (message: string) => `Could not cancel the command: ${message}`,
  },
} as const;
