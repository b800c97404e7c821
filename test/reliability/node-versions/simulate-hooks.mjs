// Module hooks for simulate.mjs: `node:<mod>` resolves to a copy without the removed named exports.
// (They run on a thread of their own, where the real modules are untouched.)
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let removed = {};
export function initialize(data) {
  removed = data.removed;
}
export async function resolve(specifier, context, next) {
  const mod = specifier.replace(/^node:/, "");
  if (removed[mod] && !context.parentURL?.startsWith("simulated:")) return { url: `simulated:${mod}`, shortCircuit: true };
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.startsWith("simulated:")) return next(url, context);
  const mod = url.slice("simulated:".length);
  const names = Object.keys(require(mod)).filter((n) => n !== "default" && !removed[mod].includes(n));
  const source = `import real from "node:${mod}";\nexport default real;\nexport const { ${names.join(", ")} } = real;\n`;
  return { format: "module", source, shortCircuit: true };
}
