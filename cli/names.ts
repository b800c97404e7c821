/**
 * Names the CLI accepts and derives: project names (npm package + Worker
 * name); party, class and binding names come from the runtime (src/names.ts).
 * @module
 */

// The party-name rule, the default binding and class names are the runtime's own (one rule, one home).
export { MAX_PARTY_NAME_LENGTH, defaultBindingName, partyNameProblem, pascalCase } from "../src/names.js";

/** Longest Worker name Cloudflare accepts. */
const MAX_WORKER_NAME = 63;

/**
 * Why `name` cannot be a project name, or `undefined` if it can. A project
 * name is both an npm package name and a Worker name (a DNS label in
 * `<name>.<subdomain>.workers.dev`), so it is lowercase letters, digits and
 * dashes.
 */
export function projectNameProblem(name: string): string | undefined {
  if (name === "") return "the project name is empty";
  if (name.length > MAX_WORKER_NAME) return `"${name}" is longer than ${MAX_WORKER_NAME} characters (the Worker name limit)`;
  if (!/^[a-z0-9-]+$/.test(name)) {
    return `"${name}" may only contain lowercase letters, digits and "-" (it becomes the npm package and Worker name)`;
  }
  if (name.startsWith("-") || name.endsWith("-")) return `"${name}" must not start or end with "-"`;
  if (name === "node_modules" || name === "favicon.ico") return `"${name}" is a reserved name`;
  return undefined;
}

/** Turns any string into a valid project name, or returns undefined if nothing is left. */
export function toProjectName(raw: string): string | undefined {
  const name = raw
    .toLowerCase()
    .replace(/^@[^/]+\//, "")
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, MAX_WORKER_NAME)
    .replace(/-$/, "");
  return name && !projectNameProblem(name) ? name : undefined;
}

/** Whether `key` can be written unquoted as an object key. */
export function isIdentifier(key: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key);
}
