// permessage-deflate as real clients negotiate it with a room in real workerd:
// roomkit answers the offer browsers and `ws` make with client_no_context_takeover
// (src/compression.ts), so each client message is compressed on its own and
// `ws` sends small ones at once; every other offer is the runtime's to answer.
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket, { type PerMessageDeflateOptions } from "ws";
import { waitFor } from "../support/wait-for.js";
import { DevServer } from "../support/wrangler-dev.js";

const fixture = path.join(import.meta.dirname, "fixtures");
let server: DevServer;
beforeAll(async () => {
  server = await DevServer.start({ cwd: fixture });
});
afterAll(() => server?.stop());

type Client = { ws: WebSocket; got: string[]; params: Record<string, unknown> | null };

async function open(party: string, room: string, id: string, perMessageDeflate: boolean | PerMessageDeflateOptions): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/parties/${party}/${room}?_pk=${id}`, { perMessageDeflate });
  const got: string[] = [];
  ws.on("message", (d) => got.push(String(d)));
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  // ws keeps the negotiated parameters on its extension object; `extensions` is only the header's text.
  const deflate = (ws as unknown as { _extensions: Record<string, { params: Record<string, unknown> }> })._extensions["permessage-deflate"];
  return { ws, got, params: deflate ? { ...deflate.params } : null };
}

/** Messages a client typing fast sends: small and many, then one large and repetitive. */
function traffic(id: string): string[] {
  const small = Array.from({ length: 300 }, (_, i) => `edit ${i} ${"x".repeat(i % 50)}`);
  const large = JSON.stringify(Array.from({ length: 2_000 }, (_, k) => ({ k, text: `lorem ipsum ${k % 41}` })));
  return [...small, large].map((m) => `${id}:${m}`);
}

async function exchange(party: string, perMessageDeflate: boolean | PerMessageDeflateOptions) {
  const room = `deflate-${party}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const sender = await open(party, room, "a", perMessageDeflate);
  const witness = await open(party, room, "w", perMessageDeflate);
  const sent = traffic("a");
  for (const m of sent) sender.ws.send(m.slice(2));
  // Both get every broadcast back; closing as soon as the witness had them cut the sender's copy of the large one short.
  await waitFor(() => witness.got.length >= sent.length && sender.got.length >= sent.length, "both clients to receive every message", 20_000);
  sender.ws.close();
  witness.ws.close();
  return { sender, witness, sent };
}

it("answers ws's default offer (Chrome's and Firefox's too: client_max_window_bits) with client_no_context_takeover; messages arrive intact and in order both ways", async () => {
  const { sender, witness, sent } = await exchange("relay", true);
  expect(sender.params).toEqual({ client_no_context_takeover: true });
  expect(witness.got).toEqual(sent); // the broadcasts back, large one included, went out compressed with context
  expect(sender.got).toEqual(sent);
});

it("an offer with a client window size gets the same answer", async () => {
  const { sender, witness, sent } = await exchange("relay", { clientMaxWindowBits: 12 });
  // Unanswered, the client keeps the window it offered (ws records it).
  expect(sender.params).toEqual({ client_no_context_takeover: true, client_max_window_bits: 12 });
  expect(witness.got).toEqual(sent);
});

it("an offer with server_* parameters is left to the runtime, and works", async () => {
  const { sender, witness, sent } = await exchange("relay", { serverMaxWindowBits: 10, serverNoContextTakeover: true });
  expect(sender.params).not.toHaveProperty("client_no_context_takeover");
  expect(sender.params).toMatchObject({ server_max_window_bits: 10, server_no_context_takeover: true });
  expect(witness.got).toEqual(sent);
});

it("a client that offers no compression gets none", async () => {
  const { sender, witness, sent } = await exchange("relay", false);
  expect(sender.params).toBeNull();
  expect(witness.got).toEqual(sent);
});

it("options.clientContextTakeover leaves the negotiation to the runtime", async () => {
  const { sender, witness, sent } = await exchange("relay-kept", true);
  expect(sender.params).not.toBeNull();
  expect(sender.params).not.toHaveProperty("client_no_context_takeover");
  expect(witness.got).toEqual(sent);
});
