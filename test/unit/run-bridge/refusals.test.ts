// Every way a caller is refused by the run bridge: a clear message naming the failed check, and nothing written
// on the twin (no check run, no comment, no ref, no deployment, no token) — proven on the twin's state.
import assert from "node:assert/strict";
import { test } from "node:test";
import { generateKeyPair, SignJWT } from "jose";
import { DISPATCH_WORKFLOW_PATH } from "../../../src/app/names.ts";
import { markPlanStale } from "../../../src/app/plan-store.ts";
import { BRIDGE_PATHS } from "../../../src/bridge/protocol.ts";
import { ManualClock } from "../../../src/sandbox/clock.ts";
import {
  type ActionsOidcJobClaims,
  grantIdTokenRequests,
  oidcIssuerUrl,
} from "../../../src/sandbox/github/oidc.ts";
import { startGithubTwin } from "../../support/github-twin.ts";
import { allAbsent, type BridgeWorld, FULL, NAME, OWNER, startBridgeWorld } from "./world.ts";

const RUN = 7001;

function planReport(world: BridgeWorld, live: unknown = allAbsent(world.pinned)) {
  return { pr: world.pr, headSha: world.headSha, planHash: world.pinned.hash, live };
}

async function assertRefused(
  world: BridgeWorld,
  request: { path: string; body: unknown; token: string | undefined },
  expected: { status: number; message: RegExp },
): Promise<void> {
  const before = world.snapshot();
  const { status, json } = await world.post(request.path, request.body, request.token);
  assert.equal(status, expected.status, JSON.stringify(json));
  const message = (json as { message?: string }).message ?? "";
  assert.match(message, expected.message);
  if (request.token) assert.ok(!message.includes(request.token), "the token is never echoed");
  await world.twin.settled();
  assert.deepEqual(world.snapshot(), before, "nothing was written on the twin");
}

test("refuses a request without a bearer token, saying what to send", async (t) => {
  const world = await startBridgeWorld(t);
  await assertRefused(
    world,
    { path: BRIDGE_PATHS.planReport, body: planReport(world), token: undefined },
    { status: 401, message: /Authorization must be `Bearer <GitHub Actions OIDC token>`/ },
  );
});

test("refuses an ID token from another issuer", async (t) => {
  const world = await startBridgeWorld(t);
  const elsewhere = await startGithubTwin(t);
  const claims = JSON.parse(Buffer.from((await world.idToken()).split(".")[1] ?? "", "base64url").toString());
  const grant = grantIdTokenRequests(elsewhere.twin, claims as ActionsOidcJobClaims);
  const response = await fetch(
    `${grant.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${new URL(world.appUrl).origin}`,
    {
      headers: { authorization: `Bearer ${grant.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
    },
  );
  const { value } = (await response.json()) as { value: string };
  await assertRefused(
    world,
    { path: BRIDGE_PATHS.planReport, body: planReport(world), token: value },
    { status: 401, message: new RegExp(`^the OIDC token was not issued by ${oidcIssuerUrl(world.twin)}$`) },
  );
});

test("refuses a token that claims the right issuer but is signed with another key", async (t) => {
  const world = await startBridgeWorld(t);
  const { privateKey } = await generateKeyPair("RS256");
  const claims = JSON.parse(Buffer.from((await world.idToken()).split(".")[1] ?? "", "base64url").toString());
  const forged = await new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: "forged" })
    .sign(privateKey);
  await assertRefused(
    world,
    { path: BRIDGE_PATHS.planReport, body: planReport(world), token: forged },
    { status: 401, message: /signature does not verify against .*published keys/ },
  );
});

test("refuses a token minted for another audience", async (t) => {
  const world = await startBridgeWorld(t);
  const token = await world.idToken({}, "https://other-service.example");
  await assertRefused(
    world,
    { path: BRIDGE_PATHS.planReport, body: planReport(world), token },
    { status: 401, message: new RegExp(`audience is not ${new URL(world.appUrl).origin}`) },
  );
});

test("refuses an expired token", async (t) => {
  // The twin signs with a clock 10 minutes behind the App's: its 5-minute tokens arrive expired.
  const world = await startBridgeWorld(t, { twinClock: new ManualClock(new Date(Date.now() - 600_000)) });
  await assertRefused(
    world,
    { path: BRIDGE_PATHS.planReport, body: planReport(world), token: await world.idToken() },
    { status: 401, message: /^the OIDC token has expired/ },
  );
});

test("refuses a run of a repository the App is not installed on", async (t) => {
  const world = await startBridgeWorld(t);
  const other = world.twin.repoByName(`${OWNER}/not-installed`);
  const token = await world.idToken({
    repository: `${OWNER}/not-installed`,
    repository_id: String(other?.id),
    job_workflow_ref: `${OWNER}/not-installed/${DISPATCH_WORKFLOW_PATH}@refs/heads/main`,
  });
  await assertRefused(
    world,
    { path: BRIDGE_PATHS.planReport, body: planReport(world), token },
    { status: 403, message: /^the App is not installed on acme\/not-installed$/ },
  );
});

test("refuses another repository's run: it finds no plan of this pull request there", async (t) => {
  const world = await startBridgeWorld(t);
  const other = world.twin.repoByName(`${OWNER}/other-service`);
  const token = await world.idToken({
    repository: `${OWNER}/other-service`,
    repository_id: String(other?.id),
    job_workflow_ref: `${OWNER}/other-service/${DISPATCH_WORKFLOW_PATH}@refs/heads/main`,
  });
  await assertRefused(
    world,
    { path: BRIDGE_PATHS.planReport, body: planReport(world), token },
    { status: 409, message: /^there is no plan for / },
  );
  await world.approve(RUN);
  await assertRefused(
    world,
    {
      path: BRIDGE_PATHS.token,
      body: { pr: world.pr, planHash: world.pinned.hash, purpose: "secrets" },
      token,
    },
    { status: 403, message: /is not approved: no deployment of acme\/other-service records it/ },
  );
});

test("refuses a token whose repository_id is not the repository's", async (t) => {
  const world = await startBridgeWorld(t);
  await assertRefused(
    world,
    {
      path: BRIDGE_PATHS.planReport,
      body: planReport(world),
      token: await world.idToken({ repository_id: "999999" }),
    },
    { status: 403, message: /repository_id is not acme\/hello-service's/ },
  );
});

test("refuses a run of the workflow on another branch", async (t) => {
  const world = await startBridgeWorld(t);
  const onBranch = `${FULL}/${DISPATCH_WORKFLOW_PATH}@refs/heads/greeting`;
  await assertRefused(
    world,
    {
      path: BRIDGE_PATHS.planReport,
      body: planReport(world),
      token: await world.idToken({ job_workflow_ref: onBranch }),
    },
    { status: 403, message: /^the job's workflow is .*@refs\/heads\/greeting, not .*@refs\/heads\/main/ },
  );
  await assertRefused(
    world,
    {
      path: BRIDGE_PATHS.planReport,
      body: planReport(world),
      token: await world.idToken({ ref: "refs/heads/greeting", job_workflow_ref: onBranch }),
    },
    {
      status: 403,
      message: /^the run is on refs\/heads\/greeting, not the default branch refs\/heads\/main$/,
    },
  );
});

test("refuses another workflow of the default branch", async (t) => {
  const world = await startBridgeWorld(t);
  const token = await world.idToken({ job_workflow_ref: `${FULL}/.github/workflows/ci.yml@refs/heads/main` });
  await assertRefused(
    world,
    { path: BRIDGE_PATHS.planReport, body: planReport(world), token },
    { status: 403, message: /the dispatch workflow on the default branch/ },
  );
});

test("refuses a run triggered by push", async (t) => {
  const world = await startBridgeWorld(t);
  await assertRefused(
    world,
    {
      path: BRIDGE_PATHS.planReport,
      body: planReport(world),
      token: await world.idToken({ event_name: "push" }),
    },
    { status: 403, message: /^the run was triggered by push, and only the App's workflow_dispatch runs/ },
  );
});

test("refuses progress and a secrets token to a run that is not the approved one", async (t) => {
  const world = await startBridgeWorld(t);
  const token = await world.idToken({ run_id: String(RUN) });
  const progress = { pr: world.pr, planHash: world.pinned.hash, steps: {}, status: "applying" };
  const secrets = { pr: world.pr, planHash: world.pinned.hash, purpose: "secrets" };
  await assertRefused(
    world,
    { path: BRIDGE_PATHS.token, body: secrets, token },
    { status: 403, message: /^plan [0-9a-f]{12} is not approved: no deployment/ },
  );
  await world.approve(RUN + 1);
  for (const [path, body] of [
    [BRIDGE_PATHS.progress, progress],
    [BRIDGE_PATHS.token, secrets],
  ] as const) {
    await assertRefused(
      world,
      { path, body, token },
      {
        status: 403,
        message: new RegExp(`^run ${RUN} is not the approved run of plan .* names run ${RUN + 1}`),
      },
    );
  }
});

test("refuses the live diff of a stale plan", async (t) => {
  const world = await startBridgeWorld(t);
  await markPlanStale({
    octokit: world.octokit,
    owner: OWNER,
    repo: NAME,
    checkRunId: world.checkRunId,
    reason: "new commits were pushed",
  });
  await assertRefused(
    world,
    { path: BRIDGE_PATHS.planReport, body: planReport(world), token: await world.idToken() },
    { status: 409, message: /^plan [0-9a-f]{12} is stale/ },
  );
});

test("refuses the live diff of a plan that is not the current one", async (t) => {
  const world = await startBridgeWorld(t);
  const body = { ...planReport(world), planHash: "f".repeat(64) };
  await assertRefused(
    world,
    { path: BRIDGE_PATHS.planReport, body, token: await world.idToken() },
    { status: 409, message: /^plan ffffffffffff is not the current plan/ },
  );
});

test("refuses the live diff of an already approved plan", async (t) => {
  const world = await startBridgeWorld(t);
  await world.approve(RUN);
  await assertRefused(
    world,
    { path: BRIDGE_PATHS.planReport, body: planReport(world), token: await world.idToken() },
    { status: 409, message: /is already approved: its apply reads the live state itself/ },
  );
});

test("refuses live states for step ids that are not the plan's, or missing ones, naming the field", async (t) => {
  const world = await startBridgeWorld(t);
  const token = await world.idToken();
  const live = allAbsent(world.pinned);
  await assertRefused(
    world,
    {
      path: BRIDGE_PATHS.planReport,
      body: planReport(world, { ...live, "dokploy.rogue:x": { exists: false } }),
      token,
    },
    { status: 400, message: /^live\.dokploy\.rogue:x: not a step of the plan$/ },
  );
  const [first, ...rest] = Object.keys(live);
  await assertRefused(
    world,
    {
      path: BRIDGE_PATHS.planReport,
      body: planReport(world, Object.fromEntries(rest.map((id) => [id, live[id]]))),
      token,
    },
    {
      status: 400,
      message: new RegExp(`^live: no live state for ${first?.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`),
    },
  );
  const verify = world.pinned.plan.steps.find((s) => s.provider === "verify");
  assert.ok(verify);
  await assertRefused(
    world,
    {
      path: BRIDGE_PATHS.planReport,
      body: planReport(world, { ...live, [verify.id]: { exists: false } }),
      token,
    },
    { status: 400, message: /a verify step has no live state/ },
  );
});

test("refuses a malformed body with a 400 naming the field", async (t) => {
  const world = await startBridgeWorld(t);
  const token = await world.idToken();
  await assertRefused(
    world,
    { path: BRIDGE_PATHS.planReport, body: { ...planReport(world), headSha: "main" }, token },
    { status: 400, message: /^invalid body: headSha: / },
  );
  await assertRefused(
    world,
    {
      path: BRIDGE_PATHS.token,
      body: { pr: world.pr, planHash: world.pinned.hash, purpose: "everything" },
      token,
    },
    { status: 400, message: /^invalid body: purpose: / },
  );
});
