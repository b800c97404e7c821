// The browser side: a CodeMirror 6 editor bound to the room's Yjs document.
// Bundled by `roomkit dev` / `roomkit deploy` into public/client.js.
import { defaultKeymap, indentWithTab } from "@codemirror/commands";
import { EditorState } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers, placeholder } from "@codemirror/view";
import { yCollab, yUndoManagerKeymap } from "y-codemirror.next";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { loadIdentity, saveName, type Identity } from "./identity";
import { renderPresence, type Presence } from "./presence";

const $ = (id: string) => document.getElementById(id)!;

// The room comes from the URL (?room=...); without one, make one up and put it there to share.
const params = new URLSearchParams(location.search);
let room = params.get("room");
if (!room) {
  room = Math.random().toString(36).slice(2, 10);
  params.set("room", room);
  history.replaceState(null, "", `${location.pathname}?${params}`);
}
$("room").textContent = room;

// The same Worker serves this page and the rooms: connect to this host, party "main".
const doc = new Y.Doc();
const scheme = location.protocol === "https:" ? "wss" : "ws";
const provider = new WebsocketProvider(`${scheme}://${location.host}/parties/main`, room, doc);

// Who I am: a name and a colour, remembered in this browser, shown on my cursor for everyone else.
const me: Identity = loadIdentity();
provider.awareness.setLocalStateField("user", me);
const nameInput = $("name") as HTMLInputElement;
nameInput.value = me.name;
nameInput.addEventListener("input", () => {
  me.name = nameInput.value.trim() || "anonymous";
  saveName(me.name);
  provider.awareness.setLocalStateField("user", me);
});

const text = doc.getText("codemirror");
const undoManager = new Y.UndoManager(text);
const view = new EditorView({
  parent: $("editor"),
  state: EditorState.create({
    doc: text.toString(),
    extensions: [
      lineNumbers(),
      drawSelection(),
      highlightActiveLine(),
      EditorView.lineWrapping,
      placeholder("Start typing: everyone in this room sees it live."),
      // Undo/redo go through Y.UndoManager, so each person undoes only their own edits.
      keymap.of([...yUndoManagerKeymap, ...defaultKeymap, indentWithTab]),
      yCollab(text, provider.awareness, { undoManager }),
    ],
  }),
});

// Connection status: connecting → connected (and synced) → disconnected → connecting ...
const status = $("status");
const showStatus = (s: string) => {
  const label = s === "connected" && !provider.synced ? "syncing…" : s;
  status.textContent = label;
  status.dataset.status = s === "connected" && provider.synced ? "connected" : s === "connected" ? "syncing" : s;
};
provider.on("status", ({ status: s }: { status: string }) => showStatus(s));
provider.on("sync", () => showStatus(provider.wsconnected ? "connected" : "connecting"));

// The presence list: everyone whose awareness state has a user.
const presence = $("presence");
const refresh = () => renderPresence(presence, provider.awareness.getStates() as Map<number, Presence>, doc.clientID);
provider.awareness.on("change", refresh);
refresh();

// Handy in the devtools console (and for end-to-end tests).
Object.assign(window, { editor: { view, doc, provider } });
