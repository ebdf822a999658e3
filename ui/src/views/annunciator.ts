// Audible annunciation: while the console says an alarm should sound
// (AlarmStatus.sounding: an unacknowledged critical or high alarm, not silenced)
// and the operator has the alarm sound on (settings.alerts.alarm_sound), a tone
// loops: the critical one for a critical alarm, the high one otherwise. It stops
// as soon as the console says nothing sounds (acknowledged or silenced) or the
// setting is turned off.
//
// A window that cannot play (no audio device, as under Xvfb, or a webview that
// wants a gesture before it plays) must go on as if nothing happened: every
// failure to play is swallowed, and playing is tried again at the operator's
// next key or click.

import criticalSound from "../assets/sounds/alarm-critical.wav";
import highSound from "../assets/sounds/alarm-high.wav";
import type { AlarmPriority } from "../types";

/** The two tones. */
export type Tone = "critical" | "high";

/** What plays one tone in a loop. */
export interface SoundPlayer {
  play(): Promise<void> | void;
  pause(): void;
}

export type PlayerFactory = (tone: Tone, url: string) => SoundPlayer;

const URLS: Readonly<Record<Tone, string>> = { critical: criticalSound, high: highSound };

/** The webview's own audio element, looping, from the start each time. */
export function audioPlayer(_tone: Tone, url: string): SoundPlayer {
  const audio = new Audio(url);
  audio.loop = true;
  audio.preload = "auto";
  return {
    play: () => audio.play(),
    pause: () => {
      audio.pause();
      audio.currentTime = 0;
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

  constructor(private makePlayer: PlayerFactory = audioPlayer) {}

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

  /** A key or a click: a play the webview refused before a gesture is tried again. */
  retry(): void {
    if (this.current !== null && this.failed) this.start(this.current);
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
