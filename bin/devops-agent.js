#!/usr/bin/env node
// Node 24 runs the TypeScript sources directly (type stripping); no build step for the CLI.
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  process.stderr.write(
    `devops-agent needs Node 24 or newer (this is ${process.version}). Run it through npm scripts or npx in the project, which use the pinned Node 24.\n`,
  );
  process.exit(1);
}
await import("../src/cli/bin.ts");
