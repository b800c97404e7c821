// Reproduction without roomkit (docs/limits.md, "Request bodies roomkit does not read"):
//   node test/reliability/wrangler-body/repro.mjs [requests=2000]
// For each mode of worker.js it starts a fresh `wrangler dev`, sends POST/PUT/PATCH/DELETE/GET/OPTIONS
// requests with 0–64 KB bodies (Content-Length or chunked), 16 at a time, and prints what came back.
import { spawn } from "node:child_process";
import http from "node:http";
import { createServer } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const dir = import.meta.dirname;
const wrangler = path.join(dir, "../../../node_modules/wrangler/bin/wrangler.js");
const total = Number(process.argv[2] ?? 2000);
const methods = ["POST", "PUT", "PATCH", "DELETE", "GET", "OPTIONS"];

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function run(mode) {
  const port = await freePort();
  const dev = spawn(
    process.execPath,
    [
      wrangler,
      "dev",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--inspector-port",
      String(await freePort()),
      "--persist-to",
      mkdtempSync(path.join(tmpdir(), "wrangler-body-")),
    ],
    { cwd: dir, detached: true, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" } },
  );
  let log = "";
  dev.stdout.on("data", (d) => (log += d));
  dev.stderr.on("data", (d) => (log += d));
  for (let i = 0; i < 600 && !log.includes("Ready on"); i++) await new Promise((r) => setTimeout(r, 100));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const seen = {};
  let next = 0;
  const one = (k) =>
    new Promise((resolve) => {
      const size = Math.floor(Math.random() * 65_537);
      const chunked = k % 3 === 0;
      const count = (key) => ((seen[key] = (seen[key] ?? 0) + 1), resolve());
      const req = http.request(
        {
          host: "127.0.0.1",
          port,
          agent,
          method: methods[k % methods.length],
          path: `/r${k}?mode=${mode}`,
          timeout: 10_000,
          headers: chunked ? { "transfer-encoding": "chunked" } : { "content-length": size },
        },
        (res) => {
          let text = "";
          res.on("data", (d) => (text += d));
          res.on("end", () => count(`${res.statusCode} ${text.split("\n")[0].slice(0, 60)}`));
          res.on("error", (e) => count(`response error ${e.code}`));
        },
      );
      req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
      req.on("error", (e) => count(`error ${e.code}`));
      req.end(Buffer.alloc(size, 97));
    });
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) await one(next++);
    }),
  );
  agent.destroy();
  const uncaught = log.split("Can't read from request stream after response has been sent").length - 1;
  console.log(`${mode.padEnd(14)} ${JSON.stringify(seen)}  uncaught "Can't read from request stream": ${uncaught}`);
  process.kill(-dev.pid, "SIGKILL");
}

for (const mode of ["unread", "cancel", "copy", "copy-drains", "object", "object-drains"]) await run(mode);
