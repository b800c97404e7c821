/**
 * package.json scripts that run the `partykit` CLI, rewritten to roomkit
 * (or wrangler) keeping the rest of each script (`npm run build && partykit
 * deploy`, `remix dev -c "partykit dev"`). The `--var` / `--define` values
 * they pass are collected so they can be carried into wrangler.toml.
 * @module
 */
import type { NotConverted } from "./convert.js";

/** What rewriting one project's scripts produced. */
export type ScriptsRewrite = {
  /** Every script, rewritten where it ran `partykit`. */
  scripts: Record<string, string>;
  /** `scripts.start: "partykit dev --live" → "roomkit dev"`, one line each. */
  done: string[];
  notConverted: NotConverted[];
  /** `--var` and `--define` values, by script; the caller decides where they go. */
  vars: Map<string, Record<string, string>>;
  defines: Map<string, Record<string, string>>;
  /** Some script passed `--with-env` (PartyKit then defined every .env variable as a global). */
  withEnv: boolean;
};

/** The options of `partykit dev` / `partykit deploy` that take values (commander's variadic ones take several). */
const VARIADIC = new Set(["--var", "-v", "--define", "-d", "--compatibility-flags", "--tail-consumer"]);
const WITH_VALUE = new Set([
  "-p",
  "--port",
  "--serve",
  "-c",
  "--config",
  "--compatibility-date",
  "-n",
  "--name",
  "--preview",
  "--domain",
  "--https-key-path",
  "--https-cert-path",
  "--unstable_outdir",
]);

/** What each `partykit` flag without a roomkit equivalent means, and what to do instead. */
const DROPPED: Record<string, string> = {
  "--live": "live reload is not provided: reload the page after a rebuild (roomkit dev rebuilds the client on change)",
  "--with-env": "wrangler dev reads .env into env and process.env itself; for deploys set the values with `wrangler secret put <NAME>`",
  "--with-vars": "[vars] in wrangler.toml are always deployed; secrets: `wrangler secret put <NAME>`",
  "--verbose": "wrangler prints its own logs; use `roomkit dev -- --log-level debug` for more",
  "--no-hotkeys": "roomkit dev has no hotkeys",
  "--disable-request-cf-fetch": "wrangler dev fills request.cf from a local stub; nothing to disable",
  "--minify": "set minify = true in wrangler.toml",
  "--https": "wrangler dev serves https with `roomkit dev -- --local-protocol https`",
  "--https-key-path": "use `roomkit dev -- --https-key-path <file>`",
  "--https-cert-path": "use `roomkit dev -- --https-cert-path <file>`",
  "-c": "roomkit reads wrangler.toml (converted from partykit.json)",
  "--config": "roomkit reads wrangler.toml (converted from partykit.json)",
  "--serve": "the assets directory is [assets] directory in wrangler.toml",
  "--compatibility-date": "set compatibility_date in wrangler.toml",
  "--compatibility-flags": "set compatibility_flags in wrangler.toml",
  "--preview": "PartyKit preview deployments: use a wrangler environment (`roomkit deploy -- --env <name>` with an [env.<name>] section)",
  "--domain": 'add routes = [{ pattern = "<domain>", custom_domain = true }] to wrangler.toml',
  "--tail-consumer": 'add tail_consumers = [{ service = "<worker>" }] to wrangler.toml',
  "--unstable_outdir": "use `roomkit deploy -- --dry-run --outdir <dir>` to see the bundle",
  "-f": "wrangler asks for confirmation only in a terminal",
  "--force": "wrangler asks for confirmation only in a terminal",
};

/** `partykit <subcommand>` → its replacement; undefined: nothing equivalent (the script is kept and reported). */
const SUBCOMMANDS: Record<string, string | undefined> = {
  dev: "roomkit dev",
  deploy: "roomkit deploy",
  publish: "roomkit deploy",
  delete: "wrangler delete",
  tail: "wrangler tail",
  login: "wrangler login",
  logout: "wrangler logout",
  whoami: "wrangler whoami",
};

const ENV_SUBCOMMANDS: Record<string, string> = {
  add: "wrangler secret put",
  remove: "wrangler secret delete",
  list: "wrangler secret list",
};

/** `partykit` as a command word (optionally via npx/pnpm/yarn/bunx), and where its arguments end. */
const INVOCATION =
  /(^|[\s;&|("'`])((?:npx\s+(?:--yes\s+|-y\s+)?|pnpm\s+(?:exec\s+|dlx\s+)?|yarn\s+(?:dlx\s+)?|bunx\s+)?partykit(?:@[\w.^~-]+)?)(?=$|[\s;&|)"'`])/g;
const END = /[;&|)"'`]/;

/**
 * Rewrites every script running `partykit`. Scripts that do not run it are returned unchanged.
 *
 * @example
 * ```ts
 * const r = rewriteScripts({ deploy: "npm run build && partykit deploy" });
 * r.scripts.deploy; // "npm run build && roomkit deploy"
 * ```
 */
export function rewriteScripts(scripts: Record<string, string>, extraFlags: (script: string, command: string) => string[] = () => []): ScriptsRewrite {
  const result: ScriptsRewrite = { scripts: { ...scripts }, done: [], notConverted: [], vars: new Map(), defines: new Map(), withEnv: false };
  for (const [name, script] of Object.entries(scripts)) {
    if (typeof script !== "string" || !/\bpartykit\b/.test(script)) continue;
    let out = "";
    let last = 0;
    let changed = false;
    const dropped: NotConverted[] = [];
    for (const m of script.matchAll(INVOCATION)) {
      const start = m.index + m[1]!.length;
      if (start < last) continue;
      // The invocation's arguments run to the next shell separator or quote.
      const rest = script.slice(start + m[2]!.length);
      const endRel = rest.search(END);
      const argsText = endRel === -1 ? rest : rest.slice(0, endRel);
      const end = start + m[2]!.length + argsText.length;
      const converted = convertInvocation(argsText.trim().split(/\s+/).filter(Boolean), name, result, (command) => extraFlags(name, command));
      out += script.slice(last, start);
      if (converted.command === undefined) {
        out += script.slice(start, end);
      } else {
        // Keep the whitespace that separated the invocation from what follows.
        out += converted.command + (/\s$/.test(argsText) ? " " : "");
        changed = true;
      }
      dropped.push(...converted.dropped);
      last = end;
    }
    out += script.slice(last);
    if (!changed) continue;
    result.scripts[name] = out;
    result.done.push(`scripts.${name}: "${script}" → "${out}"`);
    for (const d of dropped) result.notConverted.push({ name: `scripts.${name} ${d.name}`, reason: d.reason });
  }
  return result;
}

/** One `partykit ...` invocation; `command` undefined when it has no equivalent (then it is reported). */
function convertInvocation(
  args: string[],
  script: string,
  result: ScriptsRewrite,
  extraFlags: (command: string) => string[],
): { command?: string; dropped: NotConverted[] } {
  const [sub, ...rest] = args;
  if (sub === "env") {
    const replacement = ENV_SUBCOMMANDS[rest[0] ?? ""];
    if (replacement) return { command: [replacement, ...rest.slice(1)].join(" "), dropped: [] };
    result.notConverted.push({
      name: `scripts.${script}`,
      reason: `partykit env ${rest[0] ?? ""}: use wrangler secret put/delete/list, or .dev.vars for local values`,
    });
    return { dropped: [] };
  }
  const replacement = sub === undefined ? undefined : SUBCOMMANDS[sub];
  if (!replacement) {
    result.notConverted.push({
      name: `scripts.${script}`,
      reason: `partykit ${sub ?? ""} has no roomkit equivalent (it talks to PartyKit's platform): remove it or use wrangler`,
    });
    return { dropped: [] };
  }
  const kept: string[] = [];
  const dropped: NotConverted[] = [];
  const drop = (what: string, reason = DROPPED[what.split(" ")[0]!] ?? "not a partykit option roomkit knows: dropped") => dropped.push({ name: what, reason });
  for (let i = 0; i < rest.length; i++) {
    const raw = rest[i]!;
    const [flag, inline] = raw.startsWith("-") && raw.includes("=") ? [raw.slice(0, raw.indexOf("=")), raw.slice(raw.indexOf("=") + 1)] : [raw, undefined];
    if (VARIADIC.has(flag)) {
      const values = inline !== undefined ? [inline] : [];
      while (inline === undefined && i + 1 < rest.length && !rest[i + 1]!.startsWith("-")) values.push(rest[++i]!);
      if (flag === "--var" || flag === "-v" || flag === "--define" || flag === "-d") {
        const target = flag === "--var" || flag === "-v" ? result.vars : result.defines;
        const map = target.get(script) ?? {};
        for (const kv of values) {
          const eq = kv.indexOf("=");
          if (eq > 0) map[kv.slice(0, eq)] = kv.slice(eq + 1);
        }
        target.set(script, map);
      } else drop(`${flag} ${values.join(" ")}`.trim());
      continue;
    }
    if (flag === "--with-env") result.withEnv = true;
    const takesValue = WITH_VALUE.has(flag);
    const value = takesValue ? (inline ?? rest[++i]) : undefined;
    if ((flag === "-p" || flag === "--port") && sub === "dev") kept.push("--port", value ?? "");
    else if (flag === "--persist" && sub === "dev") {
      // --persist [path]: an optional value.
      const next = inline ?? (rest[i + 1] && !rest[i + 1]!.startsWith("-") ? rest[++i] : undefined);
      if (next && next !== "true") kept.push("--persist-to", next);
    } else if ((flag === "-n" || flag === "--name") && sub !== "dev") kept.push("--name", value ?? "");
    else if (!flag.startsWith("-") && sub === "delete") kept.push(flag);
    else if (!flag.startsWith("-")) drop(flag, "the script path: wrangler.toml main is the Worker entry now");
    else drop(takesValue ? `${flag} ${value ?? ""}`.trim() : flag);
  }
  // Flags the caller adds (partykit.json's port, per-script vars) never override the script's own.
  const extra = extraFlags(replacement);
  for (let i = 0; i < extra.length; i += 2)
    if (!kept.includes(extra[i]!) || extra[i] === "--var" || extra[i] === "--define") kept.push(extra[i]!, extra[i + 1]!);
  return { command: [replacement, ...kept].join(" "), dropped };
}
