// `npm run demo -- --json` as a user runs it: a real process, the whole reference workflow on the sandbox, one
// JSON object on stdout. It must say ok only with the four verifications passing, each carrying the raw
// evidence the verifier read back from the world.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";

const BIN = new URL("../../src/cli/bin.ts", import.meta.url).pathname;

function demo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "demo", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  evidence: Record<string, unknown>;
}

test("npm run demo -- --json: ok, with dns, tls, http and log passing on raw evidence, and a re-run that changes nothing", async () => {
  const { code, stdout, stderr } = await demo();
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout) as { ok: boolean; checks: Check[]; expectations: Check[] };
  assert.equal(result.ok, true, JSON.stringify(result.expectations.filter((e) => !e.ok)));
  const check = (name: string) => {
    const found = result.checks.find((c) => c.name === name);
    assert.ok(found?.ok, `${name}: ${found?.detail}`);
    return found;
  };
  assert.deepEqual(check("dns")?.evidence.answers, ["127.0.0.1"]);
  const tls = check("tls")?.evidence ?? {};
  assert.match(String(tls.issuer), /devops-agent sandbox CA/);
  assert.match(String(tls.serial), /^[0-9A-F]{16,}$/);
  assert.ok(Date.parse(String(tls.validTo)) > Date.now(), "not expired");
  assert.equal(check("http")?.evidence.status, 200);
  assert.match(String(check("log")?.evidence.line), /migrations applied/);
  assert.ok(result.expectations.some((e) => e.name === "rerun-unchanged" && e.ok));
});
