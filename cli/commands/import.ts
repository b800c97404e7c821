/**
 * `roomkit import <dir>`: a PartyKit project (partykit.json) becomes a roomkit
 * project that runs with `npm run dev` / `wrangler dev`, its partysocket
 * clients unchanged. Everything that could not be converted is listed by name.
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { checkProject } from "../check.js";
import { failure, usageError } from "../errors.js";
import { copyTree, createDirectoryAtomically, isEmptyOrMissing, writeFilesAtomically } from "../fs.js";
import type { Output } from "../io.js";
import { projectNameProblem, toProjectName } from "../names.js";
import { ownVersion } from "../package-info.js";
import { readPartykitConfig } from "../partykit/config.js";
import { planImport, type ImportPlan } from "../partykit/convert.js";
import { compatibilityDateFor } from "../runtime.js";
import { CONFIG_FILES, parseConfig } from "../wrangler-config.js";

export type ImportOptions = { out?: string; name?: string };

/** The wrangler version new projects get (the one roomkit is tested with). */
export const WRANGLER_VERSION = "4.86.0";

/**
 * `roomkit import <dir>`: converts in place, or into `options.out`; exits non-zero listing the
 * blockers (and writes nothing) when the converted project could not start.
 *
 * @example
 * ```ts
 * await importProject(new Output(processIo()), process.cwd(), "./my-partykit-app", { out: "./my-roomkit-app" });
 * ```
 */
export async function importProject(out: Output, cwd: string, dir: string, options: ImportOptions): Promise<void> {
  const source = path.resolve(cwd, dir);
  if (!existsSync(source) || !statSync(source).isDirectory()) throw failure(`${dir}: no such directory`);
  if (options.name !== undefined) {
    const problem = projectNameProblem(options.name);
    if (problem) throw usageError(`--name: ${problem}`);
  }
  const config = await readPartykitConfig(source);
  const existing = CONFIG_FILES.find((f) => existsSync(path.join(source, f)));
  if (existing) throw failure(`${dir} already has ${existing}: it was imported already (or is a Workers project); roomkit import never overwrites it`);

  const projectName = options.name ?? (await nameFor(source, config.name));
  const input = { config, projectName, roomkitVersion: ownVersion(), wranglerVersion: WRANGLER_VERSION };

  let plan: ImportPlan;
  if (options.out) {
    const target = path.resolve(cwd, options.out);
    if (!(await isEmptyOrMissing(target)))
      throw failure(`${options.out} already exists and is not empty: pick a new directory (roomkit never overwrites files)`);
    if (path.relative(source, target) !== "" && !path.relative(source, target).startsWith("..")) {
      throw usageError(`--out ${options.out} is inside the project being imported: pick a directory outside it`);
    }
    plan = undefined as unknown as ImportPlan;
    await createDirectoryAtomically(target, async (staging) => {
      await copyTree(source, staging, (rel) => !rel.split("/").some((p) => ["node_modules", ".git", ".partykit", ".wrangler"].includes(p)));
      plan = await planImport({ ...input, root: staging, installedAt: source, compatibilityDate: compatibilityDateFor(source) });
      await verify(out, dir, staging, plan);
      await writeFilesAtomically(plan.files);
    });
    report(out, dir, options.out, plan);
  } else {
    plan = await planImport({ ...input, root: source, compatibilityDate: compatibilityDateFor(source) });
    await verify(out, dir, source, plan);
    await writeFilesAtomically(plan.files);
    report(out, dir, undefined, plan);
  }
}

async function nameFor(dir: string, partykitName: string | undefined): Promise<string> {
  let pkgName: string | undefined;
  try {
    pkgName = (JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as { name?: string }).name;
  } catch {
    // no package.json: fall through
  }
  for (const candidate of [partykitName, pkgName, path.basename(dir)]) {
    const name = candidate && toProjectName(candidate);
    if (name) return name;
  }
  return "roomkit-app";
}

/**
 * The converted project must be able to start: no blocker found while
 * converting, and `roomkit check` passes. Otherwise nothing is written and
 * every blocker is listed.
 */
async function verify(out: Output, dir: string, root: string, plan: ImportPlan): Promise<void> {
  const byPath = new Map(plan.files.map((f) => [f.path, f.content]));
  const tomlPath = path.join(root, "wrangler.toml");
  const config = parseConfig(tomlPath, byPath.get(tomlPath)!);
  const result = await checkProject(config, { overrides: byPath });
  const blockers = [
    ...plan.blockers,
    ...result.diagnostics
      .filter((d) => d.severity === "error" && !(d.code === "not-a-server" && plan.blockers.length > 0))
      .map((d) => `roomkit check: ${d.message}`),
  ];
  if (blockers.length === 0) return;
  out.error(
    `${dir} cannot run as converted (${blockers.length} blocker${blockers.length === 1 ? "" : "s"}); fix ${blockers.length === 1 ? "it" : "them"} in the PartyKit project and import again:`,
  );
  for (const b of blockers) out.io.stderr.write(`  - ${b}\n`);
  throw failure(`nothing was written: the converted project would not start`);
}

function report(out: Output, dir: string, outDir: string | undefined, plan: ImportPlan): void {
  out.line(`${out.paint("green", "✔")} imported ${dir}${outDir ? ` into ${outDir}` : ""} as a roomkit project:`);
  for (const line of plan.done) out.line(`  ${line}`);
  if (plan.notConverted.length > 0) {
    out.line("");
    out.line(out.paint("yellow", `Not converted (${plan.notConverted.length}): handle these yourself`));
    for (const n of plan.notConverted) out.line(`  - ${n.name}: ${n.reason}`);
  }
  out.line("");
  out.line(
    `Next: ${outDir ? `cd ${outDir} && ` : dir !== "." ? `cd ${dir} && ` : ""}npm install && npm run dev   (http://localhost:1999; partysocket clients connect unchanged)`,
  );
}
