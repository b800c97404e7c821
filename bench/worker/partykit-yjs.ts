/**
 * y-partykit's server as a PartyKit project runs it (snapshot persistence, as
 * y-partykit's README sets it up), served by PartyKit's own dev server in
 * bench/dev-replay.mjs's `partykit` mode: the stack a PartyKit user sees locally.
 */
import type * as Party from "partykit/server";
import { onConnect } from "y-partykit";

export default class YDoc implements Party.Server {
  constructor(readonly room: Party.Room) {}
  onConnect(conn: Party.Connection) {
    return onConnect(conn, this.room, { persist: { mode: "snapshot" } });
  }
}
