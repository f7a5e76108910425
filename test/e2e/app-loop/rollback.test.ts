// `/devops rollback` end to end: the real App (Probot behind its HTTP server, the run bridge trusting the twin's
// OIDC issuer) on the GitHub twin. The dispatched runs execute a no-op Action, so the apply run's bridge calls
// are made here with ID tokens the twin grants for that run, as the Action makes them. What an apply run's final
// progress call carries as undo records is kept with its plan in the App's check run; `/devops rollback` plans
// them and `/approve` applies that plan like any other.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { createDevopsAgentApp } from "../../../src/app/app.ts";
import {
  APPROVAL_REF_PREFIX,
  CHECKLIST_MARKER,
  DISPATCH_REF_PREFIX,
  DISPATCH_WORKFLOW_PATH,
  PLAN_CHECK_NAME,
} from "../../../src/app/names.ts";
import { dispatchWorkflow } from "../../../src/app/onboarding/workflows.ts";
import { parsePlanText } from "../../../src/app/plan-store.ts";
import { withRunBridge } from "../../../src/app/run-bridge/index.ts";
import { BridgeError, createBridgeClient } from "../../../src/bridge/client.ts";
import type { UndoRecordBody } from "../../../src/bridge/protocol.ts";
import { CONFIG_PATH, POLICY_PATH } from "../../../src/config/schema.ts";
import { planHash } from "../../../src/plan/hash.ts";
import type { PinnedPlan } from "../../../src/plan/types.ts";
import {
  applyOutputs,
  configureRepository,
  mergeOnboarding,
  openChangePullRequest,
  personOctokit,
  repoOf,
  runsOf as sandboxRuns,
} from "../../../src/sandbox/demo.ts";
import { grantIdTokenRequests, oidcIssuerUrl } from "../../../src/sandbox/github/oidc.ts";
import type { Repo, WorkflowRun } from "../../../src/sandbox/github/state.ts";
import type { GithubTwin } from "../../../src/sandbox/github/twin.ts";
import { addUser, createRepo, pushFiles } from "../../../src/sandbox/github/world.ts";
import { publishImage } from "../../../src/sandbox/github/world-packages.ts";
import { openPullRequest } from "../../../src/sandbox/github/world-pulls.ts";
import { manifestPermissions } from "../../../src/sandbox/manifest.ts";
import { SANDBOX, sampleFiles, startSandbox } from "../../../src/sandbox/sandbox.ts";
import { DEPLOY_YML, POLICY_YML } from "../../support/app-loop.ts";
import { installAppOnTwin } from "../../support/app-on-twin.ts";
import { startGithubTwin, type TwinHarness } from "../../support/github-twin.ts";

const OWNER = "acme";
const NAME = "hello-service";
const FULL = `${OWNER}/${NAME}`;

interface Loop {
  harness: TwinHarness;
  twin: GithubTwin;
  repo: Repo;
  pr: number;
  comment(login: string, body: string): Promise<void>;
  advance(ms: number): void;
  appComments(): string[];
  lastReply(): string;
  checklist(): string;
  client(run: WorkflowRun): ReturnType<typeof createBridgeClient>;
}

let noopAction: string | undefined;

async function startLoop(t: TestContext): Promise<Loop> {
  let offset = 0;
  const clock = { now: () => new Date(Date.now() + offset) };
  noopAction ??= (() => {
    const file = join(mkdtempSync(join(tmpdir(), "rollback-action-")), "noop.mjs");
    writeFileSync(file, "// The Action's bridge calls are made by the test itself.\n");
    return file;
  })();
  const harness = await startGithubTwin(t, { clock, actionEntry: noopAction });
  const { twin } = harness;
  addUser(twin, { login: OWNER, type: "Organization" });
  for (const login of ["maya", "mo", "wes", "will", "tara"]) addUser(twin, { login });
  const repo = createRepo(twin, {
    owner: OWNER,
    name: NAME,
    files: {
      ...sampleFiles(),
      [CONFIG_PATH]: DEPLOY_YML,
      [POLICY_PATH]: POLICY_YML,
      [DISPATCH_WORKFLOW_PATH]: dispatchWorkflow(),
    },
    collaborators: { maya: "maintain", mo: "maintain", wes: "write", will: "write", tara: "read" },
  });
  let appOrigin = "";
  await installAppOnTwin(t, twin, {
    app: withRunBridge(createDevopsAgentApp({ registryUrl: new URL(twin.url).origin }), {
      oidcIssuer: oidcIssuerUrl(twin),
      publicUrl: () => appOrigin,
    }),
    account: OWNER,
    repositories: [NAME],
    permissions: manifestPermissions(),
    events: ["issue_comment", "issues", "pull_request", "push"],
  }).then(({ webhookUrl }) => {
    appOrigin = new URL(webhookUrl).origin;
  });
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

  const appComments = () =>
    Object.values(repo.comments)
      .filter((c) => c.issueNumber === pull.number && c.userLogin === "devops-agent[bot]")
      .sort((a, b) => a.id - b.id)
      .map((c) => c.body);
  return {
    harness,
    twin,
    repo,
    pr: pull.number,
    async comment(login, body) {
      await harness
        .asUser(login)
        .rest.issues.createComment({ owner: OWNER, repo: NAME, issue_number: pull.number, body });
      await twin.settled();
    },
    advance(ms) {
      offset += ms;
    },
    appComments,
    lastReply: () =>
      appComments()
        .filter((b) => !b.startsWith(CHECKLIST_MARKER))
        .at(-1) ?? "",
    checklist() {
      const body = appComments().find((b) => b.startsWith(CHECKLIST_MARKER));
      assert.ok(body, "the App's checklist");
      return body;
    },
    client(run) {
      const ref = run.ref ?? `refs/heads/${run.headBranch}`;
      const workflowRef = `${FULL}/${run.workflowPath}@${ref}`;
      const grant = grantIdTokenRequests(twin, {
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
      });
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
}

function runsOf(loop: Loop, command: "plan" | "apply"): WorkflowRun[] {
  return Object.values(loop.repo.runs)
    .filter((r) => r.inputs.command === command)
    .sort((a, b) => a.id - b.id);
}

function planChecks(loop: Loop) {
  return Object.values(loop.repo.checkRuns)
    .filter((c) => c.name === PLAN_CHECK_NAME)
    .sort((a, b) => a.id - b.id);
}

function pinnedOf(text: string | null | undefined): PinnedPlan {
  const blocks = parsePlanText(text ?? "");
  assert.ok(blocks, "the check run holds the pinned plan");
  return JSON.parse(blocks.json) as PinnedPlan;
}

function snapshot(loop: Loop) {
  return {
    runs: Object.keys(loop.repo.runs).sort(),
    checkRuns: structuredClone(Object.values(loop.repo.checkRuns)),
    refs: Object.keys(loop.repo.refs)
      .filter((r) => r.startsWith("refs/devops-agent/"))
      .sort(),
    deployments: structuredClone(Object.values(loop.repo.deployments)),
    checklist: loop.appComments().find((b) => b.startsWith(CHECKLIST_MARKER)),
  };
}

/**
 * What the runner records after changing the first three steps (src/runner/apply.ts `undoRecord`), newest first:
 * the project and application it created (to delete) and the image it replaced (to put back).
 */
function undoOf(pinned: PinnedPlan): UndoRecordBody[] {
  const records = pinned.plan.steps.slice(0, 3).map((step) => {
    assert.ok(step.undo, `${step.id} has an undo`);
    const restores = (step.undo.state as { restore?: string }).restore === "expected";
    return {
      stepId: step.id,
      provider: step.provider,
      action: step.undo.action,
      target: step.target,
      state: restores ? { image: "ghcr.io/acme/hello-service@sha256:0ld" } : step.undo.state,
    };
  });
  return records.reverse();
}

/** wes asks for a deploy, maya approves, and its apply run ends with `status` and (maybe) undo records. */
async function applied(
  loop: Loop,
  options: { status: "done" | "failed"; undo: boolean },
): Promise<{ pinned: PinnedPlan; undo: UndoRecordBody[] }> {
  await loop.comment("wes", "/devops deploy");
  loop.advance(2000);
  await loop.comment("maya", "/approve");
  const [run] = runsOf(loop, "apply");
  assert.ok(run, `the apply was dispatched; replies: ${loop.appComments().join("\n---\n")}`);
  const pinned = pinnedOf(planChecks(loop).at(-1)?.output?.text);
  assert.equal(pinned.hash, run.inputs["plan-hash"]);
  const undo = options.undo ? undoOf(pinned) : [];
  const changed = new Set(undo.map((u) => u.stepId));
  await loop.client(run).progress({
    pr: loop.pr,
    planHash: pinned.hash,
    status: options.status,
    steps: Object.fromEntries(
      pinned.plan.steps.map((s) => [
        s.id,
        changed.has(s.id) ? "done" : options.status === "done" ? "skipped" : "pending",
      ]),
    ),
    ...(undo.length > 0 ? { undo } : {}),
  });
  loop.advance(2000);
  return { pinned, undo };
}

test("[authz:deploy-needs-push] allows a writer's /devops rollback after a partial failure: the undo steps in order as a plan, a rollback checklist, a plan run", async (t) => {
  const loop = await startLoop(t);
  const { pinned: appliedPlan, undo } = await applied(loop, { status: "failed", undo: true });
  const appliedCheck = planChecks(loop).at(-1);
  assert.equal(appliedCheck?.status, "completed");
  assert.equal(appliedCheck?.conclusion, "failure");
  const kept = parsePlanText(appliedCheck?.output?.text ?? "");
  assert.ok(kept?.undoJson, "the undo records are kept with the applied plan");
  assert.deepEqual(JSON.parse(kept.undoJson), undo);
  assert.match(loop.checklist(), /comment `\/devops rollback`/, "the thread offers a rollback");

  await loop.comment("will", "/devops rollback");
  const check = planChecks(loop).at(-1);
  assert.ok(check && check.id !== appliedCheck?.id, `a new plan check run; replies: ${loop.lastReply()}`);
  assert.equal(check.status, "in_progress");
  assert.match(check.detailsUrl ?? "", /#issuecomment-\d+$/, "linked to the rollback request");
  const rollback = pinnedOf(check.output?.text);
  assert.equal(rollback.hash, planHash(rollback.plan));
  assert.equal(check.externalId, rollback.hash);
  assert.equal(rollback.plan.rollbackOf, appliedPlan.hash);
  for (const field of ["repository", "pullNumber", "environment", "headSha", "configSha", "image"] as const) {
    assert.deepEqual(rollback.plan[field], appliedPlan.plan[field], field);
  }
  // The image restore is left out: the same rollback deletes the application it would configure.
  assert.deepEqual(rollback.plan.steps, [
    {
      id: "dokploy.application.delete:hello-service",
      provider: "dokploy",
      action: "application.delete",
      target: "hello-service",
      risk: "delete",
      desired: null,
      undo: null,
    },
    {
      id: "dokploy.project.delete:hello-service",
      provider: "dokploy",
      action: "project.delete",
      target: "hello-service",
      risk: "delete",
      desired: null,
      undo: null,
    },
  ]);
  const checklist = loop.checklist();
  assert.match(checklist, /### devops-agent Rollback plan for `production`/);
  assert.match(checklist, new RegExp(`apply of plan \`${appliedPlan.hash.slice(0, 12)}\``));
  assert.match(checklist, new RegExp(`<!-- devops-agent:plan-hash ${rollback.hash} -->`));
  assert.match(checklist, new RegExp(`/approve ${rollback.hash.slice(0, 12)}`));
  assert.match(checklist, /\*\*delete\*\* ⚠️/);
  const planRun = runsOf(loop, "plan").at(-1);
  assert.equal(runsOf(loop, "plan").length, 2, "the deploy's plan run and the rollback's");
  assert.equal(planRun?.inputs["plan-hash"], rollback.hash);
  assert.equal(planRun?.inputs["head-sha"], appliedPlan.plan.headSha);
  assert.equal(planRun?.ref, "refs/heads/main");
});

test("[authz:approve-needs-maintain] allows a maintainer to approve a rollback plan: its apply dispatched once, the Deployment recorded, and an applied rollback leaves nothing to roll back", async (t) => {
  const loop = await startLoop(t);
  await applied(loop, { status: "failed", undo: true });
  await loop.comment("will", "/devops rollback");
  const rollback = pinnedOf(planChecks(loop).at(-1)?.output?.text);
  loop.advance(2000);
  await loop.comment("maya", "/approve");
  const [, run] = runsOf(loop, "apply");
  assert.ok(run, `the rollback's apply was dispatched; replies: ${loop.lastReply()}`);
  assert.equal(run.inputs["plan-hash"], rollback.hash);
  assert.equal(run.ref, "refs/heads/main");
  assert.equal(loop.repo.refs[`${DISPATCH_REF_PREFIX}${rollback.hash}`], rollback.plan.headSha);
  const approvals = Object.keys(loop.repo.refs).filter((r) => r.startsWith(APPROVAL_REF_PREFIX));
  assert.equal(approvals.length, 2, "one single-use ref per approval");
  const deployment = Object.values(loop.repo.deployments)
    .sort((a, b) => a.id - b.id)
    .at(-1);
  assert.equal((deployment?.payload as { planHash?: string } | undefined)?.planHash, rollback.hash);
  assert.match(loop.checklist(), /Rollback plan[\s\S]*approved: apply dispatched/);

  // Its run ticks the checklist like any apply; once it is applied, there is nothing left to take back.
  await loop.client(run).progress({
    pr: loop.pr,
    planHash: rollback.hash,
    status: "done",
    steps: Object.fromEntries(rollback.plan.steps.map((s) => [s.id, "done" as const])),
  });
  assert.equal(planChecks(loop).at(-1)?.conclusion, "success");
  assert.match(loop.checklist(), /Rollback plan[\s\S]*🎉 done/);
  loop.advance(2000);
  const before = snapshot(loop);
  await loop.comment("will", "/devops rollback");
  assert.match(loop.lastReply(), /^Nothing to roll back/);
  assert.deepEqual(snapshot(loop), before);
});

test("[authz:approver-not-requester] refuses the maintainer who requested the rollback as its approver, with no effect", async (t) => {
  const loop = await startLoop(t);
  await applied(loop, { status: "failed", undo: true });
  await loop.comment("mo", "/devops rollback");
  loop.advance(2000);
  const before = snapshot(loop);
  await loop.comment("mo", "/approve");
  assert.match(loop.lastReply(), /^`@mo` cannot approve: `@mo` requested this plan/);
  assert.deepEqual(snapshot(loop), before);
});

test("[authz:deploy-needs-push] refuses a reader's /devops rollback, saying why, with no effect", async (t) => {
  const loop = await startLoop(t);
  await applied(loop, { status: "failed", undo: true });
  const before = snapshot(loop);
  await loop.comment("tara", "/devops rollback");
  assert.equal(
    loop.lastReply(),
    "`@tara` cannot run /devops rollback: /devops rollback needs push (write) access or above; `@tara` has pull. " +
      "Ask someone with write access to comment it.",
  );
  assert.deepEqual(snapshot(loop), before);
});

test("/devops rollback with no recorded undo steps says there is nothing to roll back and changes nothing", async (t) => {
  const loop = await startLoop(t);
  const before0 = snapshot(loop);
  await loop.comment("wes", "/devops rollback");
  assert.match(loop.lastReply(), /^Nothing to roll back: no apply of this pull request's head `[0-9a-f]{7}`/);
  assert.deepEqual(snapshot(loop), before0, "before any apply");

  await applied(loop, { status: "done", undo: false });
  assert.doesNotMatch(loop.checklist(), /\/devops rollback/, "nothing changed, nothing offered");
  const before = snapshot(loop);
  await loop.comment("wes", "/devops rollback");
  assert.match(loop.lastReply(), /^Nothing to roll back/);
  assert.deepEqual(snapshot(loop), before, "after an apply that changed nothing");
});

test("the run bridge refuses undo records the approved plan did not declare, and keeps none", async (t) => {
  const loop = await startLoop(t);
  await loop.comment("wes", "/devops deploy");
  loop.advance(2000);
  await loop.comment("maya", "/approve");
  const [run] = runsOf(loop, "apply");
  assert.ok(run);
  const pinned = pinnedOf(planChecks(loop).at(-1)?.output?.text);
  const [record] = undoOf(pinned).slice(-1);
  assert.ok(record);
  const client = loop.client(run);
  const call = (undo: UndoRecordBody[], status: "done" | "applying" = "done") =>
    client.progress({ pr: loop.pr, planHash: pinned.hash, status, steps: {}, undo });
  const cases: [UndoRecordBody[], RegExp, ("done" | "applying")?][] = [
    [[{ ...record, action: "project.wipe-everything" }], /undo\.0\.action: step .* undo is project\.delete/],
    [[{ ...record, state: { name: "someone-elses-project" } }], /undo\.0\.state: not the undo state/],
    [[{ ...record, stepId: "dokploy.project.ensure:other" }], /is not a step of the plan/],
    [[{ ...record, target: "other" }], /not step .*'s provider and target/],
    [[record], /final call .* only/, "applying"],
  ];
  for (const [undo, message, status] of cases) {
    await assert.rejects(
      call(undo, status),
      (error: unknown) => error instanceof BridgeError && message.test(error.message),
      String(message),
    );
  }
  const check = planChecks(loop).at(-1);
  assert.equal(check?.status, "in_progress", "no refused call completed the plan");
  assert.equal(parsePlanText(check?.output?.text ?? "")?.undoJson, undefined);
});

test("on the sandbox, the Action's real apply sends its undo records and /devops rollback plans them newest first", async (t) => {
  const sandbox = await startSandbox();
  t.after(() => sandbox.close());
  const { owner, repo } = SANDBOX;
  const say = async (login: string, pr: number, body: string) => {
    await personOctokit(sandbox, login).issues.createComment({ owner, repo, issue_number: pr, body });
    await sandbox.twin.settled();
  };
  assert.ok(await mergeOnboarding(sandbox), "onboarding merged");
  await configureRepository(sandbox, {});
  const pr = await openChangePullRequest(sandbox, { login: "wes", branch: "greeting", domain: true });
  await say("wes", pr.number, "/devops deploy");
  await say("maya", pr.number, "/approve");
  assert.equal(sandboxRuns(sandbox, "apply").at(-1)?.conclusion, "success");
  const checks = () =>
    Object.values(repoOf(sandbox)?.checkRuns ?? {})
      .filter((c) => c.name === PLAN_CHECK_NAME && c.headSha === pr.headSha)
      .sort((a, b) => a.id - b.id);
  const appliedCheck = checks().at(-1);
  assert.equal(appliedCheck?.conclusion, "success");
  const applied = pinnedOf(appliedCheck?.output?.text);
  const undo = JSON.parse(
    parsePlanText(appliedCheck?.output?.text ?? "")?.undoJson ?? "[]",
  ) as UndoRecordBody[];
  const changed = applyOutputs(sandbox, sandboxRuns(sandbox, "apply").at(-1)?.id).changed ?? [];
  assert.ok(changed.length > 0, "the apply changed something");
  const declared = applied.plan.steps.filter((s) => s.undo && changed.includes(s.id)).map((s) => s.id);
  assert.deepEqual(
    undo.map((u) => u.stepId),
    [...declared].reverse(),
    "every changed step's undo, newest first, as the run sent them",
  );

  await say("wes", pr.number, "/devops rollback");
  const rollback = pinnedOf(checks().find((c) => c.id > (appliedCheck?.id ?? 0))?.output?.text);
  assert.equal(rollback.plan.rollbackOf, applied.hash);
  // Newest first, less the deploy (it cannot be un-run) and the settings of the application it deletes.
  assert.deepEqual(
    rollback.plan.steps.map((s) => s.id),
    [
      "github.actions-secret.delete:DOKPLOY_DEPLOY_TOKEN",
      "cloudflare.dns-record.delete:hello.example.com A",
      "dokploy.domain.delete:hello.example.com",
      "dokploy.application.delete:hello-service",
      "dokploy.project.delete:hello-service",
    ],
  );
  assert.equal(sandboxRuns(sandbox, "plan").at(-1)?.inputs["plan-hash"], rollback.hash);
});
