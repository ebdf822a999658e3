// The words of the operator session (the header, the tooltips of the controls a
// role may not use): every one from the Fluent catalogs (crates/console-i18n).

import { sessionBlock, sessionBlockMessage, type SessionBlock, type SwitchBlock } from "../state";
import { language, strings } from "../strings";
import { wordIn } from "../strings/catalog";
import type { Action, OperatorSession } from "../types";

const SESSION_BLOCKS: ReadonlySet<string> = new Set<SessionBlock>(["operators_refused", "not_signed_in", "forbidden"]);

function isSessionBlock(block: string): block is SessionBlock {
  return SESSION_BLOCKS.has(block);
}

/** Why `action` is refused to the one at the screen, in the current language. */
export function sessionBlockText(block: SessionBlock, action: Action, session: OperatorSession): string {
  return wordIn(language(), sessionBlockMessage(block, action, session.operator?.role ?? null));
}

/** Why the relay's switch is disabled, in the current language. */
export function switchBlockText(block: SwitchBlock, session: OperatorSession): string {
  if (isSessionBlock(block)) return sessionBlockText(block, "switch_relay", session);
  return strings.switching.reasons[block];
}

/** Why `action` is not usable now (null: it is), worded. */
export function whyNot(session: OperatorSession, action: Action): string | null {
  const block = sessionBlock(session, action);
  return block === null ? null : sessionBlockText(block, action, session);
}
