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
    offlineSince: (time: string) => `Offline since ${time}`,
    unauthorized: "Unauthorized",
    unknown: (mode: string) => `Unknown link state (${mode})`,
    announce: (label: string) => `Connection: ${label}`,
  },

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
    on: "ON",
    off: "OFF",
    empty: "No relays.",
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
  },
} as const;
