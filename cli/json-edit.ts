/**
 * Edits to JSON/JSONC files (package.json, wrangler.jsonc) that keep the
 * file's own layout: its indentation, line endings and comments.
 * @module
 */
import { applyEdits, modify, type FormattingOptions, type JSONPath } from "jsonc-parser";

/**
 * The formatting `text` already uses: tabs or N spaces (from its first indented line), and its line ending.
 *
 * @example
 * ```ts
 * detectFormatting('{\n    "a": 1\n}'); // { insertSpaces: true, tabSize: 4, eol: "\n" }
 * ```
 */
export function detectFormatting(text: string): FormattingOptions {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? "  ";
  return { insertSpaces: !indent.startsWith("\t"), tabSize: indent.startsWith("\t") ? 1 : indent.length, eol: text.includes("\r\n") ? "\r\n" : "\n" };
}

/**
 * `text` with the value at `path` set to `value` (added if missing), in the file's own formatting.
 *
 * @example
 * ```ts
 * setJsonValue('{\n  "name": "x"\n}', ["dependencies", "roomkit"], "^0.1.0");
 * // '{\n  "name": "x",\n  "dependencies": {\n    "roomkit": "^0.1.0"\n  }\n}'
 * ```
 */
export function setJsonValue(text: string, path: JSONPath, value: unknown): string {
  return applyEdits(text, modify(text, path, value, { formattingOptions: detectFormatting(text) }));
}
