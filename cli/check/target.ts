/**
 * Checks one target (the top level or one `[env.<name>]`): analyses its
 * entry, replays its migrations, then runs every rule.
 * @module
 */
import path from "node:path";
import type { EntryAnalysis } from "../entry.js";
import { rel } from "../paths.js";
import { CliError, failure } from "../errors.js";
import type { WranglerConfig } from "../wrangler-config.js";
import { nextMigrationTag, replayMigrations } from "./migrations.js";
import { RULES } from "./rules/index.js";
import type { CheckOptions, Finding, PartySummary, RuleContext, Source, Target } from "./types.js";

/**
 * The findings for target `t` of `config`, with what each was computed from.
 *
 * @example
 * ```ts
 * const { findings, parties } = await checkTarget(config, topLevel(config, "wrangler.toml"), {}, analyze);
 * ```
 */
export async function checkTarget(
  config: WranglerConfig,
  t: Target,
  options: CheckOptions,
  analyze: (file: string) => Promise<EntryAnalysis>,
): Promise<{ findings: Finding[]; parties: PartySummary[]; entry?: EntryAnalysis }> {
  const out: Finding[] = [];
  const error = (code: string, sources: readonly Source[], message: string) => void out.push({ severity: "error", code, message, sources });
  const warning = (code: string, sources: readonly Source[], message: string) => void out.push({ severity: "warning", code, message, sources });
  const cfg = t.label;
  const root = config.dir;

  if (!t.main) {
    error("no-main", ["entry"], `${cfg} has no main: add main = "src/index.ts" (the Worker entry that calls createWorker())`);
    return { findings: out, parties: [] };
  }
  let entry: EntryAnalysis;
  try {
    entry = await analyze(path.resolve(root, t.main));
  } catch (e) {
    // The top level's entry errors read as before; an environment's own entry is named with it.
    if (e instanceof CliError && t.env !== undefined && !t.inherited.has("entry")) throw failure(`${cfg}: ${e.message}`);
    throw e;
  }
  const { live, pendingDeletes } = replayMigrations(t, cfg, error);
  const ctx: RuleContext = {
    target: t,
    cfg,
    root,
    options,
    entry,
    entryName: rel(root, entry.file),
    exported: entry.exports,
    localBindings: t.bindings.filter((b) => !b.scriptName),
    live,
    pendingDeletes,
    nextTag: nextMigrationTag(t.migrations),
    parties: [],
    error,
    warning,
  };
  for (const rule of RULES) await rule(ctx);
  return { findings: out, parties: ctx.parties, entry };
}
