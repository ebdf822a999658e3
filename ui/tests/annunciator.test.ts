// The alarm tones through the Web Audio API (WebKitGTK cannot play an <audio>
// element from the app's tauri:// scheme), with a fake AudioContext: the bundled
// WAV is decoded once, looped, stopped on pause, and a context the webview holds
// back until a gesture is resumed at the next one.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Annunciator, webAudioPlayer } from "../src/views/annunciator";

let calls: string[];
let state: "suspended" | "running";
let decoded: ArrayBuffer[];

class FakeSource {
  buffer: unknown = null;
  loop = false;
  connect(): void {
    calls.push(`connect loop=${String(this.loop)}`);
  }
  start(): void {
    calls.push("start");
  }
  stop(): void {
    calls.push("stop");
  }
  disconnect(): void {
    calls.push("disconnect");
  }
}

class FakeContext {
  readonly destination = {};
  get state(): string {
    return state;
  }
  decodeAudioData(bytes: ArrayBuffer): Promise<unknown> {
    decoded.push(bytes);
    return Promise.resolve({ duration: 1 });
  }
  createBufferSource(): FakeSource {
    return new FakeSource();
  }
  resume(): Promise<void> {
    calls.push("resume");
    state = "running";
    return Promise.resolve();
  }
}

beforeEach(() => {
  calls = [];
  decoded = [];
  state = "running";
  vi.stubGlobal("AudioContext", FakeContext);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

/** Lets the decoding's promise settle. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe("the alarm tones through Web Audio", () => {
  it("decode the bundled WAV once, loop it, and stop it when paused", async () => {
    const wav = new Uint8Array([0x52, 0x49, 0x46, 0x46]);
    const player = webAudioPlayer("critical", `data:audio/wav;base64,${btoa(String.fromCharCode(...wav))}`);
    await player.play();
    expect(new Uint8Array(decoded[0] ?? new ArrayBuffer(0))).toEqual(wav);
    expect(calls).toEqual(["connect loop=true", "start"]);
    player.pause();
    expect(calls).toEqual(["connect loop=true", "start", "stop", "disconnect"]);
    await player.play();
    expect(decoded).toHaveLength(1);
    expect(calls.filter((c) => c === "start")).toHaveLength(2);
  });

  it("play nothing when paused while the tone was still being decoded", async () => {
    const player = webAudioPlayer("high", "data:audio/wav;base64,UklGRg==");
    const playing = player.play();
    player.pause();
    await playing;
    expect(calls).toEqual([]);
  });

  it("resume a context the webview held back until the operator's next key", async () => {
    state = "suspended";
    const annunciator = new Annunciator();
    annunciator.setEnabled(true);
    annunciator.setSounding("critical");
    await settle();
    expect(calls).toEqual(["connect loop=true", "start", "resume"]);
    // Still held back (the webview wants a gesture): the next key resumes it.
    state = "suspended";
    annunciator.retry();
    expect(calls.at(-1)).toBe("resume");
    annunciator.setSounding(null);
    expect(calls.slice(-2)).toEqual(["stop", "disconnect"]);
  });

  it("go on without a sound where no audio context can be made", async () => {
    vi.stubGlobal(
      "AudioContext",
      class {
        constructor() {
          throw new Error("no audio device");
        }
      },
    );
    // A window of its own: its first tone makes its audio context.
    vi.resetModules();
    const fresh = await import("../src/views/annunciator");
    const annunciator = new fresh.Annunciator();
    annunciator.setEnabled(true);
    annunciator.setSounding("high");
    await settle();
    expect(annunciator.tone).toBe("high");
    expect(() => annunciator.retry()).not.toThrow();
    annunciator.setSounding(null);
    expect(annunciator.tone).toBeNull();
  });
});
