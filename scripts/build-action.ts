// Bundles the Action into one ESM file (action/dist/index.js), committed so `uses:` needs no install step.
// @actions/core 3 and @actions/github 9 are ESM-only; esbuild bundles them (ncc fails with TypeScript 7).
// With --check, builds to a temporary file and fails when the committed bundle differs from the sources.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";

const committed = new URL("../action/dist/index.js", import.meta.url).pathname;
const check = process.argv.includes("--check");
const scratch = check ? mkdtempSync(join(tmpdir(), "action-build-")) : undefined;
const outfile = scratch ? join(scratch, "index.js") : committed;
await build({
  entryPoints: [new URL("../action/main.ts", import.meta.url).pathname],
  outfile,
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  minify: true,
  legalComments: "linked",
  // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: "warning",
});
if (scratch) {
  const same = readFileSync(outfile).equals(readFileSync(committed));
  rmSync(scratch, { recursive: true, force: true });
  if (!same) {
    console.error("action/dist/index.js is stale: run `npm run build` and commit the result.");
    process.exit(1);
  }
  console.log("action/dist/index.js matches the sources");
} else {
  console.log(`built ${outfile} (${(statSync(outfile).size / 1024).toFixed(0)} KiB)`);
}
