/**
 * Runs helper programs (npm, git) and collects their output.
 * @module
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable } from "node:stream";

export type ExecResult = { code: number; output: string; missing: boolean };

/** Runs `command args` in `cwd`; never throws (a missing program gives `missing: true`). */
export function exec(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<ExecResult> {
  return new Promise((resolve) => {
    let output = "";
    let child: ChildProcessByStdio<null, Readable, Readable>;
    try {
      // npm/pnpm/yarn are .cmd shims on Windows.
      child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], shell: process.platform === "win32" });
    } catch {
      resolve({ code: -1, output: "", missing: true });
      return;
    }
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.once("error", (e: NodeJS.ErrnoException) => resolve({ code: -1, output: output + e.message, missing: e.code === "ENOENT" }));
    child.once("close", (code) => resolve({ code: code ?? 1, output, missing: false }));
  });
}

/** The package manager that ran us (`npm create`, `pnpm create`, ...), from npm_config_user_agent. */
export function packageManager(env: NodeJS.ProcessEnv): "npm" | "pnpm" | "yarn" | "bun" {
  const agent = env.npm_config_user_agent ?? "";
  if (agent.startsWith("pnpm/")) return "pnpm";
  if (agent.startsWith("yarn/")) return "yarn";
  if (agent.startsWith("bun/")) return "bun";
  return "npm";
}
