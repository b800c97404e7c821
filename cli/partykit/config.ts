/**
 * Reads and validates a PartyKit project's `partykit.json`.
 * @module
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse, printParseErrorCode, type ParseError } from "jsonc-parser";
import { failure } from "../errors.js";
import { partyNameProblem } from "../names.js";
import { isRecord, position } from "../wrangler-config.js";

/** The client build of `serve.build`, as PartyKit documents it. */
export type ServeBuild = {
  entry?: string | string[];
  outdir?: string;
  bundle?: boolean;
  splitting?: boolean;
  minify?: boolean;
  format?: "esm" | "cjs" | "iife";
  sourcemap?: boolean;
  external?: string[];
  alias?: Record<string, string>;
  define?: Record<string, string>;
  loader?: Record<string, string>;
  live?: boolean;
};

/** `serve` in object form. */
export type Serve = {
  path?: string;
  build?: string | ServeBuild;
  singlePageApp?: boolean;
  browserTTL?: number | null;
  edgeTTL?: number | null;
  include?: string[];
  exclude?: string[];
};

/** The subset of partykit.json that `roomkit import` understands; everything else is reported. */
export type PartykitConfig = {
  name?: string;
  main: string;
  parties: Record<string, string>;
  serve?: Serve;
  vars?: Record<string, unknown>;
  define?: Record<string, string>;
  compatibilityDate?: string;
  compatibilityFlags?: string[];
  build?: { command?: string; cwd?: string; watch?: string | string[]; alias?: Record<string, string> };
  minify?: boolean;
  port?: number;
  persist?: boolean | string;
  placement?: { mode: string };
  observability?: { enabled?: boolean; head_sampling_rate?: number };
  /** `main` does not exist yet: a build (package.json `build` script or `build.command`) writes it. */
  mainIsBuildOutput: boolean;
  /** package.json `scripts.build`, if any. */
  buildScript?: string;
  /** Every key as written, to report the ones not converted. */
  raw: Record<string, unknown>;
};

/**
 * Reads `<dir>/partykit.json`; throws a one-line failure saying exactly what is wrong.
 *
 * @example
 * ```ts
 * const config = await readPartykitConfig("./my-partykit-app"); // { main: "src/server.ts", parties: {}, ... }
 * ```
 */
export async function readPartykitConfig(dir: string): Promise<PartykitConfig> {
  const file = path.join(dir, "partykit.json");
  if (!existsSync(file)) throw failure(`no partykit.json in ${dir}: roomkit import converts PartyKit projects`);
  const text = await readFile(file, "utf8");
  const errors: ParseError[] = [];
  const raw: unknown = parse(text, errors, { allowTrailingComma: true });
  if (errors.length > 0) {
    const { line, column } = position(text, errors[0]!.offset);
    throw failure(`partykit.json:${line}:${column}: invalid JSON: ${printParseErrorCode(errors[0]!.error)}`);
  }
  if (!isRecord(raw)) throw failure("partykit.json: expected an object at the top level");

  const bad = (key: string, expected: string) => failure(`partykit.json: "${key}" must be ${expected}`);
  const optString = (key: string) => {
    if (raw[key] !== undefined && typeof raw[key] !== "string") throw bad(key, "a string");
    return raw[key] as string | undefined;
  };
  const stringMap = (v: unknown, key: string) => {
    if (v === undefined) return undefined;
    if (!isRecord(v) || !Object.values(v).every((x) => typeof x === "string")) throw bad(key, "an object of strings");
    return v as Record<string, string>;
  };

  const main = optString("main");
  if (!main) throw failure('partykit.json: "main" is missing: it names the server file, e.g. "main": "src/server.ts"');
  const parties = stringMap(raw.parties, "parties") ?? {};
  if (raw.vars !== undefined && !isRecord(raw.vars)) throw bad("vars", "an object");
  const compatibilityDate = optString("compatibilityDate");
  if (compatibilityDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(compatibilityDate)) throw bad("compatibilityDate", "a date like 2024-01-22");
  if (raw.compatibilityFlags !== undefined && !(Array.isArray(raw.compatibilityFlags) && raw.compatibilityFlags.every((f) => typeof f === "string"))) {
    throw bad("compatibilityFlags", "a list of strings");
  }
  for (const key of ["minify"] as const) if (raw[key] !== undefined && typeof raw[key] !== "boolean") throw bad(key, "true or false");
  if (raw.port !== undefined && !(Number.isInteger(raw.port) && (raw.port as number) > 0 && (raw.port as number) < 65536)) throw bad("port", "a port number");
  if (raw.persist !== undefined && typeof raw.persist !== "boolean" && typeof raw.persist !== "string") throw bad("persist", "true, false or a directory");

  let serve: Serve | undefined;
  if (typeof raw.serve === "string") serve = { path: raw.serve };
  else if (isRecord(raw.serve)) {
    const s = raw.serve;
    if (s.path !== undefined && typeof s.path !== "string") throw bad("serve.path", "a directory");
    if (s.build !== undefined && typeof s.build !== "string" && !isRecord(s.build)) throw bad("serve.build", "an entry file or an object");
    if (isRecord(s.build)) {
      const e = s.build.entry;
      if (e !== undefined && typeof e !== "string" && !(Array.isArray(e) && e.every((x) => typeof x === "string")))
        throw bad("serve.build.entry", "a file or a list of files");
      stringMap(s.build.define, "serve.build.define");
      stringMap(s.build.alias, "serve.build.alias");
    }
    serve = s as Serve;
  } else if (raw.serve !== undefined) throw bad("serve", "a directory or an object");

  let build: PartykitConfig["build"];
  if (raw.build !== undefined) {
    if (!isRecord(raw.build)) throw bad("build", "an object");
    if (raw.build.command !== undefined && typeof raw.build.command !== "string") throw bad("build.command", "a string");
    if (raw.build.cwd !== undefined && typeof raw.build.cwd !== "string") throw bad("build.cwd", "a directory");
    stringMap(raw.build.alias, "build.alias");
    build = raw.build as PartykitConfig["build"];
  }

  // A main that a build writes (the Remix example's dist/index.js) is missing until the build ran.
  const buildScript = await packageBuildScript(dir);
  const mainIsBuildOutput = !existsSync(path.join(dir, main)) && (buildScript !== undefined || typeof build?.command === "string");
  for (const [name, file] of [["main", main], ...Object.entries(parties)] as [string, string][]) {
    if (partyNameProblem(name))
      throw failure(`partykit.json: party name "${name}" must be letters, digits, "-" or "_"${/^[A-Za-z]/.test(name) ? "" : ", starting with a letter"}`);
    if (name === "main" && mainIsBuildOutput) continue;
    if (!existsSync(path.join(dir, file))) throw failure(`partykit.json: ${name === "main" ? "main" : `party "${name}"`} file ${file} does not exist`);
  }
  if ("main" in parties) throw failure('partykit.json: "parties" must not redefine "main" (that is the "main" field)');

  return {
    name: optString("name"),
    main,
    parties,
    serve,
    vars: raw.vars as Record<string, unknown> | undefined,
    define: stringMap(raw.define, "define"),
    compatibilityDate,
    compatibilityFlags: raw.compatibilityFlags as string[] | undefined,
    build,
    minify: raw.minify as boolean | undefined,
    port: raw.port as number | undefined,
    persist: raw.persist as boolean | string | undefined,
    placement: isRecord(raw.placement) && typeof raw.placement.mode === "string" ? (raw.placement as { mode: string }) : undefined,
    observability: isRecord(raw.observability) ? (raw.observability as PartykitConfig["observability"]) : undefined,
    mainIsBuildOutput,
    buildScript,
    raw,
  };
}

async function packageBuildScript(dir: string): Promise<string | undefined> {
  try {
    const pkg = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as { scripts?: Record<string, unknown> };
    return typeof pkg.scripts?.build === "string" ? pkg.scripts.build : undefined;
  } catch {
    return undefined;
  }
}
