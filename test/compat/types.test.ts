// Type-level compatibility: a server written against PartyKit's own types
// compiles against roomkit's `Party` namespace with only the import changed.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");

const options: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ES2022,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2023.d.ts"],
  types: ["@cloudflare/workers-types"],
  skipLibCheck: true,
  baseUrl: repo,
  paths: { roomkit: ["src/index.ts"] },
};

function compile(file: string, source: string): { program: ts.Program; fileName: string } {
  const fileName = path.join(here, "fixtures", `__compiled_${path.basename(file)}`);
  const host = ts.createCompilerHost(options);
  const read = host.readFile;
  host.readFile = (f) => (f === fileName ? source : read(f));
  const exists = host.fileExists;
  host.fileExists = (f) => f === fileName || exists(f);
  return { program: ts.createProgram([fileName], options, host), fileName };
}

function diagnostics(file: string, source: string): string[] {
  const { program, fileName } = compile(file, source);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === fileName)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

const fixture = (name: string) => readFileSync(path.join(here, "fixtures", name), "utf8");
const toRoomkit = (src: string) => src.replace(`from "partykit/server"`, `from "roomkit"`);

describe("Party.* types", () => {
  it("the PartyKit chat server is valid PartyKit (sanity check of the fixture)", () => {
    expect(diagnostics("chat-server.ts", fixture("chat-server.ts"))).toEqual([]);
  });

  it("the same file compiles against roomkit with only the import changed", () => {
    const src = toRoomkit(fixture("chat-server.ts"));
    expect(src).toContain(`import type * as Party from "roomkit"`);
    expect(diagnostics("chat-server.ts", src)).toEqual([]);
  });

  it("a server with PartyKit's argument order wrong is rejected by both", () => {
    expect(diagnostics("wrong-order.ts", fixture("wrong-order.ts")).join("\n")).toMatch(/onMessage/);
    expect(diagnostics("wrong-order.ts", toRoomkit(fixture("wrong-order.ts"))).join("\n")).toMatch(/onMessage/);
  });

  it("PartyKit's deprecated names (Party.PartyServer, Party.PartyKitRoom, ...) compile against roomkit too", () => {
    expect(diagnostics("legacy-names.ts", fixture("legacy-names.ts"))).toEqual([]);
    const src = toRoomkit(fixture("legacy-names.ts"));
    expect(src).toContain(`import type * as Party from "roomkit"`);
    expect(diagnostics("legacy-names.ts", src)).toEqual([]);
  });

  it("old names imported by name, with Party as the room type (PartyKit's starter), compile against roomkit", () => {
    expect(diagnostics("named-imports.ts", fixture("named-imports.ts"))).toEqual([]);
    expect(diagnostics("named-imports.ts", toRoomkit(fixture("named-imports.ts")))).toEqual([]);
    // ... and the same `Party` still works as the namespace.
    const src = `import type { Party } from "roomkit";\nexport const options: Party.ServerOptions = { hibernate: true };\nexport type S = Party.Server;\n`;
    expect(diagnostics("namespace-import.ts", src)).toEqual([]);
  });

  it("every type name partykit/server exports is exported by roomkit", () => {
    const { program, fileName } = compile("exports.ts", `import type * as PK from "partykit/server";\nimport type * as RK from "roomkit";\n`);
    const checker = program.getTypeChecker();
    const [pk, rk] = program
      .getSourceFile(fileName)!
      .statements.filter(ts.isImportDeclaration)
      .map((d) => checker.getExportsOfModule(checker.getSymbolAtLocation(d.moduleSpecifier)!).map((s) => s.name));
    // The manifest of PartyKit's own static-asset server: roomkit serves assets with wrangler's [assets].
    const notApplicable = ["StaticAssetsManifestType"];
    expect(pk.length).toBeGreaterThan(30);
    expect(pk.filter((n) => !rk.includes(n) && !notApplicable.includes(n))).toEqual([]);
  });

  // Until issue 13 party() refused this at compile time; it now runs it (test/core/object-syntax.test.ts).
  it("party() accepts a server in PartyKit's old object syntax, with PartyKit's argument order", () => {
    const src = [
      `import { party, type Party } from "roomkit";`,
      `const server = {`,
      `  onConnect(connection, room, ctx) { connection.send(room.id + new URL(ctx.request.url).pathname); },`,
      `  onMessage(message, connection, room) { room.broadcast(String(message), [connection.id]); },`,
      `  onAlarm(room) { room.broadcast(room.id); },`,
      `  onRequest(req, room) { return new Response(room.id + req.url); },`,
      `  onBeforeConnect(req, lobby) { req.headers.set("X-User-ID", lobby.id); return req; },`,
      `} satisfies Party.PartyKitServer;`,
      `export const Main = party(server);`,
      `export const Typed = party({ onClose(conn, room) { room.broadcast(conn.id); } } as Party.PartyKitServer);`,
    ].join("\n");
    expect(diagnostics("object-server.ts", src)).toEqual([]);
    // The wrong order is still caught: onMessage's first argument is the message.
    const wrong = `import { party } from "roomkit";\nexport const Main = party({ onMessage(conn: { send(s: string): void }, message: string) { conn.send(message); } });\n`;
    expect(diagnostics("object-server-wrong.ts", wrong).join("\n")).toMatch(/No overload matches this call/);
  });
});
