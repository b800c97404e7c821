/**
 * The deployable configurations of a wrangler config: the top level, and each
 * `[env.<name>]` with wrangler's inheritance applied (and what it inherits,
 * so that findings about shared parts are reported once).
 * @module
 */
import path from "node:path";
import type { EnvironmentConfig, WranglerConfig } from "../wrangler-config.js";
import type { Source, Target } from "./types.js";

/**
 * The top level of `config` as a target.
 *
 * @example
 * ```ts
 * topLevel(config, "wrangler.toml").bindingsTable; // "[[durable_objects.bindings]]"
 * ```
 */
export function topLevel(config: WranglerConfig, cfg: string): Target {
  return {
    label: cfg,
    main: config.main,
    compatibilityDate: config.compatibilityDate,
    bindings: config.bindings,
    migrations: config.migrations,
    bindingsTable: "[[durable_objects.bindings]]",
    migrationsTable: "[[migrations]]",
    bindingsNote: "",
    inherited: new Set(),
  };
}

/**
 * `[env.<name>]` of `config` as a target.
 *
 * @example
 * ```ts
 * environment(config, "wrangler.toml", config.envs[0]).label; // "wrangler.toml [env.staging]"
 * ```
 */
export function environment(config: WranglerConfig, cfg: string, env: EnvironmentConfig): Target {
  const inherited = new Set<Source>();
  const sameEntry =
    !env.ownMain || (env.main !== undefined && config.main !== undefined && path.resolve(config.dir, env.main) === path.resolve(config.dir, config.main));
  if (sameEntry) inherited.add("entry");
  if (!env.ownMigrations) inherited.add("migrations");
  if (!env.ownCompatibilityDate || env.compatibilityDate === config.compatibilityDate) inherited.add("compatibility-date");
  const key = /^[A-Za-z0-9_-]+$/.test(env.name) ? env.name : JSON.stringify(env.name);
  return {
    label: `${cfg} [env.${key}]`,
    env: env.name,
    main: env.main,
    compatibilityDate: env.compatibilityDate,
    bindings: env.bindings,
    migrations: env.migrations,
    bindingsTable: `[[env.${key}.durable_objects.bindings]]`,
    // An environment without its own migrations uses the top level's: that is where a fix goes.
    migrationsTable: env.ownMigrations ? `[[env.${key}.migrations]]` : "[[migrations]]",
    bindingsNote: !env.ownBindings && config.bindings.length > 0 ? ` (environments do not inherit durable_objects from the top level)` : "",
    inherited,
  };
}
