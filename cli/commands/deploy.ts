/**
 * `roomkit deploy`: `roomkit check`, refuse on errors, build the client,
 * then `wrangler deploy` with the user's arguments (`--dry-run --outdir`
 * included) and say where the project will live.
 * @module
 */
import path from "node:path";
import { buildClient, resolveClient } from "../client.js";
import { checkProject } from "../check.js";
import { failure } from "../errors.js";
import type { Output } from "../io.js";
import { loadProject } from "../project.js";
import { runWrangler } from "../wrangler-bin.js";
import { printDiagnostics } from "./check.js";

export type DeployOptions = {
  config?: string;
  allowDelete?: string[];
  client?: string | false;
  /** Passed to `wrangler deploy` as is. */
  wranglerArgs: string[];
};

/** The value of `--name value` / `--name=value` in `args`. */
export function argValue(args: readonly string[], ...names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const n of names) {
      if (a === n) return args[i + 1];
      if (a.startsWith(n + "=")) return a.slice(n.length + 1);
    }
  }
  return undefined;
}

export async function deploy(out: Output, cwd: string, options: DeployOptions): Promise<void> {
  const project = await loadProject(cwd, options.config);
  const { config } = project;
  const result = await checkProject(config, { allowDelete: options.allowDelete });
  printDiagnostics(out, result);
  const errors = result.diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0) throw failure(`refusing to deploy: roomkit check found ${errors} error${errors === 1 ? "" : "s"} (see above)`);

  const client = resolveClient(project, options.client);
  if (client) {
    await buildClient(client, project.root);
    out.line(`client built: ${client.describe}`);
  }

  const args = options.wranglerArgs;
  const env = argValue(args, "--env", "-e");
  const name = argValue(args, "--name") ?? (config.name && env ? `${config.name}-${env}` : config.name);
  if (!name) throw failure(`${path.basename(config.file)} has no name: add name = "my-app" (the Worker's name)`);
  const dryRun = args.includes("--dry-run");
  const places = [...(config.workersDev ? [`https://${name}.<your-subdomain>.workers.dev`] : []), ...config.routes.map((r) => `https://${r}`)];
  out.line(
    dryRun
      ? `dry run: building Worker "${name}" without uploading${argValue(args, "--outdir") ? ` (bundle in ${argValue(args, "--outdir")})` : ""}; a real deploy would serve it at ${places.join(", ") || "no public URL (workers_dev = false and no routes)"}`
      : `deploying Worker "${name}" to your Cloudflare account: ${places.join(", ") || "no public URL (workers_dev = false and no routes)"}`,
  );

  const wranglerArgs = ["deploy", ...(options.config ? ["--config", path.resolve(cwd, options.config)] : []), ...args];
  const code = await runWrangler(project.root, wranglerArgs, out.io);
  if (code !== 0) throw failure(`wrangler deploy failed with exit code ${code}`);
}
