/**
 * What `roomkit check` reports and what each rule sees: one deployable
 * configuration (a target), its analysed entry and its replayed migrations.
 * @module
 */
import type { EntryAnalysis, ExportInfo } from "../entry.js";
import type { DurableObjectBinding, Migration } from "../wrangler-config.js";

export type Severity = "error" | "warning";

/** One finding. `code` is stable (documented in docs/cli.md). */
export type Diagnostic = { severity: Severity; code: string; message: string };

/** A party as `createWorker()` routes it. */
export type PartySummary = { party: string; className: string; binding: string };

export type CheckResult = {
  diagnostics: Diagnostic[];
  parties: PartySummary[];
  entry?: EntryAnalysis;
};

export type CheckOptions = {
  /** Classes whose deletion by the newest migration is intended (`--allow-delete`). */
  allowDelete?: readonly string[];
  /** Source contents not yet written to disk (absolute path → text). */
  overrides?: ReadonlyMap<string, string>;
};

/** What the migrations leave alive, in order. */
export type ClassState = { tag: string; sqlite: boolean | undefined };

/** What a diagnostic was computed from: an `[env.<name>]` section may share some of it with the top level. */
export type Source = "entry" | "bindings" | "migrations" | "compatibility-date";

/** One deployable configuration: the top level, or one `[env.<name>]` with inheritance applied. */
export type Target = {
  /** How messages name it: `wrangler.toml`, or `wrangler.toml [env.staging]`. */
  label: string;
  /** The environment's name; undefined for the top level. */
  env?: string;
  main?: string;
  compatibilityDate?: string;
  bindings: DurableObjectBinding[];
  migrations: Migration[];
  /** The table headers a fix should use. */
  bindingsTable: string;
  migrationsTable: string;
  /** Added to `unbound-class` messages (environments do not inherit bindings). */
  bindingsNote: string;
  /** What this target takes unchanged from the top level. */
  inherited: ReadonlySet<Source>;
};

/** A diagnostic with what it was computed from. */
export type Finding = Diagnostic & { sources: readonly Source[] };

/** Everything a rule reads, and how it reports. */
export type RuleContext = {
  target: Target;
  /** How messages name the configuration (`wrangler.toml`, `wrangler.toml [env.x]`). */
  cfg: string;
  /** The project directory. */
  root: string;
  options: CheckOptions;
  entry: EntryAnalysis;
  /** The entry, project-relative, for messages. */
  entryName: string;
  exported: Map<string, ExportInfo>;
  /** Bindings to classes of this Worker (not `script_name` ones). */
  localBindings: DurableObjectBinding[];
  /** Classes alive after every migration. */
  live: Map<string, ClassState>;
  /** Deletions by the newest migration (not applied yet on a deployed Worker). */
  pendingDeletes: { className: string; tag: string }[];
  /** The tag a new migration should get. */
  nextTag: string;
  /** The parties createWorker() routes (filled by the worker-routes rule). */
  parties: PartySummary[];
  error(code: string, sources: readonly Source[], message: string): void;
  warning(code: string, sources: readonly Source[], message: string): void;
};

/** One check: reads the context, reports findings. */
export type Rule = (ctx: RuleContext) => void | Promise<void>;

/**
 * Whether an export is a class wrangler must bind: a party or another Durable Object.
 *
 * @example
 * ```ts
 * isRoomClass(entry.exports.get("Main")); // true for export const Main = party(Counter)
 * ```
 */
export function isRoomClass(e: ExportInfo | undefined): boolean {
  return e?.kind === "party" || e?.kind === "durable-object";
}
