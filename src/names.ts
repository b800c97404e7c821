/**
 * The naming rules shared by the runtime and the CLI: which party names are
 * valid and which Durable Object binding a party gets by default. Pure
 * functions, no Workers APIs, so the CLI (in Node) uses this very file.
 * @module
 */

/** Longest party name: a DNS label's length, so a name fits in any URL or resource name. */
export const MAX_PARTY_NAME_LENGTH = 63;

const PARTY_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Why `name` cannot be a party name, or `undefined` if it can. Party names
 * appear in URLs (`/parties/<name>/<room>`) and become class and binding
 * names, so they are letters, digits, "-" and "_", starting with a letter.
 *
 * @example
 * ```ts
 * partyNameProblem("chat-room"); // undefined
 * partyNameProblem("1chat");     // 'invalid party name "1chat": use letters, …'
 * ```
 */
export function partyNameProblem(name: string): string | undefined {
  if (typeof name === "string" && name.length <= MAX_PARTY_NAME_LENGTH && PARTY_NAME.test(name)) return undefined;
  return `invalid party name "${name}": use letters, digits, "-" or "_", starting with a letter, at most ${MAX_PARTY_NAME_LENGTH} characters (it appears in URLs: /parties/${name || "<name>"}/<room>)`;
}

/**
 * The conventional binding for a party: `main` → `MAIN`, `chat-room` / `chatRoom` → `CHAT_ROOM`.
 *
 * @example
 * ```ts
 * defaultBindingName("chatRoom"); // "CHAT_ROOM"
 * ```
 */
export function defaultBindingName(party: string): string {
  return party
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toUpperCase();
}

/**
 * A party name as a class name: `chat-room` → `ChatRoom`.
 *
 * @example
 * ```ts
 * pascalCase("chat_room"); // "ChatRoom"
 * ```
 */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
}
