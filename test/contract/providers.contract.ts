// The shared provider contract (issue 4, "Providers"): the same tests registered for every provider, each
// against its twin. A provider passes when the kernel loop read → judge → apply → read converges: absent is
// created, a re-run is a skip that writes nothing, a resource that is not ours is drift unless adopted, the
// postcondition is checked against the provider, and seeded faults end in the same state with no duplicates.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { Step } from "../../src/plan/types.ts";
import { judge, matches } from "../../src/providers/judge.ts";
import { PostconditionError, type Provider, ProviderError } from "../../src/providers/types.ts";

export interface ProviderFixture {
  provider: Provider;
  /** A plan step (expected unset) for the n-th distinct resource, absent before the test touches it. */
  step(n: number): Step;
  /** Creates the step's resource as someone else would: not ours, and not the desired state. */
  seedForeign(step: Step): void;
  /** Resources living at the step's key, read from the twin's state (a duplicate shows as more than one). */
  count(step: Step): number;
  /** Writes (non-GET requests) the twin has received so far. */
  writes(): number;
  /** Faults the twin injected so far. */
  faults(): number;
}

export interface SetupOptions {
  /** Seeded faults at 20% each: 429 (Retry-After 0), 5xx, committed-but-lost responses. */
  faults?: { seed: number };
  /** The twin answers writes with success but keeps nothing: only the postcondition can notice. */
  lying?: boolean;
}

export type ProviderSetup = (t: TestContext, options: SetupOptions) => Promise<ProviderFixture>;

/** One kernel round for a step: read, judge against the plan, apply when the verdict says so. */
async function run(provider: Provider, step: Step): Promise<"apply" | "skip" | "drift"> {
  const verdict = judge(step, await provider.read(step));
  if (verdict === "apply") await provider.apply(step);
  return verdict;
}

export function providerContract(name: string, setup: ProviderSetup): void {
  test(`${name}: handles its own steps and no one else's`, async (t) => {
    const { provider, step } = await setup(t, {});
    const own = step(1);
    assert.ok(provider.handles(own));
    assert.equal(provider.handles({ ...own, provider: "verify" }), false);
    assert.equal(provider.handles({ ...own, action: "no-such.action" }), false);
  });

  test(`${name}: absent → judged apply; apply creates it, ours; read shows the desired state`, async (t) => {
    const fx = await setup(t, {});
    const step = { ...fx.step(1), expected: null };
    const before = await fx.provider.read(step);
    assert.deepEqual(before, { exists: false });
    assert.equal(judge(step, before), "apply");
    const applied = await fx.provider.apply(step);
    assert.ok(applied.exists && applied.ours, "created resources are tagged ours");
    const after = await fx.provider.read(step);
    assert.ok(matches(after, step.desired), JSON.stringify(after));
    assert.ok(after.exists && after.ours);
    assert.equal(fx.count(step), 1);
  });

  test(`${name}: a second run judges skip and writes nothing; apply again is a no-op`, async (t) => {
    const fx = await setup(t, {});
    const step = { ...fx.step(2), expected: null };
    assert.equal(await run(fx.provider, step), "apply");
    const writes = fx.writes();
    assert.equal(await run(fx.provider, step), "skip");
    await fx.provider.apply(step);
    assert.equal(fx.writes(), writes, "converged: no further writes");
    assert.equal(fx.count(step), 1);
  });

  test(`${name}: a resource that is not ours is drift; apply refuses it; nothing changes`, async (t) => {
    const fx = await setup(t, {});
    const step = { ...fx.step(3), expected: null };
    fx.seedForeign(step);
    const live = await fx.provider.read(step);
    assert.ok(live.exists && !live.ours, JSON.stringify(live));
    assert.equal(judge(step, live), "drift");
    // Even when the plan expected exactly this state: not ours and no adopt is drift.
    assert.equal(judge({ ...step, expected: live.state }, live), "drift");
    const writes = fx.writes();
    await assert.rejects(
      fx.provider.apply(step),
      (e) => e instanceof ProviderError && e.reason === "not-ours",
    );
    assert.equal(fx.writes(), writes);
    assert.deepEqual(await fx.provider.read(step), live);
  });

  test(`${name}: with adopt and the foreign state expected, apply takes it over`, async (t) => {
    const fx = await setup(t, {});
    const base = fx.step(4);
    fx.seedForeign(base);
    const live = await fx.provider.read(base);
    assert.ok(live.exists);
    const step = { ...base, adopt: true, expected: live.state };
    assert.equal(judge(step, live), "apply");
    const after = await fx.provider.apply(step);
    assert.ok(after.exists && after.ours && matches(after, step.desired));
    assert.equal(fx.count(step), 1);
    assert.equal(await run(fx.provider, step), "skip");
  });

  test(`${name}: the live state changed since the plan → drift, nothing applied`, async (t) => {
    const fx = await setup(t, {});
    const step = { ...fx.step(5), expected: null, adopt: true };
    fx.seedForeign(step);
    const writes = fx.writes();
    assert.equal(await run(fx.provider, step), "drift");
    assert.equal(fx.writes(), writes);
  });

  test(`${name}: the postcondition is read back from the provider, not taken from the write's answer`, async (t) => {
    const fx = await setup(t, { lying: true });
    const step = { ...fx.step(6), expected: null };
    await assert.rejects(fx.provider.apply(step), PostconditionError);
    assert.equal(fx.count(step), 0);
  });

  test(`${name}: seeded faults at 20% (429, 5xx, lost responses) → the same end state, no duplicates`, async (t) => {
    const fx = await setup(t, { faults: { seed: 4242 } });
    const steps = [10, 11, 12, 13].map((n) => ({ ...fx.step(n), expected: null }));
    for (const step of steps) assert.equal(await run(fx.provider, step), "apply");
    assert.ok(fx.faults() > 0, "the twin injected faults");
    for (const step of steps) {
      assert.equal(fx.count(step), 1, `${step.id}: exactly one`);
      assert.equal(await run(fx.provider, step), "skip", `${step.id}: converged`);
    }
  });
}
