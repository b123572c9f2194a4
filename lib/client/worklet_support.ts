/**
 * Helpers `MicCapture` and `Player` share on the main thread: loading a worklet module with an
 * error that says what to do, and running user callbacks so that one that throws is logged
 * instead of breaking the audio path.
 *
 * @module
 */

/**
 * Loads a worklet module. Adding the same URL again is harmless: the worklet's module map
 * evaluates each URL once per context.
 *
 * @throws {Error} "Cannot load the … worklet from …", the browser's error as `cause`.
 */
export async function loadWorklet(ctx: BaseAudioContext, url: string, what: string): Promise<void> {
  try {
    await ctx.audioWorklet.addModule(url);
  } catch (error) {
    throw new Error(
      `Cannot load the ${what} worklet from ${url}: ${
        error instanceof Error ? error.message : String(error)
      }; run \`deno task build\` and reload the page`,
      { cause: error },
    );
  }
}

/** Runs a user callback; an error it throws is logged and goes no further. */
export function safely(callback: () => void): void {
  try {
    callback();
  } catch (error) {
    // deno-lint-ignore no-console
    console.error("An audio callback threw:", error);
  }
}
