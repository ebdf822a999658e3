// The caps' notice: whether the plant went past what the console keeps, in words.

import type { CapsReached } from "../types";
import { strings } from "../strings";

/** Counts of a console whose plant never went past a cap. */
export function noCaps(): CapsReached {
  return { devices_left_out: 0, relays_left_out: 0, ids_too_long: 0, names_cut: 0, journal_rows_left_out: 0 };
}

/** The notice for the window, or null while no cap was reached (the notice is hidden). */
export function capsNotice(caps: CapsReached): string | null {
  const parts: string[] = [];
  const s = strings.caps;
  if (caps.devices_left_out > 0) parts.push(s.devices(caps.devices_left_out));
  if (caps.relays_left_out > 0) parts.push(s.relays(caps.relays_left_out));
  if (caps.ids_too_long > 0) parts.push(s.ids(caps.ids_too_long));
  if (caps.names_cut > 0) parts.push(s.names(caps.names_cut));
  if (caps.journal_rows_left_out > 0) parts.push(s.journal(caps.journal_rows_left_out));
  return parts.length === 0 ? null : s.notice(parts.join(s.separator));
}
