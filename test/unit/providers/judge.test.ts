// The kernel's drift rule, pure: expected → apply, desired → skip, anything else (or not ours without
// adopt) → drift.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Step } from "../../../src/plan/types.ts";
import { judge, matches } from "../../../src/providers/judge.ts";
import type { LiveState } from "../../../src/providers/types.ts";

const desired = {
  zone: "example.com",
  name: "app.example.com",
  type: "A",
  content: "192.0.2.10",
  proxied: true,
};
const old = { ...desired, content: "192.0.2.9" };

function step(overrides: Partial<Step> = {}): Step {
  return {
    id: "cloudflare.dns-record.ensure:app.example.com A",
    provider: "cloudflare",
    action: "dns-record.ensure",
    target: "app.example.com A",
    risk: "create",
    desired,
    undo: null,
    ...overrides,
  };
}
const absent: LiveState = { exists: false };
const ours = (state: unknown): LiveState => ({ exists: true, ours: true, state });
const theirs = (state: unknown): LiveState => ({ exists: true, ours: false, state });

test("absent and expected absent → apply; absent with expected unset → apply", () => {
  assert.equal(judge(step({ expected: null }), absent), "apply");
  assert.equal(judge(step(), absent), "apply");
});

test("live equals desired → skip (a re-run converges)", () => {
  assert.equal(judge(step({ expected: null }), ours(desired)), "skip");
  assert.equal(
    judge(step({ expected: old }), ours({ ...desired, id: "extra fields are not judged" })),
    "skip",
  );
});

test("live equals expected → apply; anything else → drift", () => {
  assert.equal(judge(step({ expected: old }), ours(old)), "apply");
  assert.equal(judge(step({ expected: old }), ours({ ...old, proxied: false })), "drift");
  assert.equal(judge(step({ expected: old }), absent), "drift", "deleted since the plan");
  assert.equal(
    judge(step({ expected: null }), theirs(old)),
    "drift",
    "someone else created it since the plan",
  );
  assert.equal(judge(step(), theirs(old)), "drift", "expected unset: only absence or ours is safe to act on");
});

test("absent at plan time and ours now → apply: an earlier attempt of ours made it, so resuming converges", () => {
  assert.equal(judge(step({ expected: null }), ours(old)), "apply");
  assert.equal(judge(step(), ours(old)), "apply");
  // Ours but not as the plan expected it (someone else's apply changed it since): drift, as ever.
  assert.equal(judge(step({ expected: { ...old, content: "192.0.2.1" } }), ours(old)), "drift");
});

test("not ours → drift unless the plan adopts it", () => {
  assert.equal(judge(step({ expected: old }), theirs(old)), "drift");
  assert.equal(judge(step({ expected: old }), theirs(desired)), "drift");
  assert.equal(judge(step({ expected: old, adopt: true }), theirs(old)), "apply");
  assert.equal(judge(step({ expected: old, adopt: true }), theirs(desired)), "skip");
  assert.equal(
    judge(step({ expected: null, adopt: true }), theirs(old)),
    "drift",
    "adopt is not a blank cheque",
  );
});

test("matches compares the fields the target names, deeply", () => {
  assert.ok(matches(ours({ a: { b: [1, 2] }, c: 3 }), { a: { b: [1, 2] } }));
  assert.ok(!matches(ours({ a: { b: [1, 2, 3] } }), { a: { b: [1, 2] } }));
  assert.ok(!matches(ours({ a: null }), { a: {} }));
  assert.ok(matches(absent, null));
  assert.ok(!matches(absent, {}));
  assert.ok(!matches(ours({}), null));
});
