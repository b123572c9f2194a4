/**
 * Headless Chromium for the browser tests, driven by playwright-core (no browser download:
 * it runs the system's Chromium, `CHROME_PATH` or `/usr/bin/chromium`).
 *
 * @module
 */
import { type Browser, chromium, type LaunchOptions } from "playwright-core";

export const CHROME_PATH = Deno.env.get("CHROME_PATH") ?? "/usr/bin/chromium";

/** Flags for a closed network and a root sandbox (see README, Testing). */
export const CHROME_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--autoplay-policy=no-user-gesture-required",
];

export interface BrowserOptions {
  /** A WAV file played as the microphone (fake capture device). */
  fakeMicrophone?: string;
  /** Extra Chromium flags. */
  args?: string[];
}

/**
 * Launches Chromium. A missing browser is a failure with the install command, never a skip.
 */
export async function launchBrowser(options: BrowserOptions = {}): Promise<Browser> {
  try {
    await Deno.stat(CHROME_PATH);
  } catch {
    throw new Error(
      `Cannot run browser tests: no Chromium at ${CHROME_PATH}; install it with ` +
        "`apt-get install -y chromium` or set CHROME_PATH",
    );
  }
  const args = [...CHROME_FLAGS, ...(options.args ?? [])];
  if (options.fakeMicrophone) {
    args.push(
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-audio-capture=${options.fakeMicrophone}`,
    );
  }
  const launch: LaunchOptions = { executablePath: CHROME_PATH, args, headless: true };
  return await chromium.launch(launch);
}
