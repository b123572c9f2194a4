/**
 * PCM16 WAV files: the header the recording tap writes, and a reader for tests and tools.
 *
 * A canonical RIFF/WAVE file is a 44-byte header followed by little-endian samples:
 *
 * | offset | bytes | field |
 * | --- | --- | --- |
 * | 0 | 4 | "RIFF" |
 * | 4 | 4 | file size − 8 |
 * | 8 | 4 | "WAVE" |
 * | 12 | 4 | "fmt " |
 * | 16 | 4 | 16 (size of the PCM fmt chunk) |
 * | 20 | 2 | 1 (PCM) |
 * | 22 | 2 | channels |
 * | 24 | 4 | sample rate |
 * | 28 | 4 | byte rate = rate × channels × 2 |
 * | 32 | 2 | block align = channels × 2 |
 * | 34 | 2 | 16 (bits per sample) |
 * | 36 | 4 | "data" |
 * | 40 | 4 | data size in bytes |
 *
 * @module
 */

/** Size of the canonical header written by {@linkcode wavHeader}. */
export const WAV_HEADER_BYTES = 44;

/** Builds the 44-byte header of a PCM16 WAV file holding `dataBytes` bytes of samples. */
export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Uint8Array {
  const header = new Uint8Array(WAV_HEADER_BYTES);
  const view = new DataView(header.buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) header[offset + i] = text.charCodeAt(i);
  };
  ascii(0, "RIFF");
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  ascii(36, "data");
  view.setUint32(40, dataBytes, true);
  return header;
}

/** A decoded PCM16 WAV file; `samples` are interleaved when `channels` > 1. */
export interface Wav {
  sampleRate: number;
  channels: number;
  samples: Int16Array;
}

/**
 * Reads a PCM16 WAV file, walking its chunks (so `LIST` and other chunks written by sox or
 * espeak-ng are skipped).
 *
 * @throws {SyntaxError} when the bytes are not a 16-bit PCM WAV file
 */
export function readWav(bytes: Uint8Array): Wav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (bytes.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") {
    throw new SyntaxError("Cannot read WAV: the RIFF/WAVE signature is missing");
  }
  let sampleRate = 0;
  let channels = 0;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === "fmt ") {
      const format = view.getUint16(body, true);
      const bits = view.getUint16(body + 14, true);
      // 0xFFFE is WAVE_FORMAT_EXTENSIBLE, which sox writes for some layouts.
      if ((format !== 1 && format !== 0xfffe) || bits !== 16) {
        throw new SyntaxError(
          `Cannot read WAV: format ${format} with ${bits} bits is not 16-bit PCM; convert it with sox -b 16`,
        );
      }
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
    } else if (id === "data") {
      if (sampleRate === 0) throw new SyntaxError("Cannot read WAV: data chunk before fmt chunk");
      // A header left unfixed by a crash says 0 or too much: take what is there.
      const end = Math.min(bytes.length, body + (size === 0 ? bytes.length : size));
      const data = bytes.slice(body, body + ((end - body) & ~1));
      return { sampleRate, channels, samples: new Int16Array(data.buffer) };
    }
    offset = body + size + (size & 1);
  }
  throw new SyntaxError("Cannot read WAV: no data chunk");
}
