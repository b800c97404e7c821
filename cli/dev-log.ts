/**
 * Turns wrangler dev's output into one readable line per request and
 * connection, and drops the noise that means nothing locally.
 * @module
 */

/** What to do with one line of wrangler output. */
export type LogLine =
  | { kind: "request"; method: string; path: string; status: number; text: string; ms?: number }
  | { kind: "connect"; path: string; ms?: number }
  | { kind: "close"; party: string; room: string; id: string; code: number }
  | { kind: "ready"; url: string }
  | { kind: "drop" }
  | { kind: "pass"; text: string };

// [wrangler:info] GET /parties/main/x 101 Switching Protocols (17ms)
const REQUEST = /^\[wrangler:info\] ([A-Z]+) (\S+) (\d{3}) ?([^(]*?)\s*(?:\((\d+)ms\))?$/;
const READY = /^\[wrangler:info\] Ready on (\S+)/;
// wrangler never reports a WebSocket closing, so rooms print this themselves
// when `roomkit dev` sets ROOMKIT_DEV_LOG (src/party.ts).
const CLOSE = /^\[roomkit:dev\] close (\S+) (\S+) (\S+) (\d+)$/;

/**
 * A stateful classifier: wrangler prints a harmless "Unable to fetch the
 * Request.cf object" warning with a stack trace when offline; that whole
 * block is dropped.
 */
export class DevLogParser {
  #inCfBlock = false;

  classify(raw: string): LogLine {
    // Colors are disabled for the child, but strip them anyway in case a user forces them.
    const line = raw.replace(/\u001b\[[0-9;]*m/g, "").trimEnd();
    if (this.#inCfBlock) {
      if (/^\s+at /.test(line) || /^Error: getaddrinfo|^TypeError: fetch failed|^\s*$/.test(line)) return { kind: "drop" };
      this.#inCfBlock = false;
    }
    if (/Unable to fetch the `?Request\.cf`? object/.test(line)) {
      this.#inCfBlock = true;
      return { kind: "drop" };
    }
    const ready = READY.exec(line);
    if (ready) return { kind: "ready", url: ready[1]! };
    const close = CLOSE.exec(line);
    if (close) return { kind: "close", party: decode(close[1]!), room: decode(close[2]!), id: decode(close[3]!), code: Number(close[4]) };
    const m = REQUEST.exec(line);
    if (m) {
      const status = Number(m[3]);
      const ms = m[5] ? Number(m[5]) : undefined;
      if (status === 101) return { kind: "connect", path: m[2]!, ms };
      return { kind: "request", method: m[1]!, path: m[2]!, status, text: m[4]!.trim(), ms };
    }
    return { kind: "pass", text: line };
  }
}

/** `HH:MM:SS` in local time. */
export function clock(now = new Date()): string {
  return now.toTimeString().slice(0, 8);
}

/** The one line shown for a request or connection. */
export function formatEvent(e: Extract<LogLine, { kind: "request" | "connect" | "close" }>, now = new Date()): string {
  if (e.kind === "close") {
    const name = CLOSE_NAMES[e.code];
    return `${clock(now)}  ⇄ close    ${e.party}/${e.room} ${e.id} (${e.code}${name ? " " + name : ""})`;
  }
  const took = e.ms === undefined ? "" : ` (${e.ms}ms)`;
  if (e.kind === "connect") {
    const room = /^\/parties\/([^/?]+)\/([^/?]+)/.exec(e.path) ?? /^\/party\/([^/?]+)/.exec(e.path);
    const where = room ? (room[2] !== undefined ? `${decode(room[1]!)}/${decode(room[2])}` : `main/${decode(room[1]!)}`) : e.path;
    return `${clock(now)}  ⇄ connect  ${where}${took}`;
  }
  return `${clock(now)}  ${e.method.padEnd(6)} ${shorten(e.path)}  ${e.status}${e.text ? " " + e.text : ""}${took}`;
}

/** The longest path shown whole; a hostile 10 KB path would otherwise fill the terminal. */
export const MAX_SHOWN_PATH = 160;

function shorten(path: string): string {
  if (path.length <= MAX_SHOWN_PATH) return path;
  return `${path.slice(0, MAX_SHOWN_PATH - 40)}… (${path.length.toLocaleString("en")} characters)`;
}

const CLOSE_NAMES: Record<number, string> = {
  1000: "normal",
  1001: "going away",
  1005: "no code",
  1006: "connection lost",
  1008: "policy violation",
  1009: "message too big",
  1011: "server error",
  1013: "try again later",
};

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
