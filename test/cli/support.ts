// Helpers for CLI tests: run the CLI in-process against a temp directory and
// capture what it prints.
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { runCli, runCreate } from "../../cli/main.js";
import type { Io } from "../../cli/io.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const fixtures = path.join(repoRoot, "test/cli/fixtures");

/** A fresh temp directory. */
export function tempDir(prefix = "roomkit-cli-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    this.emit("written");
    done();
  }
}

export type RunResult = { code: number; stdout: string; stderr: string };

export type RunOptions = Partial<Pick<Io, "env" | "templatesDir" | "interactive">> & {
  stdin?: NodeJS.ReadableStream;
  /** Receives stdout as it is written (to answer prompts). */
  onOutput?: (text: string) => void;
  /** `create-roomkit` instead of `roomkit`. */
  entry?: "roomkit" | "create-roomkit";
};

/** Runs `roomkit <args>` (or `create-roomkit <args>`) in-process in `cwd`. */
export async function roomkit(cwd: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const io: Io = {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdin: (options.stdin as Io["stdin"]) ?? new PassThrough(),
    stdout,
    stderr,
    interactive: options.interactive ?? false,
    color: false,
    templatesDir: options.templatesDir,
  };
  if (options.onOutput) stdout.on("written", () => options.onOutput!(stdout.text));
  const code = await (options.entry === "create-roomkit" ? runCreate : runCli)(args, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Every file under `dir` with its content (a snapshot to prove nothing changed). */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[path.relative(dir, p)] = readFileSync(p, "utf8");
    }
  };
  walk(dir);
  return out;
}

/**
 * Copies the repo's counter template into a new temp dir: a valid roomkit
 * project. With `buildable`, the repo's node_modules (wrangler, partysocket,
 * esbuild) are linked in and "roomkit" is aliased to this repo's source, so
 * wrangler can bundle it.
 */
export function counterProject(options: { buildable?: boolean } = {}): string {
  const dir = path.join(tempDir(), "app");
  // Not the client bundle the repo's own `npm run dev` writes into the template: tests check when it is built.
  cpSync(path.join(repoRoot, "templates/counter"), dir, { recursive: true, filter: (src) => !/node_modules|\.wrangler|public\/client\.js/.test(src) });
  if (options.buildable) {
    symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
    appendFileSync(path.join(dir, "wrangler.toml"), `\n[alias]\nroomkit = ${JSON.stringify(path.join(repoRoot, "src/index.ts"))}\n`);
    // The browser client imports roomkit's subpaths (roomkit/durable) too: its bundle takes them from src/.
    const pkgFile = path.join(dir, "package.json");
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as Record<string, unknown>;
    pkg.roomkit = { client: { entry: "client/index.ts", outfile: "public/client.js", alias: { roomkit: path.join(repoRoot, "src") } } };
    writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + "\n");
  }
  return dir;
}

/** The last non-empty line of `text`. */
export function lastLine(text: string): string {
  return text.trim().split("\n").at(-1) ?? "";
}

/** Writes `files` (path → content) into a new temp project directory. */
export function projectWith(files: Record<string, string>): string {
  const dir = path.join(tempDir(), "app");
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return dir;
}
