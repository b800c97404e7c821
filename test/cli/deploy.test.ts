// roomkit deploy: check first, refuse on errors, build the client, then
// wrangler deploy with the user's arguments. Dry runs only: nothing is uploaded.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { counterProject, lastLine, roomkit, tempDir } from "./support.js";

describe("roomkit deploy", () => {
  it("builds the client and passes --dry-run --outdir (and any wrangler option) through", async () => {
    const dir = counterProject({ buildable: true });
    const outdir = path.join(tempDir(), "bundle");
    const r = await roomkit(dir, ["deploy", "--dry-run", "--name", "staging-counter", "--outdir", outdir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("client built: client/index.ts → public/client.js");
    expect(r.stdout).toContain(
      `dry run: building Worker "staging-counter" without uploading (bundle in ${outdir}); a real deploy would serve it at https://staging-counter.<your-subdomain>.workers.dev`,
    );
    expect(r.stdout + r.stderr).toContain("--dry-run: exiting now.");
    expect(readFileSync(path.join(outdir, "index.js"), "utf8")).toContain("Flusher");
    expect(readFileSync(path.join(dir, "public/client.js"), "utf8")).toContain("PartySocket");
  });

  it("refuses to deploy when roomkit check finds errors, before running wrangler", async () => {
    const dir = counterProject({ buildable: true });
    const toml = path.join(dir, "wrangler.toml");
    writeFileSync(toml, readFileSync(toml, "utf8").replace("new_sqlite_classes", "new_classes"));
    const outdir = path.join(tempDir(), "bundle");
    const r = await roomkit(dir, ["deploy", "--dry-run", "--outdir", outdir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[kv-storage]:");
    expect(lastLine(r.stderr)).toBe("error: refusing to deploy: roomkit check found 1 error (see above)");
    expect(existsSync(outdir)).toBe(false);
    expect(existsSync(path.join(dir, "public/client.js"))).toBe(false);
  });

  it("deletes a class's data only with --allow-delete, wherever the flag is on the command line", async () => {
    const dir = counterProject({ buildable: true });
    const toml = path.join(dir, "wrangler.toml");
    writeFileSync(toml, readFileSync(toml, "utf8").replace('["Main"]', '["Main", "Old"]') + '\n[[migrations]]\ntag = "v2"\ndeleted_classes = ["Old"]\n');
    const refused = await roomkit(dir, ["deploy", "--dry-run"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error[pending-delete]: wrangler.toml: migration "v2" deletes class "Old"');
    const allowed = await roomkit(dir, ["deploy", "--dry-run", "--outdir", path.join(tempDir(), "b"), "--allow-delete", "Old"]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toContain("warning[pending-delete]");
  });

  it("fails in one line when the client does not build", async () => {
    const dir = counterProject({ buildable: true });
    writeFileSync(path.join(dir, "client/index.ts"), "const = 1;\n");
    const r = await roomkit(dir, ["deploy", "--dry-run"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: client build failed: client/index.ts:1:7: Expected identifier but found "="');
  });

  it("rejects a malformed roomkit.client setting", async () => {
    const dir = counterProject({ buildable: true });
    const pkgFile = path.join(dir, "package.json");
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
    writeFileSync(pkgFile, JSON.stringify({ ...pkg, roomkit: { client: { entry: 42 } } }));
    const r = await roomkit(dir, ["deploy", "--dry-run"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("error: package.json: roomkit.client.entry must be a path or a list of paths");
  });

  it("reports a failing wrangler deploy in one line", async () => {
    const dir = counterProject({ buildable: true });
    // The server imports a module that does not exist: wrangler's build fails.
    writeFileSync(path.join(dir, "src/counter.ts"), 'import "./nowhere";\n' + readFileSync(path.join(dir, "src/counter.ts"), "utf8"));
    const r = await roomkit(dir, ["deploy", "--dry-run", "--no-client"]);
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe("error: wrangler deploy failed with exit code 1");
  });

  it("needs a Worker name", async () => {
    const dir = counterProject({ buildable: true });
    const toml = path.join(dir, "wrangler.toml");
    writeFileSync(toml, readFileSync(toml, "utf8").replace('name = "roomkit-counter"\n', ""));
    const r = await roomkit(dir, ["deploy", "--dry-run", "--no-client"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: wrangler.toml has no name: add name = "my-app" (the Worker\'s name)');
  });
});
