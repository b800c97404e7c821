// The lobby: lists open arenas with their player counts (the arenas report in
// themselves) and finds a seat for "Quick play".
import type * as Party from "roomkit";
import { GameLobby } from "roomkit/game";

export class Lobby extends GameLobby {
  constructor(room: Party.Room) {
    super(room, { gameParty: "arena", maxPlayers: 8 });
  }
}
