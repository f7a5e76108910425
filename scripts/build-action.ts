// Bundles the Action into action/dist (entry index.js plus one chunk per command's dependencies), committed so
// `uses:` needs no install step. @actions/core 3 and @actions/github 9 are ESM-only; esbuild bundles them (ncc
// fails with TypeScript 7). Code splitting keeps the entry small: it masks the secrets it was handed before the
// providers' SDKs are even loaded, so the first output does not wait for them (bench/action.ts measures it).
// With --check, builds to a temporary directory and fails when the committed dist differs from the sources.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { ACTION_BUILD_OPTIONS } from "./action-build-options.ts";

const committed = new URL("../action/dist/", import.meta.url).pathname;
const check = process.argv.includes("--check");
const outdir = check ? mkdtempSync(join(tmpdir(), "action-build-")) : committed;
if (!check) rmSync(committed, { recursive: true, force: true });
await build({
  entryPoints: { index: new URL("../action/main.ts", import.meta.url).pathname },
  outdir,
  ...ACTION_BUILD_OPTIONS,
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
});

function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return out;
}

const built = files(outdir);
if (check) {
  const have = files(committed);
  rmSync(outdir, { recursive: true, force: true });
  const stale = [...new Set([...built.keys(), ...have.keys()])].filter(
    (name) => !built.get(name)?.equals(have.get(name) ?? Buffer.alloc(0)),
  );
  if (stale.length > 0) {
    console.error(`action/dist is stale (${stale.join(", ")}): run \`npm run build\` and commit the result.`);
    process.exit(1);
  }
  console.log("action/dist matches the sources");
} else {
  const total = [...built.values()].reduce((sum, b) => sum + b.length, 0);
  console.log(
    `built action/dist: ${built.size} files, ${(total / 1024).toFixed(0)} KiB (entry ${((built.get("index.js")?.length ?? 0) / 1024).toFixed(0)} KiB)`,
  );
}
