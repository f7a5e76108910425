// Issue 4, "Done when": a crash between and inside steps resumes to the same end state with no duplicate
// resources. The reference plan (Dokploy project, application, docker provider, environment, domain, deploy; a
// Cloudflare record; the deploy token as an Environment secret) runs through applyPlan against the three real
// providers on their twins. Each run is killed somewhere, then a fresh runner with fresh providers (nothing in
// memory survives a crash) runs the same plan again; the end state is read from the twins themselves.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { type TestContext, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DEPLOY_TOKEN_SECRET } from "../../src/plan/build.ts";
import type { Plan } from "../../src/plan/types.ts";
import { fingerprint, variableName } from "../../src/providers/github/index.ts";
import { applyPlan, type StepOutcome } from "../../src/runner/apply.ts";
import { advance, state } from "../../src/sandbox/dokploy/index.ts";
import { mulberry32 } from "../../src/sandbox/faults.ts";
import type { ApplyChildInput } from "../support/apply-child.ts";
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

// ---- a crash inside a step: the provider committed, its answer was lost, and the run gave up right there

/** Where a step's lost write is set up, and which twin exchange carries it. */
interface LostWrite {
  step: string;
  /** Arms the fault once the plan run has read (Dokploy's queued faults); twin-level faults come from `world`. */
  arm?: (world: CrashWorld) => void;
  world?: (t: TestContext) => Promise<CrashWorldOptions>;
  /** The exchange that committed and lost its answer, found on the twin it went to. */
  served: (world: CrashWorld) => { method: string; path: string; fault?: string }[];
  /** The committed resource is in the twin after the first run. */
  committed: (world: CrashWorld) => boolean;
  /**
   * The step in the resumed run: found as desired and skipped, or applied to finish it (the deploy waits for
   * the deployment the lost answer queued; the secret's pending fingerprint is confirmed).
   */
  resumed: "skipped" | "done";
}

const dokployLost = (procedure: string, operationId: string) => ({
  arm: (world: CrashWorld) => world.dokploy.injectFault("lost-response", { procedure }),
  served: (world: CrashWorld) => world.dokploy.exchanges.filter((e) => e.operationId === operationId),
});

const CF_CREATE = "dns-records-for-a-zone-create-dns-record";
const isSecretPut = (r: { method: string; path: string }) =>
  r.method === "PUT" && r.path.includes(`/environments/${ENVIRONMENT}/secrets/${DEPLOY_TOKEN_SECRET}`);

const LOST: LostWrite[] = [
  {
    step: "dokploy.project.ensure:hello-service",
    ...dokployLost("project.create", "project-create"),
    committed: (w) => w.counts().projects === 1,
    resumed: "skipped",
  },
  {
    step: "dokploy.application.ensure:hello-service",
    ...dokployLost("application.create", "application-create"),
    committed: (w) => w.counts().applications === 1,
    resumed: "skipped",
  },
  {
    step: "dokploy.domain.ensure:app.example.com",
    ...dokployLost("domain.create", "domain-create"),
    committed: (w) => w.counts().domains === 1,
    resumed: "skipped",
  },
  {
    step: "dokploy.application.deploy:hello-service",
    ...dokployLost("application.deploy", "application-deploy"),
    committed: (w) => w.counts().deployments === 1,
    // The deployment the lost answer queued is still running: the resumed run waits for it, never deploys again.
    resumed: "done",
  },
  {
    step: "cloudflare.dns-record.ensure:app.example.com A",
    // Every request draws; only the create may fault, once.
    world: async () => ({
      cloudflareFaults: { seed: 1, lostResponse: 1, operations: [CF_CREATE], maxFaults: 1 },
    }),
    served: (w) => w.cloudflare.exchanges.filter((e) => e.operationId === CF_CREATE),
    committed: (w) => w.counts().records === 1,
    resumed: "skipped",
  },
  {
    step: "github.actions-secret.set:DOKPLOY_DEPLOY_TOKEN",
    // The GitHub twin has no faults of its own: the proxy's seeded schedule, with a seed whose one fault falls
    // on the secret PUT (found from the request order of a clean run, so a changed order cannot miss it).
    world: async (t) => ({ githubFaults: await seedLosingSecretPut(t) }),
    served: (w) => w.proxy.wire.filter(isSecretPut),
    committed: (w) => w.counts().secrets === 1,
    // The fingerprint variable still says pending: the resumed run confirms the value (same secret, no second).
    resumed: "done",
  },
];

/**
 * A proxy schedule whose one fault is a lost answer to the secret PUT: the PUT's place in the request order is
 * learned from a clean plan run + apply in a world of its own, so a changed order cannot make the fault miss.
 */
async function seedLosingSecretPut(t: TestContext): Promise<NonNullable<CrashWorldOptions["githubFaults"]>> {
  const { world, plan } = await setup(t);
  assert.equal((await applyPlan({ plan, providers: world.providers(plan), verify: false })).ok, true);
  const index = world.proxy.wire.findIndex(isSecretPut);
  assert.ok(index >= 0, "the clean run PUT the secret through the proxy");
  const lostResponse = 0.2;
  for (let seed = 1; seed < 100_000; seed++) {
    const draw = mulberry32(seed);
    const first = Array.from({ length: index + 1 }, draw).findIndex((d) => d < lostResponse);
    if (first === index) return { seed, lostResponse, maxFaults: 1 };
  }
  throw new Error(`no seed below 100000 faults request ${index} first`);
}

for (const lost of LOST) {
  test(`a lost answer to ${lost.step}'s write, with the run giving up there, resumes with fresh providers to one of everything`, async (t) => {
    const { world, plan } = await setup(t, (await lost.world?.(t)) ?? {});
    lost.arm?.(world);
    // attempts 1: the provider gives up at the lost answer, as a process killed right then would.
    const first = await applyPlan({ plan, providers: world.providers(plan, { attempts: 1 }), verify: false });
    assert.equal(first.ok, false);
    assert.equal(first.stoppedAt, lost.step, "the run stopped inside the step whose answer was lost");
    assert.deepEqual(
      lost.served(world).map((e) => e.fault),
      ["lost-response"],
      "one write of it reached the twin, and its answer was lost",
    );
    assert.ok(lost.committed(world), "the twin committed that write");

    const outcomes = await resume(world, plan);
    const at = plan.steps.findIndex((s) => s.id === lost.step);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      plan.steps.map((_, i) => (i < at ? "skipped" : i === at ? lost.resumed : "done")),
    );
    if (lost.resumed === "done" && lost.step.startsWith("dokploy.application.deploy")) {
      assert.equal(
        world.dokploy.exchanges.filter((e) => e.operationId === "application-deploy").length,
        1,
        "deployed once: the resumed run joined the deployment the lost answer had queued",
      );
    }
    assertConverged(world, lost.step);
  });
}

// ---- a real process, SIGKILLed mid-run

const NODE = process.execPath;
const CHILD = fileURLToPath(new URL("../support/apply-child.ts", import.meta.url));

/** Runs the apply in a child process; SIGKILLs it once the twins have received `killAt` writes (if ever). */
async function runChild(
  world: CrashWorld,
  plan: Plan,
  killAt: number,
): Promise<{ killed: boolean; stdout: string; writes: number }> {
  const input: ApplyChildInput = { settings: world.settings, plan, pollIntervalMs: 20 };
  // Setting the world up wrote too (the Environment, the installation token): only the child's writes count.
  const before = world.writes();
  const child = spawn(NODE, [CHILD], {
    env: { ...process.env, APPLY_CHILD: JSON.stringify(input) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let killed = false;
  const watch = setInterval(() => {
    // The child sleeps for real between deploy polls; the twin's manual clock runs fast meanwhile, so a build
    // of two twin seconds takes about a tenth of that.
    advance(world.dokploy, 20);
    if (!killed && world.writes() - before >= killAt) {
      killed = child.kill("SIGKILL");
    }
  }, 1);
  const code = await exited;
  clearInterval(watch);
  if (!killed) assert.equal(code, 0, `the child ran to its end: ${stderr}`);
  return { killed, stdout, writes: world.writes() - before };
}

test("an apply process SIGKILLed as the twins receive its n-th write resumes with fresh providers to one of everything", async (t) => {
  // How many writes a whole run makes, from a clean run of its own.
  const clean = await setup(t);
  const whole = await runChild(clean.world, clean.plan, Number.POSITIVE_INFINITY);
  assert.equal(whole.killed, false);
  assertConverged(clean.world, "the clean child run");
  const total = whole.writes;
  assert.ok(total >= 8, `a whole run writes at least once per step (${total})`);

  // A kill as each write arrives: Dokploy's creates, configuration and deploy, the DNS record, the secret's
  // pending fingerprint, the secret and its confirmation.
  for (let n = 1; n <= total; n++) {
    const { world, plan } = await setup(t);
    const { killed, stdout } = await runChild(world, plan, n);
    assert.ok(killed, `n=${n}: the child was killed`);
    // Only read-backs follow the last write: the child may have reported by the time the kill lands.
    if (n < total) assert.equal(stdout, "", `n=${n}: the child died before it could report`);
    const outcomes = await resume(world, plan);
    assertConverged(world, `killed at write ${n}`);
    const resumedAt = outcomes.find((o) => o.status !== "skipped")?.id ?? "nothing left";
    t.diagnostic(`killed as write ${n} of ${total} arrived; the resumed run applied from ${resumedAt}`);
  }
});
