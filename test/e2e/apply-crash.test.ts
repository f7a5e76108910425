// Issue 4, "Done when": a crash between and inside steps resumes to the same end state with no duplicate
// resources. The reference plan (Dokploy project, application, docker provider, environment, domain, deploy; a
// Cloudflare record; the deploy token as an Environment secret) runs through applyPlan against the three real
// providers on their twins. Each run is killed somewhere, then a fresh runner with fresh providers (nothing in
// memory survives a crash) runs the same plan again; the end state is read from the twins themselves.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { DEPLOY_TOKEN_SECRET } from "../../src/plan/build.ts";
import type { Plan } from "../../src/plan/types.ts";
import { fingerprint, variableName } from "../../src/providers/github/index.ts";
import { applyPlan, type StepOutcome } from "../../src/runner/apply.ts";
import { state } from "../../src/sandbox/dokploy/index.ts";
import {
  type CrashWorld,
  type CrashWorldOptions,
  ENVIRONMENT,
  ONE_OF_EACH,
  OWNER,
  planRun,
  REPO,
  samplePlan,
  startCrashWorld,
} from "../support/crash-world.ts";

class Crash extends Error {
  constructor(step: string) {
    super(`killed right after ${step} was done`);
    this.name = "Crash";
  }
}

/** A world and the plan as the plan run left it (every step read while nothing existed). */
async function setup(
  t: TestContext,
  options: CrashWorldOptions = {},
): Promise<{ world: CrashWorld; plan: Plan }> {
  const world = await startCrashWorld(t, options);
  const plan = await planRun(samplePlan(), world.providers(samplePlan()));
  return { world, plan };
}

/** The end state, read from the twins: one of everything, and the secret holds the live app's deploy token. */
function assertConverged(world: CrashWorld, message: string): void {
  assert.deepEqual(world.counts(), ONE_OF_EACH, `${message}: one of each resource, one deploy`);
  const app = Object.values(state(world.dokploy).applications)[0];
  const env = world.github.repoByName(`${OWNER}/${REPO}`)?.environments[ENVIRONMENT];
  assert.equal(
    env?.secrets[DEPLOY_TOKEN_SECRET]?.value,
    app?.refreshToken,
    `${message}: the secret is the app's token`,
  );
  assert.equal(
    env?.variables[variableName(DEPLOY_TOKEN_SECRET)]?.value,
    app ? fingerprint(app.refreshToken) : undefined,
    `${message}: its fingerprint is recorded as current, not pending`,
  );
}

/** A resumed run: fresh providers, the same plan; it must finish and leave nothing to do afterwards. */
async function resume(world: CrashWorld, plan: Plan): Promise<StepOutcome[]> {
  const result = await applyPlan({ plan, providers: world.providers(plan), verify: false });
  assert.equal(
    result.ok,
    true,
    `the resumed run finished: ${JSON.stringify(result.outcomes.find((o) => o.error))}`,
  );
  const again = await applyPlan({ plan, providers: world.providers(plan), verify: false });
  assert.deepEqual(
    again.outcomes.map((o) => o.status),
    plan.steps.map(() => "skipped"),
    "a run after that changes nothing",
  );
  return result.outcomes;
}

test("the plan has the steps this file crashes between", () => {
  assert.deepEqual(
    samplePlan().steps.map((s) => s.id),
    [
      "dokploy.project.ensure:hello-service",
      "dokploy.application.ensure:hello-service",
      "dokploy.docker-provider.set:hello-service",
      "dokploy.environment.set:hello-service",
      "dokploy.domain.ensure:app.example.com",
      "dokploy.application.deploy:hello-service",
      "cloudflare.dns-record.ensure:app.example.com A",
      "github.actions-secret.set:DOKPLOY_DEPLOY_TOKEN",
    ],
  );
});

test("a run killed right after any step is done resumes with fresh providers: done steps skip, one of everything, one deploy", async (t) => {
  const count = samplePlan().steps.length;
  for (let k = 0; k < count; k++) {
    const { world, plan } = await setup(t);
    const crashed = applyPlan({
      plan,
      providers: world.providers(plan),
      verify: false,
      onProgress: (outcomes) => {
        const done = outcomes[k];
        if (done?.status === "done") throw new Crash(done.id);
      },
    });
    await assert.rejects(crashed, Crash, `k=${k}: the run died`);
    const writesBefore = world.writes();
    const outcomes = await resume(world, plan);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      plan.steps.map((_, i) => (i <= k ? "skipped" : "done")),
      `k=${k}: the steps done before the crash judge skip, the rest are applied`,
    );
    assert.ok(world.writes() > writesBefore || k === count - 1, `k=${k}: the resumed run did the rest`);
    assertConverged(world, `k=${k}`);
  }
});
