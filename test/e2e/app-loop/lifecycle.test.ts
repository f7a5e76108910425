// The plan's life end to end: what an approval binds to (DESIGN rule 4: the plan current when the comment was
// created, a matching hash prefix, single use, racing approvals dispatching once), stale on push, /cancel,
// forks (rule 7), one apply per target (rule 8), dispatch on the default branch (rule 5) and /devops status.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  APPROVAL_REF_PREFIX,
  DISPATCH_REF_PREFIX,
  DISPATCH_WORKFLOW_PATH,
  PLAN_CHECK_NAME,
} from "../../../src/app/names.ts";
import { dispatchWorkflow } from "../../../src/app/onboarding/workflows.ts";
import { createRepo } from "../../../src/sandbox/github/world.ts";
import {
  type AppLoop,
  applyRuns,
  assertNoEffect,
  FULL,
  NAME,
  OWNER,
  planned,
  planRuns,
  startAppLoop,
} from "../../support/app-loop.ts";

function planChecks(loop: AppLoop) {
  return Object.values(loop.repo.checkRuns).filter((c) => c.name === PLAN_CHECK_NAME);
}

function currentHash(loop: AppLoop): string {
  const check = planChecks(loop).sort((a, b) => b.id - a.id)[0];
  assert.ok(check?.externalId);
  return check.externalId;
}

test("/devops deploy pins the plan in an App check run, writes one checklist and dispatches the read-only plan run on main", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  const checks = planChecks(loop);
  assert.equal(checks.length, 1);
  const check = checks[0];
  assert.equal(check?.appId, loop.app.id);
  assert.equal(check?.headSha, loop.head());
  const hash = currentHash(loop);
  const checklist = loop.checklist() ?? "";
  assert.ok(checklist.includes(hash));
  assert.match(checklist, /requested by @\u200dwes/);
  assert.match(checklist, /comments `\/approve [0-9a-f]{12}`/);
  const runs = planRuns(loop);
  assert.equal(runs.length, 1);
  assert.equal(runs[0]?.ref, "refs/heads/main");
  assert.deepEqual(runs[0]?.inputs, {
    command: "plan",
    pr: String(loop.pr),
    "head-sha": loop.head(),
    "plan-hash": hash,
    environment: "production",
    "approval-comment-id": "",
  });
  // Planning again updates the same sticky comment.
  await loop.comment("wes", "/devops deploy");
  assert.equal(loop.appComments().filter((b) => b.startsWith("<!-- devops-agent:checklist -->")).length, 1);
});

test("an invalid deploy config gets one reply naming file, line and field, and nothing else happens", async (t) => {
  const loop = await startAppLoop(t, {
    prFiles: {
      ".devops/deploy.yml":
        "version: 1\napp:\n  name: hello-service\n  image: ghcr.io/acme/hello-service\n  port: 99999\nenvironments:\n  production:\n    dokploy: {}\n",
    },
  });
  const before = loop.snapshot();
  await loop.comment("wes", "/devops deploy");
  const replies = loop.appComments();
  assert.equal(replies.length, 1);
  assert.match(replies[0] ?? "", /The deploy config is invalid at [0-9a-f]{7}/);
  assert.match(replies[0] ?? "", /```text\n\.devops\/deploy\.yml:5: app\.port: .*\n```/);
  assertNoEffect(loop, before);
});

test("[authz:approve-binds-current-plan] allows an approval posted after the current plan", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  await loop.comment("maya", "/approve");
  assert.equal(applyRuns(loop).length, 1, loop.lastReply());
});

test("[authz:approve-binds-current-plan] refuses an approval whose delivery arrives after a newer plan", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  const payload = await loop.withheld(async () => {
    const id = await loop.comment("maya", "/approve");
    return loop.createdPayload(id, "maya");
  });
  loop.advance(2000);
  await loop.comment("wes", "/devops deploy");
  const before = loop.snapshot();
  assert.equal(await loop.deliver("issue_comment", payload), 200);
  assert.match(loop.lastReply(), /^`@maya` cannot approve: the plan changed after this comment was posted/);
  assertNoEffect(loop, before);
});

test("[authz:approve-binds-current-plan] refuses when there is no plan at all", async (t) => {
  const loop = await startAppLoop(t);
  const before = loop.snapshot();
  await loop.comment("maya", "/approve");
  assert.match(loop.lastReply(), /there is no plan for the pull request's current head/);
  assertNoEffect(loop, before);
});

test("[authz:approve-binds-current-plan] refuses a read-only /devops plan", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop, { body: "/devops plan" });
  assert.doesNotMatch(loop.checklist() ?? "", /To approve/);
  assert.match(loop.checklist() ?? "", /read-only plan/);
  const before = loop.snapshot();
  await loop.comment("maya", "/approve");
  assert.match(loop.lastReply(), /made with `\/devops plan`, which is read-only/);
  assertNoEffect(loop, before);
});

test("[authz:approve-hash-prefix] allows the current plan's hash prefix", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  await loop.comment("maya", `/approve ${currentHash(loop).slice(0, 12).toUpperCase()}`);
  assert.equal(applyRuns(loop).length, 1, loop.lastReply());
});

test("[authz:approve-hash-prefix] refuses a prefix of another hash", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  const wrong = currentHash(loop).startsWith("0") ? "1234567" : "0000000";
  const before = loop.snapshot();
  await loop.comment("maya", `/approve ${wrong}`);
  assert.match(
    loop.lastReply(),
    new RegExp(`^\`@maya\` cannot approve: \`${wrong}\` is not the current plan's hash`),
  );
  assertNoEffect(loop, before);
});

test("[authz:approval-single-use] allows an approval once, recording refs/devops-agent/approvals/<comment-id>", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  const id = await loop.comment("maya", "/approve");
  assert.ok(loop.repo.refs[`${APPROVAL_REF_PREFIX}${id}`]);
  assert.equal(applyRuns(loop).length, 1);
});

test("[authz:approval-single-use] refuses the same approval delivered again (a replay, or a second App instance)", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  const payload = await loop.withheld(async () => {
    const id = await loop.comment("maya", "/approve");
    return loop.createdPayload(id, "maya");
  });
  await loop.deliver("issue_comment", payload);
  assert.equal(applyRuns(loop).length, 1, loop.lastReply());
  const before = loop.snapshot();
  await loop.deliver("issue_comment", payload);
  assert.match(loop.lastReply(), /^`@maya` cannot approve: this approval was already used/);
  assertNoEffect(loop, before);
});

test("[authz:racing-approvals-dispatch-once] allows exactly one dispatch when two approvals race", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  const payloads = await loop.withheld(async () => {
    const a = await loop.comment("maya", "/approve");
    const b = await loop.comment("mo", "/approve");
    return [loop.createdPayload(a, "maya"), loop.createdPayload(b, "mo")];
  });
  const statuses = await Promise.all(payloads.map((p) => loop.deliver("issue_comment", p)));
  assert.deepEqual(statuses, [200, 200]);
  assert.equal(applyRuns(loop).length, 1);
  assert.equal(Object.keys(loop.repo.deployments).length, 1);
  const refs = Object.keys(loop.repo.refs);
  assert.equal(refs.filter((r) => r.startsWith(DISPATCH_REF_PREFIX)).length, 1);
  assert.equal(
    refs.filter((r) => r.startsWith(APPROVAL_REF_PREFIX)).length,
    1,
    "the loser's approval ref is given back",
  );
  assert.match(
    loop.lastReply(),
    /is already approved and its apply was dispatched; the approval by `@(maya|mo)` was not needed/,
  );
});

test("[authz:racing-approvals-dispatch-once] refuses a second approval of a plan already dispatched", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  await loop.comment("maya", "/approve");
  const before = loop.snapshot();
  await loop.comment("mo", "/approve");
  assert.match(
    loop.lastReply(),
    /already approved and its apply was dispatched; the approval by `@mo` was not needed and dispatched nothing/,
  );
  assertNoEffect(loop, before);
});

test("[plan:stale-after-push] refuses to approve after a push; the check run and the checklist say stale, approvals void", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  const old = loop.head();
  const head = await loop.push("wes");
  const check = planChecks(loop)[0];
  assert.equal(check?.status, "completed");
  assert.equal(check?.conclusion, "neutral");
  assert.match(check?.output.title ?? "", /^Stale: new commits were pushed/);
  const checklist = loop.checklist() ?? "";
  assert.match(checklist, /\*\*STALE\*\*: new commits were pushed \\\([0-9a-f]{7} → [0-9a-f]{7}\\\)/);
  assert.match(checklist, /All approvals of this plan are void/);
  assert.ok(checklist.includes(old.slice(0, 7)) && checklist.includes(head.slice(0, 7)));
  const before = loop.snapshot();
  await loop.comment("maya", "/approve");
  assert.match(
    loop.lastReply(),
    /^`@maya` cannot approve: there is no plan for the pull request's current head/,
  );
  assertNoEffect(loop, before);
});

test("[plan:stale-after-push] allows the fresh plan of the new head to be approved", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  await loop.push("wes");
  await planned(loop);
  await loop.comment("maya", "/approve");
  assert.equal(applyRuns(loop)[0]?.inputs["head-sha"], loop.head(), loop.lastReply());
});

test("[authz:cancel-requester-or-maintainer] allows the requester: the plan check goes stale, the checklist says cancelled", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  await loop.comment("wes", "/cancel");
  assert.equal(planChecks(loop)[0]?.conclusion, "neutral");
  assert.match(loop.checklist() ?? "", /cancelled/);
  const before = loop.snapshot();
  await loop.comment("maya", "/approve");
  assert.match(loop.lastReply(), /is stale/);
  assertNoEffect(loop, before);
});

test("[authz:cancel-requester-or-maintainer] allows a maintainer", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  await loop.comment("maya", "/cancel");
  assert.equal(planChecks(loop)[0]?.conclusion, "neutral");
});

test("[authz:cancel-requester-or-maintainer] refuses another writer", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  const before = loop.snapshot();
  await loop.comment("will", "/cancel");
  assert.match(
    loop.lastReply(),
    /^`@will` cannot cancel: only the requester `@wes` or a maintainer may cancel; `@will` has push/,
  );
  assertNoEffect(loop, before);
});

test("[authz:fork-plan-only] allows planning a fork's pull request, saying it applies only after merge", async (t) => {
  const loop = await fork(t);
  await planned(loop);
  assert.equal(planChecks(loop).length, 1);
  assert.match(loop.checklist() ?? "", /comes from a fork: it is planned for review only/);
});

test("[authz:fork-plan-only] refuses to approve a fork's pull request", async (t) => {
  const loop = await fork(t);
  await planned(loop);
  const before = loop.snapshot();
  await loop.comment("maya", "/approve");
  assert.match(loop.lastReply(), /^`@maya` cannot approve: this pull request comes from a fork/);
  assertNoEffect(loop, before);
});

/** The twin models no forks: a pull request whose head repository is a fork is seeded as such. */
async function fork(t: Parameters<typeof startAppLoop>[0]): Promise<AppLoop> {
  const loop = await startAppLoop(t);
  createRepo(loop.twin, { owner: "olga", name: NAME, private: false });
  const pull = loop.repo.issues[loop.pr]?.pull;
  assert.ok(pull);
  pull.headRepo = `olga/${NAME}`;
  return loop;
}

test("[authz:one-apply-per-target] allows an approval when the environment's last apply has finished", async (t) => {
  const loop = await startAppLoop(t);
  await seedDeployment(loop, "success");
  await planned(loop);
  await loop.comment("maya", "/approve");
  assert.equal(applyRuns(loop).length, 1, loop.lastReply());
});

test("[authz:one-apply-per-target] refuses an approval while another apply to the environment runs", async (t) => {
  const loop = await startAppLoop(t);
  const id = await seedDeployment(loop, "in_progress");
  await planned(loop);
  const before = loop.snapshot();
  await loop.comment("maya", "/approve");
  assert.match(
    loop.lastReply(),
    new RegExp(`an apply to \`production\` is in_progress \\(deployment ${id}, plan \`0{12}\`\\)`),
  );
  assertNoEffect(loop, before);
});

async function seedDeployment(loop: AppLoop, state: "success" | "in_progress"): Promise<number> {
  const acme = loop.as("maya");
  const { data } = await acme.rest.repos.createDeployment({
    owner: OWNER,
    repo: NAME,
    ref: "main",
    environment: "production",
    required_contexts: [],
    payload: { planHash: "0".repeat(64), pr: 99 },
  });
  assert.ok("id" in data);
  await acme.rest.repos.createDeploymentStatus({ owner: OWNER, repo: NAME, deployment_id: data.id, state });
  return data.id;
}

test("[authz:dispatch-default-branch-only] allows the apply only as main's workflow, whatever the PR's copy says", async (t) => {
  const loop = await startAppLoop(t, {
    prFiles: {
      [DISPATCH_WORKFLOW_PATH]: dispatchWorkflow().replace("name: devops-agent\n", "name: pr-edited\n"),
    },
  });
  await planned(loop);
  await loop.comment("maya", "/approve");
  const run = applyRuns(loop)[0];
  assert.ok(run, loop.lastReply());
  assert.equal(run.ref, "refs/heads/main");
  assert.equal(run.name, "devops-agent");
  assert.equal(run.headSha, loop.repo.refs["refs/heads/main"]);
  assert.notEqual(run.headSha, loop.head());
});

test("[authz:dispatch-default-branch-only] refuses when only the PR carries the workflow, and gives the approval back", async (t) => {
  const loop = await startAppLoop(t, {
    mainFiles: { [DISPATCH_WORKFLOW_PATH]: null },
    prFiles: { [DISPATCH_WORKFLOW_PATH]: dispatchWorkflow() },
  });
  await planned(loop);
  assert.match(loop.checklist() ?? "", /could not be dispatched/);
  const before = loop.snapshot();
  await loop.comment("maya", "/approve");
  assert.match(
    loop.lastReply(),
    /^`@maya` cannot approve: the apply runs only from the devops-agent workflow on `main`/,
  );
  assertNoEffect(loop, before);
});

test("/devops status reports the plan hash, state, approvals and deployment; /devops help answers", async (t) => {
  const loop = await startAppLoop(t);
  await loop.comment("olga", "/devops help").catch(() => undefined);
  await loop.comment("wes", "/devops status");
  assert.match(loop.lastReply(), /no plan for the current head/);
  await planned(loop);
  await loop.comment("maya", "/approve");
  await loop.comment("wes", "/devops status");
  const status = loop.lastReply();
  assert.ok(status.includes(currentHash(loop)));
  assert.match(status, /State: approved, apply dispatched/);
  assert.match(status, /Requested by: `@wes`/);
  assert.match(status, /Approvals: `@maya`/);
  assert.match(status, /Deployment \d+: `queued`/);
  await loop.comment("wes", "/devops help");
  assert.match(loop.lastReply(), /^\*\*devops-agent\*\* commands/);
  assert.equal(FULL, `${OWNER}/${NAME}`);
});
