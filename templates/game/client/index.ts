// The browser side. Bundled by `roomkit dev` / `roomkit deploy` into public/client.js.
// `/` shows the lobby; `/?room=<id>` plays in that room (share the link).
import { showLobby } from "./lobby";
import { play } from "./play";

const params = new URLSearchParams(location.search);
const room = params.get("room");
const go = (id: string) => (location.search = `?room=${encodeURIComponent(id)}`);
const backToLobby = () => (location.search = "");

if (room && /^[a-z0-9-]{1,32}$/i.test(room)) {
  // Exposed for debugging in the console (and for the end-to-end tests).
  (globalThis as { game?: unknown }).game = play(room, backToLobby);
} else {
  showLobby(go);
}
