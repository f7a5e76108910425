import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { ProbotOctokit } from "probot";
import { CHECKLIST_MARKER, PLAN_CHECK_NAME } from "../../../src/app/names.ts";
import {
  CHECK_TEXT_LIMIT,
  type GithubApi,
  markPlanStale,
  planText,
  readPlanCheck,
  upsertChecklistComment,
  writePlanCheck,
} from "../../../src/app/plan-store.ts";
import { parseChecklistHash, renderChecklist } from "../../../src/plan/checklist.ts";
import { pin } from "../../../src/plan/hash.ts";
import { createRepo, pushFiles } from "../../../src/sandbox/github/world.ts";
import { openPullRequest } from "../../../src/sandbox/github/world-pulls.ts";
import { startGithubTwin } from "../../support/github-twin.ts";
import { setupApp } from "../github-twin/app-helpers.ts";
import { samplePinned } from "../plan/fixtures.ts";

// Probot's context.octokit must fit the store's client type (a compile-time check under tsc).
const _probotFits: (o: InstanceType<typeof ProbotOctokit>) => GithubApi = (o) => o;
void _probotFits;

async function setup(t: TestContext) {
  const harness = await startGithubTwin(t);
  const { twin } = harness;
  createRepo(twin, {
    owner: "acme",
    name: "hello-service",
    files: { "README.md": "hi" },
    collaborators: { wes: "write" },
  });
  const { after: head } = pushFiles(twin, {
    repo: "acme/hello-service",
    branch: "feature",
    files: { "app.js": "x" },
    login: "wes",
    message: "feature",
  });
  const pull = openPullRequest(twin, {
    repo: "acme/hello-service",
    head: "feature",
    title: "Feature",
    login: "wes",
  });
  const permissions = { checks: "write", issues: "write", pull_requests: "write" } as const;
  const app = setupApp(twin, { slug: "devops-agent", account: "acme", permissions });
  const other = setupApp(twin, { slug: "impostor", account: "acme", permissions });
  const pinned = samplePinned({ headSha: head });
  const warnings: string[] = [];
  const log = { warn: (m: string) => warnings.push(m) };
  const read = () =>
    readPlanCheck({
      octokit: app.asInstallation,
      owner: "acme",
      repo: "hello-service",
      headSha: head,
      appId: app.appId,
      log,
    });
  return {
    ...harness,
    head,
    pull,
    app,
    other,
    pinned,
    warnings,
    read,
    repoState: () => twin.world.repos["acme/hello-service"],
  };
}

test("writePlanCheck → readPlanCheck: the App's check run on the head holds the pinned plan, hash recomputed", async (t) => {
  const { app, pinned, head, read, repoState } = await setup(t);
  const written = await writePlanCheck({
    octokit: app.asInstallation,
    owner: "acme",
    repo: "hello-service",
    pinned,
    detailsUrl: "https://example.test/plan",
  });
  const run = repoState()?.checkRuns[written.checkRunId];
  assert.ok(run);
  assert.deepEqual(
    [run.appId, run.name, run.headSha, run.status, run.externalId, run.output.title],
    [app.appId, PLAN_CHECK_NAME, head, "in_progress", pinned.hash, `Plan ${pinned.hash.slice(0, 12)}`],
  );
  assert.match(run.output.summary ?? "", /12 steps/);
  assert.ok(run.output.text?.startsWith("```json\n"));
  assert.ok(written.updatedAt);

  const back = await read();
  assert.ok(back);
  assert.deepEqual(back.pinned, pinned);
  assert.deepEqual(
    [back.checkRunId, back.updatedAt, back.stale],
    [written.checkRunId, written.updatedAt, false],
  );
});

test("readPlanCheck ignores a check run of the same name by another App, even a newer one", async (t) => {
  const { app, other, pinned, read } = await setup(t);
  assert.equal(await read(), undefined, "nothing written yet");
  const ours = await writePlanCheck({
    octokit: app.asInstallation,
    owner: "acme",
    repo: "hello-service",
    pinned,
  });
  // The impostor writes a different plan, correctly hashed, under our check name, after ours.
  const forged = pin({
    ...pinned.plan,
    image: { ...pinned.plan.image, digest: `sha256:${"ee".repeat(32)}` },
  });
  await writePlanCheck({
    octokit: other.asInstallation,
    owner: "acme",
    repo: "hello-service",
    pinned: forged,
  });
  const back = await read();
  assert.equal(back?.checkRunId, ours.checkRunId);
  assert.equal(back?.pinned.hash, pinned.hash);
});

test("the newest of the App's own plans wins", async (t) => {
  const { app, pinned, read } = await setup(t);
  await writePlanCheck({ octokit: app.asInstallation, owner: "acme", repo: "hello-service", pinned });
  const second = pin({ ...pinned.plan, environment: "production", configSha: "f".repeat(40) });
  const latest = await writePlanCheck({
    octokit: app.asInstallation,
    owner: "acme",
    repo: "hello-service",
    pinned: second,
  });
  const back = await read();
  assert.equal(back?.checkRunId, latest.checkRunId);
  assert.equal(back?.pinned.hash, second.hash);
});

test("tampered JSON is refused with a logged reason: changed plan, bad JSON, no fence, wrong external_id", async (t) => {
  const { app, pinned, read, repoState, warnings } = await setup(t);
  const { checkRunId } = await writePlanCheck({
    octokit: app.asInstallation,
    owner: "acme",
    repo: "hello-service",
    pinned,
  });
  const run = repoState()?.checkRuns[checkRunId];
  assert.ok(run?.output.text);
  const original = run.output.text;

  run.output.text = original.replace(pinned.plan.image.digest, `sha256:${"00".repeat(32)}`);
  assert.equal(await read(), undefined);
  assert.match(warnings.at(-1) ?? "", /hashes to [0-9a-f]{64}, not the recorded/);

  run.output.text = original.replace('"version": 1', '"version": 1,,');
  assert.equal(await read(), undefined);
  assert.match(warnings.at(-1) ?? "", /does not parse/);

  run.output.text = "not fenced";
  assert.equal(await read(), undefined);
  assert.match(warnings.at(-1) ?? "", /not one fenced JSON block/);

  run.output.text = original;
  run.externalId = "0".repeat(64);
  assert.equal(await read(), undefined);
  assert.match(warnings.at(-1) ?? "", /external_id/);

  run.externalId = pinned.hash;
  assert.ok(await read(), "restored, it reads again");
});

test("markPlanStale completes the run neutral with a Stale title; the plan stays readable, marked stale", async (t) => {
  const { app, pinned, read, repoState } = await setup(t);
  const { checkRunId } = await writePlanCheck({
    octokit: app.asInstallation,
    owner: "acme",
    repo: "hello-service",
    pinned,
  });
  await markPlanStale({
    octokit: app.asInstallation,
    owner: "acme",
    repo: "hello-service",
    checkRunId,
    reason: "new commit pushed by @wes",
  });
  const run = repoState()?.checkRuns[checkRunId];
  assert.deepEqual(
    [run?.status, run?.conclusion, run?.output.title],
    ["completed", "neutral", "Stale: new commit pushed by @wes"],
  );
  assert.match(run?.output.summary ?? "", /approvals are void/);
  assert.doesNotMatch(run?.output.summary ?? "", /@wes/, "the reason is neutralized: no ping");
  const back = await read();
  assert.equal(back?.stale, true);
  assert.equal(back?.pinned.hash, pinned.hash);
});

test("another App cannot mark our plan stale (GitHub: only the creating App modifies a check run)", async (t) => {
  const { app, other, pinned, repoState } = await setup(t);
  const { checkRunId } = await writePlanCheck({
    octokit: app.asInstallation,
    owner: "acme",
    repo: "hello-service",
    pinned,
  });
  await assert.rejects(
    markPlanStale({
      octokit: other.asInstallation,
      owner: "acme",
      repo: "hello-service",
      checkRunId,
      reason: "x",
    }),
    (error: { status?: number }) => error.status === 403,
  );
  assert.equal(repoState()?.checkRuns[checkRunId]?.status, "in_progress");
});

test("a plan too large for output.text fails loudly before any call", () => {
  const pinned = samplePinned();
  const huge = pin({
    ...pinned.plan,
    steps: pinned.plan.steps.map((s) => ({ ...s, desired: { blob: "x".repeat(CHECK_TEXT_LIMIT / 4) } })),
  });
  assert.throws(() => planText(huge), /too large for a check run: \d+ characters/);
  assert.ok(planText(pinned).length <= CHECK_TEXT_LIMIT);
});

test("sticky comment: created once, then updated in place; a user pasting the marker does not hijack it", async (t) => {
  const { app, pull, pinned, repoState, asUser } = await setup(t);
  // Someone pastes a look-alike checklist first, with a forged hash.
  const forgedBody = `${CHECKLIST_MARKER}\n<!-- devops-agent:plan-hash ${"f".repeat(64)} -->\nlooks official`;
  const forged = await asUser("wes").rest.issues.createComment({
    owner: "acme",
    repo: "hello-service",
    issue_number: pull.number,
    body: forgedBody,
  });
  const upsert = (status: "planned" | "stale") =>
    upsertChecklistComment({
      octokit: app.asInstallation,
      owner: "acme",
      repo: "hello-service",
      issueNumber: pull.number,
      body: renderChecklist({
        pinned,
        state: { status, requestedBy: "wes", approvals: [], staleReason: "push" },
      }),
      appSlug: "devops-agent",
    });
  const first = await upsert("planned");
  assert.equal(first.created, true);
  assert.notEqual(first.commentId, forged.data.id);
  const second = await upsert("stale");
  assert.deepEqual(second, { commentId: first.commentId, created: false });

  const comments = Object.values(repoState()?.comments ?? {}).filter((c) => c.issueNumber === pull.number);
  assert.equal(comments.length, 2, "the user's and one of ours");
  assert.equal(
    comments.find((c) => c.id === forged.data.id)?.body,
    forgedBody,
    "the user's comment untouched",
  );
  const ours = comments.find((c) => c.id === first.commentId);
  assert.equal(ours?.userLogin, "devops-agent[bot]");
  assert.match(ours?.body ?? "", /STALE/);
  assert.equal(parseChecklistHash(ours?.body ?? ""), pinned.hash);
});

test("sticky comment: another App's comment with the marker is not ours either", async (t) => {
  const { app, other, pull, pinned } = await setup(t);
  const body = renderChecklist({ pinned, state: { status: "planned", requestedBy: "wes", approvals: [] } });
  const theirs = await upsertChecklistComment({
    octokit: other.asInstallation,
    owner: "acme",
    repo: "hello-service",
    issueNumber: pull.number,
    body,
    appSlug: "impostor",
  });
  const ours = await upsertChecklistComment({
    octokit: app.asInstallation,
    owner: "acme",
    repo: "hello-service",
    issueNumber: pull.number,
    body,
    appSlug: "devops-agent",
  });
  assert.equal(ours.created, true);
  assert.notEqual(ours.commentId, theirs.commentId);
  await assert.rejects(
    upsertChecklistComment({
      octokit: app.asInstallation,
      owner: "acme",
      repo: "hello-service",
      issueNumber: pull.number,
      body: "no marker",
      appSlug: "devops-agent",
    }),
    /must start with the marker/,
  );
});
