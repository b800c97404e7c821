/**
 * Adds a Durable Object binding and a migration to a wrangler config as text
 * edits, so the user's formatting and comments stay as they were. Every edit
 * is verified by parsing the result and comparing it with what was intended.
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import { applyEdits, modify, type FormattingOptions } from "jsonc-parser";
import { failure } from "./errors.js";
import { parseConfig, type WranglerConfig } from "./wrangler-config.js";

/** What to add for one new party. */
export type NewParty = { binding: string; className: string; tag: string };

/** The config text with `party`'s binding and migration added. */
export function addPartyToConfig(config: WranglerConfig, party: NewParty): string {
  const text = config.format === "toml" ? editToml(config, party) : editJson(config, party);
  verify(config, text, party);
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

function editToml(config: WranglerConfig, party: NewParty): string {
  let text = config.text;
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
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
        `[[durable_objects.bindings]] name = ${tomlString(party.binding)} class_name = ${tomlString(party.className)}, ` +
        `[[migrations]] tag = ${tomlString(party.tag)} new_sqlite_classes = [${tomlString(party.className)}]`,
    );

  const bindingBlock = `[[durable_objects.bindings]]${newline}name = ${tomlString(party.binding)}${newline}class_name = ${tomlString(party.className)}${newline}`;
  const migrationBlock = `[[migrations]]${newline}tag = ${tomlString(party.tag)}${newline}new_sqlite_classes = [${tomlString(party.className)}]${newline}`;

  // Binding: after the last existing binding, else before the first migration, else at the end.
  {
    const { all, found } = headerIndex("durable_objects.bindings");
    if (found.length === 0 && config.bindings.length > 0) throw cannot("durable_objects.bindings");
    if (found.length > 0) {
      const at = blockEnd(all, found.at(-1)!);
      text = text.slice(0, at) + newline + newline + bindingBlock.trimEnd() + text.slice(at);
    } else {
      const migrations = headerIndex("migrations");
      if (migrations.found.length > 0) {
        const at = migrations.all[migrations.found[0]!]!.start;
        text = text.slice(0, at) + bindingBlock + newline + text.slice(at);
      } else {
        text = appendBlock(text, bindingBlock, newline);
      }
    }
  }
  // Migration: after the last migration, else at the end.
  {
    const { all, found } = headerIndex("migrations");
    if (found.length === 0 && config.migrations.length > 0) throw cannot("migrations");
    if (found.length > 0) {
      const at = blockEnd(all, found.at(-1)!);
      text = text.slice(0, at) + newline + newline + migrationBlock.trimEnd() + text.slice(at);
    } else {
      text = appendBlock(text, migrationBlock, newline);
    }
  }
  return text;
}

function appendBlock(text: string, block: string, newline: string): string {
  const trimmed = text.replace(/\s*$/, "");
  return (trimmed === "" ? "" : trimmed + newline + newline) + block;
}

function editJson(config: WranglerConfig, party: NewParty): string {
  const formattingOptions = detectFormatting(config.text);
  const options = { formattingOptions };
  let text = config.text;
  const raw = config.raw as { durable_objects?: { bindings?: unknown[] }; migrations?: unknown[] };
  const binding = { name: party.binding, class_name: party.className };
  const migration = { tag: party.tag, new_sqlite_classes: [party.className] };
  if (Array.isArray(raw.durable_objects?.bindings)) {
    const n = raw.durable_objects!.bindings!.length;
    text = applyEdits(text, modify(text, ["durable_objects", "bindings", n], binding, { ...options, isArrayInsertion: true }));
  } else if (raw.durable_objects) {
    text = applyEdits(text, modify(text, ["durable_objects", "bindings"], [binding], options));
  } else {
    text = applyEdits(text, modify(text, ["durable_objects"], { bindings: [binding] }, options));
  }
  if (Array.isArray(raw.migrations)) {
    text = applyEdits(text, modify(text, ["migrations", raw.migrations.length], migration, { ...options, isArrayInsertion: true }));
  } else {
    text = applyEdits(text, modify(text, ["migrations"], [migration], options));
  }
  return text;
}

function detectFormatting(text: string): FormattingOptions {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? "  ";
  return { insertSpaces: !indent.startsWith("\t"), tabSize: indent.startsWith("\t") ? 1 : indent.length, eol: text.includes("\r\n") ? "\r\n" : "\n" };
}

/** Parses the edited text and checks it is the old document plus exactly the new binding and migration. */
function verify(config: WranglerConfig, text: string, party: NewParty): void {
  let after: WranglerConfig;
  try {
    after = parseConfig(config.file, text);
  } catch (e) {
    throw failure(`editing ${config.file.split(/[\\/]/).pop()} would break it (${(e as Error).message}); nothing was written`);
  }
  const expected = structuredClone(config.raw) as Record<string, any>;
  expected.durable_objects ??= {};
  expected.durable_objects.bindings ??= [];
  expected.durable_objects.bindings.push({ name: party.binding, class_name: party.className });
  expected.migrations ??= [];
  expected.migrations.push({ tag: party.tag, new_sqlite_classes: [party.className] });
  if (!isDeepStrictEqual(normalize(after.raw), normalize(expected))) {
    throw failure(`could not edit ${config.file.split(/[\\/]/).pop()} safely (its layout is unusual); nothing was written: add the binding and migration by hand`);
  }
}

/** smol-toml returns plain objects but Dates as TomlDate: compare through JSON. */
function normalize(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}
