// The implementations compared, and how a client reaches each of them.

/** The same room written four ways (see bench/worker). */
export const CORE_IMPLS = [
  { key: "raw", label: "raw Durable Object", url: (ws, room) => `${ws}/raw/${room}` },
  { key: "partyserver", label: "partyserver", url: (ws, room) => `${ws}/ps/ps/${room}` },
  { key: "roomkit", label: "roomkit (hibernating)", url: (ws, room) => `${ws}/parties/rk-hib/${room}` },
  { key: "roomkit-mem", label: "roomkit (in-memory)", url: (ws, room) => `${ws}/parties/rk-mem/${room}` },
];
export const CORE_REFERENCES = { raw: "raw", roomkit: "roomkit" };

/** The Yjs rooms: `serverUrl` is what a y-websocket provider is given; `binding` reaches the measurement hooks. */
export const YJS_IMPLS = [
  { key: "roomkit-yjs", label: "roomkit/yjs", serverUrl: (ws) => `${ws}/parties/y-rk`, binding: "Y_RK" },
  { key: "y-partykit", label: "y-partykit (on roomkit)", serverUrl: (ws) => `${ws}/parties/y-pk`, binding: "Y_PK" },
  { key: "y-partyserver", label: "y-partyserver", serverUrl: (ws) => `${ws}/ps/y-ps`, binding: "Y_PS" },
];
export const YJS_REFERENCES = { roomkit: "roomkit-yjs" };
