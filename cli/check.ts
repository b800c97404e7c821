/**
 * `roomkit check`: do the entry's exports, wrangler's Durable Object bindings
 * and the migrations agree? Every finding is one line saying what is wrong
 * and exactly what to write to fix it.
 * @module
 */
import path from "node:path";
import { analyzeEntry, rel, type EntryAnalysis, type ExportInfo } from "./entry.js";
import { defaultBindingName, pascalCase } from "./names.js";
import { installedRuntimeDate } from "./runtime.js";
import { serverShape } from "./server-shape.js";
import { CliError, failure } from "./errors.js";
import type { DurableObjectBinding, EnvironmentConfig, Migration, WranglerConfig } from "./wrangler-config.js";

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
type ClassState = { tag: string; sqlite: boolean | undefined };

/** The tag to suggest for a new migration: `v<n+1>` when tags are `v1`, `v2`, ... */
export function nextMigrationTag(migrations: readonly Migration[]): string {
  const tags = new Set(migrations.map((m) => m.tag));
  const numbers = migrations.map((m) => /^v(\d+)$/.exec(m.tag)?.[1]).filter((n): n is string => n !== undefined).map(Number);
  let n = Math.max(migrations.length, ...numbers) + 1;
  while (tags.has(`v${n}`)) n++;
  return `v${n}`;
}

/** What a diagnostic was computed from: an `[env.<name>]` section may share some of it with the top level. */
type Source = "entry" | "bindings" | "migrations" | "compatibility-date";

/** One deployable configuration: the top level, or one `[env.<name>]` with inheritance applied. */
type Target = {
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

type Finding = Diagnostic & { sources: readonly Source[] };

/**
 * Runs every check on the project whose config is `config`: on the top level
 * and on each `[env.<name>]` section. A finding of an environment that comes
 * only from what it inherits (same entry, same migrations) is reported once,
 * for the top level.
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

function topLevel(config: WranglerConfig, cfg: string): Target {
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

function environment(config: WranglerConfig, cfg: string, env: EnvironmentConfig): Target {
  const inherited = new Set<Source>();
  const sameEntry = !env.ownMain || (env.main !== undefined && config.main !== undefined && path.resolve(config.dir, env.main) === path.resolve(config.dir, config.main));
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

async function checkTarget(
  config: WranglerConfig,
  t: Target,
  options: CheckOptions,
  analyze: (file: string) => Promise<EntryAnalysis>,
): Promise<{ findings: Finding[]; parties: PartySummary[]; entry?: EntryAnalysis }> {
  const out: Finding[] = [];
  const error = (code: string, sources: readonly Source[], message: string) => out.push({ severity: "error", code, message, sources });
  const warning = (code: string, sources: readonly Source[], message: string) => out.push({ severity: "warning", code, message, sources });
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
  const entryName = rel(root, entry.file);
  const nextTag = nextMigrationTag(t.migrations);

  // --- migrations, replayed in order ---------------------------------------------------------
  const live = new Map<string, ClassState>();
  const tags = new Set<string>();
  const pendingDeletes: { className: string; tag: string }[] = [];
  t.migrations.forEach((m, i) => {
    if (tags.has(m.tag)) error("duplicate-tag", ["migrations"], `${cfg}: migration tag "${m.tag}" is used twice: every ${t.migrationsTable} entry needs its own tag`);
    tags.add(m.tag);
    const create = (c: string, sqlite: boolean | undefined) => {
      if (live.has(c)) error("duplicate-class", ["migrations"], `${cfg}: migration "${m.tag}" creates class "${c}", which migration "${live.get(c)!.tag}" already created: remove it from migration "${m.tag}"`);
      live.set(c, { tag: m.tag, sqlite });
    };
    m.newSqliteClasses.forEach((c) => create(c, true));
    m.newClasses.forEach((c) => create(c, false));
    for (const t of m.transferredClasses) create(t.to, undefined);
    for (const r of m.renamedClasses) {
      const from = live.get(r.from);
      if (!from) {
        error("unknown-class", ["migrations"], `${cfg}: migration "${m.tag}" renames class "${r.from}", which no earlier migration creates: fix the "from" name`);
        continue;
      }
      live.delete(r.from);
      live.set(r.to, { tag: m.tag, sqlite: from.sqlite });
    }
    for (const c of m.deletedClasses) {
      if (!live.delete(c)) {
        error("unknown-class", ["migrations"], `${cfg}: migration "${m.tag}" deletes class "${c}", which no earlier migration creates: remove it from deleted_classes`);
        continue;
      }
      // Only the newest migration can still be unapplied: older ones ran on an earlier deploy.
      if (i === t.migrations.length - 1) pendingDeletes.push({ className: c, tag: m.tag });
    }
  });

  // --- bindings ↔ exports ------------------------------------------------------------------
  const localBindings = t.bindings.filter((b) => !b.scriptName);
  const seenBindings = new Set<string>();
  for (const b of t.bindings) {
    if (seenBindings.has(b.name)) error("duplicate-binding", ["bindings"], `${cfg}: two Durable Object bindings are named "${b.name}": rename one`);
    seenBindings.add(b.name);
  }
  const exported = entry.exports;
  const isRoomClass = (e: ExportInfo | undefined) => e?.kind === "party" || e?.kind === "durable-object";

  for (const b of localBindings) {
    if (exported.has(b.className)) continue;
    const message = `${cfg}: binding "${b.name}" uses class_name "${b.className}", which ${entryName} does not export: export it (export const ${b.className} = party(YourServer)) or remove the binding`;
    if (entry.opaqueExports) warning("missing-class", ["bindings", "entry"], `${message} (not certain: ${entryName} re-exports a package with export *)`);
    else error("missing-class", ["bindings", "entry"], message);
  }

  for (const [name, info] of exported) {
    if (!isRoomClass(info)) continue;
    if (localBindings.some((b) => b.className === name)) continue;
    const binding = info.binding ?? suggestedBinding(entry, name);
    error(
      "unbound-class",
      ["entry", "bindings"],
      `${info.file}:${info.line} exports ${info.kind === "party" ? "party" : "Durable Object"} class "${name}" but ${cfg} does not bind it${t.bindingsNote}: add ${t.bindingsTable} name = "${binding}" class_name = "${name}"`,
    );
  }

  // --- what each party serves -----------------------------------------------------------------
  for (const [name, info] of exported) {
    if (info.kind !== "party" || !info.server) continue;
    const shape = await serverShape(path.resolve(root, info.file), info.server, root, options.overrides);
    if (shape.kind === "missing") {
      // Typically a build output (PartyKit's Remix example runs dist/index.js): wrangler cannot bundle before the build.
      warning("server-not-built", ["entry"], `${shape.file}:${shape.line}: party class "${name}" serves ${info.server} from ${shape.specifier}, which does not exist: if a build writes it, run the build before roomkit dev or deploy`);
      continue;
    }
    if (shape.kind !== "not-a-server") continue;
    error(
      "not-a-server",
      ["entry"],
      `${info.file}:${info.line}: party class "${name}" serves ${info.server} (${shape.file}:${shape.line}), which is ${shape.what}: a party needs a server class (export default class ... implements Party.Server) or an object of handlers (export default { onConnect(conn, room) {} })`,
    );
  }

  // --- classes ↔ migrations ----------------------------------------------------------------
  const needMigration = new Set<string>([...localBindings.map((b) => b.className), ...[...exported].filter(([, e]) => isRoomClass(e)).map(([n]) => n)]);
  for (const c of needMigration) {
    if (live.has(c)) continue;
    if (t.migrations.some((m) => m.deletedClasses.includes(c))) {
      const bound = localBindings.find((b) => b.className === c);
      error("deleted-but-used", ["migrations", bound ? "bindings" : "entry"], `${cfg}: class "${c}" is deleted by a migration but still ${bound ? `bound as "${bound.name}"` : `exported by ${entryName}`}: remove it from deleted_classes, or stop using it`);
      continue;
    }
    error("missing-migration", ["migrations", exported.has(c) ? "entry" : "bindings"], `${cfg}: class "${c}" has no migration: add ${t.migrationsTable} tag = "${nextTag}" new_sqlite_classes = ["${c}"]`);
  }

  for (const [c, state] of live) {
    if (exported.has(c) || entry.opaqueExports) continue;
    error(
      "orphaned-class",
      ["migrations", "entry"],
      `${cfg}: class "${c}" (created by migration "${state.tag}") may hold stored rooms, but ${entryName} no longer exports it and Cloudflare refuses such a deploy: export it again, rename it (renamed_classes = [{ from = "${c}", to = "NewName" }]), or delete its data on purpose (deleted_classes = ["${c}"] in a new migration, then roomkit deploy --allow-delete ${c})`,
    );
  }

  const allowed = new Set(options.allowDelete ?? []);
  for (const d of pendingDeletes) {
    if (allowed.has(d.className)) {
      warning("pending-delete", ["migrations"], `${cfg}: migration "${d.tag}" deletes class "${d.className}" and every room stored in it (allowed by --allow-delete)`);
    } else {
      error(
        "pending-delete",
        ["migrations"],
        `${cfg}: migration "${d.tag}" deletes class "${d.className}" and every room stored in it, permanently: if that is intended, run again with --allow-delete ${d.className}; otherwise remove "${d.className}" from deleted_classes`,
      );
    }
  }

  for (const [c, state] of live) {
    if (state.sqlite !== false) continue;
    const message = `${cfg}: class "${c}" uses the key-value storage backend (new_classes in migration "${state.tag}"); roomkit rooms need SQLite storage: use new_sqlite_classes = ["${c}"] (a class already deployed with new_classes cannot be converted: create a new class and move its rooms)`;
    if (exported.get(c)?.kind === "party" || !exported.has(c)) error("kv-storage", ["migrations", "entry"], message);
    else warning("kv-storage", ["migrations", "entry"], message);
  }

  // --- createWorker({ party: Class }) ------------------------------------------------------------
  const parties: { party: string; className: string; binding: string }[] = [];
  if (!entry.worker) {
    warning("no-worker", ["entry"], `${entryName} has no export default createWorker({...}): party names and bindings cannot be cross-checked`);
  } else {
    const routed = new Set<string>();
    for (const p of entry.worker.parties) {
      if (p.inline) {
        error("party-not-exported", ["entry"], `${entryName}:${p.line}: party "${p.name}" is an inline ${p.expression.split("(")[0]}(...) call; Durable Object classes must be exported by name: export const ${pascalCase(p.name)} = ${p.expression} and use { ${p.name}: ${pascalCase(p.name)} }`);
        continue;
      }
      if (!p.exportName) {
        error("party-not-exported", ["entry"], `${entryName}:${p.line}: createWorker({ ${p.name}: ${p.expression} }): ${p.expression} is not exported by ${entryName}, so wrangler cannot bind it: export it (export const ${p.expression} = party(...))`);
        continue;
      }
      routed.add(p.exportName);
      const info = exported.get(p.exportName)!;
      if (info.kind !== "party" && info.kind !== "external") {
        error("not-a-party", ["entry"], `${entryName}:${p.line}: createWorker({ ${p.name}: ${p.exportName} }): ${p.exportName} is not made by party(): write export const ${p.exportName} = party(YourServer)`);
        continue;
      }
      const expected = info.binding ?? defaultBindingName(p.name);
      parties.push({ party: p.name, className: p.exportName, binding: expected });
      const byName = localBindings.find((b) => b.name === expected);
      const ofClass = localBindings.filter((b) => b.className === p.exportName);
      if (byName && byName.className !== p.exportName) {
        error("binding-mismatch", ["entry", "bindings"], `${cfg}: binding "${expected}" uses class_name "${byName.className}", but party "${p.name}" (createWorker) is class "${p.exportName}": set class_name = "${p.exportName}"`);
      } else if (!byName && ofClass.length > 0) {
        const actual = ofClass[0]!.name;
        error(
          "binding-mismatch",
          ["entry", "bindings"],
          `party "${p.name}" looks for binding "${expected}", but ${cfg} binds class "${p.exportName}" as "${actual}": rename the binding to "${expected}", or write party(${info.server ?? "YourServer"}, { binding: "${actual}" })`,
        );
      }
    }
    for (const [name, info] of exported) {
      if (info.kind === "party" && !routed.has(name) && !entry.worker.hasSpread) {
        warning("unrouted-party", ["entry"], `${info.file}:${info.line}: party class "${name}" is exported but createWorker() does not route to it: add ${name[0]!.toLowerCase() + name.slice(1)}: ${name} to createWorker({...})`);
      }
    }
  }

  // --- runtime ----------------------------------------------------------------------------------
  const supported = installedRuntimeDate(root);
  if (t.compatibilityDate && supported && t.compatibilityDate > supported) {
    warning(
      "compatibility-date",
      ["compatibility-date"],
      `${cfg}: compatibility_date "${t.compatibilityDate}" is newer than the installed Workers runtime supports ("${supported}"): tests will not start; set compatibility_date = "${supported}" or update wrangler`,
    );
  }

  return { findings: out, parties, entry };
}

/** The binding to suggest for an unbound class: the one createWorker() expects if it routes the class. */
function suggestedBinding(entry: EntryAnalysis, className: string): string {
  const routed = entry.worker?.parties.find((p) => p.exportName === className);
  if (routed) return entry.exports.get(className)?.binding ?? defaultBindingName(routed.name);
  return defaultBindingName(className);
}
