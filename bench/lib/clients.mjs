// Node WebSocket clients for the load: opening many sockets, closed-loop senders.
import WebSocket from "ws";

/** Opens one socket; rejects with the close code/reason if the server refuses it. */
export function openSocket(url, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`timed out opening ${url}`));
    }, timeoutMs);
    ws.once("open", () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    ws.once("close", (code, reason) => {
      clearTimeout(timer);
      reject(new Error(`${url} closed before opening: ${code} ${reason}`));
    });
  });
}

/** Opens `urls` with at most `concurrency` handshakes in flight. */
export async function openMany(urls, concurrency = urls.length) {
  const sockets = new Array(urls.length);
  let next = 0;
  const worker = async () => {
    while (next < urls.length) {
      const i = next++;
      sockets[i] = await openSocket(urls[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, urls.length) }, worker));
  return sockets;
}

/** Closes every socket and waits (bounded) for the close handshakes. */
export async function closeAll(sockets, timeoutMs = 5_000) {
  await Promise.race([
    Promise.all(
      sockets.map(
        (ws) =>
          new Promise((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            ws.once("close", resolve);
            ws.close(1000, "done");
          }),
      ),
    ),
    new Promise((r) => setTimeout(r, timeoutMs)),
  ]);
  for (const ws of sockets) if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The unmeasured run before each sample of a message workload; it also wakes a hibernated object. */
const WARMUP_MS = 300;

/**
 * Runs `load(durationMs)` once unmeasured (warm-up), then measured: its result
 * plus the CPU time workerd spent during the measured run.
 */
export async function warmThenMeasure(server, load, durationMs) {
  await load(Math.min(WARMUP_MS, durationMs));
  const cpu0 = server.cpuMs();
  const result = await load(durationMs);
  return { ...result, cpuMs: server.cpuMs() - cpu0 };
}

/** Waits for `cond()` to hold, polling; throws `what` after `timeoutMs`. */
export async function waitFor(cond, what, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * Broadcast load: in every room the first `sendersPerRoom` sockets each keep
 * one message in flight (the next goes out when the sender sees its own copy
 * come back) for `durationMs`. Every socket checks that each sender's messages
 * arrive once and in order; the run waits until every copy has arrived.
 * `unwrap(text)` turns a received frame into the message (null: not one), for
 * rooms that frame their messages (durable broadcasts).
 */
export async function broadcastLoop(rooms, { sendersPerRoom, durationMs, drainTimeoutMs = 30_000, unwrap }) {
  let delivered = 0;
  let expected = 0;
  let outOfOrder = 0;
  let stop = false;
  const latencies = [];
  const t0 = performance.now();
  rooms.forEach((sockets, r) => {
    const roomSize = sockets.length;
    sockets.forEach((ws, i) => {
      const lastSeq = new Map();
      const own = `${r}.${i}`;
      let seq = 0;
      const send = () => {
        expected += roomSize;
        ws.send(`b${own},${++seq},${performance.now()}`);
      };
      ws.removeAllListeners("message");
      ws.on("message", (data) => {
        const now = performance.now();
        const text = unwrap ? unwrap(data.toString()) : data.toString();
        if (text === null) return;
        const [key, s, t] = text.slice(1).split(",");
        const n = Number(s);
        if ((lastSeq.get(key) ?? 0) !== n - 1) outOfOrder++;
        lastSeq.set(key, n);
        delivered++;
        latencies.push(now - Number(t));
        if (key === own && !stop) send();
      });
      if (i < sendersPerRoom) send();
    });
  });
  await sleep(durationMs);
  stop = true;
  await waitFor(() => delivered >= expected, `all ${expected} broadcast copies (got ${delivered})`, drainTimeoutMs);
  const seconds = (performance.now() - t0) / 1000;
  for (const sockets of rooms) for (const ws of sockets) ws.removeAllListeners("message");
  return { delivered, lost: expected - delivered, outOfOrder, seconds, latencies };
}

/** Echo load: every socket keeps one `e…` message in flight for `durationMs`. */
export async function echoLoop(sockets, { durationMs, drainTimeoutMs = 30_000 }) {
  let roundTrips = 0;
  let sent = 0;
  let outOfOrder = 0;
  let stop = false;
  const t0 = performance.now();
  sockets.forEach((ws, i) => {
    let seq = 0;
    const send = () => {
      sent++;
      ws.send(`e${i},${++seq}`);
    };
    ws.removeAllListeners("message");
    ws.on("message", (data) => {
      const n = Number(data.toString().split(",")[1]);
      if (n !== seq) outOfOrder++;
      roundTrips++;
      if (!stop) send();
    });
    send();
  });
  await sleep(durationMs);
  stop = true;
  await waitFor(() => roundTrips >= sent, "every echo", drainTimeoutMs);
  const seconds = (performance.now() - t0) / 1000;
  for (const ws of sockets) ws.removeAllListeners("message");
  return { roundTrips, outOfOrder, seconds };
}
