/**
 * `roomkit check`: prints every finding of {@link checkProject} and fails on errors.
 * @module
 */
import path from "node:path";
import { checkProject, type CheckResult } from "../check.js";
import { failure } from "../errors.js";
import type { Output } from "../io.js";
import { loadProject } from "../project.js";

export type CheckCommandOptions = { config?: string; allowDelete?: string[] };

/** Runs the checks and prints them; throws (exit 1) if any is an error. */
export async function check(out: Output, cwd: string, options: CheckCommandOptions): Promise<CheckResult> {
  const { config } = await loadProject(cwd, options.config);
  const result = await checkProject(config, { allowDelete: options.allowDelete });
  printDiagnostics(out, result);
  const errors = result.diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0) throw failure(`roomkit check found ${errors} error${errors === 1 ? "" : "s"} in ${path.basename(config.file)} / ${config.main}`);
  const parties = result.parties.map((p) => `${p.party} → ${p.className} (${p.binding})`).join(", ");
  const envs = config.envs.map((e) => `[env.${e.name}]`).join(", ");
  out.line(
    `${out.paint("green", "✔")} ${parties ? `parties: ${parties}; ` : ""}exports, bindings and migrations agree${envs ? ` (top level and ${envs})` : ""}`,
  );
  return result;
}

/** One line per finding: `error[code]: message`. */
export function printDiagnostics(out: Output, result: CheckResult): void {
  for (const d of result.diagnostics) {
    const label = d.severity === "error" ? out.paint("red", `error[${d.code}]`) : out.paint("yellow", `warning[${d.code}]`);
    out.io.stderr.write(`${label}: ${d.message}\n`);
  }
}
