// The real entry point, in-process: main(argv) with an injected io.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CliIo } from "../../src/cli/io.ts";
import { main } from "../../src/cli/main.ts";

function captureIo(env: NodeJS.ProcessEnv = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    env,
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    stopSignal: Promise.resolve(),
  };
}

test("--help lists every command and exits 0; no command is a usage error", async () => {
  const io = captureIo();
  assert.equal(await main(["--help"], io), 0);
  for (const name of ["start", "demo", "doctor", "triage", "ask", "lab"]) {
    assert.match(io.out.join("\n"), new RegExp(`^  ${name} `, "m"));
  }
  assert.equal(await main([], captureIo()), 2);
});

test("every command answers --help with its usage and exit code 0", async () => {
  for (const name of ["start", "demo", "doctor", "triage", "ask", "lab"]) {
    const io = captureIo();
    assert.equal(await main([name, "--help"], io), 0, name);
    assert.match(io.out.join("\n"), new RegExp(`Usage: devops-agent ${name}`), name);
  }
});

test("an unknown command names itself and exits 2", async () => {
  const io = captureIo();
  assert.equal(await main(["deploy-everything"], io), 2);
  assert.match(io.err.join("\n"), /unknown command 'deploy-everything'/);
});

test("start: a bad --port and an unknown flag are usage errors naming the option", async () => {
  const io = captureIo();
  assert.equal(await main(["start", "--port", "99999"], io), 2);
  assert.match(io.err.join("\n"), /--port must be a number from 0 to 65535, got '99999'/);
  const io2 = captureIo();
  assert.equal(await main(["start", "--prot", "1"], io2), 2);
  assert.match(io2.err.join("\n"), /--prot/);
});

test("start: APP_ID without a key or webhook secret says exactly what is missing", async () => {
  const io = captureIo({ APP_ID: "1" });
  assert.equal(await main(["start"], io), 2);
  assert.match(io.err.join("\n"), /PRIVATE_KEY or PRIVATE_KEY_PATH and WEBHOOK_SECRET are missing/);
});

test("commands not built yet say so, do nothing and exit 2", async () => {
  const io = captureIo();
  assert.equal(await main(["lab", "up"], io), 2);
  assert.match(io.err.join("\n"), /not built yet.*Nothing was done/);
});
