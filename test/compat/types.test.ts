// Type-level compatibility: a server written against PartyKit's own types
// compiles against roomkit's `Party` namespace with only the import changed.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");

function diagnostics(file: string, source: string): string[] {
  const fileName = path.join(here, "fixtures", `__compiled_${path.basename(file)}`);
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
  const host = ts.createCompilerHost(options);
  const read = host.readFile;
  host.readFile = (f) => (f === fileName ? source : read(f));
  const exists = host.fileExists;
  host.fileExists = (f) => f === fileName || exists(f);
  const program = ts.createProgram([fileName], options, host);
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
});
