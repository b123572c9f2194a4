/**
 * G.711 (`audio/pcmu` μ-law, `audio/pcma` A-law, 8 kHz by definition) to and from the
 * emulator's internal 24 kHz PCM16, so sessions configured for telephony formats get audio
 * they can decode. Quality is telephone-grade on purpose: linear interpolation up, a 3-tap
 * average down (the echo only has to be recognisable).
 *
 * @module
 */

import type { AudioFormat } from "../../shared/realtime/mod.ts";

export type G711Law = "mu" | "a";

const MU_BIAS = 0x84;
const MU_CLIP = 32635;

/** Decodes one μ-law byte (ITU-T G.711). */
export function muLawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const magnitude = ((((u & 0x0f) << 3) + MU_BIAS) << ((u & 0x70) >> 4)) - MU_BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

/** Encodes one 16-bit sample as μ-law. */
export function linearToMuLaw(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), MU_CLIP) + MU_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  magnitude = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | magnitude) & 0xff;
}

/** Decodes one A-law byte (ITU-T G.711). */
export function aLawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  const exponent = (a & 0x70) >> 4;
  let magnitude = (a & 0x0f) << 4;
  magnitude = exponent === 0 ? magnitude + 8 : (magnitude + 0x108) << (exponent - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

/** Encodes one 16-bit sample as A-law. */
export function linearToALaw(sample: number): number {
  const sign = sample >= 0 ? 0x80 : 0;
  const magnitude = Math.min(sample >= 0 ? sample : -sample - 1, 32767);
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent === 0 ? 4 : exponent + 3)) & 0x0f;
  return (sign | (exponent << 4) | mantissa) ^ 0x55;
}

/** The law of a G.711 format, or null for PCM. */
export function g711Law(format: AudioFormat): G711Law | null {
  switch (format.type) {
    case "audio/pcmu":
      return "mu";
    case "audio/pcma":
      return "a";
    case "audio/pcm":
      return null;
    default: {
      const unknown: never = format;
      throw new TypeError(`Cannot read audio format: unknown ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * 8 kHz G.711 bytes → 24 kHz PCM16 bytes, by linear interpolation. Stateful (one sample of
 * history), so a stream cut anywhere converts the same; one instance per stream.
 */
export class G711Decoder {
  #law: G711Law;
  #previous = 0;

  constructor(law: G711Law) {
    this.#law = law;
  }

  decode(bytes: Uint8Array): Uint8Array {
    const out = new Int16Array(bytes.length * 3);
    const decode = this.#law === "mu" ? muLawToLinear : aLawToLinear;
    let previous = this.#previous;
    for (let i = 0; i < bytes.length; i++) {
      const current = decode(bytes[i]);
      out[3 * i] = Math.round(previous + (current - previous) / 3);
      out[3 * i + 1] = Math.round(previous + (2 * (current - previous)) / 3);
      out[3 * i + 2] = current;
      previous = current;
    }
    this.#previous = previous;
    return new Uint8Array(out.buffer);
  }
}

/**
 * 24 kHz PCM16 bytes → 8 kHz G.711 bytes: every third sample, smoothed with its neighbours
 * ([1, 2, 1] / 4), so a stream decoded by {@linkcode G711Decoder} comes back where it was.
 * A trailing partial group of samples is dropped.
 */
export function encodeG711(pcm: Uint8Array, law: G711Law): Uint8Array {
  const aligned = pcm.byteOffset % 2 === 0 ? pcm : pcm.slice();
  const samples = new Int16Array(aligned.buffer, aligned.byteOffset, aligned.length >> 1);
  const out = new Uint8Array(Math.floor(samples.length / 3));
  const encode = law === "mu" ? linearToMuLaw : linearToALaw;
  for (let i = 0; i < out.length; i++) {
    const centre = samples[3 * i + 2];
    const after = 3 * i + 3 < samples.length ? samples[3 * i + 3] : centre;
    out[i] = encode(Math.round((samples[3 * i + 1] + 2 * centre + after) / 4));
  }
  return out;
}
