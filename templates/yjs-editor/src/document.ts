import { YRoom } from "roomkit/yjs";

/**
 * One collaborative document per room (`/parties/main/<room>`).
 *
 * `YRoom` does the work: it speaks the y-websocket protocol, hibernates
 * between messages, writes every edit to the room's storage before anyone
 * sees it, compacts the edit log, and serves the document over HTTP
 * (`GET /parties/main/<room>` returns it as a Yjs update, with an ETag).
 *
 * Things you can add here (see roomkit's docs/yjs.md):
 * - `isReadOnly(request)`: e.g. `?mode=view` links that can watch but not edit;
 * - `onLoad()` / `onSave(doc)`: seed new documents from, and back them up to,
 *   R2 or a database;
 * - `onCustomMessage(message, sender)`: your own messages on the same socket.
 */
export class Document extends YRoom {}
