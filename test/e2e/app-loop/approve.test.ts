// /approve end to end: who may approve (DESIGN rule 2), policy from the default branch (rule 3), what an
// approval binds to (rule 4), and what a valid approval does (single-use ref, dispatch on the default branch,
// checklist tick, Deployment queued). Every refusal is proven by the twin recording no effect.
import assert from "node:assert/strict";
import { test } from "node:test";
import { APPROVAL_REF_PREFIX, DISPATCH_REF_PREFIX } from "../../../src/app/names.ts";
import { applyRuns, assertNoEffect, planned, startAppLoop } from "../../support/app-loop.ts";

test("[authz:approve-needs-maintain] allows a maintainer: single-use ref, apply dispatched on main, checklist ticked, deployment queued", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  const approval = await loop.comment("maya", "/approve");
  const runs = applyRuns(loop);
  assert.equal(runs.length, 1, loop.lastReply());
  const run = runs[0];
  assert.ok(run);
  const hash = run.inputs["plan-hash"] ?? "";
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.equal(run.ref, "refs/heads/main");
  assert.equal(run.inputs["head-sha"], loop.head());
  assert.equal(run.inputs["approval-comment-id"], String(approval));
  assert.equal(run.inputs.environment, "production");
  assert.equal(loop.repo.refs[`${APPROVAL_REF_PREFIX}${approval}`], loop.head());
  assert.equal(loop.repo.refs[`${DISPATCH_REF_PREFIX}${hash}`], loop.head());
  const checklist = loop.checklist() ?? "";
  assert.match(checklist, /approved: apply dispatched/);
  assert.match(
    checklist,
    /- \[x\] approved by @\u200dmaya at .* · \[apply run\]\(http:\/\/[^)]+\/actions\/runs\/\d+\)/,
  );
  const deployments = Object.values(loop.repo.deployments);
  assert.equal(deployments.length, 1);
  const deployment = deployments[0];
  assert.equal(deployment?.sha, loop.head());
  assert.equal(deployment?.environment, "production");
  assert.deepEqual(
    deployment?.statuses.map((s) => s.state),
    ["queued"],
  );
  assert.equal((deployment?.payload as { planHash?: string } | undefined)?.planHash, hash);
});

test("[authz:approve-needs-maintain] refuses a writer, saying why and what works, with no effect", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop, { requester: "will" });
  const before = loop.snapshot();
  await loop.comment("wes", "/approve");
  assert.equal(
    loop.lastReply(),
    "`@wes` cannot approve: approvers need maintain or admin; `@wes` has push. " +
      "Ask a maintainer who did not request, open or push to this pull request.",
  );
  assertNoEffect(loop, before);
});

test("[authz:personal-repo-owner-approves] allows the owner of a personal repository", async (t) => {
  const loop = await startAppLoop(t, { ownerType: "User" });
  await planned(loop);
  await loop.comment("acme", "/approve");
  assert.equal(applyRuns(loop).length, 1, loop.lastReply());
});

test("[authz:personal-repo-owner-approves] refuses anyone else on a personal repository, even with maintain", async (t) => {
  const loop = await startAppLoop(t, { ownerType: "User" });
  await planned(loop);
  const before = loop.snapshot();
  await loop.comment("maya", "/approve");
  assert.match(
    loop.lastReply(),
    /^`@maya` cannot approve: on a personal repository only its owner `@acme` approves/,
  );
  assertNoEffect(loop, before);
});

test("[authz:approver-not-requester] refuses the maintainer who requested the plan", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop, { requester: "maya" });
  const before = loop.snapshot();
  await loop.comment("maya", "/approve");
  assert.match(loop.lastReply(), /^`@maya` cannot approve: `@maya` requested this plan/);
  assertNoEffect(loop, before);
});

test("[authz:approver-not-requester] allows the requester when the default branch's policy sets soloMaintainer", async (t) => {
  const loop = await startAppLoop(t, {
    policy: "version: 1\nsoloMaintainer: true\nallowedZones: [example.com]\n",
  });
  await planned(loop, { requester: "maya" });
  await loop.comment("maya", "/approve");
  assert.equal(applyRuns(loop).length, 1, loop.lastReply());
});

test("[authz:approver-not-author] refuses the maintainer who opened the pull request (commits by someone else)", async (t) => {
  const loop = await startAppLoop(t, { author: "wes", opener: "maya" });
  await planned(loop);
  const before = loop.snapshot();
  await loop.comment("maya", "/approve");
  assert.match(loop.lastReply(), /^`@maya` cannot approve: `@maya` opened this pull request/);
  assertNoEffect(loop, before);
});

test("[authz:approver-not-author] allows another maintainer on a maintainer's pull request", async (t) => {
  const loop = await startAppLoop(t, { author: "wes", opener: "maya" });
  await planned(loop);
  await loop.comment("mo", "/approve");
  assert.equal(applyRuns(loop).length, 1, loop.lastReply());
});

test("[authz:approver-not-pusher] refuses a maintainer who pushed a commit to the pull request", async (t) => {
  const loop = await startAppLoop(t);
  await loop.push("maya");
  await planned(loop);
  const before = loop.snapshot();
  await loop.comment("maya", "/approve");
  assert.match(
    loop.lastReply(),
    /^`@maya` cannot approve: `@maya` authored or committed commits of this pull request/,
  );
  assertNoEffect(loop, before);
});

test("[authz:approver-not-pusher] allows a maintainer who did not push, on the same pull request", async (t) => {
  const loop = await startAppLoop(t);
  await loop.push("maya");
  await planned(loop);
  await loop.comment("mo", "/approve");
  assert.equal(applyRuns(loop).length, 1, loop.lastReply());
});

test("[authz:permission-from-collaborator-api] refuses a triager whose author_association says COLLABORATOR", async (t) => {
  const loop = await startAppLoop(t);
  const before = loop.snapshot();
  await loop.comment("tara", "/devops deploy");
  const comment = Object.values(loop.repo.comments).find((c) => c.userLogin === "tara");
  assert.ok(comment);
  assert.match(
    loop.lastReply(),
    /^`@tara` cannot run \/devops deploy: \/devops deploy needs push \(write\) access or above; `@tara` has triage\./,
  );
  assert.ok(
    loop.twin.exchanges.some(
      (e) => e.path.endsWith("/collaborators/tara/permission") && e.caller === "devops-agent[bot]",
    ),
    "the App asked the collaborator permission API",
  );
  assertNoEffect(loop, before);
});

test("[authz:permission-from-collaborator-api] allows a writer by user.permissions.push, although role_name is just text", async (t) => {
  const loop = await startAppLoop(t);
  // A custom role's name means nothing; what counts is the booleans the API computes from it.
  loop.repo.collaborators.will = "write";
  await loop.comment("will", "/devops deploy");
  assert.ok(loop.checklist(), loop.lastReply());
  assert.ok(loop.twin.exchanges.some((e) => e.path.endsWith("/collaborators/will/permission")));
});

test("[authz:policy-from-default-branch] refuses a maintainer the default branch's policy does not list, whatever the PR's policy says", async (t) => {
  const loop = await startAppLoop(t, {
    policy: "version: 1\napprovers: [mo]\nallowedZones: [example.com]\n",
    prFiles: { ".devops/policy.yml": "version: 1\napprovers: [maya]\nallowedZones: [example.com]\n" },
  });
  await planned(loop);
  assert.match(
    loop.checklist() ?? "",
    /This pull request changes `\.devops\/policy\.yml`\. Policy is read from `main` only: the change applies after merge/,
  );
  const before = loop.snapshot();
  await loop.comment("maya", "/approve");
  assert.match(
    loop.lastReply(),
    /^`@maya` cannot approve: the policy on main \(\.devops\/policy\.yml\) names the approvers: `@mo`/,
  );
  assertNoEffect(loop, before);
});

test("[authz:policy-from-default-branch] allows the approver the default branch's policy lists", async (t) => {
  const loop = await startAppLoop(t, {
    policy: "version: 1\napprovers: [mo]\nallowedZones: [example.com]\n",
    prFiles: { ".devops/policy.yml": "version: 1\napprovers: [maya]\nallowedZones: [example.com]\n" },
  });
  await planned(loop);
  await loop.comment("mo", "/approve");
  assert.equal(applyRuns(loop).length, 1, loop.lastReply());
});

test("[authz:policy-from-default-branch] refuses to plan a DNS zone only the PR's policy allows", async (t) => {
  const loop = await startAppLoop(t, {
    prFiles: {
      ".devops/policy.yml": "version: 1\nallowedZones: [evil.test]\n",
      ".devops/deploy.yml": DEPLOY_EVIL_ZONE,
    },
  });
  const before = loop.snapshot();
  await loop.comment("wes", "/devops deploy");
  assert.match(
    loop.lastReply(),
    /cannot run \/devops deploy: the zone `evil\.test` is not in allowedZones of \.devops\/policy\.yml on main \(`example\.com`\)/,
  );
  assert.equal(loop.checklist(), undefined);
  assertNoEffect(loop, before);
});

const DEPLOY_EVIL_ZONE = `version: 1
app:
  name: hello-service
  image: ghcr.io/acme/hello-service
  port: 3000
environments:
  production:
    dokploy: {}
    domain:
      host: hello.evil.test
    dns:
      provider: cloudflare
      zone: evil.test
      target: 203.0.113.10
`;
