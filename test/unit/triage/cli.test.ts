import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { triageCommand } from "../../../src/triage/cli.ts";

function capture(): {
  io: { stdout: (s: string) => void; stderr: (s: string) => void };
  out: () => string;
  err: () => string;
} {
  let out = "";
  let err = "";
  return {
    io: { stdout: (s) => (out += s), stderr: (s) => (err += s) },
    out: () => out,
    err: () => err,
  };
}

describe("devops-agent triage", () => {
  const dir = mkdtempSync(join(tmpdir(), "triage-cli-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, "job.log");
  writeFileSync(
    log,
    [
      "2026-01-01T00:00:00.0000000Z ##[group]Run docker run app",
      "2026-01-01T00:00:01.0000000Z exec /usr/local/bin/app: exec format error",
      "2026-01-01T00:00:02.0000000Z ##[error]Process completed with exit code 1.",
    ].join("\n"),
  );

  it("--json prints exactly one JSON object with the diagnosis", async () => {
    const c = capture();
    assert.equal(await triageCommand([log, "--json"], c.io), 0);
    const parsed = JSON.parse(c.out()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ["category", "summary", "fix", "confidence", "evidence"]);
    assert.equal(parsed.category, "arch-mismatch");
    assert.equal(typeof parsed.summary, "string");
    assert.equal(typeof parsed.fix, "string");
    assert.equal(typeof parsed.confidence, "number");
    assert.deepEqual(parsed.evidence, [
      { line: 2, text: "exec /usr/local/bin/app: exec format error" },
      { line: 3, text: "##[error]Process completed with exit code 1." },
    ]);
    assert.equal(c.err(), "");
  });

  it("prints a readable report by default", async () => {
    const c = capture();
    assert.equal(await triageCommand([log], c.io), 0);
    assert.match(
      c.out(),
      /^Root cause: arch-mismatch \(confidence 0\.\d\d\)\nFailing step: Run docker run app\n/,
    );
    assert.match(c.out(), /Fix: /);
    assert.match(c.out(), /2 \| exec \/usr\/local\/bin\/app: exec format error/);
  });

  it("reads standard input with -", async () => {
    const c = capture();
    const stdin = (async function* () {
      yield "Host key verification failed.\n";
    })();
    assert.equal(await triageCommand(["-", "--json"], { ...c.io, stdin }), 0);
    assert.equal((JSON.parse(c.out()) as { category: string }).category, "ssh-auth");
  });

  it("names a missing file and returns 2", async () => {
    const c = capture();
    const missing = join(dir, "nope.log");
    assert.equal(await triageCommand([missing], c.io), 2);
    assert.match(
      c.err(),
      new RegExp(`cannot read log file '${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}': no such file`),
    );
    assert.equal(c.out(), "");
  });

  it("--help prints usage and returns 0; bad arguments return 2 with usage", async () => {
    const help = capture();
    assert.equal(await triageCommand(["--help"], help.io), 0);
    assert.match(help.out(), /^Usage: devops-agent triage <logfile\|-> \[--json\]/);
    const none = capture();
    assert.equal(await triageCommand([], none.io), 2);
    assert.match(none.err(), /missing <logfile>/);
    const unknown = capture();
    assert.equal(await triageCommand([log, "--yaml"], unknown.io), 2);
    assert.match(unknown.err(), /unknown option '--yaml'/);
  });
});
