// The browser side: one PartySocket per tab, all tabs on the same room share the count.
// Bundled by `roomkit dev` / `roomkit deploy` into public/client.js.
import PartySocket from "partysocket";
import type { CounterMessage } from "../src/counter";

const room = new URLSearchParams(location.search).get("room") || "home";
const $ = (id: string) => document.getElementById(id)!;
$("room").textContent = room;

// `host` is this page's host: the same Worker serves the page and the rooms.
const socket = new PartySocket({ host: location.host, room });

socket.addEventListener("open", () => setStatus("connected"));
socket.addEventListener("close", () => setStatus("reconnecting…"));
socket.addEventListener("message", (event) => {
  const data = JSON.parse(event.data as string) as CounterMessage;
  if (data.count !== undefined) $("count").textContent = String(data.count);
  if (data.online !== undefined) $("online").textContent = `${data.online} online`;
  if (data.error) console.warn(data.error);
});

$("increment").addEventListener("click", () => socket.send("increment"));
$("reset").addEventListener("click", () => socket.send("reset"));

function setStatus(status: string) {
  $("status").textContent = status;
  document.body.dataset.status = status;
}
