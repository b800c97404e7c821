/**
 * `roomkit check`: do the entry's exports, wrangler's Durable Object bindings
 * and the migrations agree? Every finding is one line saying what is wrong
 * and exactly what to write to fix it.
 * @module
 */
import path from "node:path";
import { analyzeEntry, type EntryAnalysis } from "./entry.js";
import { checkTarget } from "./check/target.js";
import { environment, topLevel } from "./check/targets.js";
import type { CheckOptions, CheckResult, Diagnostic, Finding } from "./check/types.js";
import type { WranglerConfig } from "./wrangler-config.js";

export type { CheckOptions, CheckResult, Diagnostic, PartySummary, Severity } from "./check/types.js";
export { nextMigrationTag } from "./check/migrations.js";

/**
 * Runs every check on the project whose config is `config`: on the top level
 * and on each `[env.<name>]` section. A finding of an environment that comes
 * only from what it inherits (same entry, same migrations) is reported once,
 * for the top level.
 *
 * @example
 * ```ts
 * const { diagnostics, parties } = await checkProject(await readConfig("/app/wrangler.toml"));
 * ```
 */
export async function checkProject(config: WranglerConfig, options: CheckOptions = {}): Promise<CheckResult> {
  const cfg = path.basename(config.file);
  // Environments usually share the top level's entry: read and analyse each entry file once.
  const entries = new Map<string, Promise<EntryAnalysis>>();
  const analyze = (file: string) => {
    let analysis = entries.get(file);
    if (!analysis) entries.set(file, (analysis = analyzeEntry(file, config.dir, options.overrides)));
    return analysis;
  };
  const top = await checkTarget(config, topLevel(config, cfg), options, analyze);
  const diagnostics: Diagnostic[] = top.findings.map(stripSources);
  for (const env of config.envs) {
    const target = environment(config, cfg, env);
    const result = await checkTarget(config, target, options, analyze);
    for (const f of result.findings) {
      if (f.sources.every((s) => target.inherited.has(s))) continue;
      diagnostics.push(stripSources(f));
    }
  }
  return { diagnostics, parties: top.parties, entry: top.entry };
}

function stripSources({ severity, code, message }: Finding): Diagnostic {
  return { severity, code, message };
}
