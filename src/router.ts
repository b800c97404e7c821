/**
 * Maps a URL path to a party and room: `/parties/:party/:room[/*]` and
 * `/party/:room[/*]` (the `main` party), the URLs partysocket uses by default.
 * @module
 */

/** The longest room id accepted, in characters (after decoding). */
export const MAX_ROOM_ID_LENGTH = 256;

/** A path that addresses a room. */
export type RoomRoute = {
  kind: "room";
  party: string;
  room: string;
  /** What follows the room segment, starting with `/`, or `""`. */
  rest: string;
};

/** A path under a party prefix that cannot address a room; `reason` is safe to show a client. */
export type RouteError = { kind: "error"; status: 400 | 404; reason: string };

/** A path outside the party prefixes (static assets, `onFetch`). */
export type NoRoute = { kind: "none" };

export type Route = RoomRoute | RouteError | NoRoute;

/**
 * Parses `pathname` (as `URL.pathname` gives it: still percent-encoded).
 * `knownParties` decides between a room route and a 404 naming the parties;
 * `"any"` takes every party name as known (a room reading a URL the Worker's
 * router has already matched).
 *
 * @example
 * ```ts
 * matchRoute("/parties/chat/r%201/history", ["chat"]); // { kind: "room", party: "chat", room: "r 1", rest: "/history" }
 * ```
 */
export function matchRoute(pathname: string, knownParties: readonly string[] | "any"): Route {
  let party: string;
  let roomAndRest: string;
  if (pathname.startsWith("/parties/")) {
    const after = pathname.slice("/parties/".length);
    const slash = after.indexOf("/");
    party = slash === -1 ? after : after.slice(0, slash);
    roomAndRest = slash === -1 ? "" : after.slice(slash + 1);
    // Also what `/parties/main/..` becomes: URL parsing resolves the dot segments.
    if (party === "") return missingPartyAndRoom();
    const decodedParty = decodeSegment(party);
    if (decodedParty === null || (knownParties !== "any" && !knownParties.includes(decodedParty))) {
      return {
        kind: "error",
        status: 404,
        reason: `Unknown party "${printable(decodedParty ?? party)}". Known parties: ${listed(knownParties)}.`,
      };
    }
    party = decodedParty;
  } else if (pathname.startsWith("/party/")) {
    party = "main";
    roomAndRest = pathname.slice("/party/".length);
    if (knownParties !== "any" && !knownParties.includes("main")) {
      return {
        kind: "error",
        status: 404,
        reason: `/party/:room addresses the "main" party, which is not defined. Known parties: ${listed(knownParties)}.`,
      };
    }
  } else if (pathname === "/parties" || pathname === "/party") {
    return missingPartyAndRoom();
  } else {
    return { kind: "none" };
  }

  const slash = roomAndRest.indexOf("/");
  const rawRoom = slash === -1 ? roomAndRest : roomAndRest.slice(0, slash);
  const rest = slash === -1 ? "" : roomAndRest.slice(slash);
  const checked = checkRoomId(rawRoom);
  if (typeof checked !== "string") return checked;
  return { kind: "room", party, room: checked, rest };
}

function listed(knownParties: readonly string[] | "any"): string {
  return (knownParties === "any" ? "" : knownParties.join(", ")) || "(none)";
}

function missingPartyAndRoom(): RouteError {
  return { kind: "error", status: 400, reason: "Missing party and room: use /parties/:party/:room." };
}

/**
 * Decodes and validates one raw (percent-encoded) room id segment.
 *
 * @example
 * ```ts
 * checkRoomId("a%2Fb"); // { kind: "error", status: 400, reason: 'Room id must not contain "/" (also not as %2F).' }
 * ```
 */
export function checkRoomId(raw: string): string | RouteError {
  if (raw === "") return { kind: "error", status: 400, reason: "Missing room id: use /parties/:party/:room." };
  // Bound the work before decoding: an encoded character is at most 12 bytes (4 × %XX).
  if (raw.length > MAX_ROOM_ID_LENGTH * 12) return tooLong();
  const room = decodeSegment(raw);
  if (room === null) return { kind: "error", status: 400, reason: "Room id is not valid percent-encoded UTF-8." };
  return validateRoomId(room);
}

/**
 * Validates a decoded room id; returns it unchanged or the reason it is refused.
 *
 * @example
 * ```ts
 * validateRoomId("lobby"); // "lobby"
 * ```
 */
export function validateRoomId(room: string): string | RouteError {
  if (room === "") return { kind: "error", status: 400, reason: "Room id must not be empty." };
  // Counting code points allocates; a string of no more UTF-16 units than the limit cannot exceed it.
  if (room.length > MAX_ROOM_ID_LENGTH && [...room].length > MAX_ROOM_ID_LENGTH) return tooLong();
  if (room.includes("/")) return { kind: "error", status: 400, reason: 'Room id must not contain "/" (also not as %2F).' };
  if (room === "." || room === "..") return { kind: "error", status: 400, reason: 'Room id must not be "." or "..".' };
  // C0 and C1 control characters, DEL; lone surrogates cannot survive UTF-8 decoding.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(room)) {
    return { kind: "error", status: 400, reason: "Room id must not contain control characters." };
  }
  return room;
}

function tooLong(): RouteError {
  return { kind: "error", status: 400, reason: `Room id is longer than ${MAX_ROOM_ID_LENGTH} characters.` };
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Makes a client-supplied string safe to echo in a one-line reason. */
function printable(s: string): string {
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f"\\]/g, "?");
  return clean.length > 64 ? `${clean.slice(0, 64)}…` : clean;
}
