/**
 * The project templates: which exist, whether one is complete enough to
 * copy, and the copy itself (with the project's name and date filled in).
 * @module
 */
import { existsSync } from "node:fs";
import { readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { checkProject } from "./check.js";
import { failure } from "./errors.js";
import { copyTree } from "./fs.js";
import { setJsonValue } from "./json-edit.js";
import { packageRoot } from "./package-info.js";
import { CONFIG_FILES, parseConfig, readConfig } from "./wrangler-config.js";

/** The templates `create` offers, in menu order. */
export const TEMPLATES = [
  { name: "counter", description: "a live counter every tab shares (hibernation, storage, Flusher)" },
  { name: "yjs-editor", description: "a collaborative text editor (Yjs + CodeMirror)" },
  { name: "game", description: "an authoritative multiplayer game room with a lobby" },
  { name: "streams", description: "a chat feed on a durable stream (roomkit/streams, offline queue)" },
] as const;

export type TemplateName = (typeof TEMPLATES)[number]["name"];

export function isTemplateName(name: string): name is TemplateName {
  return TEMPLATES.some((t) => t.name === name);
}

/** Directory holding the templates: `<roomkit package>/templates`, unless overridden. */
export function templatesRoot(override?: string): string {
  return override ?? path.join(packageRoot(), "templates");
}

/** Names never copied into a new project: dependencies, local state, secrets, build output. */
const SKIPPED = new Set([
  "node_modules",
  ".wrangler",
  ".git",
  ".dev.vars",
  ".DS_Store",
  "package-lock.json",
  "pnpm-lock.yaml",
  "yarn.lock",
  "bun.lockb",
  "dist",
]);

/** Whether the template file at `rel` (relative, "/"-separated) belongs in a new project. */
export function keepTemplateFile(rel: string): boolean {
  const parts = rel.split("/");
  if (parts.some((p) => SKIPPED.has(p) || p.endsWith(".tgz"))) return false;
  // The bundled client is rebuilt by `roomkit dev` / `roomkit deploy`.
  if (parts.length === 2 && parts[0] === "public" && /\.js(\.map)?$/.test(parts[1]!)) return false;
  return true;
}

/** Why template `dir` cannot be used, or undefined if it is complete. */
export async function templateProblem(dir: string): Promise<string | undefined> {
  if (!existsSync(dir)) return "its directory does not exist yet";
  const has = (p: string) => existsSync(path.join(dir, p));
  for (const required of ["package.json", "README.md", "src", "client"]) {
    if (!has(required)) return `${required} is missing`;
  }
  const configName = CONFIG_FILES.find(has);
  if (!configName) return "wrangler.toml is missing";
  if (!["vitest.config.ts", "vitest.config.mts", "vitest.config.js", "test/vitest.config.ts"].some(has)) return "vitest.config.ts is missing";
  const tests = has("test") ? (await readdir(path.join(dir, "test"), { recursive: true })).filter((f) => /\.test\.[cm]?[jt]sx?$/.test(String(f))) : [];
  if (tests.length === 0) return "test/ has no *.test.ts";

  let pkg: { scripts?: Record<string, unknown> };
  try {
    pkg = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8"));
  } catch {
    return "package.json is not valid JSON";
  }
  for (const script of ["dev", "deploy", "test"]) {
    if (typeof pkg.scripts?.[script] !== "string") return `package.json has no "${script}" script`;
  }
  try {
    const config = await readConfig(path.join(dir, configName));
    if (!config.main || !existsSync(path.join(dir, config.main))) return `its entry ${config.main ?? "(main)"} is missing`;
    const result = await checkProject(config);
    const firstError = result.diagnostics.find((d) => d.severity === "error");
    if (firstError) return `it fails roomkit check: ${firstError.message}`;
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

export type Personalization = {
  template: string;
  projectName: string;
  compatibilityDate: string;
  roomkitVersion: string;
};

/** Copies template `src` into `dest` (a fresh staging directory) and personalizes it. */
export async function copyTemplate(src: string, dest: string, p: Personalization): Promise<void> {
  await copyTree(src, dest, (rel) => keepTemplateFile(rel));
  await personalizePackageJson(path.join(dest, "package.json"), p);
  const configName = CONFIG_FILES.find((c) => existsSync(path.join(dest, c)))!;
  await personalizeWranglerConfig(path.join(dest, configName), p);
  const readme = path.join(dest, "README.md");
  const text = await readFile(readme, "utf8");
  await writeFile(readme, text.split(`roomkit-${p.template}`).join(p.projectName));
  // npm drops .gitignore files from published packages, so templates may ship it as `gitignore`.
  if (existsSync(path.join(dest, "gitignore"))) await rename(path.join(dest, "gitignore"), path.join(dest, ".gitignore"));
  if (!existsSync(path.join(dest, ".gitignore"))) await writeFile(path.join(dest, ".gitignore"), DEFAULT_GITIGNORE);
}

const DEFAULT_GITIGNORE = `node_modules/
.wrangler/
.dev.vars
public/client.js
public/client.js.map
`;

async function personalizePackageJson(file: string, p: Personalization): Promise<void> {
  let text = await readFile(file, "utf8");
  const pkg = JSON.parse(text) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  text = setJsonValue(text, ["name"], p.projectName);
  // roomkit runs in the Worker; roomkit-cli (same version) only on the developer's machine.
  if (pkg.dependencies?.roomkit) text = setJsonValue(text, ["dependencies", "roomkit"], `^${p.roomkitVersion}`);
  if (pkg.devDependencies?.["roomkit-cli"]) text = setJsonValue(text, ["devDependencies", "roomkit-cli"], `^${p.roomkitVersion}`);
  await writeFile(file, text);
}

/** Sets the top-level `name` and `compatibility_date`, keeping the file's comments and layout. */
export async function personalizeWranglerConfig(file: string, p: Pick<Personalization, "projectName" | "compatibilityDate">): Promise<void> {
  let text = await readFile(file, "utf8");
  if (file.endsWith(".toml")) {
    text = setTopLevelTomlString(text, "name", p.projectName);
    text = setTopLevelTomlString(text, "compatibility_date", p.compatibilityDate);
  } else {
    text = setJsonValue(text, ["name"], p.projectName);
    text = setJsonValue(text, ["compatibility_date"], p.compatibilityDate);
  }
  const parsed = parseConfig(file, text);
  if (parsed.name !== p.projectName || parsed.compatibilityDate !== p.compatibilityDate) {
    throw failure(`could not set name and compatibility_date in ${path.basename(file)}`);
  }
  await writeFile(file, text);
}

/** Replaces (or adds) `key = "value"` before the first table header of a TOML document. */
export function setTopLevelTomlString(text: string, key: string, value: string): string {
  const lines = text.split("\n");
  const firstHeader = lines.findIndex((l) => /^\s*\[/.test(l));
  const end = firstHeader === -1 ? lines.length : firstHeader;
  const re = new RegExp(`^(\\s*${key}\\s*=\\s*)("[^"]*"|'[^']*')(.*)$`);
  for (let i = 0; i < end; i++) {
    const m = re.exec(lines[i]!);
    if (m) {
      lines[i] = `${m[1]}${JSON.stringify(value)}${m[3]}`;
      return lines.join("\n");
    }
  }
  lines.splice(end === lines.length ? end : 0, 0, `${key} = ${JSON.stringify(value)}`);
  return lines.join("\n");
}
