// The lobby screen: your name, "Quick play", a new room, and the open rooms
// with their player counts, live (the lobby pushes the list on every change).
import { LobbyClient, type RoomListing } from "roomkit/game/client";
import { loadName, saveName } from "./identity";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export function showLobby(go: (room: string) => void): void {
  $("lobby").hidden = false;
  const name = $<HTMLInputElement>("name");
  name.value = loadName();
  name.addEventListener("input", () => saveName(name.value.trim().slice(0, 16) || "Player"));

  const lobby = new LobbyClient({ host: location.host, party: "lobby", room: "main" });
  lobby.onRooms((rooms) => renderRooms(rooms, go));
  lobby.socket.addEventListener("open", () => ($("lobby-status").textContent = ""));
  lobby.socket.addEventListener("close", () => ($("lobby-status").textContent = "Reconnecting to the lobby…"));

  // Quick play: the lobby picks the fullest room with a free seat, or a new one.
  $("quick-play").addEventListener("click", async () => {
    try {
      go((await lobby.quickJoin()).room);
    } catch (e) {
      $("lobby-status").textContent = (e as Error).message;
    }
  });
  $("new-room").addEventListener("click", () => go(Math.random().toString(36).slice(2, 8)));
}

function renderRooms(rooms: RoomListing[], go: (room: string) => void): void {
  const list = $("rooms");
  list.replaceChildren();
  const visible = rooms.filter((r) => r.players > 0);
  $("no-rooms").hidden = visible.length > 0;
  for (const r of visible) {
    const li = document.createElement("li");
    li.dataset.room = r.room;
    const info = r.info as { leader?: string; score?: number } | null;
    const title = document.createElement("span");
    title.className = "room-name";
    title.textContent = r.room;
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = `${r.players}/${r.maxPlayers} players`;
    const leader = document.createElement("span");
    leader.className = "leader";
    leader.textContent = info?.leader ? `${info.leader} leads with ${info.score}` : "";
    const join = document.createElement("button");
    join.textContent = "Join";
    join.disabled = !r.open || r.free === 0;
    join.addEventListener("click", () => go(r.room));
    li.append(title, count, leader, join);
    list.append(li);
  }
}
