// End to end: installing the App opens exactly one onboarding PR (all files in one commit on the onboarding
// branch), again and again it stays one, and once merged the generated dispatch workflow runs our real,
// bundled Action in the twin's runner. Real Probot, signed webhooks, the twin's REST API; nothing mocked.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { parse } from "yaml";
import { devopsAgentApp } from "../../src/app/app.ts";
import {
  BUILD_WORKFLOW_PATH,
  DISPATCH_WORKFLOW_PATH,
  DOMAIN_FORM_PATH,
  ONBOARDING_BRANCH,
} from "../../src/app/names.ts";
import { type OnboardingOctokit, openOnboardingPr } from "../../src/app/onboarding/open-pr.ts";
import { DEPLOY_SCHEMA_PATH, POLICY_SCHEMA_PATH } from "../../src/config/json-schema.ts";
import { parseDeployConfig } from "../../src/config/load.ts";
import { CONFIG_PATH, POLICY_PATH } from "../../src/config/schema.ts";
import { filesAt, getCommit, readFileAt } from "../../src/sandbox/github/git.ts";
import type { Repo } from "../../src/sandbox/github/state.ts";
import type { GithubTwin } from "../../src/sandbox/github/twin.ts";
import { addUser, createRepo, installApp, pushFiles } from "../../src/sandbox/github/world.ts";
import { sampleFiles } from "../../src/sandbox/sandbox.ts";
import { installAppOnTwin } from "../support/app-on-twin.ts";
import { startGithubTwin, type TwinHarness } from "../support/github-twin.ts";

const OWNER = "acme";
const REPO = "hello-service";
const ONBOARDING_FILES = [
  CONFIG_PATH,
  DEPLOY_SCHEMA_PATH,
  POLICY_PATH,
  POLICY_SCHEMA_PATH,
  DISPATCH_WORKFLOW_PATH,
  BUILD_WORKFLOW_PATH,
  DOMAIN_FORM_PATH,
].sort();

interface World {
  harness: TwinHarness;
  twin: GithubTwin;
  repo: Repo;
  appId: number;
  installationOctokit(): Promise<OnboardingOctokit>;
}

/** The sandbox's shape: org acme, acme/hello-service from the sample app, maya (maintain), the App behind Probot. */
async function world(t: TestContext, options: { files?: Record<string, string> } = {}): Promise<World> {
  const harness = await startGithubTwin(t);
  const { twin } = harness;
  addUser(twin, { login: OWNER, type: "Organization" });
  addUser(twin, { login: "maya" });
  const repo = createRepo(twin, {
    owner: OWNER,
    name: REPO,
    files: options.files ?? sampleFiles(),
    collaborators: { maya: "maintain" },
  });
  const { app, probot } = await installAppOnTwin(t, twin, {
    app: devopsAgentApp,
    account: OWNER,
    repositories: [REPO],
    permissions: {
      metadata: "read",
      contents: "write",
      issues: "write",
      pull_requests: "write",
      checks: "write",
      actions: "write",
      workflows: "write",
    },
    events: ["installation", "issue_comment", "pull_request"],
  });
  await twin.settled();
  return {
    harness,
    twin,
    repo,
    appId: app.id,
    async installationOctokit() {
      const installation = Object.values(twin.world.installations).find((i) => i.appId === app.id);
      assert.ok(installation);
      return (await probot.auth(installation.id)) as OnboardingOctokit;
    },
  };
}

const onboardingPulls = (repo: Repo) =>
  Object.values(repo.issues).filter((i) => i.pull?.headRef === ONBOARDING_BRANCH);

test("installing the App opens one onboarding PR: every file in one commit on the onboarding branch", async (t) => {
  const { twin, repo } = await world(t);
  const pulls = onboardingPulls(repo);
  assert.equal(pulls.length, 1);
  const [pull] = pulls;
  assert.ok(pull?.pull);
  assert.equal(pull.state, "open");
  assert.equal(pull.title, "Set up devops-agent");
  assert.equal(pull.userLogin, "devops-agent[bot]");
  assert.equal(pull.pull.baseRef, "main");
  assert.match(pull.body ?? "", /- \[ \] Create the `production` Environment limited to the default branch/);

  // One commit on top of main holds exactly the onboarding files.
  const head = repo.refs[`refs/heads/${ONBOARDING_BRANCH}`];
  const main = repo.refs["refs/heads/main"];
  assert.ok(head && main);
  assert.equal(pull.pull.headSha, head);
  const commit = getCommit(repo, head);
  assert.deepEqual(commit?.parents, [main]);
  const before = filesAt(repo, main);
  const after = filesAt(repo, head);
  const changed = Object.keys(after)
    .filter((path) => after[path] !== before[path])
    .sort();
  assert.deepEqual(changed, ONBOARDING_FILES);
  const read = (path: string) => readFileAt(repo, head, path)?.toString("utf8") ?? "";
  const config = parseDeployConfig(read(CONFIG_PATH));
  assert.equal(config.app.port, 3000);
  assert.equal(config.app.image, "ghcr.io/acme/hello-service");
  assert.match(read(CONFIG_PATH), /# guess: from Dockerfile EXPOSE/);

  // Written by the App through the git data API with its installation token, as one commit.
  const ops = twin.exchanges.filter((e) => e.operationId?.startsWith("git/create-"));
  assert.deepEqual(
    ops.map((e) => [e.operationId, e.status]),
    [
      ["git/create-tree", 201],
      ["git/create-commit", 201],
      ["git/create-ref", 201],
    ],
  );
  assert.ok(twin.deliveries.some((d) => d.event === "installation" && d.status === 200));
});

test("/devops init, a second installation and a direct call leave exactly one onboarding PR", async (t) => {
  const { twin, harness, repo, appId, installationOctokit } = await world(t);
  const [first] = onboardingPulls(repo);
  assert.ok(first);
  const headBefore = repo.refs[`refs/heads/${ONBOARDING_BRANCH}`];
  // The default branch moving on does not make the open PR a reason for another one.
  pushFiles(twin, {
    repo: `${OWNER}/${REPO}`,
    branch: "main",
    files: { "NOTES.md": "x\n" },
    message: "notes",
    login: "maya",
  });

  // `/devops init` through the command router, as a maintainer would.
  await harness.asUser("maya").rest.issues.createComment({
    owner: OWNER,
    repo: REPO,
    issue_number: first.number,
    body: "/devops init",
  });
  await twin.settled();
  const replies = Object.values(repo.comments).filter((c) => c.userLogin === "devops-agent[bot]");
  assert.deepEqual(
    replies.map((c) => c.body),
    [`The onboarding pull request is already open: #${first.number}.`],
  );
  // A second installation event (the App reinstalled): the twin then delivers each event once per installation.
  installApp(twin, { appId, account: OWNER, repositories: [REPO] });
  await twin.settled();
  const logged: string[] = [];
  const result = await openOnboardingPr({
    octokit: await installationOctokit(),
    owner: OWNER,
    repo: REPO,
    log: { info: (m) => logged.push(m) },
  });
  assert.deepEqual(result, { number: first.number, created: false, reason: "open-pull-request-exists" });
  assert.match(logged.join("\n"), /already open/);
  assert.equal(onboardingPulls(repo).length, 1);
  assert.equal(repo.refs[`refs/heads/${ONBOARDING_BRANCH}`], headBefore);
  assert.equal(twin.exchanges.filter((e) => e.operationId === "pulls/create").length, 1);
});

test("a repository that already has .devops/deploy.yml gets no onboarding PR", async (t) => {
  const files = { ...sampleFiles(), [CONFIG_PATH]: "version: 1\n" };
  const { twin, repo, installationOctokit } = await world(t, { files });
  assert.equal(onboardingPulls(repo).length, 0);
  assert.equal(repo.refs[`refs/heads/${ONBOARDING_BRANCH}`], undefined);
  const result = await openOnboardingPr({
    octokit: await installationOctokit(),
    owner: OWNER,
    repo: REPO,
    log: { info: () => {} },
  });
  assert.deepEqual(result, { number: null, created: false, reason: "already-configured" });
  assert.equal(twin.exchanges.filter((e) => e.operationId?.startsWith("git/create-")).length, 0);
});

test("a repository with its own GHCR build workflow gets no build workflow in the PR", async (t) => {
  const files = {
    ...sampleFiles(),
    ".github/workflows/release.yml":
      "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker push ghcr.io/acme/hello-service:latest\n",
  };
  const { twin, harness, repo, installationOctokit } = await world(t, { files });
  const head = repo.refs[`refs/heads/${ONBOARDING_BRANCH}`];
  assert.ok(head);
  const tree = filesAt(repo, head);
  assert.ok(tree[DISPATCH_WORKFLOW_PATH]);
  assert.equal(tree[BUILD_WORKFLOW_PATH], undefined);
  assert.match(onboardingPulls(repo)[0]?.body ?? "", /already pushes to GHCR/);

  // Closed without merging, the next call opens a fresh PR, moving the leftover branch to a new commit.
  const [closed] = onboardingPulls(repo);
  assert.ok(closed);
  await harness
    .asUser("maya")
    .rest.pulls.update({ owner: OWNER, repo: REPO, pull_number: closed.number, state: "closed" });
  const again = await openOnboardingPr({
    octokit: await installationOctokit(),
    owner: OWNER,
    repo: REPO,
    log: { info: () => {} },
  });
  assert.equal(again.created, true);
  assert.notEqual(again.number, closed.number);
  assert.deepEqual(
    onboardingPulls(repo).map((p) => [p.number, p.state]),
    [
      [closed.number, "closed"],
      [again.number, "open"],
    ],
  );
  assert.ok(twin.exchanges.some((e) => e.operationId === "git/update-ref" && e.status === 200));
});

test("merged, the generated dispatch workflow runs our bundled Action in the twin: doctor names what a person must still do, plan reaches the Action", async (t) => {
  const { twin, harness, repo } = await world(t);
  const maya = harness.asUser("maya");
  const [pull] = onboardingPulls(repo);
  assert.ok(pull);
  await maya.rest.pulls.merge({ owner: OWNER, repo: REPO, pull_number: pull.number });
  await twin.settled();
  assert.equal(onboardingPulls(repo)[0]?.state, "closed");

  const workflow = filesAt(repo, repo.refs["refs/heads/main"] as string)[DISPATCH_WORKFLOW_PATH];
  assert.ok(workflow, "the dispatch workflow is on main");

  const dispatch = async (inputs: Record<string, string>) => {
    const before = new Set(Object.keys(repo.runs));
    await maya.rest.actions.createWorkflowDispatch({
      owner: OWNER,
      repo: REPO,
      workflow_id: DISPATCH_WORKFLOW_PATH.split("/").pop() as string,
      ref: "main",
      inputs,
    });
    await twin.settled();
    const runs = Object.values(repo.runs).filter((r) => !before.has(String(r.id)));
    assert.equal(runs.length, 1);
    const run = runs[0];
    assert.ok(run);
    const jobs = run.jobIds.map((id) => repo.jobs[id]);
    assert.equal(jobs.length, 1);
    const job = jobs[0];
    assert.ok(job);
    return { run, job };
  };

  // doctor: the whole contract works (environment, permissions, token, default-branch ref); it fails only on
  // what a person has yet to do, naming it: the provider secrets are not in the Environment yet.
  const doctor = await dispatch({ command: "doctor" });
  assert.equal(doctor.run.conclusion, "failure", doctor.job.log);
  assert.match(
    doctor.job.log,
    /✗ dokploy secret: DOKPLOY_API_KEY is missing: add it to the production Environment/,
  );
  assert.match(doctor.job.log, /✗ cloudflare secret: CLOUDFLARE_API_TOKEN is missing/);
  assert.equal(doctor.job.environment, "production");
  assert.match(doctor.job.log, /Run devops-agent\/devops-agent@0{40}/);
  assert.match(doctor.job.log, /✓ token: the job token reads acme\/hello-service/);
  assert.match(doctor.job.log, /✓ ref: running on the default branch \(main\)/);
  assert.match(doctor.job.log, /PullRequests: write/);
  assert.match(doctor.job.log, /Deployments: write/);
  assert.doesNotMatch(doctor.job.log, /Unsupported|Unknown permission/);
  assert.ok(repo.environments.production, "the job ran in the production Environment");

  // plan: the run reaches our Action, which needs to know where the App is (the repository variable a person
  // sets, DEVOPS_AGENT_URL) before it reads anything, and says so.
  const plan = await dispatch({
    command: "plan",
    pr: "1",
    "head-sha": "0".repeat(40),
    "plan-hash": "a".repeat(64),
  });
  assert.equal(plan.run.conclusion, "failure");
  assert.match(plan.job.log, /devops-agent plan needs the input 'app-url'/);
  assert.match(plan.job.log, / {2}command: plan/);
  assert.match(plan.job.log, / {2}head-sha: 0{40}/);

  // The issue form and the config on main read back as what they claim to be.
  const main = repo.refs["refs/heads/main"] as string;
  const form = parse(readFileAt(repo, main, DOMAIN_FORM_PATH)?.toString("utf8") ?? "") as {
    labels: string[];
  };
  assert.deepEqual(form.labels, ["devops:domain"]);
});
