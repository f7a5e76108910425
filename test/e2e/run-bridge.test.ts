// The run bridge end to end: the real App (Probot behind its HTTP server, installed on the GitHub twin, the
// bridge trusting the twin's OIDC issuer), people acting through the REST API, the App's own /devops deploy and
// /approve producing the plan run and the approved apply run, and the Action's bridge client calling back with
// ID tokens obtained the way a runner obtains them (request URL + request token, `&audience=`).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { Octokit } from "@octokit/rest";
import sodium from "libsodium-wrappers";
import { createDevopsAgentApp } from "../../src/app/app.ts";
import { CHECKLIST_MARKER, DISPATCH_WORKFLOW_PATH, PLAN_CHECK_NAME } from "../../src/app/names.ts";
import { dispatchWorkflow } from "../../src/app/onboarding/workflows.ts";
import { STALE_CONCLUSION } from "../../src/app/plan-store.ts";
import { withRunBridge } from "../../src/app/run-bridge/index.ts";
import { createBridgeClient } from "../../src/bridge/client.ts";
import { CONFIG_PATH, POLICY_PATH } from "../../src/config/schema.ts";
import type { PinnedPlan } from "../../src/plan/types.ts";
import type { LiveState } from "../../src/providers/types.ts";
import {
  type ActionsOidcJobClaims,
  grantIdTokenRequests,
  oidcIssuerUrl,
} from "../../src/sandbox/github/oidc.ts";
import type { Repo, WorkflowRun } from "../../src/sandbox/github/state.ts";
import type { GithubTwin } from "../../src/sandbox/github/twin.ts";
import { addUser, createRepo, pushFiles } from "../../src/sandbox/github/world.ts";
import { publishImage } from "../../src/sandbox/github/world-packages.ts";
import { openPullRequest } from "../../src/sandbox/github/world-pulls.ts";
import { manifestPermissions } from "../../src/sandbox/manifest.ts";
import { sampleFiles } from "../../src/sandbox/sandbox.ts";
import { DEPLOY_YML, POLICY_YML } from "../support/app-loop.ts";
import { installAppOnTwin } from "../support/app-on-twin.ts";
import { startGithubTwin, type TwinHarness } from "../support/github-twin.ts";

const OWNER = "acme";
const NAME = "hello-service";
const FULL = `${OWNER}/${NAME}`;

interface Loop {
  harness: TwinHarness;
  twin: GithubTwin;
  repo: Repo;
  pr: number;
  appUrl: string;
  comment(login: string, body: string): Promise<void>;
  advance(ms: number): void;
  checklist(): string;
  /** The bridge client as the Action builds it inside `run`. */
  client(run: WorkflowRun): ReturnType<typeof createBridgeClient>;
}

let noopAction: string | undefined;

async function startLoop(t: TestContext): Promise<Loop> {
  let offset = 0;
  const clock = { now: () => new Date(Date.now() + offset) };
  noopAction ??= (() => {
    const file = join(mkdtempSync(join(tmpdir(), "run-bridge-action-")), "noop.mjs");
    writeFileSync(file, "// The Action's commands are tested elsewhere; here its runs only need to exist.\n");
    return file;
  })();
  const harness = await startGithubTwin(t, { clock, actionEntry: noopAction });
  const { twin } = harness;
  addUser(twin, { login: OWNER, type: "Organization" });
  for (const login of ["maya", "wes"]) addUser(twin, { login });
  const repo = createRepo(twin, {
    owner: OWNER,
    name: NAME,
    files: {
      ...sampleFiles(),
      [CONFIG_PATH]: DEPLOY_YML,
      [POLICY_PATH]: POLICY_YML,
      [DISPATCH_WORKFLOW_PATH]: dispatchWorkflow(),
    },
    collaborators: { maya: "maintain", wes: "write" },
  });
  createRepo(twin, { owner: OWNER, name: "other-service", files: { "README.md": "other\n" } });
  let appOrigin = "";
  await installAppOnTwin(t, twin, {
    app: withRunBridge(createDevopsAgentApp({ registryUrl: new URL(twin.url).origin }), {
      oidcIssuer: oidcIssuerUrl(twin),
      publicUrl: () => appOrigin,
    }),
    account: OWNER,
    repositories: [NAME, "other-service"],
    permissions: manifestPermissions(),
    events: ["issue_comment", "issues", "pull_request", "push"],
  }).then(({ webhookUrl }) => {
    appOrigin = new URL(webhookUrl).origin;
  });
  await harness
    .asUser(OWNER)
    .repos.createOrUpdateEnvironment({ owner: OWNER, repo: NAME, environment_name: "production" });
  await harness
    .asUser(OWNER)
    .repos.createOrUpdateEnvironment({ owner: OWNER, repo: "other-service", environment_name: "production" });
  const pushed = pushFiles(twin, {
    repo: FULL,
    branch: "greeting",
    files: { "src/greeting.txt": "hello again, visitor\n" },
    message: "Greet returning visitors",
    login: "wes",
  });
  publishImage(twin, { owner: OWNER, packageName: NAME, tags: [`sha-${pushed.after}`], repo: FULL });
  const pull = openPullRequest(twin, {
    repo: FULL,
    head: "greeting",
    title: "Greet returning visitors",
    login: "wes",
  });
  await twin.settled();

  const loop: Loop = {
    harness,
    twin,
    repo,
    pr: pull.number,
    appUrl: appOrigin,
    async comment(login, body) {
      await harness
        .asUser(login)
        .rest.issues.createComment({ owner: OWNER, repo: NAME, issue_number: pull.number, body });
      await twin.settled();
    },
    advance(ms) {
      offset += ms;
    },
    checklist() {
      const body = Object.values(repo.comments)
        .filter((c) => c.userLogin === "devops-agent[bot]")
        .find((c) => c.body.startsWith(CHECKLIST_MARKER))?.body;
      assert.ok(body, "the App's checklist");
      return body;
    },
    client(run) {
      const grant = grantIdTokenRequests(twin, runClaims(repo, run));
      return createBridgeClient({
        appUrl: appOrigin,
        getIdToken: async (audience) => {
          const response = await fetch(
            `${grant.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(audience)}`,
            { headers: { authorization: `Bearer ${grant.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` } },
          );
          assert.equal(response.status, 200);
          return ((await response.json()) as { value: string }).value;
        },
      });
    },
  };
  return loop;
}

/** The claims the twin's runner gives a job of this dispatched run (run-job.ts `oidcClaims`). */
function runClaims(repo: Repo, run: WorkflowRun): ActionsOidcJobClaims {
  const ref = run.ref ?? `refs/heads/${run.headBranch}`;
  const workflowRef = `${FULL}/${run.workflowPath}@${ref}`;
  return {
    sub: `repo:${FULL}:environment:production`,
    repository: FULL,
    repository_id: String(repo.id),
    repository_owner: OWNER,
    repository_owner_id: "1",
    repository_visibility: repo.private ? "private" : "public",
    ref,
    ref_type: "branch",
    ref_protected: "false",
    sha: run.headSha,
    workflow: run.name,
    workflow_ref: workflowRef,
    workflow_sha: run.headSha,
    job_workflow_ref: workflowRef,
    job_workflow_sha: run.headSha,
    run_id: String(run.id),
    run_number: String(run.runNumber),
    run_attempt: String(run.runAttempt),
    actor: run.actorLogin,
    actor_id: "2",
    event_name: run.event,
    head_ref: "",
    base_ref: "",
    environment: "production",
    runner_environment: "github-hosted",
  };
}

function runsOf(loop: Loop, command: "plan" | "apply"): WorkflowRun[] {
  return Object.values(loop.repo.runs).filter((r) => r.inputs.command === command);
}

function planChecks(loop: Loop) {
  return Object.values(loop.repo.checkRuns)
    .filter((c) => c.name === PLAN_CHECK_NAME)
    .sort((a, b) => a.id - b.id);
}

function pinnedOf(text: string | null | undefined): PinnedPlan {
  const json = /^(`{3,})json\n([\s\S]*)\n\1$/.exec(text ?? "")?.[2];
  assert.ok(json, "the check run holds the pinned plan");
  return JSON.parse(json) as PinnedPlan;
}

/** The plan run's read: the DNS record exists and is ours as desired, the rest is absent. */
function liveDiff(pinned: PinnedPlan): Record<string, LiveState> {
  const live: Record<string, LiveState> = {};
  for (const step of pinned.plan.steps) {
    if (step.provider === "verify") continue;
    live[step.id] =
      step.provider === "cloudflare" ? { exists: true, ours: true, state: step.desired } : { exists: false };
  }
  return live;
}

async function reportedPlan(loop: Loop): Promise<{ before: PinnedPlan; after: string }> {
  await loop.comment("wes", "/devops deploy");
  const [planRun] = runsOf(loop, "plan");
  assert.ok(planRun, "the App dispatched the plan run");
  const [check] = planChecks(loop);
  const before = pinnedOf(check?.output?.text);
  assert.equal(planRun.inputs["plan-hash"], before.hash);
  const { planHash } = await loop.client(planRun).reportPlan({
    pr: loop.pr,
    headSha: before.plan.headSha,
    planHash: before.hash,
    live: liveDiff(before),
  });
  return { before, after: planHash };
}

test("the plan run's live diff becomes the plan: a new check run, the old one superseded, the checklist shows the diff", async (t) => {
  const loop = await startLoop(t);
  const { before, after } = await reportedPlan(loop);
  assert.notEqual(after, before.hash);

  const [old, filled, ...more] = planChecks(loop);
  assert.equal(more.length, 0);
  assert.equal(old?.status, "completed");
  assert.equal(old?.conclusion, STALE_CONCLUSION);
  assert.match(old?.output?.title ?? "", /superseded by the live diff of the plan run/);
  assert.equal(filled?.status, "in_progress");
  assert.equal(filled?.externalId, after);
  assert.equal(filled?.detailsUrl, old?.detailsUrl, "the request comment stays the plan's link");
  const pinned = pinnedOf(filled?.output?.text);
  assert.equal(pinned.hash, after);
  for (const step of pinned.plan.steps) {
    if (step.provider === "verify")
      assert.equal(step.expected, undefined, `${step.id} stays without expected`);
    else if (step.provider === "cloudflare") assert.deepEqual(step.expected, step.desired, step.id);
    else assert.equal(step.expected, null, `${step.id} was absent`);
  }

  const checklist = loop.checklist();
  assert.match(checklist, new RegExp(`<!-- devops-agent:plan-hash ${after} -->`));
  assert.match(checklist, new RegExp(`/approve ${after.slice(0, 12)}`));
  assert.doesNotMatch(checklist, new RegExp(before.hash.slice(0, 12)));
  assert.match(checklist, /#### Live state, read by the plan run/);
  assert.match(checklist, /\| `hello\.example\.com A` \| ✔ as desired: apply skips it \|/);
  assert.match(checklist, /absent: apply creates it/);
  assert.match(checklist, /checked after apply/);
});

test("an approval of the filled plan lets its apply run tick the checklist and complete the check run", async (t) => {
  const loop = await startLoop(t);
  const { after } = await reportedPlan(loop);
  loop.advance(2000);
  await loop.comment("maya", "/approve");
  const [applyRun] = runsOf(loop, "apply");
  assert.ok(applyRun, "the filled plan was approved and its apply dispatched");
  assert.equal(applyRun.inputs["plan-hash"], after);
  const client = loop.client(applyRun);
  const pinned = pinnedOf(planChecks(loop).at(-1)?.output?.text);
  const [first, second] = pinned.plan.steps;
  assert.ok(first && second);

  await client.progress({
    pr: loop.pr,
    planHash: after,
    status: "applying",
    steps: { [first.id]: "done", [second.id]: "skipped" },
  });
  let checklist = loop.checklist();
  assert.match(checklist, /\*\*Status:\*\* ⏳ applying/);
  assert.match(checklist, new RegExp(`2/${pinned.plan.steps.length} steps done`));
  assert.match(checklist, /^\| ✅ \| 1 \|/m);
  assert.match(checklist, /^\| ⏭️ \| 2 \|/m);
  assert.match(checklist, /^\| ⬜ \| 3 \|/m);
  assert.match(checklist, /approved by @\u200dmaya/);
  assert.equal(planChecks(loop).at(-1)?.status, "in_progress");

  const steps = Object.fromEntries(pinned.plan.steps.map((s) => [s.id, "done" as const]));
  await client.progress({
    pr: loop.pr,
    planHash: after,
    status: "done",
    steps,
    detail: "applied @wes [x](javascript:y)",
  });
  checklist = loop.checklist();
  assert.match(checklist, /🎉 done/);
  assert.match(checklist, new RegExp(`${pinned.plan.steps.length}/${pinned.plan.steps.length} steps done`));
  assert.match(
    checklist,
    /```\napplied @wes \[x\]\(javascript:y\)\n```/,
    "the run's detail is fenced, never Markdown",
  );
  const check = planChecks(loop).at(-1);
  assert.equal(check?.status, "completed");
  assert.equal(check?.conclusion, "success");
  assert.equal(pinnedOf(check?.output?.text).hash, after, "the plan stays on record");
});

test("the approved run's token writes an environment secret of its repository and nothing else", async (t) => {
  const loop = await startLoop(t);
  const { after } = await reportedPlan(loop);
  loop.advance(2000);
  await loop.comment("maya", "/approve");
  const [applyRun] = runsOf(loop, "apply");
  assert.ok(applyRun);
  const { token, expiresAt } = await loop
    .client(applyRun)
    .token({ pr: loop.pr, planHash: after, purpose: "secrets" });
  assert.ok(Date.parse(expiresAt) > Date.now());
  const octokit = new Octokit({ auth: token, baseUrl: loop.twin.url, request: { retries: 0 } });

  const scope = { owner: OWNER, repo: NAME, environment_name: "production" };
  const { data: key } = await octokit.rest.actions.getEnvironmentPublicKey(scope);
  await sodium.ready;
  const sealed = sodium.to_base64(
    sodium.crypto_box_seal(
      sodium.from_string("dokploy-refresh-token-value"),
      sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL),
    ),
    sodium.base64_variants.ORIGINAL,
  );
  await octokit.rest.actions.createOrUpdateEnvironmentSecret({
    ...scope,
    secret_name: "DOKPLOY_DEPLOY_TOKEN",
    encrypted_value: sealed,
    key_id: key.key_id,
  });
  assert.equal(
    loop.repo.environments.production?.secrets.DOKPLOY_DEPLOY_TOKEN?.value,
    "dokploy-refresh-token-value",
  );

  await assert.rejects(
    octokit.rest.repos.createOrUpdateFileContents({
      owner: OWNER,
      repo: NAME,
      path: "src/greeting.txt",
      message: "not allowed",
      content: Buffer.from("no\n").toString("base64"),
      branch: "greeting",
    }),
    (error: { status?: number }) => error.status === 403 || error.status === 404,
    "the token cannot write contents",
  );
  await assert.rejects(
    octokit.rest.actions.getEnvironmentPublicKey({ ...scope, repo: "other-service" }),
    (error: { status?: number }) => error.status === 403 || error.status === 404,
    "the token cannot reach another repository's secrets",
  );
  const other = loop.twin.repoByName(`${OWNER}/other-service`);
  assert.deepEqual(other?.environments.production?.secrets ?? {}, {});
});
