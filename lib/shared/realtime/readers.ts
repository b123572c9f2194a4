// This module is browser compatible.
/**
 * The general readers the Realtime validators are built from: small checkers that take a JSON
 * value and the dotted path it sits at, and return the value typed or throw an
 * {@linkcode InvalidRequestError} carrying the GA `code`, `param` and message.
 *
 * Messages quoted in docs/protocol.md §7.3 are reproduced exactly; the others (`invalid_type`
 * wording, decimal ranges, nesting depth) are modelled on the observed family of OpenAI
 * messages and marked "modelled" where they are made.
 *
 * @module
 */

/** What the Realtime API reports about a rejected request, minus the envelope. */
export interface RequestProblem {
  code: string | null;
  message: string;
  param: string | null;
}

/**
 * A request the Realtime API would refuse, with its GA `code`, `param` and message. Thrown by
 * the readers; `parseClientEvent` and `validateSessionUpdate` turn it into a result.
 */
export class InvalidRequestError extends Error {
  readonly code: string | null;
  readonly param: string | null;

  constructor(code: string | null, message: string, param: string | null) {
    super(message);
    this.name = "InvalidRequestError";
    this.code = code;
    this.param = param;
  }

  toProblem(): RequestProblem {
    return { code: this.code, message: this.message, param: this.param };
  }
}

/** Checks a JSON value at `path` (e.g. "session.audio.input.format") and returns it typed. */
export type Reader<T> = (value: unknown, path: string) => T;
/** One reader per allowed key of an object. */
export type Readers = Record<string, Reader<unknown>>;

/** Echoed values are cut to this many characters so an error never carries megabytes. */
const MAX_ECHO_LENGTH = 512;
/** Free-form JSON (tool parameters, metadata) may nest this deep; deeper cannot be echoed safely. */
export const MAX_JSON_DEPTH = 64;

/** "session" + "type" → "session.type"; "" + "type" → "type". */
export function childPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** Names a JSON value's type the way GA messages do: "a string", "an integer", "a decimal"… */
export function describeJsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return Number.isSafeInteger(value) ? "an integer" : "a decimal";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

/** `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'`: GA's "Supported values are" list. */
export function quoteList(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  if (quoted.length <= 2) return quoted.join(" and ");
  return `${quoted.slice(0, -1).join(", ")}, and ${quoted[quoted.length - 1]}`;
}

/** Shortens a client string for echoing in a message. */
export function clip(text: string): string {
  return text.length <= MAX_ECHO_LENGTH ? text : `${text.slice(0, MAX_ECHO_LENGTH)}…`;
}

/** `invalid_type`; the wording is modelled on GA's "expected an object, but got a string instead". */
export function invalidType(path: string, expected: string, value: unknown): InvalidRequestError {
  return new InvalidRequestError(
    "invalid_type",
    `Invalid type for '${path}': expected ${expected}, but got ${describeJsonType(value)} instead.`,
    path,
  );
}

export function unknownParameter(path: string): InvalidRequestError {
  return new InvalidRequestError("unknown_parameter", `Unknown parameter: '${path}'.`, path);
}

export function missingParameter(path: string): InvalidRequestError {
  return new InvalidRequestError(
    "missing_required_parameter",
    `Missing required parameter: '${path}'.`,
    path,
  );
}

export function invalidValue(
  path: string,
  value: string,
  supported: readonly string[],
): InvalidRequestError {
  return new InvalidRequestError(
    "invalid_value",
    `Invalid value: '${clip(value)}'. Supported values are: ${quoteList(supported)}.`,
    path,
  );
}

/** Returns the value unchanged (for fields checked before `readFields`, like `type`). */
export function keep(value: unknown): unknown {
  return value;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function readObject(value: unknown, path: string): Record<string, unknown> {
  if (!isObject(value)) throw invalidType(path, "an object", value);
  return value;
}

export function readString(value: unknown, path: string): string {
  if (typeof value !== "string") throw invalidType(path, "a string", value);
  return value;
}

export function readBoolean(value: unknown, path: string): boolean {
  if (typeof value !== "boolean") throw invalidType(path, "a boolean", value);
  return value;
}

/** A string of at most `max` characters (`string_above_max_length`). */
export function readStringMax(max: number): Reader<string> {
  return (value, path) => {
    const text = readString(value, path);
    if (text.length > max) {
      throw new InvalidRequestError(
        "string_above_max_length",
        `Invalid '${path}': string too long. Expected a string with maximum length ${max}, ` +
          `but got a string with length ${text.length} instead.`,
        path,
      );
    }
    return text;
  };
}

/** An integer in [min, max] (`integer_below_min_value` / `integer_above_max_value`). */
export function readInteger(min = -Infinity, max = Infinity): Reader<number> {
  return (value, path) => {
    if (typeof value !== "number" || !Number.isSafeInteger(value)) {
      throw invalidType(path, "an integer", value);
    }
    checkRange(value, path, "integer", min, max);
    return value;
  };
}

/** Any number in [min, max] (`decimal_below_min_value` / `decimal_above_max_value`, modelled). */
export function readDecimal(min = -Infinity, max = Infinity): Reader<number> {
  return (value, path) => {
    if (typeof value !== "number") throw invalidType(path, "a decimal", value);
    checkRange(value, path, "decimal", min, max);
    return value;
  };
}

function checkRange(value: number, path: string, kind: string, min: number, max: number): void {
  if (value < min) {
    throw new InvalidRequestError(
      `${kind}_below_min_value`,
      `Invalid '${path}': ${kind} below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
      path,
    );
  }
  if (value > max) {
    throw new InvalidRequestError(
      `${kind}_above_max_value`,
      `Invalid '${path}': ${kind} above maximum value. Expected a value <= ${max}, but got ${value} instead.`,
      path,
    );
  }
}

/** One of `values` (`invalid_value` listing them). */
export function readEnum<const T extends string>(values: readonly T[]): Reader<T> {
  return (value, path) => {
    const text = readString(value, path);
    if (!(values as readonly string[]).includes(text)) throw invalidValue(path, text, values);
    return text as T;
  };
}

export function readArray<T>(readItem: Reader<T>): Reader<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) throw invalidType(path, "an array", value);
    return value.map((item, index) => readItem(item, `${path}[${index}]`));
  };
}

export function nullable<T>(read: Reader<T>): Reader<T | null> {
  return (value, path) => value === null ? null : read(value, path);
}

/**
 * Reads an object against `readers`: keys in the client's order, the first unknown one an
 * `unknown_parameter`, then the first absent `required` key a `missing_required_parameter`.
 * Returns a new object holding what the readers returned.
 */
export function readFields<T>(
  value: unknown,
  path: string,
  readers: Readers,
  required: readonly string[] = [],
): T {
  const object = readObject(value, path);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    const at = childPath(path, key);
    if (!Object.hasOwn(readers, key)) throw unknownParameter(at);
    out[key] = readers[key](object[key], at);
  }
  for (const key of required) {
    if (!Object.hasOwn(object, key)) throw missingParameter(childPath(path, key));
  }
  return out as T;
}

/** Reads the required `type` of a tagged object and checks it is one of `values`. */
export function readDiscriminator<const T extends string>(
  object: Record<string, unknown>,
  path: string,
  values: readonly T[],
): T {
  const at = childPath(path, "type");
  if (!Object.hasOwn(object, "type")) throw missingParameter(at);
  return readEnum(values)(object.type, at);
}

/** A string → string map (MCP headers, response metadata values are checked by callers). */
export function readStringMap(value: unknown, path: string): Record<string, string> {
  const object = readObject(value, path);
  for (const key of Object.keys(object)) readString(object[key], childPath(path, key));
  return { ...object } as Record<string, string>;
}

/** Any JSON value nested at most {@linkcode MAX_JSON_DEPTH} levels. */
export function readJson(value: unknown, path: string): unknown {
  // Iterative, so hostile nesting cannot overflow the stack here.
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== "object" || current === null) continue;
    if (depth > MAX_JSON_DEPTH) {
      // Modelled: no GA limit is documented; this one keeps replies serialisable.
      throw new InvalidRequestError(
        "invalid_value",
        `Invalid '${path}': value nested too deeply. Expected at most ${MAX_JSON_DEPTH} levels of nesting.`,
        path,
      );
    }
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return value;
}

/** A JSON object nested at most {@linkcode MAX_JSON_DEPTH} levels. */
export function readJsonObject(value: unknown, path: string): Record<string, unknown> {
  return readJson(readObject(value, path), path) as Record<string, unknown>;
}
