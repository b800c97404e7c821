/**
 * Adds a Durable Object binding and a migration to a wrangler config as text
 * edits, so the user's formatting and comments stay as they were. Every edit
 * is verified by parsing the result and comparing it with what was intended.
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import { applyEdits, modify } from "jsonc-parser";
import { detectFormatting } from "./json-edit.js";
import { nextMigrationTag } from "./check.js";
import { failure } from "./errors.js";
import { parseConfig, type WranglerConfig } from "./wrangler-config.js";

/** What to add for one new party. */
export type NewParty = { binding: string; className: string; tag: string };

/**
 * Where the binding and migration go: the top level, and every `[env.<name>]`
 * with Durable Object bindings of its own (wrangler never inherits them) and,
 * when it has its own migrations, a migration there too.
 */
type Place = { path: string[]; migrationTag?: string };

function placesFor(config: WranglerConfig, party: NewParty): Place[] {
  const places: Place[] = [{ path: [], migrationTag: party.tag }];
  for (const env of config.envs) {
    if (!env.ownBindings) continue;
    places.push({ path: ["env", env.name], migrationTag: env.ownMigrations ? nextMigrationTag(env.migrations) : undefined });
  }
  return places;
}

/** The config text with `party`'s binding and migration added (also to each environment that declares its own). */
export function addPartyToConfig(config: WranglerConfig, party: NewParty): string {
  const places = placesFor(config, party);
  let text = config.text;
  for (const place of places) text = config.format === "toml" ? editToml(config, text, party, place) : editJson(config, text, party, place);
  verify(config, text, party, places);
  return text;
}

const HEADER = /^[ \t]*\[\[?[ \t]*([A-Za-z0-9_.\-"' ]+?)[ \t]*\]\]?[ \t]*(#.*)?$/;

type Line = { text: string; start: number; end: number };

function lines(text: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  for (const part of text.split("\n")) {
    out.push({ text: part, start, end: start + part.length });
    start += part.length + 1;
  }
  return out;
}

/** End offset of the table starting at line `i`: after its last non-blank, non-comment-only line before the next header. */
function blockEnd(all: Line[], i: number): number {
  let last = all[i]!;
  for (let j = i + 1; j < all.length; j++) {
    const l = all[j]!;
    if (HEADER.test(l.text)) break;
    if (l.text.trim() !== "" && !l.text.trim().startsWith("#")) last = l;
  }
  return last.end;
}

function tomlString(s: string): string {
  return JSON.stringify(s);
}

function editToml(config: WranglerConfig, original: string, party: NewParty, place: Place): string {
  let text = original;
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  const table = (name: string) => [...place.path, name].join(".");
  const headerIndex = (name: string) => {
    const all = lines(text);
    const found: number[] = [];
    all.forEach((l, i) => {
      const m = HEADER.exec(l.text);
      if (m && l.text.trim().startsWith("[[") && m[1]!.replace(/\s+/g, "") === name) found.push(i);
    });
    return { all, found };
  };
  const cannot = (what: string) =>
    failure(
      `${what} in ${config.file.split(/[\\/]/).pop()} is not written as [[${what}]] tables, which roomkit add edits; add it by hand: ` +
        `[[${table("durable_objects.bindings")}]] name = ${tomlString(party.binding)} class_name = ${tomlString(party.className)}` +
        (place.migrationTag
          ? `, [[${table("migrations")}]] tag = ${tomlString(place.migrationTag)} new_sqlite_classes = [${tomlString(party.className)}]`
          : ""),
    );
  const raw = at(config.raw, place.path);
  const existingBindings = at(raw, ["durable_objects", "bindings"]);
  const existingMigrations = raw?.migrations;

  const bindingTable = table("durable_objects.bindings");
  const migrationTable = table("migrations");

  /** The text with `block` after the last `[[name]]` table; undefined if there is none (and none was expected). */
  const afterLast = (name: string, block: string, existing: unknown): string | undefined => {
    const { all, found } = headerIndex(name);
    if (found.length === 0) {
      if (Array.isArray(existing) && existing.length > 0) throw cannot(name);
      return undefined;
    }
    const end = blockEnd(all, found.at(-1)!);
    return text.slice(0, end) + newline + newline + block.trimEnd() + text.slice(end);
  };
  /** The text with `block` before the first `[[name]]` table; undefined if there is none. */
  const beforeFirst = (name: string, block: string): string | undefined => {
    const { all, found } = headerIndex(name);
    if (found.length === 0) return undefined;
    const start = all[found[0]!]!.start;
    return text.slice(0, start) + block + newline + text.slice(start);
  };

  // Binding: after the last existing binding, else before the first migration, else at the end.
  const bindingBlock = `[[${bindingTable}]]${newline}name = ${tomlString(party.binding)}${newline}class_name = ${tomlString(party.className)}${newline}`;
  text = afterLast(bindingTable, bindingBlock, existingBindings) ?? beforeFirst(migrationTable, bindingBlock) ?? appendBlock(text, bindingBlock, newline);
  // Migration: after the last migration, else at the end.
  if (place.migrationTag) {
    const migrationBlock = `[[${migrationTable}]]${newline}tag = ${tomlString(place.migrationTag)}${newline}new_sqlite_classes = [${tomlString(party.className)}]${newline}`;
    text = afterLast(migrationTable, migrationBlock, existingMigrations) ?? appendBlock(text, migrationBlock, newline);
  }
  return text;
}

/** The object at `path` inside `value`, if every step is an object. */
function at(value: unknown, path: string[]): Record<string, any> | undefined {
  let v = value;
  for (const key of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return typeof v === "object" && v !== null ? (v as Record<string, any>) : undefined;
}

function appendBlock(text: string, block: string, newline: string): string {
  const trimmed = text.replace(/\s*$/, "");
  return (trimmed === "" ? "" : trimmed + newline + newline) + block;
}

function editJson(config: WranglerConfig, original: string, party: NewParty, place: Place): string {
  const formattingOptions = detectFormatting(config.text);
  const options = { formattingOptions };
  let text = original;
  const raw = (at(config.raw, place.path) ?? {}) as { durable_objects?: { bindings?: unknown[] }; migrations?: unknown[] };
  const p = place.path;
  const binding = { name: party.binding, class_name: party.className };
  if (Array.isArray(raw.durable_objects?.bindings)) {
    const n = raw.durable_objects!.bindings!.length;
    text = applyEdits(text, modify(text, [...p, "durable_objects", "bindings", n], binding, { ...options, isArrayInsertion: true }));
  } else if (raw.durable_objects) {
    text = applyEdits(text, modify(text, [...p, "durable_objects", "bindings"], [binding], options));
  } else {
    text = applyEdits(text, modify(text, [...p, "durable_objects"], { bindings: [binding] }, options));
  }
  if (place.migrationTag) {
    const migration = { tag: place.migrationTag, new_sqlite_classes: [party.className] };
    if (Array.isArray(raw.migrations)) {
      text = applyEdits(text, modify(text, [...p, "migrations", raw.migrations.length], migration, { ...options, isArrayInsertion: true }));
    } else {
      text = applyEdits(text, modify(text, [...p, "migrations"], [migration], options));
    }
  }
  return text;
}

/** Parses the edited text and checks it is the old document plus exactly the new binding and migration. */
function verify(config: WranglerConfig, text: string, party: NewParty, places: Place[]): void {
  let after: WranglerConfig;
  try {
    after = parseConfig(config.file, text);
  } catch (e) {
    throw failure(`editing ${config.file.split(/[\\/]/).pop()} would break it (${(e as Error).message}); nothing was written`);
  }
  const expected = structuredClone(config.raw) as Record<string, any>;
  for (const place of places) {
    const section = at(expected, place.path)!;
    section.durable_objects ??= {};
    section.durable_objects.bindings ??= [];
    section.durable_objects.bindings.push({ name: party.binding, class_name: party.className });
    if (place.migrationTag) {
      section.migrations ??= [];
      section.migrations.push({ tag: place.migrationTag, new_sqlite_classes: [party.className] });
    }
  }
  if (!isDeepStrictEqual(normalize(after.raw), normalize(expected))) {
    throw failure(
      `could not edit ${config.file.split(/[\\/]/).pop()} safely (its layout is unusual); nothing was written: add the binding and migration by hand`,
    );
  }
}

/** smol-toml returns plain objects but Dates as TomlDate: compare through JSON. */
function normalize(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}
