// Bundles the demo's browser client (partysocket included) into demo/public/app.js.
import { build } from "esbuild";

await build({
  entryPoints: [new URL("./client/app.ts", import.meta.url).pathname],
  outfile: new URL("./public/app.js", import.meta.url).pathname,
  bundle: true,
  format: "esm",
  target: "es2022",
  sourcemap: true,
  logLevel: "warning",
});
