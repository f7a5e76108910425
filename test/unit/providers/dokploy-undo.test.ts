// Taking the reference plan's Dokploy steps back (issue 4, `/devops rollback`): the runner's own undo records
// become a rollback plan's steps, as the App builds them, and apply against the Dokploy twin: deletes leave
// nothing of ours, restores put back what was read before (or refuse to fake what they cannot), a deploy is
// never "un-run", and lost answers to deletes end in the same state.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { parseDeployConfig } from "../../../src/config/load.ts";
import { buildPlan } from "../../../src/plan/build.ts";
import type { Step } from "../../../src/plan/types.ts";
import { DokployProvider } from "../../../src/providers/dokploy/index.ts";
import { recordedState } from "../../../src/providers/judge.ts";
import type { Provider } from "../../../src/providers/types.ts";
import { applyPlan, type UndoRecord } from "../../../src/runner/apply.ts";
import { ManualClock } from "../../../src/sandbox/clock.ts";
import { dokployHandlers } from "../../../src/sandbox/dokploy/handlers.ts";
import { advance, state } from "../../../src/sandbox/dokploy/index.ts";
import { planOf, rollbackStep } from "../../contract/providers.contract.ts";
import { startDokployTwin } from "../../support/dokploy-twin.ts";
import { SAMPLE_YAML, sampleOptions } from "../plan/fixtures.ts";

const SECRETS: Record<string, string> = {
  GHCR_PULL_TOKEN: "ghp_pullTokenValue0123456789abcdefXYZ",
  SESSION_KEY: "session-key-value-7f3a9c",
  DATABASE_URL: "postgres://app:p4ssw0rd-hidden@db:5432/app",
};

async function setup(t: TestContext) {
  const clock = new ManualClock("2026-05-01T12:00:00Z");
  const { twin, apiKey } = await startDokployTwin(t, { clock, retryAfterSeconds: 0 });
  const provider = new DokployProvider({
    url: twin.url,
    apiKey,
    secrets: (name) => SECRETS[name],
    sleep: async (ms) => advance(twin, ms),
    backoffMs: 10,
    timeoutMs: 5000,
  });
  const writes = () => twin.exchanges.filter((e) => e.method !== "GET").length;
  const calls = (procedure: string) => twin.exchanges.filter((e) => e.path.includes(`/api/${procedure}`));
  return { twin, provider, writes, calls };
}

function dokploySteps(yaml = SAMPLE_YAML, digest?: string): Step[] {
  const base = sampleOptions();
  return buildPlan({
    ...base,
    config: parseDeployConfig(yaml),
    ...(digest ? { image: { ...base.image, digest } } : {}),
  }).steps.filter((s) => s.provider === "dokploy");
}

/** The plan run: each rollback step's `expected` is what was live when the rollback was planned. */
async function planned(provider: Provider, steps: Step[]): Promise<Step[]> {
  const out: Step[] = [];
  for (const step of steps) {
    const live = await provider.read(step);
    out.push({ ...step, expected: recordedState(live) });
  }
  return out;
}

async function applied(provider: Provider, steps: Step[]): Promise<UndoRecord[]> {
  const result = await applyPlan({ plan: planOf(steps), providers: [provider] });
  assert.ok(result.ok, JSON.stringify(result.outcomes));
  return result.undo;
}

const RESTORES = ["docker-provider.set", "environment.set", "application.deploy"];

test("a first deploy taken back, newest first: domain, application and project are gone from the twin; a second run skips", async (t) => {
  const { twin, provider, writes } = await setup(t);
  const undo = await applied(provider, dokploySteps());
  assert.deepEqual(
    undo.map((r) => r.action),
    [
      "application.deploy",
      "domain.delete",
      "environment.set",
      "docker-provider.set",
      "application.delete",
      "project.delete",
    ],
  );
  // The application goes, so restoring its settings (or "un-running" its deploy) is moot: the App leaves those out.
  const steps = await planned(provider, undo.filter((r) => !RESTORES.includes(r.action)).map(rollbackStep));
  assert.deepEqual(
    steps.map((s) => s.id),
    [
      "dokploy.domain.delete:app.example.com",
      "dokploy.application.delete:hello-service",
      "dokploy.project.delete:hello-service",
    ],
  );
  const back = await applyPlan({ plan: planOf(steps), providers: [provider] });
  assert.ok(back.ok, JSON.stringify(back.outcomes));
  assert.deepEqual(
    back.changed,
    steps.map((s) => s.id),
  );
  const world = state(twin);
  assert.deepEqual(Object.values(world.projects), []);
  assert.deepEqual(Object.values(world.applications), []);
  assert.deepEqual(Object.values(world.domains), []);
  assert.deepEqual(Object.values(world.environments), []);

  const before = writes();
  const again = await applyPlan({ plan: planOf(steps), providers: [provider] });
  assert.deepEqual(
    again.outcomes.map((o) => o.status),
    ["skipped", "skipped", "skipped"],
  );
  assert.equal(writes(), before, "a rollback already done writes nothing");
});

test("a deploy's undo is refused as cannot-undo, saying the application's delete removes it; nothing changes", async (t) => {
  const { twin, provider, writes } = await setup(t);
  const undo = await applied(provider, dokploySteps());
  const deploy = rollbackStep(undo[0] as UndoRecord);
  assert.equal(deploy.id, "dokploy.application.deploy:hello-service");
  const steps = await planned(provider, [deploy, { ...deploy, desired: null }]);
  for (const step of steps) {
    const before = writes();
    const result = await applyPlan({ plan: planOf([step]), providers: [provider] });
    assert.equal(result.ok, false);
    assert.equal(result.outcomes[0]?.error?.reason, "cannot-undo");
    assert.match(result.outcomes[0]?.error?.message ?? "", /cannot be un-run.*application\.delete/s);
    assert.equal(writes(), before);
  }
  assert.equal(Object.values(state(twin).deployments).length, 1, "the deployment stands");
});

test("a second deploy taken back: the docker provider goes back to the image and registry read before, its password from the secret; a second run skips", async (t) => {
  const { twin, provider, writes } = await setup(t);
  await applied(provider, dokploySteps());
  const first = Object.values(state(twin).applications)[0]?.dockerImage;
  const undo = await applied(provider, dokploySteps(SAMPLE_YAML, `sha256:${"cd".repeat(32)}`));
  assert.deepEqual(
    undo.map((r) => r.action),
    ["application.deploy", "docker-provider.set"],
  );
  assert.ok(Object.values(state(twin).applications)[0]?.dockerImage?.endsWith("cd".repeat(32)));
  const record = undo[1] as UndoRecord;
  assert.deepEqual(record.state, {
    application: "hello-service",
    image: first,
    registry: "ghcr.io",
    username: "acme",
    passwordSecret: "GHCR_PULL_TOKEN",
  });
  const steps = await planned(provider, [rollbackStep(record)]);
  const back = await applyPlan({ plan: planOf(steps), providers: [provider] });
  assert.ok(back.ok, JSON.stringify(back.outcomes));
  const app = Object.values(state(twin).applications)[0];
  assert.equal(app?.dockerImage, first);
  assert.equal(app?.password, SECRETS.GHCR_PULL_TOKEN);
  assert.ok(!JSON.stringify(back).includes(SECRETS.GHCR_PULL_TOKEN as string), "no password in the outcome");
  const before = writes();
  const again = await applyPlan({ plan: planOf(steps), providers: [provider] });
  assert.equal(again.outcomes[0]?.status, "skipped");
  assert.equal(writes(), before);
});

test("an environment taken back: a variable the apply added goes, the ones read before stay (secrets from the runner)", async (t) => {
  const { twin, provider } = await setup(t);
  await applied(provider, dokploySteps());
  const more = SAMPLE_YAML.replace("NODE_ENV: production", "NODE_ENV: production\n      FEATURE: enabled");
  const undo = await applied(provider, dokploySteps(more));
  const record = undo.find((r) => r.action === "environment.set") as UndoRecord;
  assert.deepEqual(record.state, {
    application: "hello-service",
    variables: { NODE_ENV: "production" },
    secrets: ["DATABASE_URL", "SESSION_KEY"],
    names: ["DATABASE_URL", "NODE_ENV", "SESSION_KEY"],
  });
  const steps = await planned(provider, [rollbackStep(record)]);
  const back = await applyPlan({ plan: planOf(steps), providers: [provider] });
  assert.ok(back.ok, JSON.stringify(back.outcomes));
  const env = Object.values(state(twin).applications)[0]?.env ?? "";
  assert.deepEqual(env.split("\n").sort(), [
    `DATABASE_URL=${SECRETS.DATABASE_URL}`,
    "NODE_ENV=production",
    `SESSION_KEY=${SECRETS.SESSION_KEY}`,
  ]);
  assert.equal(
    (await applyPlan({ plan: planOf(steps), providers: [provider] })).outcomes[0]?.status,
    "skipped",
  );
});

test("a value read before only as a fingerprint and changed since is not faked: cannot-restore, the env left as it is", async (t) => {
  const { twin, provider, writes } = await setup(t);
  await applied(provider, dokploySteps());
  // The twin's own row (state() hands out a copy).
  const app = Object.values(twin.world.applications)[0];
  assert.ok(app);
  // Someone changed a value by hand; the next apply puts the plan's back, recording the hand-set one only as
  // a fingerprint (it might have been a secret).
  app.env = (app.env ?? "").replace("NODE_ENV=production", "NODE_ENV=private-value-42");
  const undo = await applied(provider, dokploySteps());
  const record = undo.find((r) => r.action === "environment.set") as UndoRecord;
  assert.match(JSON.stringify(record.state), /"NODE_ENV":"sha256:[0-9a-f]{16}"/);
  const steps = await planned(provider, [rollbackStep(record)]);
  const before = writes();
  const envBefore = app.env;
  const back = await applyPlan({ plan: planOf(steps), providers: [provider] });
  assert.equal(back.outcomes[0]?.error?.reason, "cannot-restore");
  assert.match(back.outcomes[0]?.error?.message ?? "", /NODE_ENV.*by hand/);
  assert.ok(!JSON.stringify(back).includes("private-value-42"));
  assert.equal(writes(), before);
  assert.equal(Object.values(state(twin).applications)[0]?.env, envBefore);
});

test("restores to 'nothing was there' (desired null) clear the image and the environment; a second run skips", async (t) => {
  const { twin, provider } = await setup(t);
  await applied(provider, dokploySteps());
  const cleared = (action: string): Step => ({
    id: `dokploy.${action}:hello-service`,
    provider: "dokploy",
    action,
    target: "hello-service",
    risk: "update",
    desired: null,
    undo: null,
  });
  const steps = await planned(provider, [cleared("environment.set"), cleared("docker-provider.set")]);
  const back = await applyPlan({ plan: planOf(steps), providers: [provider] });
  assert.ok(back.ok, JSON.stringify(back.outcomes));
  const app = Object.values(state(twin).applications)[0];
  assert.equal(app?.env, "");
  assert.deepEqual(
    [app?.dockerImage, app?.registryUrl, app?.username, app?.password],
    [null, null, null, null],
  );
  assert.deepEqual(
    (await applyPlan({ plan: planOf(steps), providers: [provider] })).outcomes.map((o) => o.status),
    ["skipped", "skipped"],
  );
});

test("lost answers to application.delete and project.remove: the next round finds them gone, each deleted once", async (t) => {
  const { twin, provider, calls } = await setup(t);
  const undo = await applied(provider, dokploySteps());
  twin.injectFault("lost-response", { procedure: "application.delete" });
  twin.injectFault("lost-response", { procedure: "project.remove" });
  twin.injectFault("lost-response", { procedure: "domain.delete" });
  const steps = await planned(provider, undo.filter((r) => !RESTORES.includes(r.action)).map(rollbackStep));
  const back = await applyPlan({ plan: planOf(steps), providers: [provider] });
  assert.ok(back.ok, JSON.stringify(back.outcomes));
  for (const procedure of ["domain.delete", "application.delete", "project.remove"]) {
    assert.deepEqual(
      calls(procedure).map((e) => e.fault ?? e.status),
      ["lost-response"],
      `${procedure}: committed once, its answer lost, not asked again`,
    );
  }
  assert.deepEqual(Object.values(state(twin).projects), []);
  assert.deepEqual(Object.values(state(twin).applications), []);
});

test("a project still holding an application that is not ours is not removed (not-empty), and the application stays", async (t) => {
  const { twin, provider } = await setup(t);
  const undo = await applied(provider, dokploySteps());
  const environment = Object.values(state(twin).environments)[0];
  assert.ok(environment);
  dokployHandlers["application-create"]?.({
    twin,
    world: twin.world,
    procedure: "application.create",
    body: { name: "someone-elses", environmentId: environment.environmentId, description: "hand-made" },
    query: new URLSearchParams(),
    organizationId: "org-1",
  });
  const steps = await planned(provider, undo.filter((r) => !RESTORES.includes(r.action)).map(rollbackStep));
  const back = await applyPlan({ plan: planOf(steps), providers: [provider] });
  assert.equal(back.stoppedAt, "dokploy.project.delete:hello-service");
  assert.equal(back.outcomes[2]?.error?.reason, "not-empty");
  assert.match(back.outcomes[2]?.error?.message ?? "", /someone-elses/);
  assert.deepEqual(
    Object.values(state(twin).applications).map((a) => a.name),
    ["someone-elses"],
  );
  assert.equal(Object.values(state(twin).projects).length, 1);
});

test("a delete step that desires anything but null, or names nothing, is refused as bad-step before any request", async (t) => {
  const { twin, provider } = await setup(t);
  const asked = twin.exchanges.length;
  const base: Step = {
    id: "dokploy.application.delete:hello-service",
    provider: "dokploy",
    action: "application.delete",
    target: "hello-service",
    risk: "delete",
    desired: null,
    undo: null,
  };
  for (const step of [
    { ...base, desired: { name: "hello-service" } },
    { ...base, target: " " },
  ]) {
    await assert.rejects(provider.read(step), (e: Error & { reason?: string }) => e.reason === "bad-step");
    await assert.rejects(provider.apply(step), (e: Error & { reason?: string }) => e.reason === "bad-step");
  }
  assert.equal(twin.exchanges.length, asked);
  assert.ok(provider.handles(base));
  for (const action of ["project.delete", "domain.delete"]) assert.ok(provider.handles({ ...base, action }));
});
