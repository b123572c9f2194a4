/**
 * The islands client bundle: registers every island, then hydrates the page's markers.
 * (Fresh generates this file; here it is written by hand, one import per island.)
 *
 * @module
 */
import "./VoiceSession.tsx";
import { hydrateIslands } from "@/framework/client.ts";

hydrateIslands();
