// The WebRTC VAD's wasm, compiled by Deno's module loader (a source-phase import), so the
// server needs no read permission for the npm cache. Plain JS: `deno check` does not accept
// this syntax in a .ts file yet.
import source fvadWasm from "npm:@echogarden/fvad-wasm@0.2.0/fvad.wasm";
export default fvadWasm;
