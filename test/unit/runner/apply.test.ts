// The runner's own rules, on a small in-memory provider (a world of keyed resources with an owner tag): stop
// at the first drift or failure, record undo, resume after a crash between or inside steps to the same end
// state. The same properties against the real providers and twins are in test/e2e/apply-crash.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Plan, Step } from "../../../src/plan/types.ts";
import { judge } from "../../../src/providers/judge.ts";
import { type LiveState, PostconditionError, type Provider } from "../../../src/providers/types.ts";
import { applyPlan, NoProviderError } from "../../../src/runner/apply.ts";

interface Resource {
  owner: string;
  state: Record<string, unknown>;
}

/** A provider over a Map, whose writes can be made to commit and then fail (a lost answer, a crash). */
class MapProvider implements Provider {
  readonly name = "dokploy" as const;
  readonly world = new Map<string, Resource>();
  writes = 0;
  /** Step ids whose next apply commits, then throws (as if the process died right after the write). */
  crashAfterCommit = new Set<string>();
  /** Step ids whose next apply throws before writing. */
  crashBefore = new Set<string>();

  handles(step: Step): boolean {
    return step.provider === "dokploy";
  }
  async read(step: Step): Promise<LiveState> {
    const found = this.world.get(step.target);
    return found
      ? { exists: true, ours: found.owner === "us", state: { ...found.state } }
      : { exists: false };
  }
  async apply(step: Step): Promise<LiveState> {
    if (this.crashBefore.delete(step.id)) throw new Error(`crash before ${step.id}`);
    const current = this.world.get(step.target);
    // Find before create: an existing resource is updated, never duplicated.
    this.world.set(step.target, {
      owner: current?.owner ?? "us",
      state: { ...(step.desired as Record<string, unknown>) },
    });
    this.writes++;
    if (this.crashAfterCommit.delete(step.id)) throw new Error(`crash after ${step.id} committed`);
    return this.read(step);
  }
}

class Verifier implements Provider {
  readonly name = "verify" as const;
  passing = true;
  handles(step: Step): boolean {
    return step.provider === "verify";
  }
  async read(): Promise<LiveState> {
    return { exists: true, ours: true, state: { ok: this.passing } };
  }
  async apply(step: Step): Promise<LiveState> {
    if (!this.passing) {
      throw new PostconditionError({
        provider: "verify",
        message: `${step.target} did not answer`,
        live: { exists: true, ours: true, state: { ok: false } },
      });
    }
    return this.read();
  }
}

function resource(target: string, value: number, expected: unknown = null): Step {
  return {
    id: `dokploy.thing.ensure:${target}`,
    provider: "dokploy",
    action: "thing.ensure",
    target,
    risk: "create",
    expected,
    desired: { value },
    undo: { action: "thing.delete", state: { target } },
  };
}

function plan(steps: Step[]): Plan {
  return {
    version: 1,
    repository: "acme/hello",
    pullNumber: 1,
    environment: "production",
    headSha: "a".repeat(40),
    configSha: "b".repeat(40),
    image: { repository: "ghcr.io/acme/hello", tag: "sha-a", digest: `sha256:${"c".repeat(64)}` },
    steps,
  };
}

const check: Step = {
  id: "verify.http:https://app.example.com/healthz",
  provider: "verify",
  action: "http",
  target: "https://app.example.com/healthz",
  risk: "read",
  desired: { ok: true },
  undo: null,
};

test("applies each step in order, records its undo newest first, then verifies", async () => {
  const world = new MapProvider();
  const progress: string[] = [];
  const result = await applyPlan({
    plan: plan([resource("a", 1), resource("b", 2), check]),
    providers: [world, new Verifier()],
    onProgress: (outcomes) => {
      progress.push(outcomes.map((o) => o.status[0]).join(""));
    },
  });
  assert.equal(result.ok, true);
  assert.deepEqual(result.changed, ["dokploy.thing.ensure:a", "dokploy.thing.ensure:b"]);
  assert.deepEqual(
    result.undo.map((u) => u.stepId),
    ["dokploy.thing.ensure:b", "dokploy.thing.ensure:a"],
  );
  assert.deepEqual(
    result.outcomes.map((o) => o.status),
    ["done", "done", "done"],
  );
  assert.deepEqual(progress, ["rpp", "dpp", "drp", "ddp", "ddr", "ddd"]);
  assert.deepEqual(world.world.get("b")?.state, { value: 2 });
});

test("a re-run judges every step skip and writes nothing", async () => {
  const world = new MapProvider();
  const p = plan([resource("a", 1), resource("b", 2)]);
  await applyPlan({ plan: p, providers: [world] });
  const writes = world.writes;
  const again = await applyPlan({ plan: p, providers: [world] });
  assert.equal(again.ok, true);
  assert.deepEqual(
    again.outcomes.map((o) => o.status),
    ["skipped", "skipped"],
  );
  assert.deepEqual(again.changed, []);
  assert.equal(world.writes, writes);
});

test("drift stops the run before anything further changes, and says why", async () => {
  const world = new MapProvider();
  world.world.set("b", { owner: "someone", state: { value: 9 } });
  const result = await applyPlan({
    plan: plan([resource("a", 1), resource("b", 2), resource("c", 3)]),
    providers: [world],
  });
  assert.equal(result.ok, false);
  assert.equal(result.stoppedAt, "dokploy.thing.ensure:b");
  assert.deepEqual(
    result.outcomes.map((o) => o.status),
    ["done", "drift", "pending"],
  );
  assert.match(result.outcomes[1]?.error?.message ?? "", /exists and is not ours/);
  assert.equal(world.world.has("c"), false, "nothing after the drift ran");
  assert.deepEqual(world.world.get("b"), { owner: "someone", state: { value: 9 } });
});

test("a crash between steps, then a re-run: the same end state, each resource once", async () => {
  const world = new MapProvider();
  const p = plan([resource("a", 1), resource("b", 2), resource("c", 3)]);
  world.crashBefore.add("dokploy.thing.ensure:b");
  const first = await applyPlan({ plan: p, providers: [world] });
  assert.equal(first.ok, false);
  assert.deepEqual(first.changed, ["dokploy.thing.ensure:a"]);
  const second = await applyPlan({ plan: p, providers: [world] });
  assert.equal(second.ok, true);
  assert.deepEqual(
    second.outcomes.map((o) => o.status),
    ["skipped", "done", "done"],
  );
  assert.deepEqual([...world.world.keys()].sort(), ["a", "b", "c"]);
});

test("a crash inside a step after the provider committed: the re-run finds it done and skips it", async () => {
  const world = new MapProvider();
  const p = plan([resource("a", 1), resource("b", 2)]);
  world.crashAfterCommit.add("dokploy.thing.ensure:a");
  const first = await applyPlan({ plan: p, providers: [world] });
  assert.equal(first.outcomes[0]?.status, "failed");
  assert.equal(world.world.size, 1, "the write happened although the step failed");
  const second = await applyPlan({ plan: p, providers: [world] });
  assert.deepEqual(
    second.outcomes.map((o) => o.status),
    ["skipped", "done"],
  );
  assert.equal(world.writes, 2, "a once (the committed write the crash hid), b once");
});

test("a step half-done by a crashed attempt (ours, not yet as desired) is converged, not refused", async () => {
  const world = new MapProvider();
  // The earlier attempt created the parent; this step configures it: absent at plan time, ours now.
  world.world.set("a", { owner: "us", state: { value: 0 } });
  const step = resource("a", 1, null);
  assert.equal(judge(step, await world.read(step)), "apply");
  const result = await applyPlan({ plan: plan([step]), providers: [world] });
  assert.equal(result.ok, true);
  assert.deepEqual(result.undo[0]?.state, { target: "a" });
});

test("undo of an update restores the state read just before the change", async () => {
  const world = new MapProvider();
  world.world.set("a", { owner: "us", state: { value: 0 } });
  const step = {
    ...resource("a", 1, { value: 0 }),
    undo: { action: "thing.set", state: { restore: "expected" } },
  };
  const result = await applyPlan({ plan: plan([step]), providers: [world] });
  assert.deepEqual(result.undo, [
    {
      stepId: step.id,
      provider: "dokploy",
      action: "thing.set",
      target: "a",
      state: { value: 0 },
    },
  ]);
});

test("verifications all run and each failure is reported; the run is not ok", async () => {
  const verifier = new Verifier();
  verifier.passing = false;
  const second = { ...check, id: "verify.log:hello", target: "hello", action: "log" };
  const result = await applyPlan({
    plan: plan([resource("a", 1), check, second]),
    providers: [new MapProvider(), verifier],
    describe: async (step) => ({ detail: `evidence for ${step.target}`, evidence: { target: step.target } }),
  });
  assert.equal(result.ok, false);
  assert.deepEqual(
    result.outcomes.map((o) => o.status),
    ["done", "failed", "failed"],
  );
  assert.equal(result.outcomes[2]?.detail, "evidence for hello");
  assert.deepEqual(result.outcomes[2]?.evidence, { target: "hello" });
  assert.equal(result.stoppedAt, check.id);
});

test("a step no provider handles is refused before anything runs", async () => {
  const world = new MapProvider();
  await assert.rejects(
    applyPlan({ plan: plan([resource("a", 1), check]), providers: [world] }),
    NoProviderError,
  );
  assert.equal(world.writes, 0);
});

test("verifyOnly runs the checks and touches nothing", async () => {
  const world = new MapProvider();
  const result = await applyPlan({
    plan: plan([resource("a", 1), check]),
    providers: [world, new Verifier()],
    verifyOnly: true,
  });
  assert.equal(result.ok, true);
  assert.deepEqual(
    result.outcomes.map((o) => o.id),
    [check.id],
  );
  assert.equal(world.writes, 0);
});
