// The game template as the end-to-end tests serve it (see test/support/template-dev.ts).
import { buildClient as build, devConfig as config, template } from "../support/template-dev.js";

const game = template("game", ["roomkit/game", "roomkit/game/client"]);

/** Bundles the game template's client (what `roomkit dev` does before starting wrangler). */
export const buildClient = () => build(game);

/** The game template's wrangler.toml with roomkit pointed at this repo's sources. */
export const devConfig = () => config(game);
