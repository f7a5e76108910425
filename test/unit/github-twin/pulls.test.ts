import assert from "node:assert/strict";
import { test } from "node:test";
import type { TwinEventMap } from "../../../src/sandbox/github/events.ts";
import { filesAt, getCommit } from "../../../src/sandbox/github/git.ts";
import type { GithubTwin } from "../../../src/sandbox/github/twin.ts";
import { createRepo, pushFiles } from "../../../src/sandbox/github/world.ts";
import { openPullRequest } from "../../../src/sandbox/github/world-pulls.ts";
import { startGithubTwin } from "../../support/github-twin.ts";

const repo = { owner: "alice", repo: "svc" };

function record<K extends keyof TwinEventMap>(twin: GithubTwin, name: K): TwinEventMap[K][] {
  const seen: TwinEventMap[K][] = [];
  twin.events.on(name, (event) => seen.push(event));
  return seen;
}

function branchTip(twin: GithubTwin, branch: string): string {
  const sha = twin.repoByName("alice/svc")?.refs[`refs/heads/${branch}`];
  assert.ok(sha, `branch ${branch} exists`);
  return sha;
}

async function setup(t: Parameters<typeof startGithubTwin>[0]) {
  const harness = await startGithubTwin(t);
  createRepo(harness.twin, { owner: "alice", name: "svc", collaborators: { bob: "write" } });
  pushFiles(harness.twin, {
    repo: "alice/svc",
    branch: "feature",
    files: { "app.js": "v1\n" },
    message: "feature v1",
    login: "alice",
  });
  return { ...harness, gh: harness.asUser("alice") };
}

test("pulls: create answers 201 with head/base SHAs from the refs, commits count and mergeability; emits opened", async (t) => {
  const { twin, gh } = await setup(t);
  await gh.issues.create({ ...repo, title: "an issue takes number 1" });
  const events = record(twin, "pull_request");
  const created = await gh.pulls.create({
    ...repo,
    head: "feature",
    base: "main",
    title: "Feature",
    body: "please",
  });
  assert.equal(created.status, 201);
  assert.equal(created.headers.location, created.data.url);
  assert.equal(created.data.number, 2, "pull requests share the issue number sequence");
  assert.equal(created.data.head.sha, branchTip(twin, "feature"));
  assert.equal(created.data.base.sha, branchTip(twin, "main"));
  assert.equal(created.data.head.ref, "feature");
  assert.equal(created.data.head.label, "alice:feature");
  assert.equal(created.data.base.repo.full_name, "alice/svc");
  assert.equal(created.data.user.login, "alice");
  assert.equal(created.data.state, "open");
  assert.equal(created.data.merged, false);
  assert.equal(created.data.mergeable, true);
  assert.equal(created.data.commits, 1);
  assert.equal(created.data.changed_files, 1);
  assert.equal(created.data.additions, 1);
  assert.equal(created.data.merge_commit_sha, null);
  assert.deepEqual(events, [
    { action: "opened", repoFullName: "alice/svc", number: 2, senderLogin: "alice" },
  ]);
  const got = await gh.pulls.get({ ...repo, pull_number: 2 });
  assert.equal(got.data.title, "Feature");
  assert.equal(got.data.body, "please");
  await assert.rejects(
    gh.pulls.get({ ...repo, pull_number: 1 }),
    { status: 404 },
    "an issue is not a pull request",
  );
  // Comments on a pull request go through the issue endpoints, as on GitHub.
  const comment = await gh.issues.createComment({ ...repo, issue_number: 2, body: "/devops deploy" });
  assert.match(comment.data.html_url, /\/pull\/2#issuecomment-/);
  assert.match(comment.data.issue_url, /\/issues\/2$/);
  assert.equal((await gh.pulls.get({ ...repo, pull_number: 2 })).data.comments, 1);
});

test("pulls: 422 for a missing head branch, for head == base, and for a second PR on the same head", async (t) => {
  const { gh } = await setup(t);
  await assert.rejects(
    gh.pulls.create({ ...repo, head: "nope", base: "main", title: "x" }),
    (error: { status: number; response: { data: { errors: unknown } } }) => {
      assert.equal(error.status, 422);
      assert.deepEqual(error.response.data.errors, [
        { resource: "PullRequest", field: "head", code: "invalid" },
      ]);
      return true;
    },
  );
  await assert.rejects(
    gh.pulls.create({ ...repo, head: "main", base: "main", title: "x" }),
    (error: { status: number; response: { data: { errors: unknown } } }) => {
      assert.equal(error.status, 422);
      assert.deepEqual(error.response.data.errors, [
        { resource: "PullRequest", code: "custom", message: "No commits between main and main" },
      ]);
      return true;
    },
  );
  await gh.pulls.create({ ...repo, head: "alice:feature", base: "main", title: "first" });
  await assert.rejects(
    gh.pulls.create({ ...repo, head: "feature", base: "main", title: "again" }),
    (error: { status: number; message: string }) => {
      assert.equal(error.status, 422);
      assert.match(error.message, /A pull request already exists for alice:feature/);
      return true;
    },
  );
});

test("pulls: a push to the head branch moves head.sha and emits synchronize with before/after", async (t) => {
  const { twin, gh } = await setup(t);
  const pr = openPullRequest(twin, { repo: "alice/svc", head: "feature", title: "Feature", login: "alice" });
  const before = branchTip(twin, "feature");
  const events = record(twin, "pull_request");
  // A push by a person (git push) …
  const pushed = pushFiles(twin, {
    repo: "alice/svc",
    branch: "feature",
    files: { "app.js": "v2\n" },
    message: "v2",
    login: "bob",
  });
  // … and a push through the REST API both synchronize the pull request.
  const existing = filesAt(
    twin.repoByName("alice/svc") as NonNullable<ReturnType<GithubTwin["repoByName"]>>,
    pushed.after,
  )["app.js"];
  const viaApi = await gh.repos.createOrUpdateFileContents({
    ...repo,
    path: "app.js",
    branch: "feature",
    message: "v3",
    content: Buffer.from("v3\n").toString("base64"),
    sha: existing as string,
  });
  const after = viaApi.data.commit.sha as string;
  assert.deepEqual(events, [
    {
      action: "synchronize",
      repoFullName: "alice/svc",
      number: pr.number,
      senderLogin: "bob",
      before,
      after: pushed.after,
    },
    {
      action: "synchronize",
      repoFullName: "alice/svc",
      number: pr.number,
      senderLogin: "alice",
      before: pushed.after,
      after,
    },
  ]);
  const got = await gh.pulls.get({ ...repo, pull_number: pr.number });
  assert.equal(got.data.head.sha, after);
  assert.equal(got.data.commits, 3);
  // A push to an unrelated branch leaves the pull request alone.
  pushFiles(twin, {
    repo: "alice/svc",
    branch: "other",
    files: { "o.txt": "o" },
    message: "o",
    login: "alice",
  });
  assert.equal(events.length, 2);
});

test("pulls: list-commits names who authored each commit, oldest first", async (t) => {
  const { twin, gh } = await setup(t);
  pushFiles(twin, {
    repo: "alice/svc",
    branch: "feature",
    files: { "b.txt": "b" },
    message: "bob's change",
    login: "bob",
  });
  const pr = await gh.pulls.create({ ...repo, head: "feature", base: "main", title: "Feature" });
  const commits = await gh.pulls.listCommits({ ...repo, pull_number: pr.data.number });
  assert.deepEqual(
    commits.data.map((c) => [c.commit.message, c.author?.login]),
    [
      ["feature v1", "alice"],
      ["bob's change", "bob"],
    ],
  );
  assert.equal(commits.data[1]?.sha, pr.data.head.sha);
});

test("pulls: list filters by state, head (owner:branch) and base", async (t) => {
  const { twin, gh } = await setup(t);
  pushFiles(twin, {
    repo: "alice/svc",
    branch: "fix",
    files: { "f.txt": "f" },
    message: "fix",
    login: "alice",
  });
  pushFiles(twin, {
    repo: "alice/svc",
    branch: "release",
    files: { "r.txt": "r" },
    message: "r",
    login: "alice",
  });
  const one = openPullRequest(twin, { repo: "alice/svc", head: "feature", title: "one", login: "alice" });
  const two = openPullRequest(twin, {
    repo: "alice/svc",
    head: "fix",
    base: "release",
    title: "two",
    login: "alice",
  });
  await gh.pulls.update({ ...repo, pull_number: one.number, state: "closed" });
  const open = await gh.pulls.list(repo);
  assert.deepEqual(
    open.data.map((p) => p.number),
    [two.number],
  );
  const all = await gh.pulls.list({ ...repo, state: "all" });
  assert.deepEqual(
    all.data.map((p) => p.number),
    [two.number, one.number],
  );
  const byHead = await gh.pulls.list({ ...repo, state: "all", head: "alice:feature" });
  assert.deepEqual(
    byHead.data.map((p) => p.number),
    [one.number],
  );
  assert.deepEqual((await gh.pulls.list({ ...repo, state: "all", head: "mallory:feature" })).data, []);
  const byBase = await gh.pulls.list({ ...repo, state: "all", base: "release" });
  assert.deepEqual(
    byBase.data.map((p) => p.number),
    [two.number],
  );
});

test("pulls: update edits title/body/base and closes/reopens, emitting edited, closed, reopened", async (t) => {
  const { twin, gh } = await setup(t);
  pushFiles(twin, {
    repo: "alice/svc",
    branch: "develop",
    files: { "d.txt": "d" },
    message: "d",
    login: "alice",
    from: "main",
  });
  const pr = openPullRequest(twin, { repo: "alice/svc", head: "feature", title: "old", login: "alice" });
  const events = record(twin, "pull_request");
  const updated = await gh.pulls.update({
    ...repo,
    pull_number: pr.number,
    title: "new",
    body: "b",
    base: "develop",
  });
  assert.equal(updated.data.title, "new");
  assert.equal(updated.data.base.ref, "develop");
  assert.equal(updated.data.base.sha, branchTip(twin, "develop"));
  const closed = await gh.pulls.update({ ...repo, pull_number: pr.number, state: "closed" });
  assert.equal(closed.data.state, "closed");
  assert.ok(closed.data.closed_at);
  const reopened = await gh.pulls.update({ ...repo, pull_number: pr.number, state: "open" });
  assert.equal(reopened.data.state, "open");
  // Closing through the issues endpoint is the same state change.
  await gh.issues.update({ ...repo, issue_number: pr.number, state: "closed" });
  assert.deepEqual(
    events.map((e) => e.action),
    ["edited", "closed", "reopened", "closed"],
  );
  await assert.rejects(gh.pulls.update({ ...repo, pull_number: pr.number, base: "nope" }), { status: 422 });
});

test("pulls: merge writes a merge commit onto base with both sides, closes, emits closed and a push; 409 on a stale sha, 405 when merged", async (t) => {
  const { twin, gh } = await setup(t);
  const pr = await gh.pulls.create({ ...repo, head: "feature", base: "main", title: "Feature" });
  // The base moves on without touching the same file: still mergeable, and the merge keeps both changes.
  pushFiles(twin, {
    repo: "alice/svc",
    branch: "main",
    files: { "docs.md": "docs\n" },
    message: "docs",
    login: "bob",
  });
  const baseBefore = branchTip(twin, "main");
  await assert.rejects(gh.pulls.merge({ ...repo, pull_number: pr.data.number, sha: "0".repeat(40) }), {
    status: 409,
  });
  const prEvents = record(twin, "pull_request");
  const pushes = record(twin, "push");
  const merged = await gh.pulls.merge({ ...repo, pull_number: pr.data.number, sha: pr.data.head.sha });
  assert.equal(merged.status, 200);
  assert.equal(merged.data.merged, true);
  const tip = branchTip(twin, "main");
  assert.equal(merged.data.sha, tip);
  const state = twin.repoByName("alice/svc");
  assert.ok(state);
  const commit = getCommit(state, tip);
  assert.deepEqual(commit?.parents, [baseBefore, pr.data.head.sha]);
  assert.match(commit?.message ?? "", /^Merge pull request #1 from alice\/feature/);
  assert.deepEqual(Object.keys(filesAt(state, tip)).sort(), ["README.md", "app.js", "docs.md"]);
  assert.deepEqual(pushes, [
    {
      repoFullName: "alice/svc",
      ref: "refs/heads/main",
      before: baseBefore,
      after: tip,
      pusherLogin: "alice",
    },
  ]);
  assert.deepEqual(
    prEvents.map((e) => e.action),
    ["closed"],
  );
  const got = await gh.pulls.get({ ...repo, pull_number: pr.data.number });
  assert.equal(got.data.merged, true);
  assert.equal(got.data.state, "closed");
  assert.equal(got.data.merge_commit_sha, tip);
  assert.equal(got.data.merged_by?.login, "alice");
  assert.equal(got.data.commits, 1, "the merged PR still lists its own commits");
  const asIssue = await gh.issues.get({ ...repo, issue_number: pr.data.number });
  assert.equal(asIssue.data.pull_request?.merged_at, got.data.merged_at);
  await assert.rejects(gh.pulls.merge({ ...repo, pull_number: pr.data.number }), { status: 405 });
});

test("pulls: conflicting changes make the PR unmergeable (405); squash writes one commit with the PR's title", async (t) => {
  const { twin, gh } = await setup(t);
  pushFiles(twin, {
    repo: "alice/svc",
    branch: "clash",
    files: { "README.md": "theirs\n" },
    message: "theirs",
    login: "bob",
  });
  pushFiles(twin, {
    repo: "alice/svc",
    branch: "main",
    files: { "README.md": "ours\n" },
    message: "ours",
    login: "alice",
  });
  const clash = await gh.pulls.create({ ...repo, head: "clash", base: "main", title: "Clash" });
  assert.equal(clash.data.mergeable, false);
  assert.equal(clash.data.mergeable_state, "dirty");
  await assert.rejects(gh.pulls.merge({ ...repo, pull_number: clash.data.number }), { status: 405 });

  const pr = await gh.pulls.create({ ...repo, head: "feature", base: "main", title: "Feature" });
  const baseBefore = branchTip(twin, "main");
  const squashed = await gh.pulls.merge({ ...repo, pull_number: pr.data.number, merge_method: "squash" });
  const state = twin.repoByName("alice/svc");
  assert.ok(state);
  const commit = getCommit(state, squashed.data.sha);
  assert.deepEqual(commit?.parents, [baseBefore]);
  assert.equal(commit?.message, `Feature (#${pr.data.number})`);
  assert.equal(commit?.author.login, "alice");
});
