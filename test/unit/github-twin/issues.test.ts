import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualClock } from "../../../src/sandbox/clock.ts";
import type { TwinEventMap } from "../../../src/sandbox/github/events.ts";
import type { GithubTwin } from "../../../src/sandbox/github/twin.ts";
import { addApp, createRepo, installApp, pushFiles } from "../../../src/sandbox/github/world.ts";
import { commentAs, openIssue, openPullRequest } from "../../../src/sandbox/github/world-pulls.ts";
import { startGithubTwin } from "../../support/github-twin.ts";

const repo = { owner: "alice", repo: "svc" };

function record<K extends keyof TwinEventMap>(twin: GithubTwin, name: K): TwinEventMap[K][] {
  const seen: TwinEventMap[K][] = [];
  twin.events.on(name, (event) => seen.push(event));
  return seen;
}

test("issues: create answers 201 with Location, get 200, an unknown number 404; opened and labeled are emitted", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const gh = asUser("alice");
  createRepo(twin, { owner: "alice", name: "svc" });
  const events = record(twin, "issues");
  // What a listener (the webhook builder) sees when `opened` fires: the issue form's labels are already on it.
  const labelsWhenOpened: string[][] = [];
  twin.events.on("issues", (e) => {
    if (e.action === "opened")
      labelsWhenOpened.push([...(twin.repoByName("alice/svc")?.issues[e.number]?.labels ?? [])]);
  });
  const created = await gh.issues.create({
    ...repo,
    title: "Domain please",
    body: "app.example.com",
    labels: ["devops:domain"],
  });
  assert.equal(created.status, 201);
  assert.equal(created.headers.location, created.data.url);
  assert.equal(created.data.number, 1);
  assert.equal(created.data.user?.login, "alice");
  assert.equal(created.data.author_association, "OWNER");
  assert.deepEqual(
    created.data.labels.map((l) => (typeof l === "string" ? l : l.name)),
    ["devops:domain"],
  );
  assert.deepEqual(
    events.map((e) => [e.action, e.number, e.label]),
    [
      ["opened", 1, undefined],
      ["labeled", 1, "devops:domain"],
    ],
  );
  assert.deepEqual(labelsWhenOpened, [["devops:domain"]]);
  const got = await gh.issues.get({ ...repo, issue_number: 1 });
  assert.equal(got.data.title, "Domain please");
  assert.equal(got.data.state, "open");
  assert.equal(got.data.pull_request, undefined);
  await assert.rejects(gh.issues.get({ ...repo, issue_number: 99 }), { status: 404 });
});

test("issues: a reader's labels are silently dropped, as GitHub does for users without push access", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  createRepo(twin, { owner: "alice", name: "svc", private: false });
  const created = await asUser("rita").issues.create({ ...repo, title: "bug", labels: ["bug"] });
  assert.deepEqual(created.data.labels, []);
  assert.equal(created.data.author_association, "NONE");
  assert.equal(twin.repoByName("alice/svc")?.labels.bug, undefined);
});

test("issues: 10 issues at per_page=3 make 4 pages linked by Link, and octokit.paginate collects all", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const gh = asUser("alice");
  createRepo(twin, { owner: "alice", name: "svc" });
  for (let n = 1; n <= 10; n++) await gh.issues.create({ ...repo, title: `issue ${n}` });
  const first = await gh.issues.listForRepo({ ...repo, per_page: 3 });
  assert.deepEqual(
    first.data.map((i) => i.number),
    [10, 9, 8],
  );
  const link = first.headers.link ?? "";
  assert.match(link, /[?&]page=2[^>]*>; rel="next"/);
  assert.match(link, /[?&]page=4[^>]*>; rel="last"/);
  const last = await gh.issues.listForRepo({ ...repo, per_page: 3, page: 4 });
  assert.deepEqual(
    last.data.map((i) => i.number),
    [1],
  );
  assert.doesNotMatch(last.headers.link ?? "", /rel="next"/);
  const all = await gh.paginate(gh.issues.listForRepo, { ...repo, per_page: 3 });
  assert.deepEqual(
    all.map((i) => i.number),
    [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
  );
  const ascending = await gh.issues.listForRepo({ ...repo, per_page: 2, direction: "asc" });
  assert.deepEqual(
    ascending.data.map((i) => i.number),
    [1, 2],
  );
});

test("issues: state and labels filters; pull requests are listed with a pull_request key", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const gh = asUser("alice");
  createRepo(twin, { owner: "alice", name: "svc" });
  await gh.issues.create({ ...repo, title: "a", labels: ["bug"] });
  await gh.issues.create({ ...repo, title: "b", labels: ["bug", "p1"] });
  await gh.issues.create({ ...repo, title: "c" });
  pushFiles(twin, {
    repo: "alice/svc",
    branch: "feature",
    files: { "x.txt": "x" },
    message: "x",
    login: "alice",
  });
  openPullRequest(twin, { repo: "alice/svc", head: "feature", title: "the PR", login: "alice" });
  const closed = await gh.issues.update({ ...repo, issue_number: 1, state: "closed" });
  assert.equal(closed.data.state, "closed");
  assert.equal(closed.data.state_reason, "completed");
  assert.ok(closed.data.closed_at);

  const open = await gh.issues.listForRepo(repo);
  assert.deepEqual(
    open.data.map((i) => [i.number, Boolean(i.pull_request)]),
    [
      [4, true],
      [3, false],
      [2, false],
    ],
  );
  assert.match(open.data[0]?.pull_request?.url ?? "", /\/repos\/alice\/svc\/pulls\/4$/);
  const bugs = await gh.issues.listForRepo({ ...repo, state: "all", labels: "bug" });
  assert.deepEqual(
    bugs.data.map((i) => i.number),
    [2, 1],
  );
  const both = await gh.issues.listForRepo({ ...repo, state: "all", labels: "BUG,p1" });
  assert.deepEqual(
    both.data.map((i) => i.number),
    [2],
  );
  const closedOnly = await gh.issues.listForRepo({ ...repo, state: "closed" });
  assert.deepEqual(
    closedOnly.data.map((i) => i.number),
    [1],
  );
});

test("issues: update edits title/body, replaces labels and closes, emitting edited, labeled, unlabeled, closed", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const gh = asUser("alice");
  createRepo(twin, { owner: "alice", name: "svc" });
  await gh.issues.create({ ...repo, title: "old", labels: ["a", "b"] });
  const events = record(twin, "issues");
  const updated = await gh.issues.update({
    ...repo,
    issue_number: 1,
    title: "new",
    body: "text",
    labels: ["b", "c"],
    state: "closed",
  });
  assert.equal(updated.data.title, "new");
  assert.equal(updated.data.body, "text");
  assert.deepEqual(
    updated.data.labels.map((l) => (typeof l === "string" ? l : l.name)),
    ["b", "c"],
  );
  assert.deepEqual(
    events.map((e) => [e.action, e.label]),
    [
      ["edited", undefined],
      ["unlabeled", "a"],
      ["labeled", "c"],
      ["closed", undefined],
    ],
  );
  const reopened = await gh.issues.update({ ...repo, issue_number: 1, state: "open" });
  assert.equal(reopened.data.state, "open");
  assert.equal(reopened.data.closed_at, null);
  assert.equal(events.at(-1)?.action, "reopened");
});

test("comments: created_at/updated_at, edits bump updated_at and carry the previous body, since filters, delete is 204", async (t) => {
  const clock = new ManualClock("2026-03-01T10:00:00Z");
  const { twin, asUser } = await startGithubTwin(t, { clock });
  const gh = asUser("alice");
  createRepo(twin, { owner: "alice", name: "svc" });
  await gh.issues.create({ ...repo, title: "thread" });
  const events = record(twin, "issue_comment");

  const first = await gh.issues.createComment({ ...repo, issue_number: 1, body: "/devops deploy" });
  assert.equal(first.status, 201);
  assert.equal(first.headers.location, first.data.url);
  assert.equal(first.data.created_at, "2026-03-01T10:00:00Z");
  assert.equal(first.data.updated_at, "2026-03-01T10:00:00Z");
  assert.equal(first.data.user?.login, "alice");
  assert.equal(first.data.performed_via_github_app, null);
  clock.advance(60_000);
  const second = await gh.issues.createComment({ ...repo, issue_number: 1, body: "second" });
  clock.advance(60_000);

  const edited = await gh.issues.updateComment({ ...repo, comment_id: first.data.id, body: "/devops plan" });
  assert.equal(edited.data.body, "/devops plan");
  assert.equal(edited.data.created_at, "2026-03-01T10:00:00Z");
  assert.equal(edited.data.updated_at, "2026-03-01T10:02:00Z");
  assert.deepEqual(
    events.map((e) => [e.action, e.commentId, e.previousBody]),
    [
      ["created", first.data.id, undefined],
      ["created", second.data.id, undefined],
      ["edited", first.data.id, "/devops deploy"],
    ],
  );

  const all = await gh.issues.listComments({ ...repo, issue_number: 1 });
  assert.deepEqual(
    all.data.map((c) => c.body),
    ["/devops plan", "second"],
  );
  const recent = await gh.issues.listComments({ ...repo, issue_number: 1, since: "2026-03-01T10:01:30Z" });
  assert.deepEqual(
    recent.data.map((c) => c.id),
    [first.data.id],
  );
  const issue = await gh.issues.get({ ...repo, issue_number: 1 });
  assert.equal(issue.data.comments, 2);

  // The `deleted` event fires while the comment can still be read (its webhook carries it).
  let bodyWhenDeleted: string | undefined;
  twin.events.on("issue_comment", (e) => {
    if (e.action === "deleted") bodyWhenDeleted = twin.repoByName("alice/svc")?.comments[e.commentId]?.body;
  });
  const removed = await gh.issues.deleteComment({ ...repo, comment_id: second.data.id });
  assert.equal(bodyWhenDeleted, "second");
  assert.equal(removed.status, 204);
  await assert.rejects(gh.issues.getComment({ ...repo, comment_id: second.data.id }), { status: 404 });
  assert.equal(events.at(-1)?.action, "deleted");
});

test("comments: 10 comments page by 3 with Link headers", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const gh = asUser("alice");
  createRepo(twin, { owner: "alice", name: "svc" });
  await gh.issues.create({ ...repo, title: "busy" });
  for (let n = 1; n <= 10; n++) await gh.issues.createComment({ ...repo, issue_number: 1, body: `c${n}` });
  const first = await gh.issues.listComments({ ...repo, issue_number: 1, per_page: 3 });
  assert.match(first.headers.link ?? "", /[?&]page=4[^>]*>; rel="last"/);
  const all = await gh.paginate(gh.issues.listComments, { ...repo, issue_number: 1, per_page: 3 });
  assert.deepEqual(
    all.map((c) => c.body),
    ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10"],
  );
});

test("comments: an App's comment through an installation token names the bot and performed_via_github_app", async (t) => {
  const { twin, octokit } = await startGithubTwin(t);
  createRepo(twin, { owner: "alice", name: "svc" });
  const app = addApp(twin, {
    slug: "devops-agent",
    ownerLogin: "alice",
    publicKeyPem: "unused: this test authenticates with an installation token",
    webhookSecret: "s",
    permissions: { issues: "write", metadata: "read" },
    events: ["issue_comment"],
  });
  const installation = installApp(twin, { appId: app.id, account: "alice", repositories: "all" });
  const token = twin.issueToken({
    kind: "installation",
    installationId: installation.id,
    permissions: installation.permissions,
    prefix: "ghs",
    ttlMs: 3600_000,
  });
  const bot = octokit(token.token);
  await bot.issues.create({ ...repo, title: "from the app" });
  const comment = await bot.issues.createComment({ ...repo, issue_number: 1, body: "plan ready" });
  assert.equal(comment.data.user?.login, "devops-agent[bot]");
  assert.equal(comment.data.user?.type, "Bot");
  assert.equal(comment.data.performed_via_github_app?.id, app.id);
  assert.equal(comment.data.performed_via_github_app?.slug, "devops-agent");
  assert.equal(twin.repoByName("alice/svc")?.comments[comment.data.id]?.appId, app.id);
  const listed = await bot.issues.listComments({ ...repo, issue_number: 1 });
  assert.equal(listed.data[0]?.performed_via_github_app?.id, app.id);
});

test("labels: create 201; a duplicate name (any case) is GitHub's 422 already_exists; a bad color is 422 invalid", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const gh = asUser("alice");
  createRepo(twin, { owner: "alice", name: "svc" });
  const created = await gh.issues.createLabel({
    ...repo,
    name: "devops:domain",
    color: "#0E8A16",
    description: "DNS",
  });
  assert.equal(created.status, 201);
  assert.equal(created.data.color, "0e8a16");
  assert.equal(created.data.default, false);
  assert.equal(created.headers.location, created.data.url);
  await assert.rejects(
    gh.issues.createLabel({ ...repo, name: "DevOps:Domain", color: "ffffff" }),
    (error: { status: number; response: { data: { message: string; errors: unknown } } }) => {
      assert.equal(error.status, 422);
      assert.equal(error.response.data.message, "Validation Failed");
      assert.deepEqual(error.response.data.errors, [
        { resource: "Label", field: "name", code: "already_exists" },
      ]);
      return true;
    },
  );
  // The exchange @octokit/fixtures recorded from GitHub (scenarios/api.github.com/errors).
  await assert.rejects(
    gh.issues.createLabel({ ...repo, name: "foo", color: "invalid" }),
    (error: { status: number; response: { data: { errors: unknown } } }) => {
      assert.equal(error.status, 422);
      assert.deepEqual(error.response.data.errors, [{ resource: "Label", code: "invalid", field: "color" }]);
      return true;
    },
  );
  const got = await gh.issues.getLabel({ ...repo, name: "DEVOPS:DOMAIN" });
  assert.equal(got.data.id, created.data.id);
  await assert.rejects(gh.issues.getLabel({ ...repo, name: "nope" }), { status: 404 });
});

test("labels: rename follows onto issues, delete detaches them; list is by name", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const gh = asUser("alice");
  createRepo(twin, { owner: "alice", name: "svc" });
  await gh.issues.createLabel({ ...repo, name: "zeta", color: "000000" });
  await gh.issues.createLabel({ ...repo, name: "Alpha", color: "111111" });
  await gh.issues.create({ ...repo, title: "x", labels: ["zeta"] });
  const renamed = await gh.issues.updateLabel({ ...repo, name: "zeta", new_name: "beta", color: "222222" });
  assert.equal(renamed.data.name, "beta");
  assert.equal(renamed.data.color, "222222");
  const onIssue = await gh.issues.listLabelsOnIssue({ ...repo, issue_number: 1 });
  assert.deepEqual(
    onIssue.data.map((l) => l.name),
    ["beta"],
  );
  const listed = await gh.issues.listLabelsForRepo(repo);
  assert.deepEqual(
    listed.data.map((l) => l.name),
    ["Alpha", "beta"],
  );
  const deleted = await gh.issues.deleteLabel({ ...repo, name: "beta" });
  assert.equal(deleted.status, 204);
  assert.deepEqual((await gh.issues.listLabelsOnIssue({ ...repo, issue_number: 1 })).data, []);
});

test("labels on an issue: add creates missing labels and returns the set; remove returns the rest, 404 when absent", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const gh = asUser("alice");
  createRepo(twin, { owner: "alice", name: "svc" });
  await gh.issues.createLabel({ ...repo, name: "bug", color: "d73a4a" });
  await gh.issues.create({ ...repo, title: "x" });
  const events = record(twin, "issues");
  const added = await gh.issues.addLabels({ ...repo, issue_number: 1, labels: ["BUG", "devops:domain"] });
  assert.equal(added.status, 200);
  assert.deepEqual(
    added.data.map((l) => [l.name, l.color]),
    [
      ["bug", "d73a4a"],
      ["devops:domain", "ededed"],
    ],
  );
  const again = await gh.issues.addLabels({ ...repo, issue_number: 1, labels: ["bug"] });
  assert.equal(again.data.length, 2);
  assert.deepEqual(
    events.map((e) => [e.action, e.label]),
    [
      ["labeled", "bug"],
      ["labeled", "devops:domain"],
    ],
  );
  const rest = await gh.issues.removeLabel({ ...repo, issue_number: 1, name: "Bug" });
  assert.deepEqual(
    rest.data.map((l) => l.name),
    ["devops:domain"],
  );
  assert.deepEqual(events.at(-1), {
    action: "unlabeled",
    repoFullName: "alice/svc",
    number: 1,
    senderLogin: "alice",
    label: "bug",
  });
  await assert.rejects(gh.issues.removeLabel({ ...repo, issue_number: 1, name: "bug" }), { status: 404 });
  // The repository label survives removal from the issue.
  assert.equal((await gh.issues.getLabel({ ...repo, name: "bug" })).status, 200);
});

test("world-pulls: openIssue and commentAs act as a person through the same events as the API", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  createRepo(twin, { owner: "alice", name: "svc" });
  const issues = record(twin, "issues");
  const comments = record(twin, "issue_comment");
  const issue = openIssue(twin, {
    repo: "alice/svc",
    title: "Domain",
    labels: ["devops:domain"],
    login: "alice",
  });
  const comment = commentAs(twin, { repo: "alice/svc", number: issue.number, body: "hello", login: "bob" });
  assert.deepEqual(
    issues.map((e) => [e.action, e.label]),
    [
      ["opened", undefined],
      ["labeled", "devops:domain"],
    ],
  );
  assert.deepEqual(comments, [
    {
      action: "created",
      repoFullName: "alice/svc",
      issueNumber: issue.number,
      commentId: comment.id,
      senderLogin: "bob",
    },
  ]);
  const listed = await asUser("alice").issues.listComments({ ...repo, issue_number: issue.number });
  assert.deepEqual(
    listed.data.map((c) => [c.user?.login, c.body]),
    [["bob", "hello"]],
  );
});
