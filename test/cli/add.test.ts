// roomkit add: server file + entry export + binding and migration, with the
// user's formatting and comments untouched.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { counterProject, projectWith, roomkit, snapshot } from "./support.js";

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), "utf8");

/** A project with one party, `main` (class Main), configured by `config`. */
const onePartyProject = (configFile: "wrangler.toml" | "wrangler.jsonc", config: string) =>
  projectWith({
    [configFile]: config,
    "src/index.ts": `import { createWorker, party } from "roomkit";\nimport Counter from "./counter";\nexport const Main = party(Counter);\nexport default createWorker({ main: Main });\n`,
    "src/counter.ts": "export default class Counter {}\n",
  });

/** `after` is `before` with only insertions: every line of `before` is still there, in order. */
function onlyInsertions(before: string, after: string) {
  const rest = after.split("\n");
  for (const line of before.split("\n")) {
    const i = rest.indexOf(line);
    expect(i, `line ${JSON.stringify(line)} was changed or moved`).toBeGreaterThanOrEqual(0);
    rest.splice(0, i + 1);
  }
}

describe("roomkit add", () => {
  it("adds a party to the counter template, keeping wrangler.toml's comments and layout", async () => {
    const dir = counterProject();
    const tomlBefore = read(dir, "wrangler.toml");
    const entryBefore = read(dir, "src/index.ts");
    const r = await roomkit(dir, ["add", "chat-room"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Added party "chat-room"');
    expect(r.stdout).toContain("Clients connect to /parties/chat-room/<room>");

    const toml = read(dir, "wrangler.toml");
    onlyInsertions(tomlBefore, toml);
    expect(toml).toContain('[[durable_objects.bindings]]\nname = "CHAT_ROOM"\nclass_name = "ChatRoom"');
    expect(toml).toContain('[[migrations]]\ntag = "v2"\nnew_sqlite_classes = ["ChatRoom"]');
    // The new binding sits right after the existing one, before the migrations.
    expect(toml.indexOf('name = "CHAT_ROOM"')).toBeLessThan(toml.indexOf("[[migrations]]"));

    // Three insertions, each next to its siblings; nothing else changes.
    expect(read(dir, "src/index.ts")).toBe(
      entryBefore
        .replace('import Counter from "./counter";', 'import Counter from "./counter";\nimport ChatRoomServer from "./chat-room";')
        .replace("export const Main = party(Counter);", "export const Main = party(Counter);\nexport const ChatRoom = party(ChatRoomServer);")
        .replace("createWorker({ main: Main })", 'createWorker({ main: Main, "chat-room": ChatRoom })'),
    );
    expect(read(dir, "src/chat-room.ts")).toContain("export default class ChatRoomServer implements Party.Server");

    expect((await roomkit(dir, ["check"])).code).toBe(0);
    // And again: a third party gets v3.
    expect((await roomkit(dir, ["add", "game"])).code).toBe(0);
    expect(read(dir, "wrangler.toml")).toContain('tag = "v3"\nnew_sqlite_classes = ["Game"]');
    expect((await roomkit(dir, ["check"])).code).toBe(0);
  });

  it("keeps the style of a multi-line createWorker object and .js import specifiers", async () => {
    const dir = projectWith({
      "wrangler.toml":
        'name = "app"\nmain = "src/index.ts"\n\n[[durable_objects.bindings]]\nname = "MAIN"\nclass_name = "Main"\n\n[[migrations]]\ntag = "v1"\nnew_sqlite_classes = ["Main"] # first\n',
      "src/index.ts": `import { createWorker, party } from "roomkit";\nimport Counter from "./counter.js";\n\nexport const Main = party(Counter);\n\nexport default createWorker(\n  {\n    main: Main,\n  },\n  { cors: true },\n);\n`,
      "src/counter.ts": "export default class Counter {}\n",
    });
    const r = await roomkit(dir, ["add", "chat"]);
    expect(r.code, r.stderr).toBe(0);
    const entry = read(dir, "src/index.ts");
    expect(entry).toContain('import ChatServer from "./chat.js";');
    expect(entry).toContain("  {\n    main: Main,\n    chat: Chat,\n  },\n  { cors: true },");
    expect(read(dir, "wrangler.toml")).toContain('new_sqlite_classes = ["Main"] # first\n\n[[migrations]]\ntag = "v2"');
    expect((await roomkit(dir, ["check"])).code).toBe(0);
  });

  it("edits wrangler.jsonc without losing its comments", async () => {
    const jsonc = `{\n  // my app\n  "name": "app",\n  "main": "src/index.ts",\n  "durable_objects": {\n    "bindings": [\n      { "name": "MAIN", "class_name": "Main" } // the counter\n    ]\n  },\n  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Main"] }]\n}\n`;
    const dir = onePartyProject("wrangler.jsonc", jsonc);
    const r = await roomkit(dir, ["add", "chat"]);
    expect(r.code, r.stderr).toBe(0);
    const text = read(dir, "wrangler.jsonc");
    expect(text).toContain("// my app");
    expect(text).toContain("// the counter");
    expect((await roomkit(dir, ["check"])).code).toBe(0);
  });

  it("adds the binding to every [env.<name>] with its own bindings, and a migration where the env has its own", async () => {
    const toml = [
      'name = "app"',
      'main = "src/index.ts"',
      "",
      "[[durable_objects.bindings]]",
      'name = "MAIN"',
      'class_name = "Main"',
      "",
      "[[migrations]]",
      'tag = "v1"',
      'new_sqlite_classes = ["Main"]',
      "",
      "# staging shares the top-level migrations",
      "[env.staging]",
      'name = "app-staging"',
      "",
      "[[env.staging.durable_objects.bindings]]",
      'name = "MAIN"',
      'class_name = "Main"',
      "",
      "# prod keeps its own migration history",
      "[env.prod]",
      'name = "app-prod"',
      "",
      "[[env.prod.durable_objects.bindings]]",
      'name = "MAIN"',
      'class_name = "Main"',
      "",
      "[[env.prod.migrations]]",
      'tag = "p1"',
      'new_sqlite_classes = ["Main"]',
      "",
    ].join("\n");
    const dir = onePartyProject("wrangler.toml", toml);
    const r = await roomkit(dir, ["add", "chat"]);
    expect(r.code, r.stderr).toBe(0);
    const after = read(dir, "wrangler.toml");
    onlyInsertions(toml, after);
    expect(after).toContain('[[durable_objects.bindings]]\nname = "CHAT"\nclass_name = "Chat"');
    expect(after).toContain('[[migrations]]\ntag = "v2"\nnew_sqlite_classes = ["Chat"]');
    expect(after).toContain('[[env.staging.durable_objects.bindings]]\nname = "CHAT"\nclass_name = "Chat"');
    expect(after).toContain('[[env.prod.durable_objects.bindings]]\nname = "CHAT"\nclass_name = "Chat"');
    expect(after).toContain('[[env.prod.migrations]]\ntag = "v2"\nnew_sqlite_classes = ["Chat"]');
    // staging has no migrations of its own: none is added there.
    expect(after).not.toContain("[[env.staging.migrations]]");
    const check = await roomkit(dir, ["check"]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it("adds to each env of a wrangler.jsonc too", async () => {
    const jsonc = `{\n  "name": "app",\n  "main": "src/index.ts",\n  "durable_objects": { "bindings": [{ "name": "MAIN", "class_name": "Main" }] },\n  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Main"] }],\n  "env": {\n    // staging\n    "staging": { "durable_objects": { "bindings": [{ "name": "MAIN", "class_name": "Main" }] } }\n  }\n}\n`;
    const dir = onePartyProject("wrangler.jsonc", jsonc);
    const r = await roomkit(dir, ["add", "chat"]);
    expect(r.code, r.stderr).toBe(0);
    const text = read(dir, "wrangler.jsonc");
    expect(text).toContain("// staging");
    const parsed = JSON.parse(text.replace("// staging", ""));
    expect(parsed.env.staging.durable_objects.bindings).toEqual([
      { name: "MAIN", class_name: "Main" },
      { name: "CHAT", class_name: "Chat" },
    ]);
    expect(parsed.env.staging.migrations).toBeUndefined();
    expect((await roomkit(dir, ["check"])).code).toBe(0);
  });

  it("rejects an invalid party name with a usage error", async () => {
    const dir = counterProject();
    const before = snapshot(dir);
    const r = await roomkit(dir, ["add", "Chat Room"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'error: invalid party name "Chat Room": use letters, digits, "-" or "_", starting with a letter, at most 63 characters (it appears in URLs: /parties/Chat Room/<room>)',
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it("refuses an existing party, a taken class name or an existing file, writing nothing", async () => {
    const dir = counterProject();
    const before = snapshot(dir);
    const again = await roomkit(dir, ["add", "main"]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe('error: party "main" already exists in src/index.ts');

    writeFileSync(path.join(dir, "src/chat.ts"), "// mine\n");
    const file = await roomkit(dir, ["add", "chat"]);
    expect(file.code).toBe(1);
    expect(file.stderr.trim()).toBe("error: src/chat.ts already exists: move it away or pick another party name");
    expect(read(dir, "src/chat.ts")).toBe("// mine\n");

    const tomlWithOld = read(dir, "wrangler.toml").replace(
      'new_sqlite_classes = ["Main"]',
      'new_sqlite_classes = ["Main"]\n\n[[migrations]]\ntag = "v2"\nnew_sqlite_classes = ["Lobby"]\n\n[[migrations]]\ntag = "v3"\ndeleted_classes = ["Lobby"]',
    );
    writeFileSync(path.join(dir, "wrangler.toml"), tomlWithOld);
    const taken = await roomkit(dir, ["add", "lobby"]);
    expect(taken.code).toBe(1);
    expect(taken.stderr.trim()).toBe('error: cannot add party "lobby": wrangler.toml migrations already use the class name Lobby; pick another name');
    expect(existsSync(path.join(dir, "src/lobby.ts"))).toBe(false);
    expect(Object.keys(snapshot(dir)).sort()).toEqual([...Object.keys(before), "src/chat.ts"].sort());
  });

  it("refuses an entry without createWorker({...}), writing nothing", async () => {
    const dir = projectWith({
      "wrangler.toml": 'name = "app"\nmain = "src/index.ts"\n',
      "src/index.ts": "export default { fetch() { return new Response('hi'); } };\n",
    });
    const before = snapshot(dir);
    const r = await roomkit(dir, ["add", "chat"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      "error: src/index.ts has no export default createWorker({ ... }) with an object literal, so roomkit add cannot register the party: add it by hand (see docs/cli.md)",
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it("refuses an entry that does not import party(), writing nothing", async () => {
    const dir = projectWith({
      "wrangler.toml": 'name = "app"\nmain = "src/index.ts"\n',
      "src/index.ts": `import * as rk from "./lib";\nimport { createWorker } from "roomkit";\nexport default createWorker({});\n`,
      "src/lib.ts": "",
    });
    const before = snapshot(dir);
    const r = await roomkit(dir, ["add", "chat"]);
    expect(r.stderr.trim()).toBe('error: src/index.ts does not import party from "roomkit": add import { party } from "roomkit" first');
    expect(r.code).toBe(1);
    expect(snapshot(dir)).toEqual(before);
  });

  it("refuses to edit bindings written as an inline table, writing nothing", async () => {
    const dir = counterProject();
    writeFileSync(
      path.join(dir, "wrangler.toml"),
      'name = "app"\nmain = "src/index.ts"\ndurable_objects = { bindings = [{ name = "MAIN", class_name = "Main" }] }\nmigrations = [{ tag = "v1", new_sqlite_classes = ["Main"] }]\n',
    );
    const before = snapshot(dir);
    const r = await roomkit(dir, ["add", "chat"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'error: durable_objects.bindings in wrangler.toml is not written as [[durable_objects.bindings]] tables, which roomkit add edits; add it by hand: [[durable_objects.bindings]] name = "CHAT" class_name = "Chat", [[migrations]] tag = "v2" new_sqlite_classes = ["Chat"]',
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it("needs a project: missing wrangler config and missing argument", async () => {
    const dir = projectWith({ "README.md": "" });
    const r = await roomkit(dir, ["add", "chat"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: no wrangler.toml, wrangler.json or wrangler.jsonc in");
    const usage = await roomkit(dir, ["add"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim()).toBe("error: missing required argument 'party' (see roomkit --help)");
  });
});
