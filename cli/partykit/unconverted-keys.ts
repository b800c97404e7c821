/**
 * The partykit.json keys `roomkit import` cannot convert (PartyKit-cloud
 * features, crons, bindings), each with what to do instead.
 * @module
 */
import type { PartykitConfig } from "./config.js";
import type { NotConverted } from "./convert.js";

/** Keys of partykit.json that are converted (fully or partly) by planImport. */
const HANDLED = new Set([
  "$schema",
  "name",
  "main",
  "parties",
  "serve",
  "vars",
  "define",
  "compatibilityDate",
  "compatibilityFlags",
  "build",
  "minify",
  "port",
  "persist",
  "placement",
  "observability",
]);

/** Why each PartyKit-cloud-only key cannot be converted, and what to do instead. */
const UNSUPPORTED: Record<string, string> = {
  team: "PartyKit team: deploys go to your own Cloudflare account (set account_id in wrangler.toml if you have several)",
  preview: "PartyKit preview deployments: use wrangler environments ([env.preview]) or `wrangler versions upload`",
  domain: 'custom domain: add routes = [{ pattern = "example.com", custom_domain = true }] to wrangler.toml',
  ai: 'Workers AI: add [ai] binding = "AI" to wrangler.toml and use env.AI instead of room.context.ai',
  logpush: "Logpush: enable it for the Worker in the Cloudflare dashboard (logpush = true in wrangler.toml)",
  tailConsumers: 'tail consumers: add tail_consumers = [{ service = "..." }] to wrangler.toml',
  analytics: "Analytics Engine: add an [[analytics_engine_datasets]] binding to wrangler.toml",
};

/**
 * What of `config` is not converted, and what to write instead; `workerRel` is the Worker entry, for messages.
 *
 * @example
 * ```ts
 * unconvertedKeys(config, "src/worker.ts"); // [{ name: "team", reason: "PartyKit team: deploys go to your own Cloudflare account ..." }]
 * ```
 */
export function unconvertedKeys(config: PartykitConfig, workerRel: string): NotConverted[] {
  const out: NotConverted[] = [];
  for (const [key, value] of Object.entries(config.raw)) {
    if (HANDLED.has(key)) continue;
    if (key === "crons" && value && typeof value === "object") {
      for (const [name, schedule] of Object.entries(value)) {
        out.push({
          name: `crons.${name}`,
          reason: `"${String(schedule)}": roomkit has no onCron; add [triggers] crons = ["${String(schedule)}"] to wrangler.toml and a scheduled() handler to ${workerRel}`,
        });
      }
    } else if (key === "vectorize" && value && typeof value === "object") {
      for (const name of Object.keys(value))
        out.push({ name: `vectorize.${name}`, reason: "add a [[vectorize]] binding to wrangler.toml and use env instead of room.context.vectorize" });
    } else if (key === "bindings" && value && typeof value === "object") {
      for (const [kind, map] of Object.entries(value as Record<string, unknown>)) {
        for (const name of Object.keys((map as Record<string, unknown>) ?? {})) {
          out.push({
            name: `bindings.${kind}.${name}`,
            reason: `declare it in wrangler.toml (${kind === "r2" ? "[[r2_buckets]]" : "[[kv_namespaces]]"} binding = "${name}") and use room.env.${name} instead of room.context.bindings.${kind}.${name}`,
          });
        }
      }
    } else {
      out.push({ name: key, reason: UNSUPPORTED[key] ?? "not a setting roomkit import knows" });
    }
  }
  if (config.persist === false)
    out.push({ name: "persist", reason: "roomkit dev always persists local state (pass --persist-to <tmp dir> for a throwaway state)" });
  return out;
}
