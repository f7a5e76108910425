// The twin delivers signed webhooks over HTTP to the real Probot server; the App answers through the twin's
// REST API with its installation token. Nothing is mocked: Probot checks the signature, routes the event and
// authenticates as the App (JWT → installation token) against the twin.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type TestContext, test } from "node:test";
import type { ApplicationFunction } from "probot";
import type { App } from "../../src/sandbox/github/state.ts";
import { signWebhook } from "../../src/sandbox/github/webhooks.ts";
import { addUser, createRepo, pushFiles } from "../../src/sandbox/github/world.ts";
import { installAppOnTwin, WEBHOOK_SECRET } from "../support/app-on-twin.ts";
import { startGithubTwin, type TwinHarness } from "../support/github-twin.ts";

interface World {
  harness: TwinHarness;
  app: App;
  webhookUrl: string;
}

/** A twin with org `acme`, repo `acme/svc`, user alice (write), and our App installed on acme behind Probot. */
async function world(
  t: TestContext,
  appFn: ApplicationFunction,
  options: { expectViolations?: boolean; events?: string[] } = {},
): Promise<World> {
  const harness = await startGithubTwin(t, { expectViolations: options.expectViolations });
  const { twin } = harness;
  addUser(twin, { login: "acme", type: "Organization" });
  addUser(twin, { login: "alice" });
  createRepo(twin, { owner: "acme", name: "svc", collaborators: { alice: "write" } });
  const { app, webhookUrl } = await installAppOnTwin(t, twin, {
    app: appFn,
    account: "acme",
    repositories: ["svc"],
    permissions: {
      issues: "write",
      pull_requests: "write",
      contents: "read",
      metadata: "read",
      actions: "read",
    },
    events: options.events ?? ["issue_comment", "issues", "pull_request", "push"],
    senderLogin: "acme",
  });
  return { harness, app, webhookUrl };
}

test("a user's comment reaches Probot as a signed issue_comment.created and the App's reply lands in the twin", async (t) => {
  const seen: { sender: string; body: string; installation: number | undefined }[] = [];
  const { harness, app } = await world(t, (probot) => {
    probot.on("issue_comment.created", async (context) => {
      seen.push({
        sender: context.payload.sender.login,
        body: context.payload.comment.body,
        installation: context.payload.installation?.id,
      });
      if (context.isBot) return;
      await context.octokit.rest.issues.createComment(
        context.issue({ body: `echo: ${context.payload.comment.body}` }),
      );
    });
  });
  const { twin } = harness;
  const alice = harness.asUser("alice");
  const issue = await alice.rest.issues.create({ owner: "acme", repo: "svc", title: "Deploy please" });
  await alice.rest.issues.createComment({
    owner: "acme",
    repo: "svc",
    issue_number: issue.data.number,
    body: "/devops help",
  });
  await twin.settled();

  const repo = twin.repoByName("acme/svc");
  assert.ok(repo);
  const comments = Object.values(repo.comments).filter((c) => c.issueNumber === issue.data.number);
  assert.deepEqual(
    comments.map((c) => [c.userLogin, c.body, c.appId]),
    [
      ["alice", "/devops help", undefined],
      ["devops-agent[bot]", "echo: /devops help", app.id],
    ],
  );
  const installation = Object.values(twin.world.installations).find((i) => i.appId === app.id);
  // The handler ran for alice's comment and again for its own (which it ignores as a bot's).
  assert.deepEqual(seen, [
    { sender: "alice", body: "/devops help", installation: installation?.id },
    { sender: "devops-agent[bot]", body: "echo: /devops help", installation: installation?.id },
  ]);
  // The App authenticated for real: its reply went through an installation token the twin issued.
  assert.ok(
    twin.exchanges.some((e) => e.operationId === "apps/create-installation-access-token" && e.status === 201),
  );
  assert.deepEqual(
    twin.deliveries.map((d) => [d.event, d.action, d.status, d.violations]),
    [
      ["installation", "created", 200, []],
      ["issues", "opened", 200, []],
      ["issue_comment", "created", 200, []],
      ["issue_comment", "created", 200, []],
    ],
  );
});

test("a delivery with a bad signature is refused and the handler does not run; the twin's own signature passes", async (t) => {
  let runs = 0;
  const { harness, webhookUrl } = await world(t, (probot) => {
    probot.on("issues.opened", () => {
      runs++;
    });
  });
  const { twin } = harness;
  await twin.settled();
  const body = JSON.stringify({
    action: "opened",
    issue: { number: 1 },
    repository: { id: 1 },
    sender: { login: "mallory" },
  });
  const post = (signature: string) =>
    fetch(webhookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": "00000000-0000-0000-0000-000000000001",
        "x-hub-signature-256": signature,
      },
      body,
    });
  const forged = await post(signWebhook("not-the-secret", body));
  assert.ok(forged.status >= 400 && forged.status < 500, `forged delivery answered ${forged.status}`);
  const unsigned = await post("sha256=");
  assert.ok(unsigned.status >= 400 && unsigned.status < 500, `unsigned delivery answered ${unsigned.status}`);
  assert.equal(runs, 0);
  // The same body signed with the App's secret is accepted: the refusals above were about the signature.
  const genuine = await post(signWebhook(WEBHOOK_SECRET, body));
  assert.equal(genuine.status, 200);
  assert.equal(runs, 1);
});

test("an edited comment arrives as issue_comment.edited with the previous body, never as created", async (t) => {
  const events: { name: string; body: string; from?: string }[] = [];
  const { harness } = await world(t, (probot) => {
    probot.on("issue_comment.created", (context) => {
      events.push({ name: "created", body: context.payload.comment.body });
    });
    probot.on("issue_comment.edited", (context) => {
      events.push({
        name: "edited",
        body: context.payload.comment.body,
        from: context.payload.changes.body?.from,
      });
    });
  });
  const alice = harness.asUser("alice");
  const issue = await alice.rest.issues.create({ owner: "acme", repo: "svc", title: "x" });
  const comment = await alice.rest.issues.createComment({
    owner: "acme",
    repo: "svc",
    issue_number: issue.data.number,
    body: "/devops plan",
  });
  await alice.rest.issues.updateComment({
    owner: "acme",
    repo: "svc",
    comment_id: comment.data.id,
    body: "/approve",
  });
  await harness.twin.settled();
  assert.deepEqual(events, [
    { name: "created", body: "/devops plan" },
    { name: "edited", body: "/approve", from: "/devops plan" },
  ]);
});

test("webhooks go only to installations covering the repository and Apps subscribed to the event", async (t) => {
  const got: string[] = [];
  const { harness } = await world(t, (probot) => {
    probot.onAny((event) => {
      got.push(`${event.name}${"action" in event.payload ? `.${String(event.payload.action)}` : ""}`);
    });
  });
  const { twin } = harness;
  const alice = harness.asUser("alice");
  // Not covered: the installation selected only acme/svc.
  createRepo(twin, { owner: "acme", name: "other", collaborators: { alice: "write" } });
  await alice.rest.issues.create({ owner: "acme", repo: "other", title: "elsewhere" });
  // Covered and subscribed.
  await alice.rest.issues.create({ owner: "acme", repo: "svc", title: "here", labels: ["bug"] });
  await twin.settled();
  assert.deepEqual(got, ["installation.created", "issues.opened", "issues.labeled"]);
  assert.equal(twin.deliveries.filter((d) => d.violations.length === 0 && d.status === 200).length, 3);
});

test("a failed delivery is recorded with its error and not retried", async (t) => {
  const { harness, app } = await world(t, () => {});
  const { twin } = harness;
  await twin.settled();
  app.webhookUrl = `${await closedPortUrl()}/api/github/webhooks`;
  await harness.asUser("alice").rest.issues.create({ owner: "acme", repo: "svc", title: "nobody listens" });
  await twin.settled();
  const failed = twin.deliveries.filter((d) => d.url === app.webhookUrl);
  assert.equal(failed.length, 1);
  assert.equal(failed[0]?.status, 0);
  assert.match(failed[0]?.error ?? "", /ECONNREFUSED/);
});

/** A loopback URL nobody listens on: a port the OS handed out and that was closed again. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

test("canary: a payload that breaks GitHub's webhook description is not delivered and is recorded", async (t) => {
  const got: string[] = [];
  const { harness } = await world(
    t,
    (probot) => {
      probot.onAny((event) => {
        got.push(event.name);
      });
    },
    { expectViolations: true },
  );
  const { twin } = harness;
  const alice = harness.asUser("alice");
  const issue = await alice.rest.issues.create({ owner: "acme", repo: "svc", title: "x" });
  await twin.settled();
  got.length = 0;
  // A comment whose body is a number: the serialiser passes it through, the webhook schema must catch it.
  const repo = twin.repoByName("acme/svc");
  assert.ok(repo);
  const id = twin.nextId();
  const now = twin.now();
  repo.comments[id] = {
    id,
    issueNumber: issue.data.number,
    userLogin: "alice",
    body: 42 as unknown as string,
    createdAt: now,
    updatedAt: now,
  };
  twin.events.emit("issue_comment", {
    action: "created",
    repoFullName: "acme/svc",
    issueNumber: issue.data.number,
    commentId: id,
    senderLogin: "alice",
  });
  await twin.settled();
  const refused = twin.deliveries.at(-1);
  assert.equal(refused?.event, "issue_comment");
  assert.equal(refused?.status, 0);
  assert.match(refused?.violations.join("\n") ?? "", /comment\/body must be string/);
  assert.deepEqual(got, []);
});

test("a dispatched workflow run is announced as workflow_run requested → in_progress → completed", async (t) => {
  const got: { action: string; status: string; conclusion: string | null; workflow: string }[] = [];
  const { harness } = await world(
    t,
    (probot) => {
      probot.on("workflow_run", (context) => {
        const run = context.payload.workflow_run;
        got.push({
          action: context.payload.action,
          status: run.status ?? "",
          conclusion: run.conclusion,
          workflow: context.payload.workflow?.path ?? "",
        });
      });
    },
    { events: ["workflow_run"] },
  );
  const { twin } = harness;
  const alice = harness.asUser("alice");
  pushFiles(twin, {
    repo: "acme/svc",
    branch: "main",
    message: "add a workflow",
    login: "alice",
    files: {
      ".github/workflows/hello.yml":
        "name: Hello\non: workflow_dispatch\njobs:\n  hello:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hello\n",
    },
  });
  await alice.rest.actions.createWorkflowDispatch({
    owner: "acme",
    repo: "svc",
    workflow_id: "hello.yml",
    ref: "main",
  });
  await twin.settled();
  assert.deepEqual(
    got.map((g) => [g.action, g.status, g.workflow]),
    [
      ["requested", "queued", ".github/workflows/hello.yml"],
      ["in_progress", "in_progress", ".github/workflows/hello.yml"],
      ["completed", "completed", ".github/workflows/hello.yml"],
    ],
  );
  assert.ok(got[2]?.conclusion, "a completed run names its conclusion");
});

test("pushes and a pull request's life arrive in order: push, opened, push + synchronize, closed, reopened", async (t) => {
  const got: string[] = [];
  const { harness } = await world(t, (probot) => {
    probot.on("push", (context) => {
      got.push(
        `push ${context.payload.ref} ${context.payload.commits.map((c) => (c.added ?? []).join(",")).join(";")}`,
      );
    });
    probot.on("pull_request", (context) => {
      const pr = context.payload.pull_request;
      got.push(
        `pull_request.${context.payload.action} #${pr.number} ${pr.state} head=${pr.head.sha.slice(0, 7)}`,
      );
    });
  });
  const { twin } = harness;
  const alice = harness.asUser("alice");
  const first = pushFiles(twin, {
    repo: "acme/svc",
    branch: "feature",
    files: { "a.txt": "a" },
    message: "a",
    login: "alice",
  });
  const pr = await alice.rest.pulls.create({
    owner: "acme",
    repo: "svc",
    head: "feature",
    base: "main",
    title: "Feature",
  });
  const second = pushFiles(twin, {
    repo: "acme/svc",
    branch: "feature",
    files: { "b.txt": "b" },
    message: "b",
    login: "alice",
  });
  const o = { owner: "acme", repo: "svc", pull_number: pr.data.number };
  await alice.rest.pulls.update({ ...o, state: "closed" });
  await alice.rest.pulls.update({ ...o, state: "open" });
  await twin.settled();
  const n = pr.data.number;
  assert.deepEqual(got, [
    "push refs/heads/feature a.txt",
    `pull_request.opened #${n} open head=${first.after.slice(0, 7)}`,
    "push refs/heads/feature b.txt",
    `pull_request.synchronize #${n} open head=${second.after.slice(0, 7)}`,
    `pull_request.closed #${n} closed head=${second.after.slice(0, 7)}`,
    `pull_request.reopened #${n} open head=${second.after.slice(0, 7)}`,
  ]);
});
