import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diagnose, type Rule } from "../../../src/triage/index.ts";

const ts = (i: number): string => `2026-01-01T00:00:${String(i % 60).padStart(2, "0")}.0000000Z `;
const actionsLog = (lines: string[]): string => lines.map((l, i) => `${ts(i)}${l}`).join("\n");

describe("diagnosis", () => {
  it("the seed failure: pnpm ignored better-sqlite3's build, then the bindings file is missing", async () => {
    const log = actionsLog([
      "##[group]Run pnpm install",
      "Packages: +120",
      "Ignored build scripts: better-sqlite3@12.11.1.",
      'Run "pnpm approve-builds" to pick which dependencies should be allowed to run scripts.',
      "##[endgroup]",
      "##[group]Run pnpm test",
      "Error: Could not locate the bindings file. Tried:",
      " → /app/node_modules/better-sqlite3/build/better_sqlite3.node",
      "##[error]Process completed with exit code 1.",
    ]);
    const d = await diagnose(log);
    assert.equal(d.category, "native-build-skipped");
    assert.equal(d.failingStep, "Run pnpm test");
    assert.ok(d.confidence >= 0.85);
    assert.ok(
      d.evidence.some((e) => e.line === 7 && e.text.startsWith("Error: Could not locate the bindings file")),
    );
    assert.ok(
      d.evidence.some((e) => e.line === 3),
      "the ignored build scripts line corroborates",
    );
  });

  it("a missing bindings file next to a GLIBC error is a libc mismatch, not a skipped build", async () => {
    const log = [
      "FROM node:20-alpine",
      "Error: Error loading shared library ld-linux-x86-64.so.2: No such file or directory",
      "Error: /lib/libc.so.6: version `GLIBC_2.28' not found (required by /app/node_modules/x/build/Release/x.node)",
      "Error: Could not locate the bindings file. Tried:",
    ].join("\n");
    const d = await diagnose(log);
    assert.equal(d.category, "libc-mismatch");
  });

  it("a full disk outranks the errors it causes", async () => {
    const log = [
      "npm ERR! code ENOSPC",
      "npm ERR! syscall write",
      "npm ERR! errno -28",
      "npm ERR! nospc ENOSPC: no space left on device, write",
      "Error: EACCES: permission denied, open '/root/.npm/_logs/debug.log'",
    ].join("\n");
    assert.equal((await diagnose(log)).category, "disk-full");
  });

  it("says unknown, with the lines before the first error as evidence, when nothing matches", async () => {
    const log = actionsLog([
      "##[group]Run ./deploy.sh",
      "deploying...",
      "something odd happened",
      "##[error]Process completed with exit code 3.",
    ]);
    const d = await diagnose(log);
    assert.equal(d.category, "unknown");
    assert.equal(d.confidence, 0);
    assert.equal(d.ruleId, undefined);
    assert.deepEqual(
      d.evidence.map((e) => e.line),
      [2, 3, 4],
    );
  });

  it("outranks by priority, and lowers confidence when two categories tie on priority", async () => {
    const ranked = await diagnose(
      ["Error: listen EADDRINUSE: address already in use :::3000", "Host key verification failed."].join(
        "\n",
      ),
    );
    assert.equal(ranked.category, "ssh-auth", "ssh-auth (priority 75) outranks port-binding (70)");
    assert.equal(ranked.confidence, 0.9);
    const tied = await diagnose(
      ["Host key verification failed.", "remote: Permission to o/r.git denied to github-actions[bot]."].join(
        "\n",
      ),
    );
    assert.ok(["ssh-auth", "ci-permissions"].includes(tied.category));
    assert.ok(tied.confidence <= 0.7, `a tie is not a confident answer: ${tied.confidence}`);
  });

  it("says unknown when a tie leaves too little confidence", async () => {
    const rule = (id: string, category: string, pattern: RegExp): Rule => ({
      id,
      category,
      patterns: [pattern],
      priority: 50,
      confidence: 0.65,
      summary: id,
      fix: id,
      positive: [],
      negative: [],
    });
    const rules = [rule("a", "disk-full", /alpha happened/), rule("b", "out-of-memory", /bravo happened/)];
    const d = await diagnose("alpha happened\nbravo happened\n", { rules });
    assert.equal(d.category, "unknown");
    assert.match(d.summary, /disk-full|out-of-memory/);
  });

  it("discounts a mechanism seen only outside the failing step", async () => {
    const inside = await diagnose(
      actionsLog(["##[group]Run build", "Killed", "##[error]Process completed with exit code 137."]),
    );
    const outside = await diagnose(
      actionsLog([
        "##[group]Run setup",
        "Killed",
        "##[group]Run build",
        "boom",
        "##[error]Process completed with exit code 1.",
      ]),
    );
    assert.equal(inside.category, "out-of-memory");
    assert.ok(inside.confidence > outside.confidence);
  });

  it("redacts secrets from evidence and from the failing step", async () => {
    const token = `ghp_${"a1B2c3D4e5".repeat(4)}`;
    const log = actionsLog([
      `##[group]Run curl -H "Authorization: Bearer ${token}" https://api.example.com`,
      `denied: requested access to the resource is denied (token ${token}, password=hunter22, key s3cr3t-value)`,
      "##[error]Process completed with exit code 1.",
    ]);
    const d = await diagnose(log, { secrets: ["s3cr3t-value"] });
    const text = JSON.stringify(d);
    assert.equal(d.category, "registry-auth");
    assert.ok(!text.includes(token) && !text.includes("hunter22") && !text.includes("s3cr3t-value"), text);
    assert.ok(text.includes("[REDACTED]"));
  });
});
