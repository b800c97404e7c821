// `node --import ./simulate.mjs` with SIMULATE_NODE=20.11.1 or 20.12.0: this process behaves as that
// Node.js 20 release as far as the CLI can tell. It reports that version and lacks the APIs added
// after it: gone from the module objects (what require() and property reads see) and, through a
// module hook, from the named exports of the node: modules (so `import { styleText } from "node:util"`
// fails at link time with a SyntaxError, exactly as on the real release).
import { register, syncBuiltinESMExports } from "node:module";
import { createRequire } from "node:module";

const version = process.env.SIMULATE_NODE;
if (!/^20\.\d+\.\d+$/.test(version ?? "")) throw new Error("SIMULATE_NODE must be a Node.js 20 version, e.g. 20.11.1");
const minor = Number(version.split(".")[1]);

/** [module, name, the 20.x minor that added it]: Node 20 additions a CLI could touch. */
const ADDED = [
  ["util", "styleText", 12],
  ["util", "parseEnv", 12],
  ["process", "loadEnvFile", 12],
  ["zlib", "crc32", 15],
  ["process", "getBuiltinModule", 16],
  ["path", "matchesGlob", 17],
];
const removed = {};
const require = createRequire(import.meta.url);
for (const [mod, name, since] of ADDED) {
  if (minor >= since) continue;
  if (mod === "process") delete process[name];
  else {
    delete require(mod)[name];
    (removed[mod] ??= []).push(name);
  }
}
syncBuiltinESMExports();
Object.defineProperty(process, "version", { value: `v${version}` });
Object.defineProperty(process, "versions", { value: { ...process.versions, node: version } });
register("./simulate-hooks.mjs", import.meta.url, { data: { removed } });
