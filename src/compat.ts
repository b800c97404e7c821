/**
 * PartyKit's deprecated type names, in one place. `partykit/server` still
 * exports them and older PartyKit code still writes them, so roomkit's
 * `Party` namespace has them too, as plain aliases (types.ts re-exports this
 * module). New code uses the names on the right.
 * @module
 */
import type {
  ConnectionContext,
  Connection,
  Context,
  ExecutionContext,
  FetchLobby,
  Lobby,
  Request,
  Room,
  Server,
  ServerOptions,
  Storage,
  Stub,
  Worker,
} from "./types.js";

/** @deprecated Use `Party.Request`. PartyKit's old name, kept for compatibility. */
export type PartyRequest = Request;
/** @deprecated Use `Party.Storage`. PartyKit's old name, kept for compatibility. */
export type PartyStorage = Storage;
/** @deprecated Use `Party.Storage`. PartyKit's old name, kept for compatibility. */
export type PartyKitStorage = Storage;
/** @deprecated Use `Party.ConnectionContext`. PartyKit's old name, kept for compatibility. */
export type PartyConnectionContext = ConnectionContext;
/** @deprecated Use `Party.ConnectionContext`. PartyKit's old name, kept for compatibility. */
export type PartyKitContext = ConnectionContext;
/** @deprecated Use `Party.Stub`. PartyKit's old name, kept for compatibility. */
export type PartyStub = Stub;
/** @deprecated Use `Party.Context`. PartyKit's old name, kept for compatibility. */
export type PartyContext = Context;
/** @deprecated Use `Party.FetchLobby`. PartyKit's old name, kept for compatibility. */
export type PartyFetchLobby = FetchLobby;
/** @deprecated Use `Party.Lobby`. PartyKit's old name, kept for compatibility. */
export type PartyLobby = Lobby;
/** @deprecated Use `Party.ExecutionContext`. PartyKit's old name, kept for compatibility. */
export type PartyExecutionContext = ExecutionContext;
/** @deprecated Use `Party.Connection`. PartyKit's old name, kept for compatibility. */
export type PartyConnection = Connection;
/** @deprecated Use `Party.Connection`. PartyKit's old name, kept for compatibility. */
export type PartyKitConnection = Connection;
/** @deprecated Use `Party.Room`. PartyKit's old name, kept for compatibility. */
export type PartyKitRoom = Room;
/** @deprecated Use `Party.Server`. PartyKit's old name, kept for compatibility. */
export type PartyServer = Server;
/** @deprecated Use `Party.Worker`. PartyKit's old name, kept for compatibility. */
export type PartyWorker = Worker;
/** @deprecated Use `Party.ServerOptions`. PartyKit's old name, kept for compatibility. */
export type PartyServerOptions = ServerOptions;
/** @deprecated Use `Party.Room`. Kept because older PartyKit code uses `Party.Party`. */
export type Party = Room;
