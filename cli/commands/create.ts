/**
 * `roomkit create [dir]` (also `npm create roomkit`): a new project from a
 * template. Asks when run in a terminal, takes flags otherwise. The project
 * directory appears complete or not at all, and never over existing files.
 * @module
 */
import { statSync } from "node:fs";
import path from "node:path";
import * as prompts from "@clack/prompts";
import { CliError, failure, usageError } from "../errors.js";
import { exec, packageManager } from "../exec.js";
import { createDirectoryAtomically, isEmptyOrMissing, isEmptyOrMissingSync } from "../fs.js";
import type { Output } from "../io.js";
import { projectNameProblem } from "../names.js";
import { ownVersion } from "../package-info.js";
import { compatibilityDateFor } from "../runtime.js";
import { TEMPLATES, copyTemplate, isTemplateName, personalizeWranglerConfig, templateProblem, templatesRoot } from "../templates.js";

export type CreateOptions = {
  dir?: string;
  template?: string;
  yes?: boolean;
  /** undefined: not given on the command line (ask, or default to yes). */
  install?: boolean;
  git?: boolean;
  /** How the user invoked us, for messages: "roomkit create" or "npm create roomkit@latest". */
  invokedAs?: string;
};

const DEFAULT_DIR = "my-roomkit-app";

export async function create(out: Output, options: CreateOptions): Promise<void> {
  const io = out.io;
  const interactive = io.interactive && !options.yes;
  const invokedAs = options.invokedAs ?? "roomkit create";
  const promptIo = { input: io.stdin, output: io.stdout };
  const root = templatesRoot(io.templatesDir);

  if (options.template !== undefined && !isTemplateName(options.template)) {
    throw usageError(`unknown template "${options.template}": choose ${TEMPLATES.map((t) => t.name).join(", ")}`);
  }
  if (!interactive && options.dir === undefined) {
    throw usageError(`missing the project directory: ${invokedAs} <dir> --template counter (prompts appear only in a terminal)`);
  }
  if (interactive) prompts.intro(out.paint("bold", "roomkit: real-time rooms on Cloudflare Durable Objects"), promptIo);

  const targetProblem = async (dir: string): Promise<string | undefined> => {
    const name = path.basename(path.resolve(io.cwd, dir));
    const problem = projectNameProblem(name);
    if (problem) return `invalid project name: ${problem}`;
    if (!(await isEmptyOrMissing(path.resolve(io.cwd, dir))))
      return `${dir} already exists and is not empty: pick a new directory (roomkit never overwrites files)`;
    return undefined;
  };

  let dir = options.dir;
  if (dir === undefined) {
    dir = await ask(
      prompts.text({
        ...promptIo,
        message: "Where should the project go?",
        placeholder: DEFAULT_DIR,
        defaultValue: DEFAULT_DIR,
        validate: (v) => {
          const dir = path.resolve(io.cwd, v || DEFAULT_DIR);
          const problem = projectNameProblem(path.basename(dir));
          if (problem) return problem;
          // Ask again rather than fail after every other question.
          if (!isEmptyOrMissingSync(dir)) return `${v || DEFAULT_DIR} is not empty: pick a new directory`;
          return undefined;
        },
      }),
    );
  }
  const target = path.resolve(io.cwd, dir);
  const projectName = path.basename(target);
  const problem = projectNameProblem(projectName);
  if (problem) throw usageError(`invalid project name: ${problem}`);
  const notEmpty = await targetProblem(dir);
  if (notEmpty) throw failure(notEmpty);

  let template = options.template;
  if (template === undefined) {
    if (interactive) {
      const availability = await Promise.all(TEMPLATES.map((t) => templateProblem(path.join(root, t.name))));
      template = await ask(
        prompts.select({
          ...promptIo,
          message: "Which template?",
          options: TEMPLATES.map((t, i) => ({
            value: t.name,
            label: t.name,
            hint: availability[i] ? "not available yet" : t.description,
            disabled: Boolean(availability[i]),
          })),
          initialValue: "counter",
        }),
      );
    } else {
      template = "counter";
    }
  }
  const templateDir = path.join(root, template);
  const unavailable = await templateProblem(templateDir);
  if (unavailable) throw failure(`template "${template}" is not available yet: ${unavailable}`);

  const pm = packageManager(io.env);
  const install =
    options.install ?? (interactive ? await ask(prompts.confirm({ ...promptIo, message: `Install dependencies with ${pm}?`, initialValue: true })) : true);
  const git = options.git ?? (interactive ? await ask(prompts.confirm({ ...promptIo, message: "Initialise a git repository?", initialValue: true })) : true);

  const date = compatibilityDateFor(target);
  await createDirectoryAtomically(target, (staging) =>
    copyTemplate(templateDir, staging, { template, projectName, compatibilityDate: date, roomkitVersion: ownVersion() }),
  );
  out.line(`${out.paint("green", "✔")} created ${projectName} from the ${template} template in ${target}`);

  if (install) {
    out.line(`installing dependencies with ${pm} install…`);
    const result = await exec(pm, ["install"], target, io.env);
    if (result.code !== 0) {
      const tail = result.output.trim().split("\n").slice(-15).join("\n");
      if (tail) io.stderr.write(tail + "\n");
      throw failure(
        `${pm} install failed${result.missing ? ` (${pm} not found)` : ` with exit code ${result.code}`}; the project itself is complete: run ${pm} install in ${dir}`,
      );
    }
    // Now the project's own runtime is known: use the newest date it supports, up to today.
    const installedDate = compatibilityDateFor(target);
    if (installedDate !== date) {
      const configFile = path.join(
        target,
        ["wrangler.toml", "wrangler.json", "wrangler.jsonc"].find((f) => existsSyncSafe(path.join(target, f))) ?? "wrangler.toml",
      );
      await personalizeWranglerConfig(configFile, { projectName, compatibilityDate: installedDate });
    }
    out.line(`${out.paint("green", "✔")} dependencies installed`);
  }

  if (git) await initGit(out, target, template, io.env);

  const cd = path.relative(io.cwd, target) || ".";
  out.line("");
  out.line("Next:");
  if (cd !== ".") out.line(`  cd ${cd.includes(" ") ? JSON.stringify(cd) : cd}`);
  if (!install) out.line(`  ${pm} install`);
  out.line(`  ${pm} run dev      # http://localhost:1999, open it in two tabs`);
  out.line(`  ${pm} test         # the server, tested inside workerd`);
  out.line(`  ${pm} run deploy   # roomkit check + wrangler deploy`);
  if (interactive) prompts.outro("Have fun!", promptIo);
}

async function initGit(out: Output, dir: string, template: string, env: NodeJS.ProcessEnv): Promise<void> {
  const inside = await exec("git", ["rev-parse", "--is-inside-work-tree"], path.dirname(dir), env);
  if (inside.missing) {
    out.warn("git not found: skipped git init");
    return;
  }
  if (inside.code === 0 && inside.output.trim() === "true") {
    out.line("inside an existing git repository: skipped git init");
    return;
  }
  const init = await exec("git", ["init", "-q"], dir, env);
  if (init.code !== 0) {
    out.warn(`git init failed: ${init.output.trim().split("\n")[0]}`);
    return;
  }
  await exec("git", ["add", "-A"], dir, env);
  const commit = await exec("git", ["commit", "-q", "-m", `Initial commit from roomkit create (template: ${template})`], dir, env);
  out.line(
    commit.code === 0
      ? `${out.paint("green", "✔")} git repository initialised with a first commit`
      : "git repository initialised (no commit: set git user.name and user.email to commit)",
  );
}

function existsSyncSafe(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Unwraps a prompt result; Ctrl-C / Esc cancels the whole command (exit 1, nothing written). */
async function ask<T>(p: Promise<T>): Promise<Exclude<T, symbol>> {
  const v = await p;
  if (prompts.isCancel(v)) throw new CliError("cancelled: nothing was created");
  return v as Exclude<T, symbol>;
}
