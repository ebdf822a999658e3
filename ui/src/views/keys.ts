// The alarm keys: Ctrl+Shift+A acknowledges (the ticked alarms, or the one the
// banner shows), Ctrl+Shift+S silences the sound, Ctrl+Shift+L opens the alarm
// summary. They are physical keys (KeyboardEvent.code), so that they are the same
// keys on a Persian keyboard, where "A" types "ش"; and their names are the same
// in both languages (the keycaps say them), so they are not in the string tables.
// README.md's operator section lists them.

/** What a key asks for. */
export type AlarmKeyAction = "acknowledge" | "silence" | "summary";

export interface AlarmKey {
  /** KeyboardEvent.code of the key held with Ctrl and Shift. */
  readonly code: string;
  /** How the buttons' titles name it. */
  readonly label: string;
}

export const ALARM_KEYS: Readonly<Record<AlarmKeyAction, AlarmKey>> = {
  acknowledge: { code: "KeyA", label: "Ctrl+Shift+A" },
  silence: { code: "KeyS", label: "Ctrl+Shift+S" },
  summary: { code: "KeyL", label: "Ctrl+Shift+L" },
};

/** The alarm key a keydown is, or null: Ctrl and Shift held, no Alt and no Meta. */
export function alarmKeyOf(ev: Pick<KeyboardEvent, "code" | "ctrlKey" | "shiftKey" | "altKey" | "metaKey">): AlarmKeyAction | null {
  if (!ev.ctrlKey || !ev.shiftKey || ev.altKey || ev.metaKey) return null;
  for (const [action, key] of Object.entries(ALARM_KEYS) as [AlarmKeyAction, AlarmKey][]) {
    if (key.code === ev.code) return action;
  }
  return null;
}
