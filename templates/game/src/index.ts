// The Worker entry: which server class serves which party. `roomkit check`
// verifies that every party exported here is bound in wrangler.toml.
import { createWorker, party } from "roomkit";
import { Arena } from "./arena";
import { Lobby } from "./lobby";

/** Game rooms: /parties/arena/<room>, bound as ARENA. */
export const ArenaParty = party(Arena);
/** The lobby: /parties/lobby/main, bound as LOBBY. */
export const LobbyParty = party(Lobby);

export default createWorker({ arena: ArenaParty, lobby: LobbyParty });
