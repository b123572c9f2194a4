/**
 * Production entry point (`deno task start`, Deno Deploy): reads `.env` when present, then
 * the environment, and serves the app. SIGTERM and SIGINT shut down gracefully.
 *
 * @module
 */
import { parse } from "dotenv";
import { loadConfig } from "@/lib/server/config.ts";
import { startApp } from "./app.ts";

/** Environment from `.env` (if any) overlaid by the real environment. */
export async function readEnv(): Promise<Record<string, string>> {
  let fromFile: Record<string, string> = {};
  try {
    fromFile = parse(await Deno.readTextFile(".env"));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return { ...fromFile, ...Deno.env.toObject() };
}

if (import.meta.main) {
  const server = await startApp(loadConfig(await readEnv()));
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => {
      server.logger.info("shutting down", { signal });
      server.shutdown().then(() => Deno.exit(0));
    });
  }
}
