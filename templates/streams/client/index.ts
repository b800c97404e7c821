// The browser side: a chat feed on one durable stream, over one partysocket.
// Bundled by `roomkit dev` / `roomkit deploy` into public/client.js.
//
// - History: the messages and the offset this tab last saw are kept in
//   sessionStorage (they survive reloads); the socket subscribes from that
//   offset, so only what is new is sent.
// - Sending: every message gets the next sequence number of this tab's
//   idempotent producer and waits in a persisted queue until the server
//   acknowledges it. Offline, messages just queue up; on reconnect the queue
//   is sent again, in order, and the server stores each exactly once (a retry
//   of something already stored is acknowledged as a duplicate).
import PartySocket from "partysocket";
import type { ChatMessage } from "../src/feed";

const feed = new URLSearchParams(location.search).get("feed") || "lobby";
const path = `v1/stream/chat/${encodeURIComponent(feed)}`;
const $ = (id: string) => document.getElementById(id)!;
$("feed").textContent = feed;

const load = <T>(k: string, fallback: T): T => JSON.parse(sessionStorage.getItem(`streams:${feed}:${k}`) ?? "null") ?? fallback;
const save = (k: string, v: unknown) => sessionStorage.setItem(`streams:${feed}:${k}`, JSON.stringify(v));

const history = load<{ offset: string; messages: ChatMessage[] }>("history", { offset: "-1", messages: [] });
const producer = load<{ id: string; epoch: number; nextSeq: number }>("producer", { id: crypto.randomUUID(), epoch: 0, nextSeq: 0 });
let queue = load<{ seq: number; message: ChatMessage }[]>("queue", []);
const name = load<string>("name", `guest-${Math.random().toString(36).slice(2, 6)}`);
save("name", name);
($("name") as HTMLInputElement).value = name;

let live = false; // subscribed and caught up: appends may be sent
const socket = new PartySocket({ host: location.host, basePath: path, query: () => ({ offset: history.offset }), startClosed: true });

socket.addEventListener("message", (event) => {
  const frame = JSON.parse(String(event.data));
  if (frame.type === "data") {
    history.messages.push(...(frame.messages as ChatMessage[]));
    history.offset = frame.next;
    save("history", history);
    render();
  } else if (frame.type === "up-to-date") {
    live = true;
    setStatus("live");
    for (const item of queue) send(item);
  } else if (frame.type === "ack") {
    queue = queue.filter((q) => q.seq !== frame.id);
    save("queue", queue);
    renderPending();
  } else if (frame.type === "error") {
    if (frame.id !== undefined) {
      // Refused for good (e.g. 422 from the feed's validateAppend): drop it from the queue.
      queue = queue.filter((q) => q.seq !== frame.id);
      save("queue", queue);
      renderPending();
    }
    console.warn(`stream error ${frame.status}: ${frame.message}`);
  }
});
socket.addEventListener("close", () => {
  live = false;
  setStatus(navigator.onLine ? "reconnecting…" : "offline");
});

function send(item: { seq: number; message: ChatMessage }) {
  socket.send(JSON.stringify({ type: "append", id: item.seq, data: item.message, producer: { id: producer.id, epoch: producer.epoch, seq: item.seq } }));
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("text") as HTMLInputElement;
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  const from = ($("name") as HTMLInputElement).value.trim().slice(0, 40) || name;
  save("name", from);
  const item = { seq: producer.nextSeq++, message: { from, text, at: Date.now() } };
  save("producer", producer);
  queue.push(item);
  save("queue", queue);
  renderPending();
  if (live) send(item);
});

// Offline, stop the socket (and its reconnect attempts); back online, reconnect and flush the queue.
window.addEventListener("offline", () => socket.close());
window.addEventListener("online", () => socket.reconnect());

function render() {
  $("messages").replaceChildren(...history.messages.map((m) => line(m, "")));
  $("messages").scrollTop = $("messages").scrollHeight;
}
function renderPending() {
  $("pending").replaceChildren(...queue.map((q) => line(q.message, "pending")));
}
function line(m: ChatMessage, className: string) {
  const li = document.createElement("li");
  li.className = className;
  const who = document.createElement("strong");
  who.textContent = `${m.from}: `;
  li.append(who, m.text); // text nodes: messages are untrusted input
  return li;
}
function setStatus(status: string) {
  $("status").textContent = status;
  document.body.dataset.status = status;
}

render();
renderPending();
// Create the feed if it does not exist yet (an idempotent PUT), then subscribe.
fetch(`/${path}`, { method: "PUT", headers: { "content-type": "application/json" } })
  .then(() => socket.reconnect())
  .catch(() => setStatus("offline"));
