/**
 * The embedded emulator and the tests' scripted upstream, held to the same GA behaviour.
 */
import { startEmulator } from "./emulator.ts";
import { testGaConformance } from "./ga_conformance.ts";
import { ScriptedUpstream } from "./upstream.ts";

testGaConformance("emulator", () => Promise.resolve(startEmulator()));
testGaConformance("scripted upstream", () => ScriptedUpstream.start());
