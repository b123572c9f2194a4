/**
 * What every route handler gets as `ctx.state`: the configuration and the server's services.
 *
 * @module
 */
import type { Config } from "./config.ts";

export interface AppState {
  config: Readonly<Config>;
}
