/**
 * `roomkit add <party>`: a new party in three places — a server file, an
 * export in the entry and a binding + migration in the wrangler config —
 * with the user's formatting and comments kept.
 * @module
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { checkProject, nextMigrationTag } from "../check.js";
import { addPartyToConfig } from "../config-edit.js";
import { analyzeEntry, type EntryAnalysis } from "../entry.js";
import { rel } from "../paths.js";
import { failure, usageError } from "../errors.js";
import { writeFilesAtomically, type FileWrite } from "../fs.js";
import type { Output } from "../io.js";
import { defaultBindingName, isIdentifier, partyNameProblem, pascalCase } from "../names.js";
import { loadProject } from "../project.js";
import { parseConfig } from "../wrangler-config.js";

export type AddOptions = { config?: string };

export async function add(out: Output, cwd: string, partyName: string, options: AddOptions): Promise<void> {
  const problem = partyNameProblem(partyName);
  if (problem) throw usageError(problem);

  const { root, config } = await loadProject(cwd, options.config);
  const cfgName = path.basename(config.file);
  if (!config.main) throw failure(`${cfgName} has no main: add main = "src/index.ts" first`);
  const entryFile = path.resolve(root, config.main);
  const entry = await analyzeEntry(entryFile, root);
  const entryName = rel(root, entryFile);

  if (!entry.worker || !entry.worker.object) {
    throw failure(
      `${entryName} has no export default createWorker({ ... }) with an object literal, so roomkit add cannot register the party: add it by hand (see docs/cli.md)`,
    );
  }
  if (entry.worker.parties.some((p) => p.name === partyName)) throw failure(`party "${partyName}" already exists in ${entryName}`);

  const className = pascalCase(partyName);
  const serverName = `${className}Server`;
  const binding = defaultBindingName(partyName);
  const taken = [
    entry.exports.has(className) && `${entryName} already exports ${className}`,
    config.bindings.some((b) => b.name === binding) && `${cfgName} already has a binding named ${binding}`,
    config.bindings.some((b) => b.className === className) && `${cfgName} already binds a class named ${className}`,
    config.migrations.some((m) =>
      [...m.newSqliteClasses, ...m.newClasses, ...m.deletedClasses, ...m.renamedClasses.flatMap((r) => [r.from, r.to])].includes(className),
    ) && `${cfgName} migrations already use the class name ${className}`,
  ].find(Boolean);
  if (taken) throw failure(`cannot add party "${partyName}": ${taken}; pick another name`);

  const ext = path.extname(entryFile) === ".js" || path.extname(entryFile) === ".mjs" ? path.extname(entryFile) : ".ts";
  const serverFile = path.join(path.dirname(entryFile), `${partyName}${ext}`);
  if (existsSync(serverFile)) throw failure(`${rel(root, serverFile)} already exists: move it away or pick another party name`);

  const partyCallee = entry.edit.partyCallee;
  if (!partyCallee) throw failure(`${entryName} does not import party from "roomkit": add import { party } from "roomkit" first`);

  const entryText = editEntry(entry, { partyName, className, serverName, partyCallee, importPath: `./${partyName}${entry.edit.usesJsExtension ? ".js" : ""}` });
  const configText = addPartyToConfig(config, { binding, className, tag: nextMigrationTag(config.migrations) });
  const serverText = ext === ".ts" ? serverSourceTs(partyName, serverName) : serverSourceJs(partyName, serverName);

  // Validate the edited entry before anything is written: it must parse, export the class and route the party.
  const edited = await analyzeEntry(entryFile, root, new Map([[entryFile, entryText]]));
  const routed = edited.worker?.parties.find((p) => p.name === partyName);
  if (edited.exports.get(className)?.kind !== "party" || routed?.exportName !== className) {
    throw failure(`could not edit ${entryName} safely (its layout is unusual); nothing was written: add the party by hand (see docs/cli.md)`);
  }
  const files: FileWrite[] = [
    { path: serverFile, content: serverText },
    { path: entryFile, content: entryText },
    { path: config.file, content: configText },
  ];
  await writeFilesAtomically(files);

  const after = await checkProject(parseConfig(config.file, configText));
  const errors = after.diagnostics.filter((d) => d.severity === "error");
  out.line(`Added party "${partyName}":`);
  out.line(`  ${rel(root, serverFile)}   the server (${serverName})`);
  out.line(`  ${entryName}   export const ${className} = ${partyCallee}(${serverName}), routed as ${partyName}`);
  out.line(`  ${cfgName}   binding ${binding} → ${className}, migration ${nextMigrationTag(config.migrations)}`);
  out.line(`Clients connect to /parties/${partyName}/<room> (new PartySocket({ host, party: "${partyName}", room })).`);
  for (const e of errors) out.warn(`${e.message} [${e.code}]`);
}

type EntryEdit = { partyName: string; className: string; serverName: string; partyCallee: string; importPath: string };

/** Inserts the import, the `party()` export and the `createWorker` key, each next to its siblings. */
function editEntry(entry: EntryAnalysis, e: EntryEdit): string {
  const text = entry.text;
  const nl = text.includes("\r\n") ? "\r\n" : "\n";
  const inserts: { at: number; text: string }[] = [];

  inserts.push({
    at: entry.edit.lastImportEnd,
    text: `${entry.edit.lastImportEnd === 0 ? "" : nl}import ${e.serverName} from "${e.importPath}";${entry.edit.lastImportEnd === 0 ? nl : ""}`,
  });

  const exportLine = `export const ${e.className} = ${e.partyCallee}(${e.serverName});`;
  if (entry.edit.lastPartyExportEnd !== undefined) inserts.push({ at: entry.edit.lastPartyExportEnd, text: nl + exportLine });
  else inserts.push({ at: entry.edit.defaultExportStart ?? text.length, text: exportLine + nl + nl });

  const obj = entry.worker!.object!;
  const key = isIdentifier(e.partyName) ? e.partyName : JSON.stringify(e.partyName);
  const prop = `${key}: ${e.className}`;
  const props = obj.properties;
  if (props.length === 0) {
    inserts.push({ at: obj.start! + 1, text: ` ${prop} ` });
  } else {
    const last = props.at(-1)!;
    const between = text.slice(last.end!, obj.end! - 1);
    const trailingComma = /^\s*,/.test(between);
    const multiline = text.slice(obj.start!, obj.end!).includes("\n");
    if (multiline) {
      const lineStart = text.lastIndexOf("\n", last.start!) + 1;
      const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
      if (trailingComma) inserts.push({ at: last.end! + between.indexOf(",") + 1, text: `${nl}${indent}${prop},` });
      else inserts.push({ at: last.end!, text: `,${nl}${indent}${prop}` });
    } else if (trailingComma) {
      inserts.push({ at: last.end! + between.indexOf(",") + 1, text: ` ${prop},` });
    } else {
      inserts.push({ at: last.end!, text: `, ${prop}` });
    }
  }

  let result = text;
  for (const ins of inserts.sort((a, b) => b.at - a.at)) result = result.slice(0, ins.at) + ins.text + result.slice(ins.at);
  return result;
}

function serverSourceTs(party: string, serverName: string): string {
  return `import type * as Party from "roomkit";

/**
 * The "${party}" party: each room lives at /parties/${party}/<room>.
 * Hibernating: idle connections cost nothing, the room wakes up per message.
 */
export default class ${serverName} implements Party.Server {
  static options = { hibernate: true };

  constructor(readonly room: Party.Room) {}

  onConnect(conn: Party.Connection) {
    conn.send(JSON.stringify({ type: "welcome", room: this.room.id, id: conn.id }));
  }

  onMessage(message: string | ArrayBuffer | ArrayBufferView, sender: Party.Connection) {
    // Relay every message to everyone else in the room.
    this.room.broadcast(message, [sender.id]);
  }
}
`;
}

function serverSourceJs(party: string, serverName: string): string {
  return `/**
 * The "${party}" party: each room lives at /parties/${party}/<room>.
 * Hibernating: idle connections cost nothing, the room wakes up per message.
 * @implements {import("roomkit").Party.Server}
 */
export default class ${serverName} {
  static options = { hibernate: true };

  /** @param {import("roomkit").Party.Room} room */
  constructor(room) {
    this.room = room;
  }

  /** @param {import("roomkit").Party.Connection} conn */
  onConnect(conn) {
    conn.send(JSON.stringify({ type: "welcome", room: this.room.id, id: conn.id }));
  }

  /** @param {string | ArrayBuffer} message @param {import("roomkit").Party.Connection} sender */
  onMessage(message, sender) {
    // Relay every message to everyone else in the room.
    this.room.broadcast(message, [sender.id]);
  }
}
`;
}
