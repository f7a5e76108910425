import assert from "node:assert/strict";
import { test } from "node:test";
import { createRepo, pushFiles } from "../../../src/sandbox/github/world.ts";
import { startGithubTwin } from "../../support/github-twin.ts";
import { setupApp } from "./app-helpers.ts";

test("deployment: ref resolves to its sha, production by default, statuses listed newest first", async (t) => {
  const { twin } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "acme", name: "svc" });
  const { after: featureSha } = pushFiles(twin, {
    repo: "acme/svc",
    branch: "feature",
    files: { "a.txt": "a" },
    message: "a",
    login: "acme",
  });
  const app = setupApp(twin, {
    slug: "devops-agent",
    account: "acme",
    permissions: { deployments: "write" },
  });
  const gh = app.asInstallation;
  const created = await gh.repos.createDeployment({
    owner: "acme",
    repo: "svc",
    ref: "feature",
    payload: { plan: "abc" },
    auto_merge: false,
    required_contexts: [],
  });
  assert.equal(created.status, 201);
  assert.ok("id" in created.data);
  const deployment = created.data as {
    id: number;
    sha: string;
    environment: string;
    task: string;
    payload: unknown;
    creator: { login: string } | null;
    performed_via_github_app?: { id: number } | null;
  };
  assert.equal(deployment.sha, featureSha);
  assert.equal(deployment.environment, "production");
  assert.equal(deployment.task, "deploy");
  assert.deepEqual(deployment.payload, { plan: "abc" });
  assert.equal(deployment.creator?.login, "devops-agent[bot]");
  assert.equal(deployment.performed_via_github_app?.id, app.appId);
  assert.ok(repo.environments.production, "deploying to a new environment creates it");

  const staging = await gh.repos.createDeployment({
    owner: "acme",
    repo: "svc",
    ref: "main",
    environment: "staging",
    task: "deploy:migrations",
    required_contexts: [],
  });
  const listed = await gh.repos.listDeployments({ owner: "acme", repo: "svc", environment: "production" });
  assert.deepEqual(
    listed.data.map((d) => d.id),
    [deployment.id],
  );
  const byTask = await gh.repos.listDeployments({ owner: "acme", repo: "svc", task: "deploy:migrations" });
  assert.deepEqual(
    byTask.data.map((d) => d.id),
    [(staging.data as { id: number }).id],
  );
  const bySha = await gh.repos.listDeployments({ owner: "acme", repo: "svc", sha: featureSha });
  assert.deepEqual(
    bySha.data.map((d) => d.id),
    [deployment.id],
  );

  await gh.repos.createDeploymentStatus({
    owner: "acme",
    repo: "svc",
    deployment_id: deployment.id,
    state: "in_progress",
    log_url: "http://ci/run/1",
  });
  const success = await gh.repos.createDeploymentStatus({
    owner: "acme",
    repo: "svc",
    deployment_id: deployment.id,
    state: "success",
    environment_url: "https://app.example.org",
    description: "verified",
  });
  assert.equal(success.status, 201);
  assert.equal(success.data.environment_url, "https://app.example.org");
  const statuses = await gh.repos.listDeploymentStatuses({
    owner: "acme",
    repo: "svc",
    deployment_id: deployment.id,
  });
  assert.deepEqual(
    statuses.data.map((s) => s.state),
    ["success", "in_progress"],
  );
  assert.equal(statuses.data[1]?.log_url, "http://ci/run/1");
  assert.equal(
    (await gh.repos.getDeployment({ owner: "acme", repo: "svc", deployment_id: deployment.id })).data.sha,
    featureSha,
  );
  await assert.rejects(gh.repos.getDeployment({ owner: "acme", repo: "svc", deployment_id: 999999 }), {
    status: 404,
  });
});

test("deployment: an unknown ref is 422; failing required contexts are 409 and record nothing", async (t) => {
  const { twin } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "acme", name: "svc" });
  const app = setupApp(twin, {
    slug: "devops-agent",
    account: "acme",
    permissions: { deployments: "write", checks: "write" },
  });
  const gh = app.asInstallation;
  await assert.rejects(gh.repos.createDeployment({ owner: "acme", repo: "svc", ref: "nope" }), {
    status: 422,
  });
  const head = repo.refs["refs/heads/main"] as string;
  await gh.checks.create({
    owner: "acme",
    repo: "svc",
    name: "build",
    head_sha: head,
    conclusion: "failure",
  });
  // Without required_contexts every check must have passed, as on GitHub.
  await assert.rejects(gh.repos.createDeployment({ owner: "acme", repo: "svc", ref: "main" }), {
    status: 409,
  });
  await assert.rejects(
    gh.repos.createDeployment({ owner: "acme", repo: "svc", ref: "main", required_contexts: ["build"] }),
    { status: 409 },
  );
  assert.deepEqual(repo.deployments, {});
  const ok = await gh.repos.createDeployment({
    owner: "acme",
    repo: "svc",
    ref: "main",
    required_contexts: [],
  });
  assert.equal(ok.status, 201);
});

test("deployment: a token without the deployments permission is refused", async (t) => {
  const { twin } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "acme", name: "svc" });
  const app = setupApp(twin, { slug: "devops-agent", account: "acme", permissions: { contents: "write" } });
  await assert.rejects(
    app.asInstallation.repos.createDeployment({
      owner: "acme",
      repo: "svc",
      ref: "main",
      required_contexts: [],
    }),
    { status: 403 },
  );
  assert.deepEqual(repo.deployments, {});
});

test("environments: admin creates one limited to protected branches, with its own key; policy read back", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "acme", name: "svc", collaborators: { wendy: "write" } });
  const admin = asUser("acme");
  const created = await admin.repos.createOrUpdateEnvironment({
    owner: "acme",
    repo: "svc",
    environment_name: "production",
    deployment_branch_policy: { protected_branches: true, custom_branch_policies: false },
  });
  assert.equal(created.status, 200);
  assert.deepEqual(created.data.deployment_branch_policy, {
    protected_branches: true,
    custom_branch_policies: false,
  });
  const stored = repo.environments.production;
  assert.equal(stored?.protectedBranchesOnly, true);
  assert.notEqual(stored?.secretBox.publicKey, repo.secretBox.publicKey);

  await admin.repos.createOrUpdateEnvironment({ owner: "acme", repo: "svc", environment_name: "preview" });
  const all = await admin.repos.getAllEnvironments({ owner: "acme", repo: "svc" });
  assert.equal(all.data.total_count, 2);
  assert.deepEqual(
    all.data.environments?.map((e) => [e.name, e.deployment_branch_policy]),
    [
      ["preview", null],
      ["production", { protected_branches: true, custom_branch_policies: false }],
    ],
  );
  // Lifting the policy.
  await admin.repos.createOrUpdateEnvironment({
    owner: "acme",
    repo: "svc",
    environment_name: "production",
    deployment_branch_policy: null,
  });
  assert.equal(repo.environments.production?.protectedBranchesOnly, false);
  assert.equal(
    (await admin.repos.getEnvironment({ owner: "acme", repo: "svc", environment_name: "Production" })).data
      .deployment_branch_policy,
    null,
  );

  await assert.rejects(
    admin.repos.createOrUpdateEnvironment({
      owner: "acme",
      repo: "svc",
      environment_name: "x",
      deployment_branch_policy: { protected_branches: true, custom_branch_policies: true },
    }),
    { status: 422 },
  );
  await assert.rejects(admin.repos.getEnvironment({ owner: "acme", repo: "svc", environment_name: "x" }), {
    status: 404,
  });
  // A writer may not administer environments.
  await assert.rejects(
    asUser("wendy").repos.createOrUpdateEnvironment({
      owner: "acme",
      repo: "svc",
      environment_name: "sneaky",
    }),
    { status: 403 },
  );
  assert.deepEqual(Object.keys(repo.environments).sort(), ["preview", "production"]);
});
