/**
 * `LobbyClient`: the live list of open rooms from a `GameLobby`, and quick join.
 * @module
 */
import PartySocket from "partysocket";
import type { LobbyMessage, QuickJoinResult } from "../lobby.js";
import type { RoomListing } from "../matchmaking.js";

/** Options of a {@link LobbyClient}. */
export type LobbyClientOptions = {
  /** The server, e.g. `location.host`. */
  host: string;
  /** The lobby party's name. Default `"lobby"`. */
  party?: string;
  /** The lobby room. Default `"main"`. */
  room?: string;
  /** `"wss"` or `"ws"` (and https/http for quick join); default: from the page, or plain for localhost. */
  protocol?: "ws" | "wss";
  /** A WebSocket implementation, for Node (e.g. `ws`). */
  WebSocket?: unknown;
};

/**
 * The lobby as a client sees it: the live list of open rooms, and quick join.
 *
 * @example
 * ```ts
 * const lobby = new LobbyClient({ host: location.host });
 * lobby.onRooms((rooms) => render(rooms));
 * const { room } = await lobby.quickJoin();
 * ```
 */
export class LobbyClient {
  readonly socket: PartySocket;
  /** The open rooms, fullest first, as last pushed by the lobby. */
  rooms: RoomListing[] = [];
  readonly #listeners = new Set<(rooms: RoomListing[]) => void>();

  constructor(private readonly options: LobbyClientOptions) {
    this.socket = new PartySocket({
      host: options.host,
      party: options.party ?? "lobby",
      room: options.room ?? "main",
      protocol: options.protocol,
      WebSocket: options.WebSocket as never,
    });
    this.socket.addEventListener("message", (e) => {
      let msg: LobbyMessage;
      try {
        msg = JSON.parse(e.data as string) as LobbyMessage;
      } catch {
        return;
      }
      if (msg.type !== "rooms") return;
      this.rooms = msg.rooms;
      for (const l of this.#listeners) l(msg.rooms);
    });
  }

  /** Calls `listener` with the list every time it changes; returns the unsubscribe function. */
  onRooms(listener: (rooms: RoomListing[]) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Asks the lobby for a room with a free seat (or a new one). Throws with the lobby's reason on failure. */
  async quickJoin(): Promise<QuickJoinResult> {
    const res = await PartySocket.fetch(
      {
        host: this.options.host,
        party: this.options.party ?? "lobby",
        room: this.options.room ?? "main",
        path: "quick-join",
        protocol: this.options.protocol === "ws" ? "http" : this.options.protocol === "wss" ? "https" : undefined,
      },
      { method: "POST" },
    );
    if (!res.ok) throw new Error(`quick join failed: ${res.status} ${await res.text()}`);
    return (await res.json()) as QuickJoinResult;
  }

  close(): void {
    this.socket.close();
  }
}
