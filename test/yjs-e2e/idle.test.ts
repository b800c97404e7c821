// Under a real `wrangler dev`, an idle Yjs room really leaves memory while its
// clients stay connected (nothing in it keeps the object awake: no intervals,
// no lingering timers), and wakes up intact: edits flow, presence is kept.
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { DevServer, repoRoot } from "../support/wrangler-dev.js";

let server: DevServer | undefined;
const providers: WebsocketProvider[] = [];
afterAll(async () => {
  for (const p of providers) p.destroy();
  await server?.stop("SIGKILL");
});

const waitFor = async (cond: () => boolean, what: string, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** Asks the room which instance is serving it (a custom message of the hook-doc fixture), over a short-lived socket. */
async function instanceOf(port: number, room: string): Promise<string> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/parties/hook-doc/${room}`);
  const answer = new Promise<string>((resolve) =>
    ws.on("message", (d, binary) => !binary && String(d).startsWith("__YPS:instance=") && resolve(String(d).slice(15))),
  );
  await new Promise((r) => ws.once("open", r));
  ws.send("instance");
  const id = await answer;
  ws.close();
  return id;
}

it("an idle room hibernates with its clients connected, and wakes up with document and presence intact", async () => {
  server = await DevServer.start({ cwd: path.join(repoRoot, "test/yjs/fixtures") });
  const room = `idle-${Date.now()}`;
  const provider = (name: string) => {
    const p = new WebsocketProvider(`ws://127.0.0.1:${server!.port}/parties/hook-doc`, room, new Y.Doc(), {
      WebSocketPolyfill: WebSocket as never,
      disableBc: true,
    });
    p.awareness.setLocalStateField("user", { name });
    providers.push(p);
    return p;
  };
  const a = provider("Ada");
  const b = provider("Bob");
  await waitFor(() => a.synced && b.synced, "synced");
  a.doc.getText("t").insert(0, "before sleeping. ");
  await waitFor(() => b.doc.getText("t").toString() === "before sleeping. ", "b has a's edit");
  await waitFor(() => a.awareness.getStates().has(b.doc.clientID), "a sees Bob");
  const first = await instanceOf(server.port, room);

  // The providers stay connected (they renew their presence every 15 s); the platform evicts an
  // object after about 10 s without events, so within a few rounds another instance must answer.
  let later = first;
  for (let i = 0; i < 4 && later === first; i++) {
    await new Promise((r) => setTimeout(r, 12_000));
    later = await instanceOf(server.port, room);
  }
  expect(later).not.toBe(first);
  expect(a.wsconnected && b.wsconnected).toBe(true);

  b.doc.getText("t").insert(b.doc.getText("t").length, "After waking.");
  await waitFor(() => a.doc.getText("t").toString() === "before sleeping. After waking.", "edits flow after the wake");
  expect((a.awareness.getStates().get(b.doc.clientID) as { user?: { name: string } })?.user?.name).toBe("Bob");
  expect((b.awareness.getStates().get(a.doc.clientID) as { user?: { name: string } })?.user?.name).toBe("Ada");
});
