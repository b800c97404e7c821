// roomkit check: every diagnostic, with its exact message, on small projects.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { lastLine, projectWith, roomkit, tempDir } from "./support.js";

const SERVER = `export default class Counter { constructor(room) { this.room = room; } onMessage() {} }\n`;

const ENTRY = `import { createWorker, party } from "roomkit";
import Counter from "./counter";

export const Main = party(Counter);

export default createWorker({ main: Main });
`;

const TOML = `name = "app"
main = "src/index.ts"
compatibility_date = "2026-04-01"

[[durable_objects.bindings]]
name = "MAIN"
class_name = "Main"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["Main"]
`;

function project(overrides: { toml?: string; entry?: string; files?: Record<string, string> } = {}) {
  return projectWith({
    "wrangler.toml": overrides.toml ?? TOML,
    "src/index.ts": overrides.entry ?? ENTRY,
    "src/counter.ts": SERVER,
    ...overrides.files,
  });
}

async function check(dir: string, ...args: string[]) {
  return roomkit(dir, ["check", ...args]);
}

describe("roomkit check", () => {
  it("passes a consistent project and names its parties", async () => {
    const r = await check(project());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("parties: main → Main (MAIN); exports, bindings and migrations agree");
    expect(r.stderr).toBe("");
  });

  it("reports a party class that is exported but not bound", async () => {
    const entry = ENTRY.replace("export const Main", "export const Chat = party(Counter);\nexport const Main").replace(
      "{ main: Main }",
      "{ main: Main, chat: Chat }",
    );
    const r = await check(project({ entry }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error[unbound-class]: src/index.ts:4 exports party class "Chat" but wrangler.toml does not bind it: add [[durable_objects.bindings]] name = "CHAT" class_name = "Chat"',
    );
    expect(r.stderr).toContain(
      'error[missing-migration]: wrangler.toml: class "Chat" has no migration: add [[migrations]] tag = "v2" new_sqlite_classes = ["Chat"]',
    );
    expect(lastLine(r.stderr)).toBe("error: roomkit check found 2 errors in wrangler.toml / src/index.ts");
  });

  it("reports a binding whose class the entry does not export", async () => {
    const toml = TOML.replace("[[migrations]]", '[[durable_objects.bindings]]\nname = "CHAT"\nclass_name = "Chat"\n\n[[migrations]]').replace(
      '["Main"]',
      '["Main", "Chat"]',
    );
    const r = await check(project({ toml }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error[missing-class]: wrangler.toml: binding "CHAT" uses class_name "Chat", which src/index.ts does not export: export it (export const Chat = party(YourServer)) or remove the binding',
    );
  });

  it("fails on a party whose server is neither a class nor an object of handlers, and accepts an object", async () => {
    const arrow = await check(project({ files: { "src/counter.ts": "export default (conn: unknown) => conn;\n" } }));
    expect(arrow.code).toBe(1);
    expect(arrow.stderr).toContain(
      'error[not-a-server]: src/index.ts:4: party class "Main" serves Counter (src/counter.ts:1), which is an arrow function: a party needs a server class (export default class ... implements Party.Server) or an object of handlers (export default { onConnect(conn, room) {} })',
    );
    const missing = await check(project({ files: { "src/counter.ts": "export const Counter = class {};\n" } }));
    expect(missing.stderr).toContain("serves Counter (src/counter.ts:1), which is missing: src/counter.ts has no default export:");
    // Followed through a re-export, and an object server passes.
    const object = await check(
      project({
        files: { "src/counter.ts": 'export { default } from "./impl";\n', "src/impl.ts": "const server = { onConnect() {} };\nexport default server;\n" },
      }),
    );
    expect(object.stderr).toBe("");
    expect(object.code).toBe(0);
  });

  it("warns about a server imported from a file that does not exist yet (a build output)", async () => {
    const r = await check(project({ entry: ENTRY.replace('"./counter"', '"../dist/index.js"') }));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'warning[server-not-built]: src/index.ts:2: party class "Main" serves Counter from ../dist/index.js, which does not exist: if a build writes it, run the build before roomkit dev or deploy\n',
    );
  });

  it("reports a bound class without a migration", async () => {
    const r = await check(project({ toml: TOML.replace(/\[\[migrations\]\][\s\S]*/, "") }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error[missing-migration]: wrangler.toml: class "Main" has no migration: add [[migrations]] tag = "v1" new_sqlite_classes = ["Main"]',
    );
  });

  it("refuses a class that disappeared from the code while its data still exists", async () => {
    const toml = TOML.replace('new_sqlite_classes = ["Main"]', 'new_sqlite_classes = ["Main", "Old"]');
    const r = await check(project({ toml }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error[orphaned-class]: wrangler.toml: class "Old" (created by migration "v1") may hold stored rooms, but src/index.ts no longer exports it and Cloudflare refuses such a deploy: export it again, rename it (renamed_classes = [{ from = "Old", to = "NewName" }]), or delete its data on purpose (deleted_classes = ["Old"] in a new migration, then roomkit deploy --allow-delete Old)',
    );
  });

  it("refuses a pending deleted_classes migration unless --allow-delete names the class", async () => {
    const toml =
      TOML.replace('new_sqlite_classes = ["Main"]', 'new_sqlite_classes = ["Main", "Old"]') + '\n[[migrations]]\ntag = "v2"\ndeleted_classes = ["Old"]\n';
    const dir = project({ toml });
    const refused = await check(dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'error[pending-delete]: wrangler.toml: migration "v2" deletes class "Old" and every room stored in it, permanently: if that is intended, run again with --allow-delete Old; otherwise remove "Old" from deleted_classes',
    );
    const allowed = await check(dir, "--allow-delete", "Old");
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain(
      'warning[pending-delete]: wrangler.toml: migration "v2" deletes class "Old" and every room stored in it (allowed by --allow-delete)',
    );
  });

  it("treats deletions in older migrations as applied", async () => {
    const toml =
      TOML.replace('new_sqlite_classes = ["Main"]', 'new_sqlite_classes = ["Main", "Old"]').replace(
        "[[migrations]]",
        '[[durable_objects.bindings]]\nname = "CHAT"\nclass_name = "Chat"\n\n[[migrations]]',
      ) + '\n[[migrations]]\ntag = "v2"\ndeleted_classes = ["Old"]\n\n[[migrations]]\ntag = "v3"\nnew_sqlite_classes = ["Chat"]\n';
    const entry = ENTRY.replace("export default", "export const Chat = party(Counter);\n\nexport default").replace(
      "{ main: Main }",
      "{ main: Main, chat: Chat }",
    );
    const r = await check(project({ toml, entry }));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("reports a class on the key-value storage backend", async () => {
    const r = await check(project({ toml: TOML.replace("new_sqlite_classes", "new_classes") }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error[kv-storage]: wrangler.toml: class "Main" uses the key-value storage backend (new_classes in migration "v1"); roomkit rooms need SQLite storage: use new_sqlite_classes = ["Main"] (a class already deployed with new_classes cannot be converted: create a new class and move its rooms)',
    );
  });

  it("reports a binding name that createWorker() will not find", async () => {
    const r = await check(project({ toml: TOML.replace('name = "MAIN"', 'name = "ROOMS"') }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error[binding-mismatch]: party "main" looks for binding "MAIN", but wrangler.toml binds class "Main" as "ROOMS": rename the binding to "MAIN", or write party(Counter, { binding: "ROOMS" })',
    );
    // The binding option makes it right.
    const fixed = await check(
      project({ toml: TOML.replace('name = "MAIN"', 'name = "ROOMS"'), entry: ENTRY.replace("party(Counter)", 'party(Counter, { binding: "ROOMS" })') }),
    );
    expect(fixed.code).toBe(0);
  });

  it("reports a binding that points at another class than the party", async () => {
    const toml = TOML.replace('class_name = "Main"', 'class_name = "Other"') + '\n[[migrations]]\ntag = "v2"\nnew_sqlite_classes = ["Other"]\n';
    const entry = ENTRY.replace("export default", "export const Other = party(Counter);\n\nexport default");
    const r = await check(project({ toml, entry }));
    expect(r.stderr).toContain(
      'error[binding-mismatch]: wrangler.toml: binding "MAIN" uses class_name "Other", but party "main" (createWorker) is class "Main": set class_name = "Main"',
    );
  });

  it("reports parties that are not exported by name", async () => {
    const inline = await check(
      project({
        entry: `import { createWorker, party } from "roomkit";\nimport Counter from "./counter";\nexport const Main = party(Counter);\nexport default createWorker({ main: Main, chat: party(Counter) });\n`,
      }),
    );
    expect(inline.stderr).toContain(
      'error[party-not-exported]: src/index.ts:4: party "chat" is an inline party(...) call; Durable Object classes must be exported by name: export const Chat = party(Counter) and use { chat: Chat }',
    );
    const local = await check(
      project({
        entry: `import { createWorker, party } from "roomkit";\nimport Counter from "./counter";\nconst Main = party(Counter);\nexport default createWorker({ main: Main });\n`,
      }),
    );
    expect(local.stderr).toContain(
      "error[party-not-exported]: src/index.ts:4: createWorker({ main: Main }): Main is not exported by src/index.ts, so wrangler cannot bind it: export it (export const Main = party(...))",
    );
    expect(local.code).toBe(1);
  });

  it("reports a createWorker value that is not made by party()", async () => {
    const r = await check(project({ entry: `import { createWorker } from "roomkit";\nexport class Main {}\nexport default createWorker({ main: Main });\n` }));
    expect(r.stderr).toContain(
      "error[not-a-party]: src/index.ts:3: createWorker({ main: Main }): Main is not made by party(): write export const Main = party(YourServer)",
    );
  });

  it("follows re-exports between the project's files", async () => {
    const r = await check(
      project({
        entry: `import { createWorker } from "roomkit";\nimport { Main } from "./parties";\nexport { Main } from "./parties";\nexport default createWorker({ main: Main });\n`,
        files: { "src/parties.ts": `import { party } from "roomkit";\nimport Counter from "./counter.js";\nexport const Main = party(Counter);\n` },
      }),
    );
    // `Main` is imported and re-exported: createWorker's local is the import, the export is the same class.
    expect(r.stderr).not.toContain("missing-class");
    expect(r.stderr).not.toContain("unbound-class");
  });

  it("only warns about bindings it cannot see through export * from a package", async () => {
    const toml = TOML.replace("[[migrations]]", '[[durable_objects.bindings]]\nname = "EXT"\nclass_name = "External"\n\n[[migrations]]').replace(
      '["Main"]',
      '["Main", "External"]',
    );
    const r = await check(project({ toml, entry: ENTRY + `export * from "some-package";\n` }));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning[missing-class]: wrangler.toml: binding "EXT" uses class_name "External"');
  });

  it("reports duplicate tags, duplicate bindings, and migrations naming unknown classes", async () => {
    const toml =
      TOML.replace("[[migrations]]", '[[durable_objects.bindings]]\nname = "MAIN"\nclass_name = "Main"\n\n[[migrations]]') +
      '\n[[migrations]]\ntag = "v1"\nrenamed_classes = [{ from = "Ghost", to = "Spirit" }]\ndeleted_classes = ["Nobody"]\n';
    const r = await check(project({ toml }));
    expect(r.stderr).toContain('error[duplicate-binding]: wrangler.toml: two Durable Object bindings are named "MAIN": rename one');
    expect(r.stderr).toContain('error[duplicate-tag]: wrangler.toml: migration tag "v1" is used twice: every [[migrations]] entry needs its own tag');
    expect(r.stderr).toContain(
      'error[unknown-class]: wrangler.toml: migration "v1" renames class "Ghost", which no earlier migration creates: fix the "from" name',
    );
    expect(r.stderr).toContain(
      'error[unknown-class]: wrangler.toml: migration "v1" deletes class "Nobody", which no earlier migration creates: remove it from deleted_classes',
    );
  });

  it("reads wrangler.jsonc with comments", async () => {
    const dir = projectWith({
      "wrangler.jsonc": `{\n  // the app\n  "name": "app",\n  "main": "src/index.ts",\n  "durable_objects": { "bindings": [{ "name": "MAIN", "class_name": "Main" }] },\n  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Main"] }],\n}\n`,
      "src/index.ts": ENTRY,
      "src/counter.ts": SERVER,
    });
    expect((await check(dir)).code).toBe(0);
  });

  it("fails with one line when there is no wrangler config", async () => {
    const dir = projectWith({ "src/index.ts": ENTRY });
    const r = await check(dir);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `error: no wrangler.toml, wrangler.json or wrangler.jsonc in ${dir}: run this inside a roomkit project, or pass --config <file>`,
    );
    const named = await check(dir, "--config", "nope.toml");
    expect(named.stderr.trim()).toBe("error: nope.toml does not exist");
  });

  it("points at the line of a TOML syntax error", async () => {
    const r = await check(project({ toml: 'name = "app"\nmain = "src/index.ts\n' }));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error: wrangler\.toml:2:\d+: invalid TOML: /);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("points at the line of a JSON syntax error", async () => {
    const dir = projectWith({ "wrangler.json": '{\n  "name": "app",\n  "main": \n}\n' });
    const r = await check(dir);
    expect(r.stderr.trim()).toBe("error: wrangler.json:4:1: invalid JSON: ValueExpected");
  });

  it("reports wrongly typed settings precisely", async () => {
    const r = await check(project({ toml: TOML.replace('class_name = "Main"', "class_name = 3") }));
    expect(r.stderr.trim()).toBe("error: wrangler.toml: durable_objects.bindings[0].class_name must be a string");
  });

  it("points at a syntax error in the entry", async () => {
    const r = await check(project({ entry: "export const = 1;\n" }));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error: src\/index\.ts:1:\d+: cannot parse: /);
  });

  it("cross-checks a hand-written Worker that routes through streams({ party }) from roomkit/streams", async () => {
    const entry = (options: string, exportLine = 'export const Streams = party(Counter, { binding: "STREAMS" });') => `import { party } from "roomkit";
import { streams as serveStreams } from "roomkit/streams";
import Counter from "./counter";

${exportLine}

export default {
  async fetch(request, env, ctx) {
    return (await serveStreams(${options})(request, env, ctx)) ?? new Response("Not found", { status: 404 });
  },
};
`;
    const toml = TOML.replaceAll('"MAIN"', '"STREAMS"').replaceAll('"Main"', '"Streams"');
    const good = await check(project({ toml, entry: entry("{ party: Streams }") }));
    expect(good.stderr).toBe("");
    expect(good.code).toBe(0);
    expect(good.stdout).toContain("parties: streams → Streams (STREAMS); exports, bindings and migrations agree");

    // streams({ binding }) wins over the class's binding, as at run time.
    const renamed = await check(project({ toml, entry: entry('{ party: Streams, binding: "FEEDS" }') }));
    expect(renamed.code).toBe(1);
    expect(renamed.stderr).toContain(
      'error[binding-mismatch]: party "streams" looks for binding "FEEDS", but wrangler.toml binds class "Streams" as "STREAMS": rename the binding to "FEEDS", or write streams({ party: Streams, binding: "STREAMS" })',
    );

    const unexported = await check(project({ toml, entry: entry("{ party: Streams }", 'const Streams = party(Counter, { binding: "STREAMS" });') }));
    expect(unexported.code).toBe(1);
    expect(unexported.stderr).toContain(
      "error[party-not-exported]: src/index.ts:9: streams({ party: Streams }): Streams is not exported by src/index.ts, so wrangler cannot bind it: export it (export const Streams = party(...))",
    );
  });

  it("cross-checks a hand-written Worker that routes through defineRoutes or routeRoomkitRequest from roomkit", async () => {
    const entry = (routes: string, call = "routes") => `import { defineRoutes, party, routeRoomkitRequest } from "roomkit";
import Counter from "./counter";

export const Main = party(Counter);
export const Chat = party(Counter);
${routes}
export default {
  async fetch(request, env, ctx) {
    return (await routeRoomkitRequest(request, env, ctx, ${call})) ?? new Response("home");
  },
};
`;
    const defined = await check(project({ entry: entry("const routes = defineRoutes({ parties: { main: Main, chat: Chat } });\n") }));
    expect(defined.code).toBe(1);
    expect(defined.stderr).toContain(
      'error[unbound-class]: src/index.ts:5 exports party class "Chat" but wrangler.toml does not bind it: add [[durable_objects.bindings]] name = "CHAT" class_name = "Chat"',
    );
    expect(defined.stderr).not.toContain("no-worker");

    const literal = await check(project({ entry: entry("", "{ parties: { main: Main, lobby: Chat } }") }));
    expect(literal.code).toBe(1);
    expect(literal.stderr).toContain('add [[durable_objects.bindings]] name = "LOBBY" class_name = "Chat"');

    const mismatch = await check(
      project({ entry: entry("const routes = { parties: { rooms: Main } };\n").replace("export const Chat = party(Counter);\n", "") }),
    );
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain(
      'error[binding-mismatch]: party "rooms" looks for binding "ROOMS", but wrangler.toml binds class "Main" as "MAIN": rename the binding to "ROOMS", or write party(Counter, { binding: "MAIN" })',
    );
  });

  it("still warns about a hand-written Worker that routes through none of roomkit's calls", async () => {
    const entry =
      'import { party } from "roomkit";\nimport Counter from "./counter";\n\nexport const Main = party(Counter);\n\nexport default { fetch: () => new Response("hi") };\n';
    const r = await check(project({ entry }));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      "warning[no-worker]: src/index.ts has no export default createWorker({...}), and its default export routes through none of streams({ party }), defineRoutes({ parties }), routeRoomkitRequest(): party names and bindings cannot be cross-checked\n",
    );
  });

  it("passes a project created from the streams template without a warning", async () => {
    const cwd = tempDir();
    expect((await roomkit(cwd, ["create", "app", "--template", "streams", "--no-install", "--no-git"])).code).toBe(0);
    const r = await check(path.join(cwd, "app"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("parties: streams → Streams (STREAMS)");
  });

  it("fails when main is missing or points nowhere", async () => {
    const noMain = await check(project({ toml: TOML.replace('main = "src/index.ts"\n', "") }));
    expect(noMain.stderr).toContain('error[no-main]: wrangler.toml has no main: add main = "src/index.ts" (the Worker entry that calls createWorker())');
    const missing = await check(project({ toml: TOML.replace("src/index.ts", "src/nope.ts") }));
    expect(missing.stderr.trim()).toBe("error: the entry src/nope.ts does not exist");
  });
});

describe("roomkit check with [env.<name>] sections", () => {
  const STAGING = `
[env.staging]
name = "app-staging"

[[env.staging.durable_objects.bindings]]
name = "MAIN"
class_name = "Main"
`;

  it("passes when every environment binds its classes (migrations are inherited) and says which it checked", async () => {
    const r = await check(project({ toml: TOML + STAGING }));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("parties: main → Main (MAIN); exports, bindings and migrations agree (top level and [env.staging])");
  });

  it("reports an environment without durable_objects: wrangler does not inherit them", async () => {
    const r = await check(project({ toml: TOML + '\n[env.staging]\nname = "app-staging"\n' }));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      'error[unbound-class]: src/index.ts:4 exports party class "Main" but wrangler.toml [env.staging] does not bind it (environments do not inherit durable_objects from the top level): add [[env.staging.durable_objects.bindings]] name = "MAIN" class_name = "Main"',
      "error: roomkit check found 1 error in wrangler.toml / src/index.ts",
    ]);
  });

  it("checks an environment's own bindings: wrong name, unknown class, duplicates", async () => {
    const toml =
      TOML +
      '\n[env.production]\n\n[[env.production.durable_objects.bindings]]\nname = "ROOMS"\nclass_name = "Main"\n\n[[env.production.durable_objects.bindings]]\nname = "ROOMS"\nclass_name = "Chat"\n';
    const r = await check(project({ toml }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[duplicate-binding]: wrangler.toml [env.production]: two Durable Object bindings are named "ROOMS": rename one');
    expect(r.stderr).toContain(
      'error[missing-class]: wrangler.toml [env.production]: binding "ROOMS" uses class_name "Chat", which src/index.ts does not export: export it (export const Chat = party(YourServer)) or remove the binding',
    );
    expect(r.stderr).toContain(
      'error[binding-mismatch]: party "main" looks for binding "MAIN", but wrangler.toml [env.production] binds class "Main" as "ROOMS": rename the binding to "MAIN", or write party(Counter, { binding: "ROOMS" })',
    );
    // The top level is fine: nothing about it.
    expect(r.stderr).not.toMatch(/wrangler\.toml: /);
  });

  it("replays an environment's own migrations and points fixes at [[env.<name>.migrations]]", async () => {
    const toml =
      TOML +
      STAGING +
      '\n[[env.staging.migrations]]\ntag = "v1"\nnew_sqlite_classes = ["Old"]\n\n[[env.staging.migrations]]\ntag = "v2"\nnew_classes = ["Legacy"]\n';
    const r = await check(project({ toml }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error[missing-migration]: wrangler.toml [env.staging]: class "Main" has no migration: add [[env.staging.migrations]] tag = "v3" new_sqlite_classes = ["Main"]',
    );
    expect(r.stderr).toContain('error[orphaned-class]: wrangler.toml [env.staging]: class "Old" (created by migration "v1") may hold stored rooms');
    expect(r.stderr).toContain('error[kv-storage]: wrangler.toml [env.staging]: class "Legacy" uses the key-value storage backend');
    expect(r.stderr).not.toMatch(/wrangler\.toml: /);
  });

  it("needs --allow-delete for a deletion pending in an environment's migrations", async () => {
    const toml =
      TOML +
      STAGING +
      '\n[[env.staging.migrations]]\ntag = "v1"\nnew_sqlite_classes = ["Main", "Old"]\n\n[[env.staging.migrations]]\ntag = "v2"\ndeleted_classes = ["Old"]\n';
    const dir = project({ toml });
    const refused = await check(dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'error[pending-delete]: wrangler.toml [env.staging]: migration "v2" deletes class "Old" and every room stored in it, permanently: if that is intended, run again with --allow-delete Old',
    );
    const allowed = await check(dir, "--allow-delete", "Old");
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain('warning[pending-delete]: wrangler.toml [env.staging]: migration "v2" deletes class "Old"');
  });

  it("reports a problem an environment only inherits once, for the top level", async () => {
    const toml = TOML.replace('new_sqlite_classes = ["Main"]', 'new_sqlite_classes = ["Main", "Old"]') + STAGING + STAGING.replaceAll("staging", "production");
    const r = await check(project({ toml }));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^error\[orphaned-class\]: wrangler\.toml: class "Old"/),
      "error: roomkit check found 1 error in wrangler.toml / src/index.ts",
    ]);
  });

  it("analyses an environment's own main", async () => {
    const toml = TOML + STAGING.replace('name = "app-staging"', 'name = "app-staging"\nmain = "src/staging.ts"');
    const staging = ENTRY.replace("export default", "export const Chat = party(Counter);\n\nexport default").replace(
      "{ main: Main }",
      "{ main: Main, chat: Chat }",
    );
    const r = await check(project({ toml, files: { "src/staging.ts": staging } }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error[unbound-class]: src/staging.ts:6 exports party class "Chat" but wrangler.toml [env.staging] does not bind it: add [[env.staging.durable_objects.bindings]] name = "CHAT" class_name = "Chat"',
    );
    expect(r.stderr).toContain(
      'error[missing-migration]: wrangler.toml [env.staging]: class "Chat" has no migration: add [[migrations]] tag = "v2" new_sqlite_classes = ["Chat"]',
    );

    const missing = await check(project({ toml: TOML + STAGING.replace('name = "app-staging"', 'main = "src/nope.ts"') }));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe("error: wrangler.toml [env.staging]: the entry src/nope.ts does not exist");
  });

  it("reads environments from wrangler.jsonc", async () => {
    const config = (env: string) =>
      `{\n  "name": "app",\n  "main": "src/index.ts",\n  "durable_objects": { "bindings": [{ "name": "MAIN", "class_name": "Main" }] },\n  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Main"] }],\n  "env": { ${env} },\n}\n`;
    const good = projectWith({
      "wrangler.jsonc": config(`"staging": { "durable_objects": { "bindings": [{ "name": "MAIN", "class_name": "Main" }] } }`),
      "src/index.ts": ENTRY,
      "src/counter.ts": SERVER,
    });
    expect((await check(good)).code).toBe(0);
    const bad = projectWith({
      "wrangler.jsonc": config(`"staging": { "durable_objects": { "bindings": [{ "name": "CHAT", "class_name": "Main" }] } }`),
      "src/index.ts": ENTRY,
      "src/counter.ts": SERVER,
    });
    const r = await check(bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('but wrangler.jsonc [env.staging] binds class "Main" as "CHAT"');
  });

  it("reports wrongly typed environment settings precisely", async () => {
    const typed = await check(project({ toml: TOML + STAGING.replace('class_name = "Main"', "class_name = 3") }));
    expect(typed.stderr.trim()).toBe("error: wrangler.toml: env.staging.durable_objects.bindings[0].class_name must be a string");
    const notTable = await check(project({ toml: TOML.replace('main = "src/index.ts"', 'main = "src/index.ts"\nenv = "staging"') }));
    expect(notTable.stderr.trim()).toBe("error: wrangler.toml: env must be a table of environments ([env.<name>])");
    const migrations = await check(project({ toml: TOML + '\n[env.staging]\nmigrations = "v1"\n' }));
    expect(migrations.stderr.trim()).toBe("error: wrangler.toml: env.staging.migrations must be a list ([[env.staging.migrations]])");
  });
});
