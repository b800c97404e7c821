/**
 * Plans the conversion of a PartyKit project into a roomkit project: every
 * file to write, what was converted, and every feature that was not.
 * Nothing is written here.
 * @module
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "smol-toml";
import { failure } from "../errors.js";
import type { FileWrite } from "../fs.js";
import { defaultBindingName, isIdentifier, pascalCase } from "../names.js";
import type { ClientConfig } from "../client.js";
import type { PartykitConfig, ServeBuild } from "./config.js";
import { serverShape } from "../server-shape.js";
import { planWatch } from "./build-watch.js";
import { wranglerPeerConflicts } from "./peers.js";
import { rewriteScripts } from "./scripts.js";
import { scanSources, sourceFiles } from "./sources.js";
import { unconvertedKeys } from "./unconverted-keys.js";
import { setJsonValue } from "../json-edit.js";
import { relPosix } from "../paths.js";

/** One thing `roomkit import` did not convert, by name. */
export type NotConverted = { name: string; reason: string };

export type ImportPlan = {
  /** Paths relative to the project root. */
  files: FileWrite[];
  /** What was done, one line each. */
  done: string[];
  notConverted: NotConverted[];
  /** Why the converted project cannot start: import writes nothing and exits non-zero. */
  blockers: string[];
  workerEntry: string;
};

export type PlanInput = {
  root: string;
  config: PartykitConfig;
  projectName: string;
  compatibilityDate: string;
  roomkitVersion: string;
  wranglerVersion: string;
  /** Where the project's node_modules are, when `root` is a copy without them (`--out`). Default: `root`. */
  installedAt?: string;
};

/**
 * Plans the conversion of the PartyKit project at `input.root`: the files to write, what was
 * done, what was not converted, and the blockers that would keep it from starting.
 *
 * @example
 * ```ts
 * const plan = await planImport({ root, config: await readPartykitConfig(root), projectName: "app", compatibilityDate, roomkitVersion, wranglerVersion });
 * if (plan.blockers.length === 0) await writeFilesAtomically(plan.files);
 * ```
 */
export async function planImport(input: PlanInput): Promise<ImportPlan> {
  const { root, config } = input;
  const files: FileWrite[] = [];
  const done: string[] = [];
  const notConverted: NotConverted[] = [];
  const blockers: string[] = [];

  // --- parties → worker entry --------------------------------------------------------------------
  const parties = [["main", config.main] as const, ...Object.entries(config.parties)];
  const usedNames = new Set<string>();
  const unique = (base: string) => {
    let name = base;
    for (let i = 2; usedNames.has(name); i++) name = `${base}${i}`;
    usedNames.add(name);
    return name;
  };
  // A main written by a build (dist/index.js) gets its Worker entry at the root, where a rebuild cannot erase it.
  const mainDir = config.mainIsBuildOutput ? root : path.dirname(path.join(root, config.main));
  const ts = !/\.(m?js|jsx)$/.test(config.main);
  const workerFile = [`worker.${ts ? "ts" : "js"}`, `roomkit-worker.${ts ? "ts" : "js"}`].map((f) => path.join(mainDir, f)).find((f) => !existsSync(f));
  if (!workerFile) throw failure(`both worker.${ts ? "ts" : "js"} and roomkit-worker.${ts ? "ts" : "js"} already exist next to ${config.main}`);

  const entries = parties.map(([party, file]) => {
    const className = unique(pascalCase(party) || "Party");
    const serverName = unique(`${className}Server`);
    let spec = relPosix(path.dirname(workerFile), path.join(root, file));
    if (!spec.startsWith(".")) spec = `./${spec}`;
    spec = spec.replace(/\.(tsx?|mts)$/, "");
    return { party, file, className, serverName, spec, binding: defaultBindingName(party) };
  });

  // Classes and PartyKit's object syntax are both wired with party(); anything else cannot start.
  const objectParties: string[] = [];
  for (const e of entries) {
    if (e.party === "main" && config.mainIsBuildOutput) continue;
    const shape = await serverShape(path.join(root, e.file), "*default*", root);
    if (shape.kind === "object") objectParties.push(e.party);
    if (shape.kind === "not-a-server") {
      blockers.push(
        `party "${e.party}": the default export of ${e.file} (${shape.file}:${shape.line}) is ${shape.what}; PartyKit and roomkit serve a class (export default class ... implements Party.Server) or an object of handlers (export default { onConnect(conn, room) {} })`,
      );
    }
  }
  if (objectParties.length > 0)
    done.push(`object-syntax server${objectParties.length === 1 ? "" : "s"} (${objectParties.join(", ")}): wired with party() like a class`);
  if (config.mainIsBuildOutput) {
    const how = config.buildScript !== undefined ? "npm run build" : `the build command (${config.build!.command})`;
    done.push(
      `main ${config.main} is a build output: run ${how} before roomkit dev/check/deploy (the dev and deploy scripts do it); the Worker entry is ${relPosix(root, workerFile)}, outside the build's output`,
    );
  }

  const header = `// Generated by \`roomkit import\` from partykit.json: the Worker entry PartyKit
// used to provide. Each party is a Durable Object class bound in wrangler.toml.
// This file is yours now: edit it freely, \`roomkit check\` keeps it honest.
`;
  const workerText =
    header +
    `import { createWorker, party } from "roomkit";\n` +
    entries.map((e) => `import ${e.serverName} from "${e.spec}";\n`).join("") +
    "\n" +
    entries.map((e) => `export const ${e.className} = party(${e.serverName});\n`).join("") +
    `\nexport default createWorker({ ${entries.map((e) => `${isIdentifier(e.party) ? e.party : JSON.stringify(e.party)}: ${e.className}`).join(", ")} });\n`;
  const workerRel = relPosix(root, workerFile);
  files.push({ path: workerFile, content: workerText });
  done.push(`${workerRel}: Worker entry, ${entries.map((e) => `${e.party} → ${e.className}`).join(", ")}`);

  // --- package.json scripts: partykit → roomkit; their --var/--define values -----------------------
  const pkgFile = path.join(root, "package.json");
  const pkgExists = existsSync(pkgFile);
  let pkgText = pkgExists ? await readFile(pkgFile, "utf8") : `{\n  "name": ${JSON.stringify(input.projectName)},\n  "private": true,\n  "type": "module"\n}\n`;
  const pkg = JSON.parse(pkgText) as { scripts?: Record<string, string>; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const firstPass = rewriteScripts(pkg.scripts ?? {});
  // A name the scripts passing it agree on goes into wrangler.toml (and the client build), as if partykit.json had it;
  // one that differs between scripts stays a flag of that script.
  const agreed = (byScript: Map<string, Record<string, string>>) => {
    const values: Record<string, string> = {};
    const differing = new Set<string>();
    for (const map of byScript.values()) {
      for (const [k, v] of Object.entries(map)) {
        if (k in values && values[k] !== v) differing.add(k);
        values[k] = v;
      }
    }
    for (const k of differing) delete values[k];
    return { values, differing };
  };
  const scriptVars = agreed(firstPass.vars);
  const scriptDefines = agreed(firstPass.defines);
  // partykit.json's port and persist directory apply to every `partykit dev`.
  const devFlags = [
    ...(config.port && config.port !== 1999 ? ["--port", String(config.port)] : []),
    ...(typeof config.persist === "string" ? ["--persist-to", JSON.stringify(config.persist)] : []),
  ];
  const scriptsRewrite = rewriteScripts(pkg.scripts ?? {}, (script, command) => [
    ...(command === "roomkit dev" ? devFlags : []),
    ...Object.entries(firstPass.vars.get(script) ?? {})
      .filter(([k]) => scriptVars.differing.has(k))
      .flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ...Object.entries(firstPass.defines.get(script) ?? {})
      .filter(([k]) => scriptDefines.differing.has(k))
      .flatMap(([k, v]) => ["--define", `${k}:${v}`]),
  ]);
  const vars = { ...config.vars, ...scriptVars.values };
  const defines = { ...config.define, ...scriptDefines.values };
  if (Object.keys(scriptVars.values).length > 0) done.push(`--var in scripts → [vars] (${Object.keys(scriptVars.values).join(", ")})`);
  if (Object.keys(scriptDefines.values).length > 0)
    done.push(`--define in scripts → [define] and the client build (${Object.keys(scriptDefines.values).join(", ")})`);
  if (scriptDefines.differing.size > 0) {
    notConverted.push({
      name: `--define ${[...scriptDefines.differing].join(", ")}`,
      reason:
        "differs between scripts: kept as wrangler --define flags of each script, which reach the server but not the client build; put the client's value in package.json roomkit.client.define",
    });
  }

  // --- wrangler.toml -------------------------------------------------------------------------------
  const toml: string[] = [
    "# Generated by `roomkit import` from partykit.json.",
    `name = ${JSON.stringify(input.projectName)}`,
    `main = ${JSON.stringify(workerRel)}`,
    `compatibility_date = ${JSON.stringify(input.compatibilityDate)}`,
    `compatibility_flags = ${tomlList([...new Set(["nodejs_compat", ...(config.compatibilityFlags ?? [])])])}`,
  ];
  if (config.compatibilityDate && config.compatibilityDate !== input.compatibilityDate) {
    done.push(
      `compatibilityDate ${config.compatibilityDate} → ${input.compatibilityDate} (roomkit runs on a current Workers runtime; review https://developers.cloudflare.com/workers/configuration/compatibility-flags/)`,
    );
  }
  if (config.compatibilityFlags?.length) done.push(`compatibilityFlags → compatibility_flags (${config.compatibilityFlags.join(", ")})`);
  if (config.minify) {
    toml.push("minify = true");
    done.push("minify → minify = true");
  }
  if (config.port) done.push(`port ${config.port} → [dev] port and roomkit dev --port ${config.port}`);
  if (typeof config.persist === "string") done.push(`persist "${config.persist}" → roomkit dev --persist-to`);
  const sections: { define?: Record<string, string> } & Record<string, unknown> = {};
  toml.push("", "[dev]", `port = ${config.port ?? 1999}`);
  if (Object.keys(vars).length > 0) {
    sections.vars = vars;
    if (config.vars && Object.keys(config.vars).length > 0) done.push(`vars → [vars] (${Object.keys(config.vars).join(", ")})`);
  }
  // PartyKit defined its globals in the server bundle too (partykit dev: PARTYKIT_HOST = "127.0.0.1:<port>").
  const devHost = `localhost:${config.port ?? 1999}`;
  sections.define = { PARTYKIT_HOST: JSON.stringify(devHost), PARTYKIT_API_BASE: JSON.stringify("https://api.partykit.dev"), ...defines };
  if (config.define && Object.keys(config.define).length > 0) done.push(`define → [define] (${Object.keys(config.define).join(", ")})`);
  // `--with-env` made every .env variable a global; wrangler dev loads .env into process.env, so each global reads it there.
  if (scriptsRewrite.withEnv) {
    const keys = (await dotenvKeys(root)).filter((k) => !(k in sections.define!));
    for (const k of keys) (sections.define as Record<string, string>)[k] = `process.env.${k}`;
    if (keys.length > 0)
      done.push(
        `--with-env: the .env variables (${keys.join(", ")}) → [define] KEY = "process.env.KEY" (wrangler dev loads .env; copy .env.example to .env if you have not)`,
      );
  }
  done.push(`PARTYKIT_HOST in server code → [define] "${devHost}" (as partykit dev defined it); the client build uses location.host`);
  if (config.build?.alias) {
    sections.alias = config.build.alias;
    done.push("build.alias → [alias]");
  }
  if (config.placement) {
    sections.placement = { mode: config.placement.mode };
    done.push(`placement → [placement] mode = "${config.placement.mode}"`);
  }
  if (config.observability) {
    sections.observability = config.observability;
    done.push("observability → [observability]");
  }
  if (Object.keys(sections).length > 0) toml.push("", stringify(sections).trim());

  if (config.build?.command) {
    const build: string[] = [
      "",
      "# Runs before `wrangler dev` / `wrangler deploy` (was partykit.json build).",
      "[build]",
      `command = ${JSON.stringify(config.build.command)}`,
    ];
    if (config.build.cwd) build.push(`cwd = ${JSON.stringify(config.build.cwd)}`);
    if (config.build.watch) build.push(`watch_dir = ${JSON.stringify(config.build.watch)}`);
    else {
      const watch = planWatch(root, config.build.command, config.build.cwd);
      if (watch.kind === "inputs") {
        build.push(
          `# The command writes ${watch.outputs.join(", ")} into src/: watching only its inputs keeps wrangler dev from rebuilding forever.`,
          `watch_dir = ${tomlList(watch.watchDir)}`,
        );
        done.push(
          `build.command writes ${watch.outputs.join(", ")} inside src/ (wrangler dev's default watch_dir): [build] watch_dir = ${tomlList(watch.watchDir)}, so a build does not start another`,
        );
      } else if (watch.kind === "warn") {
        notConverted.push({ name: "build.command", reason: watch.message });
      }
    }
    toml.push(...build);
    done.push("build.command → [build] command");
  }

  // --- static assets and the client build ---------------------------------------------------------
  let client: ClientConfig | undefined;
  const serve = config.serve;
  let assetsDir: string | undefined;
  if (serve) {
    assetsDir = serve.path;
    if (assetsDir) {
      // binding = "ASSETS" is what room.context.assets / lobby.assets read.
      const assets = [
        "",
        "# The static client, served by the same Worker as the rooms.",
        "[assets]",
        `directory = ${JSON.stringify("./" + assetsDir.replace(/^\.\//, ""))}`,
        'binding = "ASSETS"',
      ];
      if (serve.singlePageApp) {
        assets.push(
          'not_found_handling = "single-page-application"',
          "# Party URLs always reach the Worker, never the SPA fallback.",
          'run_worker_first = ["/parties/*", "/party/*"]',
        );
      }
      toml.push(...assets);
      done.push(`serve → [assets] directory = "${assetsDir}"${serve.singlePageApp ? " (single-page app)" : ""}`);
    }
    for (const key of ["browserTTL", "edgeTTL", "include", "exclude"] as const) {
      if (serve[key] !== undefined)
        notConverted.push({
          name: `serve.${key}`,
          reason: "asset caching/filtering is not configurable this way on Workers static assets: use a _headers file in the assets directory",
        });
    }
    if (serve.build) {
      const b: ServeBuild = typeof serve.build === "string" ? { entry: serve.build } : serve.build;
      if (!b.entry) {
        notConverted.push({ name: "serve.build", reason: "it has no entry: nothing to build" });
      } else if (!assetsDir && !b.outdir) {
        notConverted.push({ name: "serve.build", reason: "it has neither serve.path nor serve.build.outdir: no place to put the bundle" });
      } else {
        client = {
          entry: b.entry,
          outdir: b.outdir ?? `${assetsDir!.replace(/\/$/, "")}/dist`,
          // PARTYKIT_HOST was injected by PartyKit; the page and the rooms now share one host.
          define: { PARTYKIT_HOST: "location.host", ...defines, ...b.define },
          // PartyKit's build splits code by default (ESM only; esbuild refuses splitting otherwise).
          ...((b.format ?? "esm") === "esm" ? { splitting: b.splitting ?? true } : {}),
          ...(b.minify !== undefined ? { minify: b.minify } : {}),
          ...(b.format ? { format: b.format } : {}),
          ...(b.sourcemap !== undefined ? { sourcemap: b.sourcemap } : {}),
          ...(b.external ? { external: b.external } : {}),
          ...(b.alias ? { alias: b.alias } : {}),
          ...(b.loader ? { loader: b.loader as ClientConfig["loader"] } : {}),
        };
        done.push(`serve.build → package.json roomkit.client (${[b.entry].flat().join(", ")} → ${client.outdir}; PARTYKIT_HOST = location.host)`);
        if (b.live) notConverted.push({ name: "serve.build.live", reason: "live reload is not provided: reload the page after a rebuild" });
        if (b.bundle === false) notConverted.push({ name: "serve.build.bundle", reason: "roomkit always bundles the client" });
      }
    }
  }

  toml.push(
    "",
    "# One Durable Object class per party, each with a SQLite-backed migration.",
    ...entries.flatMap((e) => ["[[durable_objects.bindings]]", `name = ${JSON.stringify(e.binding)}`, `class_name = ${JSON.stringify(e.className)}`, ""]),
    "[[migrations]]",
    'tag = "v1"',
    `new_sqlite_classes = ${tomlList(entries.map((e) => e.className))}`,
    "",
  );
  files.push({ path: path.join(root, "wrangler.toml"), content: toml.join("\n") });
  done.push(
    `wrangler.toml: ${entries.length} Durable Object binding${entries.length === 1 ? "" : "s"} (${entries.map((e) => e.binding).join(", ")}), migration v1`,
  );

  // --- keys that cannot be converted ---------------------------------------------------------------
  notConverted.push(...unconvertedKeys(config, workerRel));

  // --- package.json ---------------------------------------------------------------------------------
  const set = (p: (string | number)[], v: unknown) => (pkgText = setJsonValue(pkgText, p, v));
  for (const [name, script] of Object.entries(scriptsRewrite.scripts)) if (script !== pkg.scripts?.[name]) set(["scripts", name], script);
  done.push(...scriptsRewrite.done);
  notConverted.push(...scriptsRewrite.notConverted);
  // A main written by the build needs the build first.
  const buildFirst = config.mainIsBuildOutput ? (config.buildScript !== undefined ? "npm run build && " : `${config.build!.command} && `) : "";
  const added: string[] = [];
  for (const [name, command] of [
    ["dev", `${buildFirst}${["roomkit dev", ...devFlags].join(" ")}`],
    ["deploy", `${buildFirst}roomkit deploy`],
    ["check", `${buildFirst}roomkit check`],
  ] as const) {
    const current = pkg.scripts?.[name];
    if (current === undefined) {
      set(["scripts", name], command);
      added.push(name);
    } else if (name !== "check" && !/\bpartykit\b/.test(current)) {
      notConverted.push({ name: `package.json scripts.${name}`, reason: `kept as "${current}"; roomkit's is "${command}"` });
    }
  }
  set(["dependencies", "roomkit"], `^${input.roomkitVersion}`);
  // The roomkit command the scripts run: a devDependency, so none of its tools reach the Worker's dependencies.
  if (!pkg.devDependencies?.["roomkit-cli"]) set(["devDependencies", "roomkit-cli"], `^${input.roomkitVersion}`);
  if (!pkg.devDependencies?.wrangler && !pkg.dependencies?.wrangler) set(["devDependencies", "wrangler"], `^${input.wranglerVersion}`);
  // Packages that want an older wrangler as a peer would make npm install fail with ERESOLVE.
  const wranglerMajor = Number(/\d+/.exec(input.wranglerVersion)![0]);
  const conflicts = wranglerPeerConflicts(
    input.installedAt ?? root,
    [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})],
    wranglerMajor,
  );
  for (const c of conflicts) {
    set(["overrides", c.name, "wrangler"], "$wrangler");
    done.push(
      `package.json overrides: ${c.name} asks for wrangler ${c.range} as a peer; roomkit needs wrangler ${wranglerMajor}, so its peer follows the project's wrangler (without this npm install fails with ERESOLVE)`,
    );
  }
  if (client) set(["roomkit", "client"], client);
  files.push({ path: pkgFile, content: pkgText.endsWith("\n") ? pkgText : pkgText + "\n" });
  done.push(
    `package.json: ${added.length ? `+ scripts ${added.join(", ")}; ` : ""}+ roomkit, + roomkit-cli (dev)${pkg.devDependencies?.wrangler || pkg.dependencies?.wrangler ? "" : ", + wrangler"}${pkgExists ? "" : " (new file)"}`,
  );
  if (pkg.dependencies?.partykit || pkg.devDependencies?.partykit) done.push("partykit stays in package.json until you remove it (npm uninstall partykit)");

  // --- sources ------------------------------------------------------------------------------------
  const skip = [assetsDir, client?.outdir].filter((d): d is string => Boolean(d));
  const scan = await scanSources(root, await sourceFiles(root, skip));
  for (const r of scan.rewrites) {
    files.push({ path: r.file, content: r.text });
    done.push(`${relPosix(root, r.file)}: "partykit/server" → "roomkit" (${r.replaced}×)`);
  }
  for (const l of scan.legacyTypes) {
    done.push(
      `${l.file}: PartyKit's deprecated types ${l.names.join(", ")} kept (roomkit has them as deprecated aliases; prefer Party.Server, Party.Connection, Party.Room, ...)`,
    );
  }
  for (const f of scan.findings) notConverted.push({ name: f.feature, reason: `${f.where}: ${f.hint}` });
  for (const u of scan.unparsed) notConverted.push({ name: u, reason: "could not be parsed: switch its partykit/server imports to roomkit by hand" });

  // Server code that reads PARTYKIT_HOST gets the dev host from [define]; a deploy needs the real one.
  for (const e of entries) {
    const file = path.join(root, e.file);
    if (existsSync(file) && /\bPARTYKIT_HOST\b/.test(await readFile(file, "utf8"))) {
      notConverted.push({
        name: `PARTYKIT_HOST in ${e.file}`,
        reason: `it is "${devHost}" in roomkit dev; for a deploy set [define] PARTYKIT_HOST = '"<your Worker's host>"' in wrangler.toml (an [env.<name>.define] section per environment)`,
      });
    }
  }

  return { files, done, notConverted: dedupe(notConverted), blockers, workerEntry: workerRel };
}

/** The variable names of the project's .env files (.env.example when there is no .env yet), for `--with-env`. */
async function dotenvKeys(root: string): Promise<string[]> {
  const keys = new Set<string>();
  for (const name of [".env", ".env.local", ".env.example"]) {
    const file = path.join(root, name);
    if (!existsSync(file)) continue;
    for (const line of (await readFile(file, "utf8")).split("\n")) {
      const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
      if (m) keys.add(m[1]!);
    }
  }
  return [...keys];
}

function tomlList(items: string[]): string {
  return `[${items.map((i) => JSON.stringify(i)).join(", ")}]`;
}

function dedupe(items: NotConverted[]): NotConverted[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const key = `${i.name}\u0000${i.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
