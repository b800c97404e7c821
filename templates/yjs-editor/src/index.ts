// The Worker entry: which server class serves which party. `roomkit check`
// verifies that every party exported here is bound in wrangler.toml.
import { createWorker, party } from "roomkit";
import { Document } from "./document";

/** The Durable Object class behind the `main` party: bound as MAIN in wrangler.toml. */
export const Main = party(Document);

export default createWorker({ main: Main });
