/**
 * Reads a project's wrangler configuration (wrangler.toml, wrangler.json or
 * wrangler.jsonc) into the few fields roomkit cares about.
 * @module
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseJsonc, printParseErrorCode, type ParseError } from "jsonc-parser";
import { parse as parseToml } from "smol-toml";
import { failure } from "./errors.js";

/** Wrangler's own lookup order. */
export const CONFIG_FILES = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"] as const;

/** One `[[durable_objects.bindings]]` entry. */
export type DurableObjectBinding = {
  name: string;
  className: string;
  /** Set when the class lives in another Worker: nothing to check here. */
  scriptName?: string;
};

/** One `[[migrations]]` entry, as written. */
export type Migration = {
  tag: string;
  newSqliteClasses: string[];
  newClasses: string[];
  renamedClasses: { from: string; to: string }[];
  deletedClasses: string[];
  transferredClasses: { from: string; fromScript: string; to: string }[];
};

/**
 * One `[env.<name>]` section, with wrangler's inheritance applied: `main`,
 * `compatibility_date` and `migrations` fall back to the top level when the
 * section does not set them; Durable Object bindings never do (wrangler does
 * not inherit `durable_objects` into environments).
 */
export type EnvironmentConfig = {
  name: string;
  main?: string;
  compatibilityDate?: string;
  bindings: DurableObjectBinding[];
  /** Whether the section has its own `durable_objects`. */
  ownBindings: boolean;
  migrations: Migration[];
  /** Whether the section has its own `migrations` (otherwise the top level's apply). */
  ownMigrations: boolean;
  /** Whether the section sets its own `main` / `compatibility_date`. */
  ownMain: boolean;
  ownCompatibilityDate: boolean;
};

/** The parts of a wrangler config roomkit reads. */
export type WranglerConfig = {
  /** Absolute path of the config file. */
  file: string;
  /** Directory of the config file: paths inside it are relative to this. */
  dir: string;
  format: "toml" | "json";
  /** The file as read: edits are made to this text, never to a re-serialisation. */
  text: string;
  /** The whole parsed document. */
  raw: Record<string, unknown>;
  name?: string;
  main?: string;
  compatibilityDate?: string;
  bindings: DurableObjectBinding[];
  migrations: Migration[];
  /** The `[env.<name>]` sections, in file order. */
  envs: EnvironmentConfig[];
  /** `[assets] directory`, relative to `dir`. */
  assetsDirectory?: string;
  /** Whether `[build]` has a command (wrangler then builds the client itself). */
  hasBuildCommand: boolean;
  routes: string[];
  workersDev: boolean;
};

/** Finds the wrangler config of the project in `cwd`, or the one `explicit` names. */
export function findConfig(cwd: string, explicit?: string): string {
  if (explicit) {
    const file = path.resolve(cwd, explicit);
    if (!existsSync(file)) throw failure(`${explicit} does not exist`);
    return file;
  }
  for (const name of CONFIG_FILES) {
    const file = path.join(cwd, name);
    if (existsSync(file)) return file;
  }
  throw failure(`no wrangler.toml, wrangler.json or wrangler.jsonc in ${cwd}: run this inside a roomkit project, or pass --config <file>`);
}

/** Reads and validates the config at `file`. */
export async function readConfig(file: string): Promise<WranglerConfig> {
  const text = await readFile(file, "utf8");
  return parseConfig(file, text);
}

/** Parses config `text` as if read from `file`; throws a one-line error naming what is wrong. */
export function parseConfig(file: string, text: string): WranglerConfig {
  const rel = path.basename(file);
  const format = file.endsWith(".toml") ? "toml" : "json";
  let raw: unknown;
  if (format === "toml") {
    try {
      raw = parseToml(text);
    } catch (e) {
      const err = e as Error & { line?: number; column?: number };
      const reason = err.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
      throw failure(`${rel}:${err.line ?? "?"}:${err.column ?? "?"}: invalid TOML: ${reason}`);
    }
  } else {
    const errors: ParseError[] = [];
    raw = parseJsonc(text, errors, { allowTrailingComma: true });
    if (errors.length > 0) {
      const { line, column } = position(text, errors[0]!.offset);
      throw failure(`${rel}:${line}:${column}: invalid JSON: ${printParseErrorCode(errors[0]!.error)}`);
    }
  }
  if (!isRecord(raw)) throw failure(`${rel}: expected a table of settings at the top level`);

  const where = (key: string) => `${rel}: ${key}`;
  const str = (v: unknown, key: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw failure(`${where(key)} must be a string`);
    return v;
  };
  const strList = (v: unknown, key: string): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw failure(`${where(key)} must be a list of strings`);
    return v as string[];
  };

  const parseBindings = (section: Record<string, unknown>, prefix: string): DurableObjectBinding[] => {
    const durableObjects = section.durable_objects;
    if (durableObjects !== undefined && !isRecord(durableObjects)) throw failure(`${where(`${prefix}durable_objects`)} must be a table`);
    const rawBindings = durableObjects?.bindings ?? [];
    if (!Array.isArray(rawBindings)) throw failure(`${where(`${prefix}durable_objects.bindings`)} must be a list ([[${prefix}durable_objects.bindings]])`);
    return rawBindings.map((b, i): DurableObjectBinding => {
      const key = `${prefix}durable_objects.bindings[${i}]`;
      if (!isRecord(b)) throw failure(`${where(key)} must be a table`);
      const name = str(b.name, `${key}.name`);
      const className = str(b.class_name, `${key}.class_name`);
      if (!name) throw failure(`${where(key)} has no name`);
      if (!className) throw failure(`${where(key)} (${name}) has no class_name`);
      return { name, className, scriptName: str(b.script_name, `${key}.script_name`) };
    });
  };

  const parseMigrations = (section: Record<string, unknown>, prefix: string): Migration[] => {
    const rawMigrations = section.migrations ?? [];
    if (!Array.isArray(rawMigrations)) throw failure(`${where(`${prefix}migrations`)} must be a list ([[${prefix}migrations]])`);
    return rawMigrations.map((m, i): Migration => {
      const key = `${prefix}migrations[${i}]`;
      if (!isRecord(m)) throw failure(`${where(key)} must be a table`);
      const tag = str(m.tag, `${key}.tag`);
      if (!tag) throw failure(`${where(key)} has no tag`);
      const pairs = (v: unknown, k: string) => {
        if (v === undefined) return [];
        if (!Array.isArray(v) || !v.every((p) => isRecord(p) && typeof p.from === "string" && typeof p.to === "string")) {
          throw failure(`${where(`${key}.${k}`)} must be a list of { from = "...", to = "..." }`);
        }
        return v as { from: string; to: string; from_script?: string }[];
      };
      return {
        tag,
        newSqliteClasses: strList(m.new_sqlite_classes, `${key}.new_sqlite_classes`),
        newClasses: strList(m.new_classes, `${key}.new_classes`),
        renamedClasses: pairs(m.renamed_classes, "renamed_classes").map(({ from, to }) => ({ from, to })),
        deletedClasses: strList(m.deleted_classes, `${key}.deleted_classes`),
        transferredClasses: pairs(m.transferred_classes, "transferred_classes").map((p) => ({
          from: p.from,
          to: p.to,
          fromScript: String(p.from_script ?? ""),
        })),
      };
    });
  };

  const bindings = parseBindings(raw, "");
  const migrations = parseMigrations(raw, "");
  const main = str(raw.main, "main");
  const compatibilityDate = str(raw.compatibility_date, "compatibility_date");

  const rawEnvs = raw.env;
  if (rawEnvs !== undefined && !isRecord(rawEnvs)) throw failure(`${where("env")} must be a table of environments ([env.<name>])`);
  const envs = Object.entries(rawEnvs ?? {}).map(([name, section]): EnvironmentConfig => {
    const prefix = `env.${name}.`;
    if (!isRecord(section)) throw failure(`${where(`env.${name}`)} must be a table`);
    const envMain = str(section.main, `${prefix}main`);
    const envDate = str(section.compatibility_date, `${prefix}compatibility_date`);
    return {
      name,
      main: envMain ?? main,
      ownMain: envMain !== undefined,
      compatibilityDate: envDate ?? compatibilityDate,
      ownCompatibilityDate: envDate !== undefined,
      bindings: parseBindings(section, prefix),
      ownBindings: section.durable_objects !== undefined,
      migrations: section.migrations !== undefined ? parseMigrations(section, prefix) : migrations,
      ownMigrations: section.migrations !== undefined,
    };
  });

  const assets = raw.assets;
  if (assets !== undefined && !isRecord(assets)) throw failure(`${where("assets")} must be a table`);
  const build = raw.build;
  const routes: string[] = [];
  const collectRoute = (r: unknown) => {
    if (typeof r === "string") routes.push(r);
    else if (isRecord(r) && typeof r.pattern === "string") routes.push(r.pattern);
  };
  if (Array.isArray(raw.routes)) raw.routes.forEach(collectRoute);
  if (raw.route !== undefined) collectRoute(raw.route);

  return {
    file,
    dir: path.dirname(file),
    format,
    text,
    raw,
    name: str(raw.name, "name"),
    main,
    compatibilityDate,
    bindings,
    migrations,
    envs,
    assetsDirectory: assets ? str(assets.directory, "assets.directory") : undefined,
    hasBuildCommand: isRecord(build) && typeof build.command === "string" && build.command.trim() !== "",
    routes,
    workersDev: raw.workers_dev !== false,
  };
}

/** 1-based line and column of `offset` in `text`. */
export function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
