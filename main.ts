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

/** A start failure as one readable line, when it is one a person can fix; else null. */
export function startFailureLine(error: unknown, port: number): string | null {
  if (error instanceof Deno.errors.AddrInUse) {
    return `Cannot start the server: port ${port} is already in use; stop the program using it, or set PORT to a free port (PORT=8001 deno task start)`;
  }
  if (error instanceof Deno.errors.PermissionDenied && port < 1024) {
    return `Cannot start the server: port ${port} needs more privileges; set PORT to 1024 or above`;
  }
  return null;
}

if (import.meta.main) {
  const config = loadConfig(await readEnv());
  let server;
  try {
    server = await startApp(config);
  } catch (error) {
    const line = startFailureLine(error, config.port);
    if (line === null) throw error;
    // deno-lint-ignore no-console
    console.error(line);
    Deno.exit(1);
  }
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => {
      server.logger.info("shutting down", { signal });
      server.shutdown().then(() => Deno.exit(0));
    });
  }
}
