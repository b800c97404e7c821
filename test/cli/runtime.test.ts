// Compatibility dates: today, capped at what the project's Workers runtime supports.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PINNED_RUNTIME_DATE, compatibilityDateFor, installedRuntimeDate, today } from "../../cli/runtime.js";
import { repoRoot, tempDir } from "./support.js";

describe("compatibility dates", () => {
  it("the pinned date is what the templates' pinned wrangler and test pool support", () => {
    // The repo pins the same tool versions as the templates, so its node_modules tell the truth.
    const template = JSON.parse(readFileSync(path.join(repoRoot, "templates/counter/package.json"), "utf8")).devDependencies;
    for (const pkg of ["wrangler", "@cloudflare/vitest-pool-workers"]) {
      const installed = JSON.parse(readFileSync(path.join(repoRoot, "node_modules", pkg, "package.json"), "utf8")).version;
      expect(template[pkg], pkg).toBe(installed);
    }
    expect(installedRuntimeDate(repoRoot)).toBe(PINNED_RUNTIME_DATE);
  });

  it("uses today unless the runtime is older", () => {
    const noRuntime = tempDir();
    expect(compatibilityDateFor(noRuntime, new Date("2026-01-02T12:00:00Z"))).toBe("2026-01-02");
    expect(compatibilityDateFor(noRuntime, new Date("2099-01-01T00:00:00Z"))).toBe(PINNED_RUNTIME_DATE);
    expect(compatibilityDateFor(repoRoot, new Date("2099-01-01T00:00:00Z"))).toBe(installedRuntimeDate(repoRoot));
    expect(today(new Date("2026-03-04T23:59:59Z"))).toBe("2026-03-04");
  });
});
