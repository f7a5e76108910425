import assert from "node:assert/strict";
import { test } from "node:test";
import { Octokit } from "@octokit/rest";
import { createRepo } from "../../../src/sandbox/github/world.ts";
import { startGithubTwin } from "../../support/github-twin.ts";
import { setupApp } from "./app-helpers.ts";

test("check run: created by the App on a commit, completed with output, listed by sha and branch", async (t) => {
  const { twin } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "acme", name: "svc" });
  const head = repo.refs["refs/heads/main"] as string;
  const app = setupApp(twin, { slug: "devops-agent", account: "acme", permissions: { checks: "write" } });
  const gh = app.asInstallation;
  const created = await gh.checks.create({
    owner: "acme",
    repo: "svc",
    name: "devops-agent/plan",
    head_sha: head,
    status: "in_progress",
    external_id: "plan-1",
    output: { title: "Plan", summary: "3 steps" },
  });
  assert.equal(created.status, 201);
  assert.equal(created.data.app?.id, app.appId);
  assert.equal(created.data.status, "in_progress");
  assert.equal(created.data.completed_at, null);
  assert.equal(twin.world.repos["acme/svc"]?.checkRuns[created.data.id]?.appId, app.appId);

  const done = await gh.checks.update({
    owner: "acme",
    repo: "svc",
    check_run_id: created.data.id,
    conclusion: "success",
    output: { title: "Plan", summary: "hash abc", text: "details" },
  });
  assert.equal(done.data.status, "completed");
  assert.equal(done.data.conclusion, "success");
  assert.ok(done.data.completed_at);
  assert.deepEqual(
    [done.data.output.summary, done.data.output.text, done.data.external_id],
    ["hash abc", "details", "plan-1"],
  );

  await gh.checks.create({ owner: "acme", repo: "svc", name: "other", head_sha: head });
  const bySha = await gh.checks.listForRef({
    owner: "acme",
    repo: "svc",
    ref: head,
    check_name: "devops-agent/plan",
  });
  assert.equal(bySha.data.total_count, 1);
  assert.equal(bySha.data.check_runs[0]?.output.summary, "hash abc");
  const byBranch = await gh.checks.listForRef({ owner: "acme", repo: "svc", ref: "main", status: "queued" });
  assert.deepEqual(
    byBranch.data.check_runs.map((r) => r.name),
    ["other"],
  );
  const got = await gh.checks.get({ owner: "acme", repo: "svc", check_run_id: created.data.id });
  assert.equal(got.data.conclusion, "success");
});

test("check run: head_sha must be a commit of the repository (422)", async (t) => {
  const { twin } = await startGithubTwin(t);
  createRepo(twin, { owner: "acme", name: "svc" });
  const app = setupApp(twin, { slug: "devops-agent", account: "acme", permissions: { checks: "write" } });
  await assert.rejects(
    app.asInstallation.checks.create({ owner: "acme", repo: "svc", name: "x", head_sha: "a".repeat(40) }),
    { status: 422 },
  );
  assert.deepEqual(twin.world.repos["acme/svc"]?.checkRuns, {});
});

test("check run: only the App that created it may update it; users cannot write check runs", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "acme", name: "svc" });
  const head = repo.refs["refs/heads/main"] as string;
  const appA = setupApp(twin, { slug: "devops-agent", account: "acme", permissions: { checks: "write" } });
  const appB = setupApp(twin, { slug: "impostor", account: "acme", permissions: { checks: "write" } });
  const run = await appA.asInstallation.checks.create({
    owner: "acme",
    repo: "svc",
    name: "plan",
    head_sha: head,
    output: { title: "Plan", summary: "hash abc" },
  });
  await assert.rejects(
    appB.asInstallation.checks.update({
      owner: "acme",
      repo: "svc",
      check_run_id: run.data.id,
      output: { title: "Plan", summary: "hash evil" },
    }),
    (e: { status: number; message: string }) => e.status === 403 && /Invalid app_id/.test(e.message),
  );
  const owner = asUser("acme");
  await assert.rejects(
    owner.checks.update({ owner: "acme", repo: "svc", check_run_id: run.data.id, conclusion: "success" }),
    { status: 403 },
  );
  await assert.rejects(owner.checks.create({ owner: "acme", repo: "svc", name: "plan", head_sha: head }), {
    status: 403,
  });
  const stored = twin.world.repos["acme/svc"]?.checkRuns[run.data.id];
  assert.equal(stored?.output.summary, "hash abc");
  assert.equal(stored?.status, "queued");
  assert.equal(Object.keys(twin.world.repos["acme/svc"]?.checkRuns ?? {}).length, 1);
  // Reading is fine for anyone who can read the repository.
  assert.equal(
    (await owner.checks.get({ owner: "acme", repo: "svc", check_run_id: run.data.id })).data.output.summary,
    "hash abc",
  );
});

test("check run: a token without the checks permission gets 403 creating one", async (t) => {
  const { twin } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "acme", name: "svc" });
  const app = setupApp(twin, {
    slug: "devops-agent",
    account: "acme",
    permissions: { checks: "write", contents: "read" },
  });
  const token = await app.token({ permissions: { contents: "read" } });
  const gh = new Octokit({ auth: token, baseUrl: twin.url });
  await assert.rejects(
    gh.checks.create({
      owner: "acme",
      repo: "svc",
      name: "x",
      head_sha: repo.refs["refs/heads/main"] as string,
    }),
    (e: { status: number; message: string }) =>
      e.status === 403 && /not accessible by integration/.test(e.message),
  );
  assert.deepEqual(repo.checkRuns, {});
});
