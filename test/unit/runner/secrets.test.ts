// The secret registry: every registered value, in every encoding we know it to take, is gone from what we
// post; text without secrets passes unchanged; the host is told of each value (core.setSecret).
import assert from "node:assert/strict";
import { test } from "node:test";
import { fingerprint, SecretRegistry } from "../../../src/runner/secrets.ts";
import { mulberry32 } from "../../../src/sandbox/faults.ts";

const VALUE = "s3cr3t-Value_for-the-deploy/token+42";

function forms(value: string): string[] {
  return [
    value,
    Buffer.from(value).toString("base64"),
    Buffer.from(value).toString("base64url").replace(/=+$/, ""),
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
  ];
}

test("[secrets:never-posted] allows text without secrets through unchanged", () => {
  const registry = new SecretRegistry();
  registry.add("DOKPLOY_API_KEY", VALUE);
  const text = "| ✅ | `domain.ensure hello.example.com` | dokploy | applied |\nplan `0123456789ab`";
  assert.equal(registry.redact(text), text);
});

test("[secrets:never-posted] refuses every encoding of a registered value, at fuzzed positions and line splits", () => {
  const random = mulberry32(7);
  const registry = new SecretRegistry();
  registry.add("DOKPLOY_API_KEY", VALUE);
  for (let round = 0; round < 200; round++) {
    const form = forms(VALUE)[Math.floor(random() * 5)] as string;
    const before = "x".repeat(Math.floor(random() * 5));
    let text = `${before}log line ${round}: ${form} trailing`;
    // Split across two lines at a random point, as a wrapped log would.
    if (random() < 0.3) {
      const at = 8 + Math.floor(random() * (form.length - 16));
      text = `${before}${form.slice(0, at)}\n${form.slice(at)} trailing`;
    }
    const out = registry.redact(text);
    for (const f of forms(VALUE)) assert.ok(!out.includes(f), `round ${round}: ${JSON.stringify(out)}`);
    assert.match(out, /\[REDACTED\]/);
  }
});

test("each value is announced to the host once, and each line of a multi-line value too", () => {
  const announced: string[] = [];
  const registry = new SecretRegistry({ onRegister: (v) => announced.push(v) });
  registry.add("A", "first-line-value\nsecond-line-value");
  registry.add("A", "first-line-value\nsecond-line-value");
  registry.add("EMPTY", "");
  assert.deepEqual(announced, [
    "first-line-value\nsecond-line-value",
    "first-line-value",
    "second-line-value",
  ]);
  assert.deepEqual(registry.names(), ["A"]);
});

test("a private key block is redacted whole, though it spans lines", () => {
  const registry = new SecretRegistry();
  const out = registry.redact(
    "key:\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\nafter",
  );
  assert.doesNotMatch(out, /MIIEvQ/);
  assert.match(out, /after$/);
});

test("a fingerprint tells values apart and reveals nothing of them", () => {
  assert.match(fingerprint(VALUE), /^sha256:[0-9a-f]{16}$/);
  assert.notEqual(fingerprint(VALUE), fingerprint(`${VALUE}x`));
  assert.ok(!fingerprint(VALUE).includes(VALUE.slice(0, 6)));
});
