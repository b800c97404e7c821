#!/usr/bin/env node
// Electric's reference server @durable-streams/server in a process of its own,
// as bench/lib/streams.mjs starts it: `node reference-server.mjs [dataDir]`
// (file-backed with a data directory, in memory without). Prints its URL as
// one JSON line; stops on SIGTERM. Its own process lets the benchmark pin it
// to the server core, as workerd is, instead of sharing the clients' core.
import { DurableStreamTestServer } from "@durable-streams/server";

// The server logs recovery and every append slower than its threshold through
// console.info, with no option to turn it off; the benchmark's output stays clean.
console.info = () => {};

const dataDir = process.argv[2];
const server = new DurableStreamTestServer({ port: 0, host: "127.0.0.1", ...(dataDir ? { dataDir } : {}) });
const url = await server.start();
process.stdout.write(`${JSON.stringify({ url: url.replace(/\/$/, "") })}\n`);
process.once("SIGTERM", () => {
  server.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
