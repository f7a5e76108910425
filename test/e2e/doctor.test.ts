// The Action's doctor asking the real App (Probot behind its server, installed on the GitHub twin) where the
// provider secrets live, with an ID token obtained the way a runner obtains one: what the job token cannot
// see (DESIGN rule 6). The Action's side is the same code the bundle runs; only the core I/O is left out.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BRANCH_CHECK, type Check, doctorChecks, SECRETS_CHECK } from "../../action/doctor.ts";
import { createBridgeClient } from "../../src/bridge/client.ts";
import { SecretRegistry } from "../../src/runner/secrets.ts";
import { environment, repositorySecret, VALUES } from "../unit/run-bridge/doctor-world.ts";
import { type BridgeWorld, FULL, NAME, OWNER, startBridgeWorld } from "../unit/run-bridge/world.ts";

/** What the Action receives: repository and Environment secrets merged by `toJSON(secrets)`. */
function runContext(world: BridgeWorld) {
  const secrets = new SecretRegistry();
  secrets.addAll({
    DOKPLOY_API_KEY: VALUES.DOKPLOY_API_KEY ?? "",
    CLOUDFLARE_API_TOKEN: VALUES.CLOUDFLARE_API_TOKEN ?? "",
  });
  return {
    owner: OWNER,
    repo: NAME,
    ref: "refs/heads/main",
    // Reading the repository is all doctor asks of the job token; the installation's token stands in for it.
    octokit: world.octokit,
    secrets,
    environment: "production",
  };
}

function bridgeOf(world: BridgeWorld) {
  return createBridgeClient({ appUrl: world.appUrl, getIdToken: (audience) => world.idToken({}, audience) });
}

function find(checks: Check[], name: string): Check {
  const check = checks.find((c) => c.name === name);
  assert.ok(check, `doctor ran the "${name}" check: ${JSON.stringify(checks)}`);
  return check;
}

function secretsOnTwin(world: BridgeWorld) {
  const repo = world.twin.world.repos[FULL.toLowerCase()];
  assert.ok(repo);
  return {
    repository: Object.keys(repo.secrets).sort(),
    production: Object.keys(repo.environments.production?.secrets ?? {}).sort(),
  };
}

test("[authz:secrets-in-environment] allows provider secrets held only by the production Environment, limited to protected branches", async (t) => {
  const world = await startBridgeWorld(t);
  await environment(world, {
    name: "production",
    policy: "protected",
    secrets: ["DOKPLOY_API_KEY", "CLOUDFLARE_API_TOKEN"],
  });

  const checks = await doctorChecks(runContext(world), { bridge: bridgeOf(world) });

  assert.deepEqual(
    checks.filter((c) => c.result !== "pass"),
    [],
    "every check passes",
  );
  assert.match(
    find(checks, SECRETS_CHECK).detail,
    /no repository-level copy; the production Environment holds CLOUDFLARE_API_TOKEN, DOKPLOY_API_KEY/,
  );
  assert.match(find(checks, BRANCH_CHECK).detail, /only protected branches may use production/);
});

test("[authz:secrets-in-environment] refuses a repository-level DOKPLOY_API_KEY: doctor fails naming it and where to delete it, and deletes nothing itself", async (t) => {
  const world = await startBridgeWorld(t);
  await environment(world, {
    name: "production",
    policy: "protected",
    secrets: ["DOKPLOY_API_KEY", "CLOUDFLARE_API_TOKEN"],
  });
  await repositorySecret(world, "DOKPLOY_API_KEY");
  await repositorySecret(world, "NPM_TOKEN");
  const before = secretsOnTwin(world);

  const checks = await doctorChecks(runContext(world), { bridge: bridgeOf(world) });

  const secrets = find(checks, SECRETS_CHECK);
  assert.equal(secrets.result, "fail");
  // As the run's log shows it: through the same redaction as everything the Action prints.
  const logged = runContext(world).secrets.redact(secrets.detail);
  assert.match(
    logged,
    /^DOKPLOY_API_KEY \(keep the production Environment's\) is also a repository secret\. /,
  );
  assert.match(logged, /delete each from Settings → Secrets and variables → Actions → Repository secrets/);
  assert.doesNotMatch(secrets.detail, /NPM_TOKEN|CLOUDFLARE_API_TOKEN/, "only provider secrets are named");
  // The Action alone could not have told: both values reach it merged.
  assert.equal(find(checks, "dokploy secret").result, "pass");
  assert.deepEqual(secretsOnTwin(world), before, "doctor changed nothing");
  assert.deepEqual(before.repository, ["DOKPLOY_API_KEY", "NPM_TOKEN"]);
});

test("doctor fails an Environment any branch may use, and one that does not exist, saying where to limit it", async (t) => {
  const world = await startBridgeWorld(t);
  const missing = find(await doctorChecks(runContext(world), { bridge: bridgeOf(world) }), BRANCH_CHECK);
  assert.equal(missing.result, "fail");
  assert.match(
    missing.detail,
    /the production Environment does not exist: create it in Settings → Environments/,
  );

  await environment(world, { name: "production", policy: "any", secrets: ["DOKPLOY_API_KEY"] });
  const open = find(await doctorChecks(runContext(world), { bridge: bridgeOf(world) }), BRANCH_CHECK);
  assert.equal(open.result, "fail");
  assert.match(
    open.detail,
    /any branch may use the production Environment .*Deployment branches and tags.*"Selected branches and tags" with main only/,
  );
});

test("without the App's URL doctor says where the secrets live could not be verified and how to enable it, never that it passed", async (t) => {
  const world = await startBridgeWorld(t);
  const checks = await doctorChecks(runContext(world), { bridge: undefined });
  const placement = checks.filter((c) => c.name === SECRETS_CHECK || c.name === BRANCH_CHECK);
  assert.equal(placement.length, 1);
  assert.equal(placement[0]?.result, "not verified");
  assert.match(
    placement[0]?.detail ?? "",
    /could not be verified.*Set the repository variable DEVOPS_AGENT_URL/,
  );
});

test("doctor fails the placement check when the App refuses it, with the App's reason", async (t) => {
  const world = await startBridgeWorld(t);
  const fromBranch = createBridgeClient({
    appUrl: world.appUrl,
    getIdToken: (audience) => world.idToken({ ref: "refs/heads/greeting" }, audience),
  });
  const check = find(await doctorChecks(runContext(world), { bridge: fromBranch }), SECRETS_CHECK);
  assert.equal(check.result, "fail");
  assert.match(
    check.detail,
    /could not ask the App: the App refused \/api\/devops-agent\/doctor: the run is on refs\/heads\/greeting/,
  );
});
