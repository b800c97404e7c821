// The document room, tested inside workerd with real WebSockets.
import { SELF, env, evictDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import * as Y from "yjs";
import { Participant } from "./yjs-client";

const newRoom = () => `test-${crypto.randomUUID()}`;
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
};

it("two editors see each other's typing", async () => {
  const room = newRoom();
  const ada = await Participant.join(room);
  const bob = await Participant.join(room);
  ada.doc.getText("codemirror").insert(0, "Hello from Ada. ");
  bob.doc.getText("codemirror").insert(0, "Hi, Bob here. ");
  await until(() => ada.text === bob.text && ada.text.length === 30);
  expect(ada.text).toContain("Hello from Ada.");
  expect(ada.text).toContain("Hi, Bob here.");
  await ada.close();
  await bob.close();
});

it("shows who is here, and who left", async () => {
  const room = newRoom();
  const ada = await Participant.join(room);
  const bob = await Participant.join(room);
  ada.announce({ name: "Ada", color: "#e11d48" });
  await until(() => bob.presence.has(ada.doc.clientID));
  expect(JSON.parse(bob.presence.get(ada.doc.clientID)!)).toEqual({ user: { name: "Ada", color: "#e11d48" } });
  await ada.close();
  await until(() => !bob.presence.has(ada.doc.clientID));
  await bob.close();
});

it("keeps the document when the room leaves memory, and serves it over HTTP", async () => {
  const room = newRoom();
  const ada = await Participant.join(room);
  ada.doc.getText("codemirror").insert(0, "saved before anyone else saw it");
  await ada.close();
  await evictDurableObject(env.MAIN.get(env.MAIN.idFromName(room))).catch(() => {}); // already asleep is fine

  const res = await SELF.fetch(`http://localhost/parties/main/${room}`);
  expect(res.headers.get("content-type")).toBe("application/octet-stream");
  const copy = new Y.Doc();
  Y.applyUpdate(copy, new Uint8Array(await res.arrayBuffer()));
  expect(copy.getText("codemirror").toString()).toBe("saved before anyone else saw it");

  const bob = await Participant.join(room);
  expect(bob.text).toBe("saved before anyone else saw it");
  await bob.close();
});
