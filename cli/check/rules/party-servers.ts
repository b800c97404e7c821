/**
 * not-a-server and server-not-built: what each party class serves is a server (class or object of handlers) that exists.
 * @module
 */
import path from "node:path";
import { serverShape } from "../../server-shape.js";
import type { RuleContext } from "../types.js";

/**
 * not-a-server and server-not-built: what each party class serves is a server (class or object of handlers) that exists.
 *
 * @example
 * ```ts
 * await partyServers(ctx); // error not-a-server: src/index.ts:3: party class "Main" serves helper (src/helper.ts:1), which is a function: ...
 * ```
 */
export async function partyServers({ root, options, exported, error, warning }: RuleContext): Promise<void> {
  for (const [name, info] of exported) {
    if (info.kind !== "party" || !info.server) continue;
    const shape = await serverShape(path.resolve(root, info.file), info.server, root, options.overrides);
    if (shape.kind === "missing") {
      // Typically a build output (PartyKit's Remix example runs dist/index.js): wrangler cannot bundle before the build.
      warning(
        "server-not-built",
        ["entry"],
        `${shape.file}:${shape.line}: party class "${name}" serves ${info.server} from ${shape.specifier}, which does not exist: if a build writes it, run the build before roomkit dev or deploy`,
      );
      continue;
    }
    if (shape.kind !== "not-a-server") continue;
    error(
      "not-a-server",
      ["entry"],
      `${info.file}:${info.line}: party class "${name}" serves ${info.server} (${shape.file}:${shape.line}), which is ${shape.what}: a party needs a server class (export default class ... implements Party.Server) or an object of handlers (export default { onConnect(conn, room) {} })`,
    );
  }
}
