/**
 * Where a command reads and writes: the real process, or a captured one in tests.
 * @module
 */
import type { Readable, Writable } from "node:stream";
import { styleText } from "node:util";

/** The CLI's view of its environment. Commands never touch `process` directly. */
export type Io = {
  /** Directory the command runs in. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Whether prompts may be shown (stdin and stdout are terminals, not CI). */
  interactive: boolean;
  /** Whether output may use colors. */
  color: boolean;
  /** Overrides where templates are read from (tests, template authors). */
  templatesDir?: string;
};

/** The running process as an {@link Io}. */
export function processIo(): Io {
  const env = process.env;
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  return {
    cwd: process.cwd(),
    env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: tty && !env.CI,
    color: Boolean(process.stdout.isTTY) && !env.NO_COLOR && env.TERM !== "dumb",
  };
}

/** Line-oriented output helpers bound to an {@link Io}. */
export class Output {
  constructor(readonly io: Io) {}

  /** A normal line on stdout. */
  line(text = ""): void {
    this.io.stdout.write(text + "\n");
  }

  /** A warning line on stderr. */
  warn(text: string): void {
    this.io.stderr.write(`${this.paint("yellow", "warning:")} ${text}\n`);
  }

  /** An error line on stderr (the one-line reason of a failure). */
  error(text: string): void {
    this.io.stderr.write(`${this.paint("red", "error:")} ${text}\n`);
  }

  paint(style: "red" | "yellow" | "green" | "cyan" | "dim" | "bold", text: string): string {
    return this.io.color ? styleText(style, text) : text;
  }
}
