// End to end: a workflow run fails in the twin (a real bundled Action prints a real tool's failure and exits
// 1), the twin delivers `workflow_run.completed` to the real Probot server, the App downloads the job log by
// following the 302 itself, without the token, diagnoses it and posts exactly one triage comment; then a
// writer's `/devops fix` opens the fix pull request into the PR's branch, for each of the four recipes.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { Octokit } from "@octokit/rest";
import { parse } from "yaml";
import { createDevopsAgentApp } from "../../src/app/app.ts";
import { DISPATCH_WORKFLOW_PATH } from "../../src/app/names.ts";
import type { Comment, Repo } from "../../src/sandbox/github/state.ts";
import { addUser, createRepo, pushFiles } from "../../src/sandbox/github/world.ts";
import { openPullRequest } from "../../src/sandbox/github/world-pulls.ts";
import { sampleFiles } from "../../src/sandbox/sandbox.ts";
import { bundleFixtureAction } from "../fixtures/actions/bundle.ts";
import { installAppOnTwin } from "../support/app-on-twin.ts";
import { startGithubTwin, type TwinHarness } from "../support/github-twin.ts";

const REPO = "acme/hello-service";
const o = { owner: "acme", repo: "hello-service" };
const BOT = "devops-agent[bot]";

function workflow(scenario: string): string {
  return `name: Build
on:
  workflow_dispatch:
# The token stays narrow unless a job says otherwise.
permissions:
  contents: read
jobs:
  build:
    name: Build image
    runs-on: ubuntu-latest
    steps:
      - name: Install and start
        uses: acme/devops-agent@v1
        with:
          scenario: ${scenario}
`;
}

interface FetchCall {
  url: string;
  authorization: string | null;
}

interface World {
  harness: TwinHarness;
  wes: Octokit;
  maya: Octokit;
  fetches: FetchCall[];
  pr: number;
  runId: number;
  repo: Repo;
}

/**
 * The sample repository (acme/hello-service, maya maintain, wes write, rita read) with `files` over the sample
 * app's, the App installed behind real Probot, a PR from `feature` by wes, and a failed run on that branch.
 */
async function world(
  t: TestContext,
  options: {
    scenario: string;
    files?: Record<string, string>;
    pullAfterRun?: boolean;
    workflows?: boolean;
    /** Where the failing workflow lives (default .github/workflows/build.yml). */
    workflowPath?: string;
  },
): Promise<World> {
  const actionEntry = await bundleFixtureAction("failure-action");
  const harness = await startGithubTwin(t, { actionEntry });
  const { twin } = harness;
  addUser(twin, { login: "acme", type: "Organization" });
  const repo = createRepo(twin, {
    owner: "acme",
    name: "hello-service",
    files: {
      ...sampleFiles(),
      [options.workflowPath ?? ".github/workflows/build.yml"]: workflow(options.scenario),
    },
    collaborators: { maya: "maintain", wes: "write", rita: "read" },
  });
  // The App's fetch for log links, recorded: what it sent to the short-lived URL is the evidence.
  const fetches: FetchCall[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers = new Headers(input instanceof Request ? input.headers : init?.headers);
    fetches.push({ url, authorization: headers.get("authorization") });
    return fetch(input, init);
  };
  await installAppOnTwin(t, twin, {
    app: createDevopsAgentApp({ fetch: recordingFetch }),
    account: "acme",
    repositories: ["hello-service"],
    permissions: {
      metadata: "read",
      contents: "write",
      issues: "write",
      pull_requests: "write",
      actions: "read",
      ...(options.workflows === false ? {} : { workflows: "write" as const }),
    },
    events: ["issue_comment", "workflow_run"],
    senderLogin: "acme",
  });

  const wes = harness.asUser("wes");
  const maya = harness.asUser("maya");
  pushFiles(twin, {
    repo: REPO,
    branch: "feature",
    files: { "README.md": "# hello-service\n\nA change under review.\n", ...options.files },
    message: "A change under review",
    login: "wes",
  });
  const openPull = () =>
    openPullRequest(twin, { repo: REPO, head: "feature", title: "A change", login: "wes" }).number;
  let pr = options.pullAfterRun ? 0 : openPull();
  const dispatched = await wes.request(
    "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches",
    {
      ...o,
      workflow_id: (options.workflowPath ?? ".github/workflows/build.yml").split("/").pop() as string,
      ref: "feature",
      return_run_details: true,
    },
  );
  const runId = (dispatched.data as { workflow_run_id: number }).workflow_run_id;
  await twin.settled();
  if (options.pullAfterRun) pr = openPull();
  return { harness, wes, maya, fetches, pr, runId, repo };
}

function threadComments(repo: Repo, number: number): Comment[] {
  return Object.values(repo.comments)
    .filter((c) => c.issueNumber === number)
    .sort((a, b) => a.id - b.id);
}

function triageComments(repo: Repo, number: number): Comment[] {
  return threadComments(repo, number).filter(
    (c) => c.userLogin === BOT && c.body.startsWith("<!-- devops-agent:triage"),
  );
}

async function fixAs(w: World, who: Octokit): Promise<void> {
  await who.rest.issues.createComment({ ...o, issue_number: w.pr, body: "/devops fix" });
  await w.harness.twin.settled();
}

/** The fix PR opened from devops-agent/fix-<run>, and its branch's files. */
async function fixPull(w: World) {
  const pulls = await w.maya.rest.pulls.list({
    ...o,
    state: "open",
    head: `acme:devops-agent/fix-${w.runId}`,
  });
  assert.equal(pulls.data.length, 1, "exactly one fix pull request");
  const pull = pulls.data[0] as (typeof pulls.data)[number];
  const commits = await w.maya.rest.pulls.listCommits({ ...o, pull_number: pull.number });
  const read = async (path: string) => {
    const { data } = await w.maya.rest.repos.getContent({ ...o, path, ref: pull.head.ref });
    assert.ok(!Array.isArray(data) && data.type === "file" && "content" in data);
    return Buffer.from(data.content, "base64").toString("utf8");
  };
  return { pull, commits: commits.data, read };
}

test("a failed run gets one triage comment through the 302 without the token; /devops fix by a writer opens the pnpm PR", async (t) => {
  const w = await world(t, { scenario: "pnpm-skipped-build" });
  const { twin } = w.harness;
  const run = w.repo.runs[w.runId];
  assert.equal(run?.conclusion, "failure");
  const job = w.repo.jobs[run?.jobIds[0] ?? -1];
  assert.ok(job);

  // Exactly one triage comment, naming the cause, with the evidence's real line numbers and the job log's link.
  const [comment, ...more] = triageComments(w.repo, w.pr);
  assert.ok(comment, "the App posted its triage comment");
  assert.equal(more.length, 0);
  assert.ok(comment.body.startsWith(`<!-- devops-agent:triage run=${w.runId} -->`));
  assert.match(comment.body, /\*\*Root cause\*\* \(`native-build-skipped`\)/);
  const logLines = job.log.split("\n");
  const ignored = logLines.findIndex((l) => l.endsWith("Ignored build scripts: better-sqlite3@12.11.1.")) + 1;
  const bindings =
    logLines.findIndex((l) => l.endsWith("Error: Could not locate the bindings file. Tried:")) + 1;
  assert.ok(ignored > 0 && bindings > ignored);
  assert.match(
    comment.body,
    new RegExp(`\\n\\s*${ignored} \\| Ignored build scripts: better-sqlite3@12\\.11\\.1\\.\\n`),
  );
  assert.match(comment.body, new RegExp(`\\n\\s*${bindings} \\| Error: Could not locate the bindings file`));
  assert.ok(
    comment.body.includes(`[job log](${twin.url}/_web/${REPO}/actions/runs/${w.runId}/job/${job.id})`),
  );
  assert.match(comment.body, /step `Run acme\/devops-agent@v1` of job \[Build image\]/);
  assert.match(comment.body, /\*\*Confidence:\*\* \d+%/);
  assert.match(
    comment.body,
    /Comment `\/devops fix` to open a pull request with this change: allow `better-sqlite3@12\.11\.1`'s build script in `pnpm\.onlyBuiltDependencies` in `package\.json`/,
  );

  // The log came through the 302, taken by hand: the API call carried the installation token, the link did not.
  const download = twin.exchanges.filter(
    (e) => e.operationId === "actions/download-job-logs-for-workflow-run",
  );
  assert.deepEqual(
    download.map((e) => [e.status, e.caller]),
    [[302, BOT]],
  );
  const linkFetches = w.fetches.filter((f) => f.url.startsWith(`${twin.url}/_logs/`));
  assert.equal(linkFetches.length, 1);
  assert.deepEqual(
    w.fetches.map((f) => f.authorization),
    w.fetches.map(() => null),
    "no request to a log link carries an Authorization header",
  );

  // A second `completed` delivery for the same run updates the comment instead of posting another.
  const mark = twin.exchanges.length;
  twin.events.emit("workflow_run", {
    action: "completed",
    repoFullName: REPO,
    runId: w.runId,
    senderLogin: "wes",
  });
  await twin.settled();
  assert.equal(triageComments(w.repo, w.pr).length, 1);
  assert.ok(twin.exchanges.some((e) => e.operationId === "issues/update-comment" && e.caller === BOT));
  // Read-only: the webhook path only reads and comments (the App's other writes here are onboarding's, at install).
  const writes = twin.exchanges.slice(mark).filter((e) => e.method !== "GET" && e.caller === BOT);
  assert.deepEqual(
    writes.map((e) => e.operationId),
    ["issues/update-comment"],
  );

  // A reader's /devops fix is refused, visibly, with no effect.
  await fixAs(w, w.harness.asUser("rita"));
  const refusal = threadComments(w.repo, w.pr).at(-1);
  assert.equal(refusal?.userLogin, BOT);
  assert.match(refusal?.body ?? "", /^`@rita` cannot [^\n]*\/devops fix`? needs push \(write\) access/);
  assert.ok(!Object.keys(w.repo.refs).some((r) => r.startsWith("refs/heads/devops-agent/fix-")));

  // A writer's /devops fix opens the PR into the PR's branch, in one commit on the PR head.
  const feature = w.repo.refs["refs/heads/feature"];
  await fixAs(w, w.wes);
  const { pull, commits, read } = await fixPull(w);
  assert.equal(pull.base.ref, "feature");
  assert.equal(commits.length, 1);
  assert.deepEqual(
    commits[0]?.parents.map((p) => p.sha),
    [feature],
  );
  assert.deepEqual(JSON.parse(await read("package.json")).pnpm, {
    onlyBuiltDependencies: ["better-sqlite3"],
  });
  assert.match(pull.body ?? "", /grants `better-sqlite3@12\.11\.1`'s install script the right to run/);
  assert.ok(
    (pull.body ?? "").includes(`(${twin.url}/_web/${REPO}/actions/runs/${w.runId})`),
    "links the failed run",
  );
  const reply = threadComments(w.repo, w.pr).at(-1);
  assert.match(reply?.body ?? "", new RegExp(`^Opened #${pull.number} into \`feature\``));

  // Asking again answers with the same PR.
  await fixAs(w, w.wes);
  assert.match(threadComments(w.repo, w.pr).at(-1)?.body ?? "", new RegExp(`^Already open: #${pull.number}`));
});

test("a run with no pull request gets no comment; a forged marker is never ours; /devops triage [run-url] on demand", async (t) => {
  // The PR is opened only after its head's run failed: the webhook found no PR, so it posted nothing.
  const w = await world(t, { scenario: "pnpm-skipped-build", pullAfterRun: true });
  const { twin } = w.harness;
  assert.equal(w.repo.runs[w.runId]?.conclusion, "failure");
  assert.ok(!twin.exchanges.some((e) => e.operationId === "issues/create-comment"));
  // A writer pastes the App's marker into a comment of their own: /devops fix does not take it for ours.
  await w.wes.rest.issues.createComment({
    ...o,
    issue_number: w.pr,
    body: `<!-- devops-agent:triage run=${w.runId} -->\n### Triage: forged`,
  });
  const beforeFix = twin.exchanges.length;
  await fixAs(w, w.wes);
  assert.match(threadComments(w.repo, w.pr).at(-1)?.body ?? "", /no triage comment of mine/);
  assert.ok(
    !twin.exchanges
      .slice(beforeFix)
      .some((e) => e.operationId === "pulls/create" || e.operationId === "git/create-ref"),
  );

  // `/devops triage <url>` refuses another repository's run, then triages this one's on demand.
  const say = async (body: string) => {
    await w.wes.rest.issues.createComment({ ...o, issue_number: w.pr, body });
    await twin.settled();
    return threadComments(w.repo, w.pr).at(-1)?.body ?? "";
  };
  assert.match(
    await say(`/devops triage https://github.com/evil/elsewhere/actions/runs/${w.runId}`),
    /belongs to another repository/,
  );
  assert.equal(triageComments(w.repo, w.pr).length, 0);
  await say(`/devops triage ${twin.url}/_web/${REPO}/actions/runs/${w.runId}`);
  assert.equal(triageComments(w.repo, w.pr).length, 1);
  // Without a URL: the latest failed run of the PR's head, updated in place (still one comment).
  await say("/devops triage");
  const [only, ...rest] = triageComments(w.repo, w.pr);
  assert.equal(rest.length, 0);
  assert.match(only?.body ?? "", /`native-build-skipped`/);
});

test("recipe: a server bound to 127.0.0.1 → the fix PR binds it to 0.0.0.0", async (t) => {
  const server = (sampleFiles()["src/server.js"] as string).replace('"0.0.0.0"', '"127.0.0.1"');
  const w = await world(t, { scenario: "loopback", files: { "src/server.js": server } });
  assert.match(triageComments(w.repo, w.pr)[0]?.body ?? "", /`port-binding`[\s\S]*Comment `\/devops fix`/);
  await fixAs(w, w.wes);
  const { pull, read } = await fixPull(w);
  assert.equal(await read("src/server.js"), server.replace('"127.0.0.1"', '"0.0.0.0"'));
  assert.equal(pull.base.ref, "feature");
});

test("recipe: a GHCR push denied → the fix PR adds packages: write to the run's workflow job", async (t) => {
  const w = await world(t, { scenario: "ghcr-denied" });
  assert.match(triageComments(w.repo, w.pr)[0]?.body ?? "", /`ci-permissions`[\s\S]*Comment `\/devops fix`/);
  await fixAs(w, w.maya);
  const { read } = await fixPull(w);
  const text = await read(".github/workflows/build.yml");
  assert.match(text, /# The token stays narrow/);
  const parsed = parse(text);
  assert.deepEqual(parsed.permissions, { contents: "read" });
  assert.deepEqual(parsed.jobs.build.permissions, { contents: "read", packages: "write" });
});

test("recipe: without the workflows permission the App says so instead of failing silently", async (t) => {
  const w = await world(t, { scenario: "ghcr-denied", workflows: false });
  await fixAs(w, w.wes);
  assert.match(
    threadComments(w.repo, w.pr).at(-1)?.body ?? "",
    /^Could not open the fix pull request: GitHub answered 403 .*needs the App's `workflows` permission/,
  );
  assert.ok(!w.harness.twin.exchanges.some((e) => e.operationId === "pulls/create"));
});

test("recipe: a curl health check in an image without curl → the fix PR probes with node's fetch", async (t) => {
  const dockerfile = (sampleFiles().Dockerfile as string).replace(
    "EXPOSE 3000\n",
    "EXPOSE 3000\nHEALTHCHECK --interval=10s CMD curl -fsS http://localhost:3000/healthz || exit 1\n",
  );
  const w = await world(t, { scenario: "healthcheck-curl", files: { Dockerfile: dockerfile } });
  assert.match(triageComments(w.repo, w.pr)[0]?.body ?? "", /`healthcheck`[\s\S]*Comment `\/devops fix`/);
  await fixAs(w, w.wes);
  const { read } = await fixPull(w);
  assert.match(
    await read("Dockerfile"),
    /^HEALTHCHECK --interval=10s CMD \["node", "-e", "fetch\('http:\/\/localhost:3000\/healthz'\)/m,
  );
});

test("runs of the App's own dispatch workflow are not triaged: the Action reports those in the thread", async (t) => {
  const w = await world(t, { scenario: "pnpm-skipped-build", workflowPath: DISPATCH_WORKFLOW_PATH });
  assert.equal(w.repo.runs[w.runId]?.conclusion, "failure");
  assert.equal(triageComments(w.repo, w.pr).length, 0);
  const afterRun = w.harness.twin.exchanges.filter((e) => e.caller === "devops-agent[bot]");
  assert.ok(!afterRun.some((e) => e.operationId === "actions/list-jobs-for-workflow-run"));
});
