/**
 * Where `roomkit add` may insert into an entry: after the last import, after
 * the last `export const X = party(...)`, before `export default`; and the
 * entry's own conventions (the local name of `party`, `.js` import suffixes).
 * @module
 */
import { isCallTo, type ModuleInfo } from "./module.js";
import { nameOf, unwrap } from "./source.js";

/** Offsets (into the entry's text) and conventions used to edit the entry. */
export type EditPositions = {
  lastImportEnd: number;
  lastPartyExportEnd?: number;
  defaultExportStart?: number;
  partyCallee?: string;
  usesJsExtension: boolean;
};

/**
 * The edit positions of module `mod`.
 *
 * @example
 * ```ts
 * const { lastImportEnd, partyCallee } = editPositions(mod); // partyCallee: "party"
 * ```
 */
export function editPositions(mod: ModuleInfo): EditPositions {
  let lastImportEnd = 0;
  let lastPartyExportEnd: number | undefined;
  let defaultExportStart: number | undefined;
  let usesJsExtension = false;
  let partyCallee: string | undefined;
  let namespaceCallee: string | undefined;
  for (const stmt of mod.program.body) {
    if (stmt.type === "ImportDeclaration") {
      lastImportEnd = stmt.end ?? lastImportEnd;
      if (/^\.\.?\/.*\.js$/.test(stmt.source.value)) usesJsExtension = true;
      for (const s of stmt.specifiers) {
        if (s.type === "ImportSpecifier" && nameOf(s.imported) === "party" && stmt.importKind !== "type") partyCallee = s.local.name;
        if (s.type === "ImportNamespaceSpecifier" && stmt.source.value === "roomkit" && stmt.importKind !== "type") namespaceCallee = `${s.local.name}.party`;
      }
    }
    if (stmt.type === "ExportNamedDeclaration" && stmt.declaration?.type === "VariableDeclaration") {
      const init = unwrap(stmt.declaration.declarations[0]?.init);
      if (init?.type === "CallExpression" && isCallTo(mod, init, mod.partyNames, "party")) lastPartyExportEnd = stmt.end ?? undefined;
    }
    if (stmt.type === "ExportDefaultDeclaration") defaultExportStart = stmt.start ?? undefined;
  }
  partyCallee ??= namespaceCallee;
  return { lastImportEnd, lastPartyExportEnd, defaultExportStart, partyCallee, usesJsExtension };
}
