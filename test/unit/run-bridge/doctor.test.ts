// POST doctor on the real App and the GitHub twin: it names the repository-level copies of provider secrets and
// describes the Environment, from what the twin holds; it writes nothing, needs no approved run, and answers
// only our dispatch workflow on the default branch.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BRIDGE_PATHS, doctorResponseSchema } from "../../../src/bridge/protocol.ts";
import { environment, repositorySecret, VALUES } from "./doctor-world.ts";
import { type BridgeWorld, FULL, startBridgeWorld } from "./world.ts";

function secretsOf(world: BridgeWorld) {
  const repo = world.twin.world.repos[FULL.toLowerCase()];
  assert.ok(repo);
  return structuredClone({
    repository: repo.secrets,
    environments: Object.fromEntries(Object.entries(repo.environments).map(([k, e]) => [k, e.secrets])),
  });
}

test("doctor names the repository-level copies of provider secrets only, and the Environment's, without writing anything", async (t) => {
  const world = await startBridgeWorld(t);
  await repositorySecret(world, "DOKPLOY_API_KEY");
  await repositorySecret(world, "NPM_TOKEN");
  await environment(world, {
    name: "production",
    policy: "protected",
    secrets: ["DOKPLOY_API_KEY", "CLOUDFLARE_API_TOKEN", "NPM_TOKEN"],
  });
  const before = { world: world.snapshot(), secrets: secretsOf(world) };

  const { status, json } = await world.post(
    BRIDGE_PATHS.doctor,
    { environment: "production" },
    await world.idToken(),
  );

  assert.equal(status, 200, JSON.stringify(json));
  assert.deepEqual(doctorResponseSchema.parse(json), {
    repositorySecrets: ["DOKPLOY_API_KEY"],
    environment: {
      name: "production",
      exists: true,
      protectedBranchesOnly: true,
      customBranchPolicies: false,
      secrets: ["CLOUDFLARE_API_TOKEN", "DOKPLOY_API_KEY"],
    },
  });
  await world.twin.settled();
  assert.deepEqual({ world: world.snapshot(), secrets: secretsOf(world) }, before, "doctor changed nothing");
  const everything = JSON.stringify(json) + world.logs.join("\n");
  for (const value of Object.values(VALUES)) assert.ok(!everything.includes(value), "no secret value leaks");
});

test("doctor describes a missing Environment and one open to any branch", async (t) => {
  const world = await startBridgeWorld(t);
  const token = await world.idToken();
  const missing = await world.post(BRIDGE_PATHS.doctor, { environment: "production" }, token);
  assert.equal(missing.status, 200, JSON.stringify(missing.json));
  assert.deepEqual(doctorResponseSchema.parse(missing.json).environment, {
    name: "production",
    exists: false,
    protectedBranchesOnly: false,
    customBranchPolicies: false,
    secrets: [],
  });

  await environment(world, { name: "staging", policy: "any", secrets: ["CLOUDFLARE_API_TOKEN"] });
  const open = await world.post(BRIDGE_PATHS.doctor, { environment: "staging" }, token);
  assert.deepEqual(doctorResponseSchema.parse(open.json).environment, {
    name: "staging",
    exists: true,
    protectedBranchesOnly: false,
    customBranchPolicies: false,
    secrets: ["CLOUDFLARE_API_TOKEN"],
  });
});

test("doctor answers only our dispatch workflow on the default branch, naming the check that failed", async (t) => {
  const world = await startBridgeWorld(t);
  await repositorySecret(world, "DOKPLOY_API_KEY");
  const onBranch = await world.post(
    BRIDGE_PATHS.doctor,
    { environment: "production" },
    await world.idToken({ ref: "refs/heads/greeting" }),
  );
  assert.equal(onBranch.status, 403);
  assert.match(
    (onBranch.json as { message: string }).message,
    /the run is on refs\/heads\/greeting, not the default branch/,
  );
  assert.ok(!JSON.stringify(onBranch.json).includes("DOKPLOY_API_KEY"), "a refused caller learns no names");

  const pushed = await world.post(
    BRIDGE_PATHS.doctor,
    { environment: "production" },
    await world.idToken({ event_name: "push" }),
  );
  assert.equal(pushed.status, 403);
});

test("doctor refuses an Environment name that is not one, saying which field", async (t) => {
  const world = await startBridgeWorld(t);
  const { status, json } = await world.post(
    BRIDGE_PATHS.doctor,
    { environment: "../secrets" },
    await world.idToken(),
  );
  assert.equal(status, 400);
  assert.match((json as { message: string }).message, /^invalid body: environment: an Environment name$/);
});
