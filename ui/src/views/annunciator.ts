// Audible annunciation: while the console says an alarm should sound
// (AlarmStatus.sounding: an unacknowledged critical or high alarm, not silenced)
// and the operator has the alarm sound on (settings.alerts.alarm_sound), a tone
// loops: the critical one for a critical alarm, the high one otherwise. It stops
// as soon as the console says nothing sounds (acknowledged or silenced) or the
// setting is turned off.
//
// The tones are the bundled WAV files (src/assets/sounds/), played through the Web
// Audio API from bytes inlined into the bundle rather than by an <audio> element
// from their URL: WebKitGTK's media player cannot load anything from the app's
// custom URI scheme (tauri://localhost), where an <audio> element fails with
// MEDIA_ERR_SRC_NOT_SUPPORTED, and a fetch of them would need the CSP widened.
//
// A window that cannot play (no audio device, as under Xvfb, or a webview that
// wants a gesture before it plays) must go on as if nothing happened: every
// failure to play is swallowed, and playing is tried again at the operator's
// next key or click.

import criticalSound from "../assets/sounds/alarm-critical.wav?inline";
import highSound from "../assets/sounds/alarm-high.wav?inline";
import type { AlarmPriority } from "../types";

/** The two tones. */
export type Tone = "critical" | "high";

/** What plays one tone in a loop. */
export interface SoundPlayer {
  play(): Promise<void> | void;
  pause(): void;
  /** An operator's gesture: a webview that held the sound back until one may play it now. */
  resume?(): void;
}

/** Makes the player of a tone from its WAV file (a data: URL). */
export type PlayerFactory = (tone: Tone, url: string) => SoundPlayer;

const URLS: Readonly<Record<Tone, string>> = { critical: criticalSound, high: highSound };

/** The bytes of a base64 data: URL. */
function dataBytes(url: string): ArrayBuffer {
  const text = atob(url.slice(url.indexOf(",") + 1));
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes.buffer;
}

/** One audio context for the window, made when a tone is first played. */
let context: AudioContext | null = null;

function audioContext(): AudioContext {
  context ??= new AudioContext();
  return context;
}

/** The webview's Web Audio: the tone decoded once, then looped until paused. */
export function webAudioPlayer(_tone: Tone, url: string): SoundPlayer {
  let decoded: Promise<AudioBuffer> | null = null;
  let source: AudioBufferSourceNode | null = null;
  let wanted = false;
  return {
    play: async () => {
      wanted = true;
      const ctx = audioContext();
      decoded ??= ctx.decodeAudioData(dataBytes(url));
      const buffer = await decoded;
      // Paused while it was decoding, or already looping.
      if (!wanted || source !== null) return;
      source = ctx.createBufferSource();
      source.buffer = buffer;
      source.loop = true;
      source.connect(ctx.destination);
      source.start();
      // A context made before any gesture may start suspended; it plays once resumed.
      if (ctx.state === "suspended") void ctx.resume().catch(() => {});
    },
    pause: () => {
      wanted = false;
      const playing = source;
      source = null;
      if (playing === null) return;
      playing.stop();
      playing.disconnect();
    },
    resume: () => {
      if (wanted && context !== null && context.state === "suspended") void context.resume().catch(() => {});
    },
  };
}

export class Annunciator {
  private enabled = false;
  private sounding: AlarmPriority | null = null;
  /** The tone playing (or asked to play) now. */
  private current: Tone | null = null;
  /** The last play of `current` failed: try again at the next gesture. */
  private failed = false;
  private readonly players = new Map<Tone, SoundPlayer>();

  constructor(private makePlayer: PlayerFactory = webAudioPlayer) {}

  /** Uses another player from now on (tests); whatever plays is stopped first. */
  setPlayerFactory(factory: PlayerFactory): void {
    this.stop();
    this.players.clear();
    this.makePlayer = factory;
    this.apply();
  }

  /** The operator's setting. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.apply();
  }

  /** What the console says should sound now (null: nothing). */
  setSounding(priority: AlarmPriority | null): void {
    this.sounding = priority;
    this.apply();
  }

  /** The tone that plays now, or null. */
  get tone(): Tone | null {
    return this.current;
  }

  /** A key or a click: a play the webview refused (or held back) before a gesture is tried again. */
  retry(): void {
    if (this.current === null) return;
    if (this.failed) {
      this.start(this.current);
      return;
    }
    try {
      this.players.get(this.current)?.resume?.();
    } catch {
      // Still no sound: the next gesture tries again.
    }
  }

  /** Stops the sound for good (a window that is thrown away). */
  dispose(): void {
    this.enabled = false;
    this.apply();
  }

  private wanted(): Tone | null {
    if (!this.enabled || this.sounding === null) return null;
    return this.sounding === "critical" ? "critical" : "high";
  }

  private apply(): void {
    const want = this.wanted();
    if (want === this.current) return;
    this.stop();
    if (want !== null) this.start(want);
  }

  private start(tone: Tone): void {
    this.current = tone;
    this.failed = false;
    try {
      let player = this.players.get(tone);
      if (player === undefined) {
        player = this.makePlayer(tone, URLS[tone]);
        this.players.set(tone, player);
      }
      const played = player.play();
      if (played !== undefined && typeof played.catch === "function") {
        played.catch(() => {
          if (this.current === tone) this.failed = true;
        });
      }
    } catch {
      this.failed = true;
    }
  }

  private stop(): void {
    const tone = this.current;
    this.current = null;
    this.failed = false;
    if (tone === null) return;
    try {
      this.players.get(tone)?.pause();
    } catch {
      // Nothing was playing after all.
    }
  }
}
