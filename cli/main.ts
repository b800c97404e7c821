/**
 * The `roomkit` command line: parses arguments, runs one command, and turns
 * every outcome into an exit code (0 ok, 1 failure, 2 usage error) with a
 * one-line reason.
 * @module
 */
import { Command, CommanderError, Option } from "commander";
import { CliError, ExitCode, describe, usageError } from "./errors.js";
import { Output, processIo, type Io } from "./io.js";
import { ownVersion } from "./package-info.js";
import { add } from "./commands/add.js";
import { check } from "./commands/check.js";
import { create, type CreateOptions } from "./commands/create.js";
import { deploy } from "./commands/deploy.js";
import { DEFAULT_PERSIST_DIR, DEFAULT_PORT, dev } from "./commands/dev.js";
import { importProject } from "./commands/import.js";
import { TEMPLATES } from "./templates.js";

/** An option roomkit itself reads out of a command line that is otherwise passed to wrangler. */
type OwnOption = { names: string[]; key: string; takesValue: boolean; value?: string; negate?: boolean; repeat?: boolean };

const CONFIG_OPTION: OwnOption = { names: ["-c", "--config"], key: "config", takesValue: true, value: "file" };
const CLIENT_OPTIONS: OwnOption[] = [
  { names: ["--client"], key: "client", takesValue: true, value: "entry" },
  { names: ["--no-client"], key: "client", takesValue: false, negate: true },
];
const DEV_OPTIONS: OwnOption[] = [
  { names: ["-p", "--port"], key: "port", takesValue: true, value: "port" },
  { names: ["--ip"], key: "ip", takesValue: true, value: "address" },
  { names: ["--persist-to"], key: "persistTo", takesValue: true, value: "dir" },
  { names: ["--wrangler"], key: "wrangler", takesValue: false },
  CONFIG_OPTION,
  ...CLIENT_OPTIONS,
];
const DEPLOY_OPTIONS: OwnOption[] = [
  { names: ["--allow-delete"], key: "allowDelete", takesValue: true, value: "classes", repeat: true },
  CONFIG_OPTION,
  ...CLIENT_OPTIONS,
];

/**
 * Splits `args` into roomkit's own options and the rest (for wrangler), in
 * any order: `roomkit dev --inspector-port 9230 --port 3000` works.
 */
export function splitOwnOptions(args: readonly string[], own: readonly OwnOption[]): { values: Record<string, unknown>; rest: string[] } {
  const values: Record<string, unknown> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      // Everything after a bare "--" is wrangler's, untouched.
      rest.push(...args.slice(i + 1));
      break;
    }
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const opt = own.find((o) => o.names.includes(flag));
    if (!opt) {
      rest.push(arg);
      continue;
    }
    let value: unknown = opt.negate ? false : true;
    if (opt.takesValue) {
      value = inline ?? args[++i];
      if (value === undefined || (inline === undefined && String(value).startsWith("-")))
        throw usageError(`option '${opt.names.join(", ")} <${opt.value ?? "value"}>' argument missing (see roomkit --help)`);
    }
    if (opt.repeat) values[opt.key] = [...((values[opt.key] as unknown[]) ?? []), ...String(value).split(",").filter(Boolean)];
    else values[opt.key] = value;
  }
  return { values, rest };
}

/**
 * The arguments after the command name, as typed. Commander only parses the
 * options it knows up to the first unknown one, so `dev` and `deploy` split
 * the whole list themselves and the order of options does not matter.
 */
function argsAfter(argv: readonly string[], command: string): string[] {
  return argv.slice(argv.indexOf(command) + 1);
}

/** Builds the program for one run (commander keeps state, so never reuse it). */
function program(out: Output, io: Io, argv: readonly string[]): Command {
  const prog = new Command("roomkit")
    .description("PartyKit-style real-time rooms on Cloudflare Durable Objects")
    .version(ownVersion(), "-v, --version")
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`${s.trim().replace(/^error: /, out.paint("red", "error: "))} (see roomkit --help)\n`),
    });

  prog
    .command("create")
    .description("create a project from a template (prompts in a terminal)")
    .argument("[dir]", "directory for the new project; its name becomes the project name")
    .addOption(new Option("-t, --template <name>", "template to use").choices(TEMPLATES.map((t) => t.name)))
    .option("-y, --yes", "accept every default without prompting")
    .option("--no-install", "do not install dependencies")
    .option("--no-git", "do not initialise a git repository")
    .action(async (dir: string | undefined, opts: { template?: string; yes?: boolean; install: boolean; git: boolean }, cmd: Command) => {
      await create(out, createOptions(dir, opts, cmd, "roomkit create"));
    });

  prog
    .command("dev")
    .description(`run the project locally (workerd on :${DEFAULT_PORT}, state in ${DEFAULT_PERSIST_DIR}, worker and client rebuilt on change)`)
    .usage("[options] [-- wrangler dev options]")
    .option("-p, --port <port>", "port to listen on", String(DEFAULT_PORT))
    .option("--ip <address>", "address to listen on (wrangler's default: localhost)")
    .option("--persist-to <dir>", "where local state is kept", DEFAULT_PERSIST_DIR)
    .option("--client <entry>", "browser client entry to bundle into the assets directory")
    .option("--no-client", "do not build the browser client")
    .option("--wrangler", "run wrangler dev (its proxy in front of the Worker) instead of serving the Worker directly")
    .option("-c, --config <file>", "wrangler config file (default: wrangler.json, wrangler.jsonc or wrangler.toml)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async () => {
      const { values, rest } = splitOwnOptions(argsAfter(argv, "dev"), DEV_OPTIONS);
      await dev(out, io.cwd, {
        port: values.port as string | undefined,
        ip: values.ip as string | undefined,
        persistTo: values.persistTo as string | undefined,
        client: values.client as string | false | undefined,
        config: values.config as string | undefined,
        wrangler: values.wrangler === true,
        wranglerArgs: rest,
      });
    });

  prog
    .command("check")
    .description("verify that exports, Durable Object bindings and migrations agree")
    .option("-c, --config <file>", "wrangler config file")
    .option("--allow-delete <classes>", "classes the newest migration may delete with their data (comma-separated)", collect, [])
    .action(async (opts: { config?: string; allowDelete: string[] }) => {
      await check(out, io.cwd, opts);
    });

  prog
    .command("deploy")
    .description("roomkit check, build the client, then wrangler deploy (extra options go to wrangler: --dry-run --outdir dist)")
    .usage("[options] [-- wrangler deploy options]")
    .option("--allow-delete <classes>", "classes the newest migration may delete with their data (comma-separated)")
    .option("--client <entry>", "browser client entry to bundle into the assets directory")
    .option("--no-client", "do not build the browser client")
    .option("-c, --config <file>", "wrangler config file")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async () => {
      const { values, rest } = splitOwnOptions(argsAfter(argv, "deploy"), DEPLOY_OPTIONS);
      await deploy(out, io.cwd, {
        config: values.config as string | undefined,
        allowDelete: values.allowDelete as string[] | undefined,
        client: values.client as string | false | undefined,
        wranglerArgs: rest,
      });
    });

  prog
    .command("add")
    .description("add a party: server file, export in the entry, binding + migration in wrangler.toml")
    .argument("<party>", "party name, as it appears in URLs (/parties/<party>/<room>)")
    .option("-c, --config <file>", "wrangler config file")
    .action(async (party: string, opts: { config?: string }) => {
      await add(out, io.cwd, party, opts);
    });

  prog
    .command("import")
    .description("convert a PartyKit project (partykit.json) into a roomkit project")
    .argument("<dir>", "the PartyKit project directory")
    .option("-o, --out <dir>", "write the converted project to a new directory instead of converting in place")
    .option("--name <name>", "project (Worker) name; default: partykit.json name")
    .action(async (dir: string, opts: { out?: string; name?: string }) => {
      await importProject(out, io.cwd, dir, opts);
    });

  return prog;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(",").filter(Boolean)];
}

function createOptions(
  dir: string | undefined,
  opts: { template?: string; yes?: boolean; install: boolean; git: boolean },
  cmd: Command,
  invokedAs: string,
): CreateOptions {
  return {
    dir,
    template: opts.template,
    yes: opts.yes,
    // Only an explicit --no-install/--no-git skips the question.
    install: cmd.getOptionValueSource("install") === "cli" ? opts.install : undefined,
    git: cmd.getOptionValueSource("git") === "cli" ? opts.git : undefined,
    invokedAs,
  };
}

async function run(argv: string[], io: Io, build: (out: Output) => Command, empty: (cmd: Command) => number | undefined): Promise<number> {
  const out = new Output(io);
  const cmd = build(out);
  const early = empty(cmd);
  if (early !== undefined) return early;
  try {
    await cmd.parseAsync(argv, { from: "user" });
    return ExitCode.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      return ["commander.helpDisplayed", "commander.version", "commander.help"].includes(e.code) && e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (e instanceof CliError) {
      out.error(e.message);
      return e.exitCode;
    }
    out.error(`unexpected error: ${describe(e)} (run with ROOMKIT_DEBUG=1 for details)`);
    if (io.env.ROOMKIT_DEBUG) io.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    return ExitCode.failure;
  }
}

/** Runs `roomkit <argv>`; resolves to the exit code. */
export function runCli(argv: string[], io: Io = processIo()): Promise<number> {
  return run(
    argv,
    io,
    (out) => program(out, io, argv),
    (cmd) => {
      if (argv.length > 0) return undefined;
      io.stderr.write(cmd.helpInformation());
      return ExitCode.usage;
    },
  );
}

/** Runs `create-roomkit <argv>` (what `npm create roomkit@latest [dir] -- [options]` calls). */
export function runCreate(argv: string[], io: Io = processIo()): Promise<number> {
  return run(
    argv,
    io,
    (out) =>
      new Command("create-roomkit")
        .description("create a roomkit project: npm create roomkit@latest [dir] -- [options]")
        .argument("[dir]", "directory for the new project; its name becomes the project name")
        .addOption(new Option("-t, --template <name>", "template to use").choices(TEMPLATES.map((t) => t.name)))
        .option("-y, --yes", "accept every default without prompting")
        .option("--no-install", "do not install dependencies")
        .option("--no-git", "do not initialise a git repository")
        .version(ownVersion(), "-v, --version")
        .exitOverride()
        .configureOutput({
          writeOut: (s) => io.stdout.write(s),
          writeErr: (s) => io.stderr.write(s),
          outputError: (s, write) => write(`${s.trim().replace(/^error: /, out.paint("red", "error: "))} (see --help)\n`),
        })
        .action(async (dir: string | undefined, opts: { template?: string; yes?: boolean; install: boolean; git: boolean }, cmd: Command) => {
          await create(out, createOptions(dir, opts, cmd, "npm create roomkit@latest"));
        }),
    () => undefined,
  );
}
