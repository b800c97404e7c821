import { createWorker, party } from "../src/index.js";
import Counter from "./counter.js";

/** The Durable Object class: bound as MAIN in wrangler.toml. */
export const Main = party(Counter);

export default createWorker({ main: Main });
