// The UI's typed client against the Rust side's command list (src/generated/commands.ts,
// written from src-tauri/src/shell/commands.list): ipc.ts and the controller's ConsoleIpc
// (which the fake IPC and main.ts follow) have a function for every listed command,
// named after it and answering what the command answers. The compiler checks it; the
// test below checks the functions exist at run time too.

import { describe, expect, it } from "vitest";
import type { ConsoleIpc } from "../src/controllers";
import { COMMANDS, type Answer, type CommandName } from "../src/generated/commands";
import * as ipc from "../src/ipc";

/** `set_relay` → `setRelay`. */
type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

/** A function per listed command, named after it, resolving to its answer (`void` for none). */
type EveryCommand = {
  [C in CommandName as Camel<C>]: (...args: never[]) => Promise<Answer<C> extends null ? void : Answer<C>>;
};

// Compile-time checks: a command added to the list without a function here, or a function
// answering another type than the command, fails `tsc`.
export const ipcHasEveryCommand: EveryCommand = ipc;
export const portHasEveryCommand = (port: ConsoleIpc): EveryCommand => port;

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

describe("the typed client", () => {
  it("has a function for every command of the Rust side's list", () => {
    const exported = ipc as unknown as Record<string, unknown>;
    for (const command of COMMANDS) expect(typeof exported[camel(command)], command).toBe("function");
  });
});
