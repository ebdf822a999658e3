// Writes the two alarm sounds the window loops while an alarm sounds
// (src/assets/sounds/alarm-critical.wav and alarm-high.wav). Run with
// `node scripts/make-alarm-sounds.mjs` from ui/; the files are committed, so
// neither the build nor the tests run this.
//
// Made here rather than taken from somewhere: no licence to track, and the tones
// can be read off this file. 8-bit mono PCM at 8 kHz keeps each file a few
// kilobytes. The two differ in pitch and rhythm so an operator tells them apart
// without looking (as IEC 60601-1-8's alarm signals do): critical is three quick,
// higher pulses (880 Hz) and a short pause; high is two slower, lower pulses
// (660 Hz) and a longer pause.

import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const RATE = 8000;
/** Fade in and out of each pulse (seconds): a tone that starts or stops dead clicks. */
const FADE = 0.006;
/** Of full scale: loud enough to hear across a control room from laptop speakers, short of clipping. */
const LEVEL = 0.7;

/** One loop of the pattern: `pulses` tones of `freq` Hz, each `on` s with `off` s between, then `rest` s. */
function pattern({ freq, pulses, on, off, rest }) {
  const samples = [];
  const silence = (seconds) => {
    for (let i = 0; i < Math.round(seconds * RATE); i++) samples.push(0);
  };
  for (let p = 0; p < pulses; p++) {
    const n = Math.round(on * RATE);
    const fade = Math.round(FADE * RATE);
    for (let i = 0; i < n; i++) {
      const envelope = Math.min(1, i / fade, (n - 1 - i) / fade);
      samples.push(LEVEL * envelope * Math.sin((2 * Math.PI * freq * i) / RATE));
    }
    if (p < pulses - 1) silence(off);
  }
  silence(rest);
  return samples;
}

/** A RIFF/WAVE file of unsigned 8-bit mono samples (-1…1 mapped onto 0…255, 128 is silence). */
function wav(samples) {
  const data = Buffer.alloc(samples.length);
  samples.forEach((v, i) => data.writeUInt8(Math.max(0, Math.min(255, Math.round(128 + 127 * v))), i));
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16); // the size of the format chunk
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE, 28); // bytes per second: one byte a sample
  header.writeUInt16LE(1, 32); // bytes per frame
  header.writeUInt16LE(8, 34); // bits per sample
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

const out = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "assets", "sounds");
const sounds = {
  "alarm-critical.wav": pattern({ freq: 880, pulses: 3, on: 0.12, off: 0.08, rest: 0.5 }),
  "alarm-high.wav": pattern({ freq: 660, pulses: 2, on: 0.2, off: 0.15, rest: 1.0 }),
};
for (const [name, samples] of Object.entries(sounds)) {
  const file = wav(samples);
  writeFileSync(join(out, name), file);
  console.log(`${name}: ${file.length} bytes, ${(samples.length / RATE).toFixed(2)} s`);
}
