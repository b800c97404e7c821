// Turns results into the terminal table, bench/results/*.json and docs/benchmarks.md.
import { readFileSync, writeFileSync } from "node:fs";

const fmt = (v, digits) => (Number.isFinite(v) ? v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "—");
const ratio = (r) => (r === undefined ? "—" : `${r.toFixed(2)}×`);

/** Rows of one workload: for each implementation, each figure's median [min–max] and ratios. */
function rows(w) {
  const refs = Object.keys(w.references);
  const head = ["implementation"];
  for (const f of Object.values(w.figures)) head.push(f.label, ...refs.map((r) => `÷ ${r}`));
  const body = w.impls.map((impl) => {
    const cells = [impl.label];
    for (const [key, f] of Object.entries(w.figures)) {
      const res = w.results[key]?.impls[impl.key];
      if (!res) {
        cells.push("—", ...refs.map(() => "—"));
        continue;
      }
      const spread = res.samples.length > 1 ? ` [${fmt(res.min, f.digits)}–${fmt(res.max, f.digits)}]` : "";
      cells.push(`${fmt(res.median, f.digits)}${spread}`, ...refs.map((r) => ratio(res.ratio?.[r])));
    }
    return cells;
  });
  return { head, body };
}

export function terminalTable(w) {
  const { head, body } = rows(w);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [`\n${w.title}`, `  ${w.description}`, line(head), ...body.map(line)].join("\n");
}

function markdownTable(w) {
  const { head, body } = rows(w);
  const better = Object.values(w.figures)
    .map((f) => `${f.label}: ${f.better} is better`)
    .join("; ");
  return [
    `### ${w.title}`,
    "",
    `${w.description}. ${better}.`,
    "",
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...body.map((r) => `| ${r.join(" | ")} |`),
    "",
  ].join("\n");
}

export function markdown(run) {
  const m = run.machine;
  const v = run.versions;
  return [
    `Measured ${run.date} with \`${run.command}\` (interleaved rounds per workload: ${run.rounds}; median [min–max]; ratios are medians divided by the reference's median).`,
    "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.os}; pinned: ${m.pinning ?? "none"}. Node ${v.node}, wrangler ${v.wrangler} (Miniflare ${v.miniflare}, workerd ${v.workerd}), roomkit ${v.roomkit} at ${v.commit}, partyserver ${v.partyserver}, y-partyserver ${v["y-partyserver"]}, y-partykit ${v["y-partykit"]}, yjs ${v.yjs}, y-websocket ${v["y-websocket"]} (clients), ws ${v.ws} (clients), @durable-streams/server ${v["@durable-streams/server"]} (the streams reference, in a Node process of its own on the server core).`,
    "",
    ...run.workloads.map(markdownTable),
  ].join("\n");
}

const START = "<!-- results:start (written by npm run bench) -->";
const END = "<!-- results:end -->";

/** Replaces the generated section of docs/benchmarks.md, keeping the prose around it. */
export function updateDoc(file, run) {
  const doc = readFileSync(file, "utf8");
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file} has no "${START}" … "${END}" section to fill in`);
  writeFileSync(file, `${doc.slice(0, a + START.length)}\n${markdown(run)}\n${doc.slice(b)}`);
}
