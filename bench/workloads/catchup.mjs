// Catch-up: a client of a durable room (options.history) that missed N
// broadcasts reconnects with its offset; measured until its "ready" frame,
// every missed message received once and in order.
import WebSocket from "ws";
import { closeAll, openSocket, waitFor } from "../lib/clients.mjs";
import { unwrapDurable } from "./durable.mjs";

/** Connects a resuming client from "now" and resolves with the offset of its `ready` frame (listening before it opens). */
function connectForOffset(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error("no ready frame within 30 s")), 30_000);
    ws.on("message", (data) => {
      const text = data.toString();
      if (!text.startsWith("\u0000rk|ready|")) return;
      clearTimeout(timer);
      resolve({ ws, offset: text.split("|")[2] });
    });
    ws.once("error", reject);
  });
}

export default {
  name: "catchup",
  title: "Catch-up: a client of a durable room reconnects after missing N broadcasts",
  impls: [{ key: "durable", label: "roomkit (hibernating, history)" }],
  references: {},
  mode: "shared",
  rounds: 3,
  sizes: { full: { missed: 10_000 }, smoke: { missed: 500 } },
  describe: (s) =>
    `${s.missed.toLocaleString("en-US")} broadcasts of ~40 bytes sent while the client was away; from its reconnect to its "ready" frame (Node client, loopback)`,
  figures: {
    catchUpMs: { label: "catch-up ms", better: "lower", digits: 0 },
    messagesPerSec: { label: "replayed msg/s", better: "higher", digits: 0 },
  },
  async setup() {
    return {};
  },
  async sample(server, impl, state, s) {
    const url = `${server.ws}/parties/rk-dur/catchup-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    const sender = await openSocket(`${url}?_pk=sender`);
    // The client connects once, keeps its offset and leaves.
    const { ws: away, offset } = await connectForOffset(`${url}?_pk=client&_rk_offset=now`);
    await closeAll([away]);
    let echoed = 0;
    sender.on("message", () => echoed++);
    for (let i = 1; i <= s.missed; i++) sender.send(`bsender,${i},0`);
    await waitFor(() => echoed >= s.missed, `the ${s.missed} broadcasts`);

    let received = 0;
    let outOfOrder = 0;
    const t0 = performance.now();
    const back = new WebSocket(`${url}?_pk=client&_rk_offset=${encodeURIComponent(offset)}`, { perMessageDeflate: false });
    const done = new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error(`no ready frame within 60 s (${received} replayed)`)), 60_000).unref();
      back.on("message", (data) => {
        const text = data.toString();
        if (text.startsWith("\u0000rk|ready|")) return resolve(performance.now() - t0);
        const message = unwrapDurable(text);
        if (message === null) return;
        if (Number(message.split(",")[1]) !== ++received) outOfOrder++;
      });
      back.once("error", reject);
    });
    const catchUpMs = await done;
    await closeAll([back, sender]);
    return { check: { lost: s.missed - received, outOfOrder }, values: { catchUpMs, messagesPerSec: (received / catchUpMs) * 1000 } };
  },
  async teardown() {},
};
