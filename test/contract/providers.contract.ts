// The shared provider contract (issue 4, "Providers"): the same tests registered for every provider, each
// against its twin. A provider passes when the kernel loop read → judge → apply → read converges: absent is
// created, a re-run is a skip that writes nothing, a resource that is not ours is drift unless adopted, the
// postcondition is checked against the provider, and seeded faults end in the same state with no duplicates.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { Plan, Step } from "../../src/plan/types.ts";
import { judge, matches, recordedState } from "../../src/providers/judge.ts";
import { PostconditionError, type Provider, ProviderError } from "../../src/providers/types.ts";
import { applyPlan, type UndoRecord, undoRecord } from "../../src/runner/apply.ts";

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
  /**
   * The rollback step for a recorded undo of step(n) (usually `rollbackStep`): when given, the suite also
   * proves the undo takes the step back.
   */
  undoStep?(record: UndoRecord): Step;
}

/** A rollback plan's step for one undo record: the App's own (`/devops rollback` builds its plan with it). */
export { rollbackStep } from "../../src/plan/rollback.ts";

/** A plan around steps, for the runner. */
export function planOf(steps: Step[]): Plan {
  return {
    version: 1,
    repository: "acme/hello-service",
    pullNumber: 1,
    environment: "production",
    headSha: "0".repeat(40),
    configSha: "1".repeat(40),
    image: { repository: "ghcr.io/acme/hello-service", tag: "sha-0", digest: `sha256:${"2".repeat(64)}` },
    steps,
  };
}

/** The plan run's part: the rollback step's `expected` is the live state read when it was planned. */
async function planned(provider: Provider, step: Step): Promise<Step> {
  const live = await provider.read(step);
  return { ...step, expected: recordedState(live) };
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

  test(`${name}: the runner's recorded undo takes the step back: gone from the twin; a second run skips`, async (t) => {
    const fx = await setup(t, {});
    if (!fx.undoStep) return t.skip("no undo for this provider's contract step");
    const step = { ...fx.step(7), expected: null };
    const forward = await applyPlan({ plan: planOf([step]), providers: [fx.provider] });
    assert.ok(forward.ok, JSON.stringify(forward.outcomes));
    assert.equal(forward.undo.length, 1);
    assert.equal(fx.count(step), 1);
    const undo = await planned(fx.provider, fx.undoStep(forward.undo[0] as UndoRecord));
    assert.ok(fx.provider.handles(undo), `handles ${undo.action}`);
    const back = await applyPlan({ plan: planOf([undo]), providers: [fx.provider] });
    assert.ok(back.ok, JSON.stringify(back.outcomes));
    assert.deepEqual(back.changed, [undo.id]);
    assert.equal(fx.count(step), 0, "gone from the twin");
    assert.deepEqual(await fx.provider.read(undo), { exists: false });
    const writes = fx.writes();
    const again = await applyPlan({ plan: planOf([undo]), providers: [fx.provider] });
    assert.equal(again.outcomes[0]?.status, "skipped");
    await fx.provider.apply(undo);
    assert.equal(fx.writes(), writes, "an undo already done writes nothing");
  });

  test(`${name}: an undo aimed at a resource that is not ours is drift; apply refuses it (not-ours); it stays`, async (t) => {
    const fx = await setup(t, {});
    if (!fx.undoStep) return t.skip("no undo for this provider's contract step");
    const step = fx.step(8);
    fx.seedForeign(step);
    const undo = fx.undoStep(undoRecord(step, { exists: false }) as UndoRecord);
    const live = await fx.provider.read(undo);
    assert.ok(live.exists && !live.ours, JSON.stringify(live));
    assert.equal(judge({ ...undo, expected: live.state }, live), "drift");
    const writes = fx.writes();
    await assert.rejects(
      fx.provider.apply(undo),
      (e) => e instanceof ProviderError && e.reason === "not-ours",
    );
    assert.equal(fx.writes(), writes);
    assert.equal(fx.count(step), 1, "someone else's resource is still there");
  });

  test(`${name}: undos under seeded faults (lost delete answers included) end with nothing left and skip again`, async (t) => {
    const fx = await setup(t, { faults: { seed: 777 } });
    if (!fx.undoStep) return t.skip("no undo for this provider's contract step");
    const undoStep = fx.undoStep;
    const steps = [14, 15].map((n) => ({ ...fx.step(n), expected: null }));
    const forward = await applyPlan({ plan: planOf(steps), providers: [fx.provider] });
    assert.ok(forward.ok, JSON.stringify(forward.outcomes));
    const faultsBefore = fx.faults();
    const undos: Step[] = [];
    for (const record of forward.undo) undos.push(await planned(fx.provider, undoStep(record)));
    const back = await applyPlan({ plan: planOf(undos), providers: [fx.provider] });
    assert.ok(back.ok, JSON.stringify(back.outcomes));
    assert.ok(fx.faults() > faultsBefore, "faults were injected during the rollback");
    for (const step of steps) assert.equal(fx.count(step), 0, `${step.id}: gone`);
    for (const undo of undos) assert.equal(await run(fx.provider, undo), "skip", `${undo.id}: converged`);
  });
}
