import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const repo = path.resolve(import.meta.dirname, "../..");
const runner = path.join(repo, "bench/run.mjs");
const dir = mkdtempSync(path.join(tmpdir(), "roomkit-bench-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bench(...args: string[]) {
  return spawnSync(process.execPath, [runner, ...args], { cwd: repo, encoding: "utf8", timeout: 200_000 });
}

interface Figure {
  median: number;
  samples: number[];
  ratio: Record<string, number>;
}
interface Workload {
  name: string;
  impls: { key: string; label: string }[];
  references: Record<string, string>;
  results: Record<string, { impls: Record<string, Figure> }>;
}

const EXPECTED: Record<string, string[]> = {
  fanout: ["raw", "partyserver", "roomkit", "roomkit-mem"],
  echo: ["raw", "partyserver", "roomkit", "roomkit-mem"],
  storm: ["raw", "partyserver", "roomkit", "roomkit-mem"],
  rooms: ["raw", "partyserver", "roomkit", "roomkit-mem"],
  "yjs-replay": ["roomkit-yjs", "y-partykit", "y-partyserver"],
  "yjs-keystrokes": ["roomkit-yjs", "y-partykit", "y-partyserver"],
  "yjs-docs": ["roomkit-yjs", "y-partykit", "y-partyserver"],
  durable: ["roomkit", "durable"],
  catchup: ["durable"],
};

describe("npm run bench -- --smoke", () => {
  it("measures every workload for every implementation, checks delivery and reports ratios", () => {
    const out = path.join(dir, "smoke.json");
    const run = bench("--smoke", "--out", out);
    expect(run.stderr).not.toMatch(/correctness failures|failed:/);
    expect(run.status).toBe(0);
    for (const name of Object.keys(EXPECTED)) expect(run.stdout).toContain(`${name}: `);

    const report = JSON.parse(readFileSync(out, "utf8"));
    expect(report.mode).toBe("smoke");
    expect(report.failures).toEqual([]);
    expect(report.versions).toMatchObject({ wrangler: "4.86.0", partyserver: expect.any(String), yjs: expect.any(String) });
    expect(report.command).toContain("--smoke");

    const workloads = report.workloads as Workload[];
    expect(workloads.map((w) => w.name)).toEqual(Object.keys(EXPECTED));
    for (const w of workloads) {
      expect(
        w.impls.map((i) => i.key),
        w.name,
      ).toEqual(EXPECTED[w.name]);
      const figures = Object.entries(w.results);
      expect(figures.length, w.name).toBeGreaterThan(0);
      for (const [figure, { impls }] of figures) {
        for (const key of EXPECTED[w.name]!) {
          const f = impls[key];
          const where = `${w.name}.${figure}.${key}`;
          expect(f, where).toBeDefined();
          expect(f!.samples.length, where).toBe(1);
          expect(Number.isFinite(f!.median), where).toBe(true);
          // A ratio is left out only when the reference measured 0 (CPU time comes in 10 ms ticks, and a
          // smoke-sized sample can take less than one).
          for (const [label, refKey] of Object.entries(w.references)) {
            expect(Number.isFinite(f!.ratio[label]) || impls[refKey]!.median === 0, `${where} ÷ ${label}`).toBe(true);
          }
        }
      }
    }
    // Throughput figures are real measurements, not placeholders.
    const fanout = workloads.find((w) => w.name === "fanout")!;
    expect(fanout.results.deliveredPerSec!.impls.roomkit!.median).toBeGreaterThan(0);
    for (const name of ["yjs-replay", "yjs-keystrokes"]) {
      const replay = workloads.find((w) => w.name === name)!;
      for (const figure of Object.values(replay.results)) for (const f of Object.values(figure.impls)) expect(f.median, name).toBeGreaterThan(0);
    }
  });

  it("refuses bad arguments with exit 2 and the usage, before starting anything", () => {
    for (const [args, reason] of [
      [["--rounds", "zero"], /--rounds must be an integer from 1 to 50, got "zero"/],
      [["--only", "fanout,nope"], /unknown workload "nope"/],
      [["--fast"], /Unknown option '--fast'/],
      // The streams workloads have no smoke size (filling 100,000 messages takes a while): --smoke skips them, and refuses to be asked for one.
      [["--smoke", "--only", "streams-append"], /workload "streams-append" has no --smoke size/],
    ] as const) {
      const run = bench(...args);
      expect(run.status, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(reason);
      expect(run.stderr).toContain("usage: npm run bench");
    }
  });
});
