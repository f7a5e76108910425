// The Dokploy provider under the faults that hurt, one at a time on the twin: an answer lost after Dokploy
// committed (no duplicate, no double deploy), a 5xx before it did, a 429's Retry-After, a hung request, and a
// deploy resumed while its deployment still runs.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { buildPlan } from "../../../src/plan/build.ts";
import type { Step } from "../../../src/plan/types.ts";
import { DokployProvider } from "../../../src/providers/dokploy/index.ts";
import { judge } from "../../../src/providers/judge.ts";
import { ProviderError } from "../../../src/providers/types.ts";
import { ManualClock } from "../../../src/sandbox/clock.ts";
import {
  advance,
  type DokployTwinOptions,
  scriptDeployment,
  state,
} from "../../../src/sandbox/dokploy/index.ts";
import { startDokployTwin } from "../../support/dokploy-twin.ts";
import { sampleOptions } from "../plan/fixtures.ts";

const SECRETS: Record<string, string> = {
  GHCR_PULL_TOKEN: "ghp_pullTokenValue0123456789abcdefXYZ",
  SESSION_KEY: "session-key-value-7f3a9c",
  DATABASE_URL: "postgres://app:p4ssw0rd-hidden@db:5432/app",
};

const steps = buildPlan(sampleOptions()).steps.filter((s) => s.provider === "dokploy");
const stepOf = (action: string): Step => {
  const step = steps.find((s) => s.action === action);
  if (!step) throw new Error(`no ${action}`);
  return step;
};

async function setup(
  t: TestContext,
  options: DokployTwinOptions & { provider?: { timeoutMs?: number; deployTimeoutMs?: number } } = {},
) {
  const clock = new ManualClock("2026-05-01T12:00:00Z");
  const { twin, apiKey } = await startDokployTwin(t, { clock, retryAfterSeconds: 0, ...options });
  const slept: number[] = [];
  const make = (extra: { timeoutMs?: number; deployTimeoutMs?: number } = {}) =>
    new DokployProvider({
      url: twin.url,
      apiKey,
      secrets: (name) => SECRETS[name],
      sleep: async (ms) => {
        slept.push(ms);
        advance(twin, ms);
      },
      backoffMs: 10,
      timeoutMs: extra.timeoutMs ?? 5000,
      ...(extra.deployTimeoutMs ? { deployTimeoutMs: extra.deployTimeoutMs } : {}),
    });
  const provider = make(options.provider);
  const calls = (operationId: string) => twin.exchanges.filter((e) => e.operationId === operationId);
  return { twin, provider, slept, calls, make };
}

async function applyAll(provider: DokployProvider, list: Step[]): Promise<void> {
  for (const step of list) if (judge(step, await provider.read(step)) === "apply") await provider.apply(step);
}

test("a deploy whose answer is lost after Dokploy queued it is found in deployment.all, not deployed twice", async (t) => {
  const { twin, provider, calls } = await setup(t);
  await applyAll(provider, steps.slice(0, 5));
  twin.injectFault("lost-response", { procedure: "application.deploy" });
  await provider.apply(stepOf("application.deploy"));
  assert.equal(calls("application-deploy").length, 1, "one deploy request: the lost one");
  assert.equal(calls("application-deploy")[0]?.fault, "lost-response");
  const deployments = Object.values(state(twin).deployments);
  assert.deepEqual(
    deployments.map((d) => d.status),
    ["done"],
  );
});

test("a deploy refused with a 5xx before Dokploy queued it is sent again and deploys once", async (t) => {
  const { twin, provider, calls } = await setup(t);
  await applyAll(provider, steps.slice(0, 5));
  twin.injectFault("server-error", { procedure: "application.deploy", status: 502 });
  await provider.apply(stepOf("application.deploy"));
  assert.deepEqual(
    calls("application-deploy").map((e) => e.status),
    [502, 200],
  );
  assert.equal(Object.keys(state(twin).deployments).length, 1);
});

test("creates whose answers are lost (project, application, domain) leave exactly one of each", async (t) => {
  const { twin, provider } = await setup(t);
  twin.injectFault("lost-response", { procedure: "project.create" });
  twin.injectFault("lost-response", { procedure: "application.create" });
  twin.injectFault("lost-response", { procedure: "domain.create" });
  twin.injectFault("lost-response", { procedure: "application.saveEnvironment" });
  await applyAll(provider, steps);
  const world = state(twin);
  assert.equal(Object.keys(world.projects).length, 1);
  assert.equal(Object.keys(world.applications).length, 1);
  assert.equal(Object.keys(world.domains).length, 1);
  assert.equal(Object.keys(world.deployments).length, 1);
  assert.equal(twin.exchanges.filter((e) => e.fault === "lost-response").length, 4, "every fault was served");
  for (const step of steps) assert.equal(judge(step, await provider.read(step)), "skip", step.id);
});

test("a 429 is retried after its Retry-After, through the injectable sleep", async (t) => {
  const { twin, provider, slept, calls } = await setup(t, { retryAfterSeconds: 3 });
  twin.injectFault("rate-limit", { procedure: "project.all" });
  await provider.apply(stepOf("project.ensure"));
  assert.equal(slept[0], 3000, "waited the Retry-After");
  assert.deepEqual(
    calls("project-all")
      .map((e) => e.status)
      .slice(0, 2),
    [429, 200],
  );
});

test("a request that hangs past the timeout is abandoned and tried again", async (t) => {
  const { twin, provider, calls } = await setup(t, { holdMs: 400, provider: { timeoutMs: 150 } });
  twin.injectFault("timeout", { procedure: "project.all" });
  const live = await provider.read(stepOf("project.ensure"));
  assert.deepEqual(live, { exists: false });
  assert.equal(calls("project-all").length, 2);
});

test("a deploy that outlives the wait fails with deploy-timeout; the next apply waits for that deployment instead of deploying again", async (t) => {
  const { twin, provider, make } = await setup(t, { provider: { deployTimeoutMs: 10_000 } });
  await applyAll(provider, steps.slice(0, 5));
  const app = Object.values(twin.world.applications)[0];
  assert.ok(app);
  scriptDeployment(twin, app.applicationId, { status: "done", log: ["slow build"], durationMs: 60_000 });
  await assert.rejects(
    provider.apply(stepOf("application.deploy")),
    (e) => e instanceof ProviderError && e.reason === "deploy-timeout",
  );
  assert.deepEqual(
    Object.values(state(twin).deployments).map((d) => d.status),
    ["running"],
  );
  await make().apply(stepOf("application.deploy"));
  assert.deepEqual(
    Object.values(state(twin).deployments).map((d) => d.status),
    ["done"],
  );
});

test("the whole Dokploy plan under seeded faults at 20% each (429, 5xx, lost answers) converges with one of everything", async (t) => {
  // Seeds whose lost answers, together, fall on every create and on the deploy (checked below).
  const lost = new Set<string>();
  for (const seed of [38, 29, 58]) {
    const clock = new ManualClock("2026-05-01T12:00:00Z");
    const { twin, apiKey } = await startDokployTwin(t, {
      clock,
      retryAfterSeconds: 0,
      faults: { seed, rateLimit: 0.2, serverError: 0.2, lostResponse: 0.2 },
    });
    const provider = new DokployProvider({
      url: twin.url,
      apiKey,
      secrets: (name) => SECRETS[name],
      sleep: async (ms) => advance(twin, ms),
      backoffMs: 1,
      // The longest run of faulty requests at 60% in a few hundred is about 11: 20 tries cannot run out by luck.
      attempts: 20,
    });
    await applyAll(provider, steps);
    const world = state(twin);
    assert.ok(
      twin.exchanges.some((e) => e.fault === "lost-response"),
      `seed ${seed}: answers were lost`,
    );
    assert.deepEqual(
      [world.projects, world.applications, world.domains, world.deployments].map(
        (rows) => Object.keys(rows).length,
      ),
      [1, 1, 1, 1],
      `seed ${seed}: one project, application, domain and deployment`,
    );
    assert.equal(Object.values(world.deployments)[0]?.status, "done");
    for (const e of twin.exchanges) if (e.fault === "lost-response" && e.operationId) lost.add(e.operationId);
    twin.setFaults(null);
    for (const step of steps)
      assert.equal(judge(step, await provider.read(step)), "skip", `seed ${seed}: ${step.id}`);
  }
  for (const op of ["project-create", "application-create", "domain-create", "application-deploy"]) {
    assert.ok(lost.has(op), `an answer to ${op} was lost in one of the runs`);
  }
});
