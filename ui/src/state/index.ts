// The console's state, one file per slice; this module gathers them for the
// controllers and views (`import … from "../state"`).

export * from "./alarms";
export * from "./alerts";
export * from "./changes";
export * from "./devices";
export * from "./journal";
export * from "./link";
export * from "./outbox";
export * from "./relays";
export * from "./session";
export * from "./signals";
export * from "./stats";
export * from "./store";
