// The browser side: one PartySocket per tab, all tabs on the same room share the count.
// Bundled by `roomkit dev` / `roomkit deploy` into public/client.js.
//
// The room keeps its count changes as durable broadcasts (`options.history`):
// `DurableHistory` sends the offset of the last change this tab saw each time
// partysocket reconnects, so a tab that was offline (or reloaded) is shown
// every change it missed, once, in order — marked "while you were away".
import PartySocket from "partysocket";
import { DurableHistory } from "roomkit/durable";
import type { CounterMessage } from "../src/counter";

const room = new URLSearchParams(location.search).get("room") || "home";
const $ = (id: string) => document.getElementById(id)!;
$("room").textContent = room;

const history = new DurableHistory({ store: sessionStorage, key: `counter:${room}` });
// `host` is this page's host: the same Worker serves the page and the rooms.
const socket = new PartySocket({ host: location.host, room, query: history.query });

socket.addEventListener("open", () => setStatus("connected"));
socket.addEventListener("close", () => setStatus("reconnecting…"));
history.listen(socket, {
  message(data, { durable, replayed }) {
    const message = JSON.parse(data as string) as CounterMessage;
    if (message.count !== undefined) $("count").textContent = String(message.count);
    if (message.online !== undefined) $("online").textContent = `${message.online} online`;
    if (message.error) console.warn(message.error);
    if (durable && message.count !== undefined) addChange(message.count, replayed);
  },
  // Away longer than the room keeps changes: start the list over from the current count.
  reset(state) {
    $("changes").replaceChildren();
    if (state) $("count").textContent = String((JSON.parse(state) as CounterMessage).count);
  },
});

$("increment").addEventListener("click", () => socket.send("increment"));
$("reset").addEventListener("click", () => socket.send("reset"));

function addChange(count: number, whileAway: boolean) {
  const item = document.createElement("li");
  item.textContent = whileAway ? `→ ${count} (while you were away)` : `→ ${count}`;
  $("changes").prepend(item);
  while ($("changes").childElementCount > 10) $("changes").lastElementChild!.remove();
}

function setStatus(status: string) {
  $("status").textContent = status;
  document.body.dataset.status = status;
}
