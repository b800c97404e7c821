// The browser side of the Chromium test: a feed of a durable room, the way an
// app writes it — PartySocket plus roomkit/durable's helper.
import PartySocket from "partysocket";
import { DurableHistory } from "roomkit/durable";

const { host, party, room } = (window as unknown as { feedConfig: { host: string; party: string; room: string } }).feedConfig;
const list = document.getElementById("feed")!;
const history = new DurableHistory({ store: sessionStorage, key: `feed:${room}` });
const socket = new PartySocket({ host, party, room, query: history.query, minReconnectionDelay: 100, maxReconnectionDelay: 500 });

socket.addEventListener("open", () => (document.body.dataset.status = "online"));
socket.addEventListener("close", () => (document.body.dataset.status = "offline"));
history.listen(socket, {
  message(data, info) {
    if (!info.durable) return;
    const li = document.createElement("li");
    li.textContent = String(data);
    list.append(li);
  },
  reset() {
    list.replaceChildren();
  },
  ready() {
    document.body.dataset.ready = String(Number(document.body.dataset.ready ?? 0) + 1);
  },
});
