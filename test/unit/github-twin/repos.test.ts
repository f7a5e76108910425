import assert from "node:assert/strict";
import { test } from "node:test";
import { createRepo } from "../../../src/sandbox/github/world.ts";
import { startGithubTwin } from "../../support/github-twin.ts";

test("contents: create returns 201, update needs the current sha (409 when stale) and returns 200", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const gh = asUser("alice");
  createRepo(twin, { owner: "alice", name: "svc", files: { "README.md": "hello\n" } });
  const created = await gh.repos.createOrUpdateFileContents({
    owner: "alice",
    repo: "svc",
    path: "docs/a.md",
    message: "add a",
    content: Buffer.from("one").toString("base64"),
  });
  assert.equal(created.status, 201);
  const blobSha = created.data.content?.sha as string;
  await assert.rejects(
    gh.repos.createOrUpdateFileContents({
      owner: "alice",
      repo: "svc",
      path: "docs/a.md",
      message: "stale",
      content: Buffer.from("two").toString("base64"),
      sha: "0".repeat(40),
    }),
    { status: 409 },
  );
  const updated = await gh.repos.createOrUpdateFileContents({
    owner: "alice",
    repo: "svc",
    path: "docs/a.md",
    message: "update",
    content: Buffer.from("two").toString("base64"),
    sha: blobSha,
  });
  assert.equal(updated.status, 200);
  const read = await gh.repos.getContent({ owner: "alice", repo: "svc", path: "docs/a.md" });
  assert.ok(!Array.isArray(read.data) && read.data.type === "file");
  assert.equal(Buffer.from(read.data.content, "base64").toString(), "two");
  const root = await gh.repos.getContent({ owner: "alice", repo: "svc", path: "" });
  assert.deepEqual(
    (root.data as { path: string; type: string }[]).map((e) => [e.path, e.type]),
    [
      ["README.md", "file"],
      ["docs", "dir"],
    ],
  );
});

test("refs: creating an existing ref is 422; update must fast-forward unless forced", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const gh = asUser("alice");
  createRepo(twin, { owner: "alice", name: "svc" });
  const main = (await gh.git.getRef({ owner: "alice", repo: "svc", ref: "heads/main" })).data.object.sha;
  await gh.git.createRef({ owner: "alice", repo: "svc", ref: "refs/devops-agent/approvals/1", sha: main });
  await assert.rejects(
    gh.git.createRef({ owner: "alice", repo: "svc", ref: "refs/devops-agent/approvals/1", sha: main }),
    (error: { status: number; message: string }) =>
      error.status === 422 && /already exists/.test(error.message),
  );
  const tree = await gh.git.createTree({
    owner: "alice",
    repo: "svc",
    tree: [{ path: "x", mode: "100644", type: "blob", content: "x" }],
  });
  const orphan = await gh.git.createCommit({
    owner: "alice",
    repo: "svc",
    message: "orphan",
    tree: tree.data.sha,
    parents: [],
  });
  await assert.rejects(
    gh.git.updateRef({ owner: "alice", repo: "svc", ref: "heads/main", sha: orphan.data.sha }),
    {
      status: 422,
    },
  );
  await gh.git.updateRef({
    owner: "alice",
    repo: "svc",
    ref: "heads/main",
    sha: orphan.data.sha,
    force: true,
  });
  const refs = await gh.git.listMatchingRefs({ owner: "alice", repo: "svc", ref: "devops-agent/" });
  assert.deepEqual(
    refs.data.map((r) => r.ref),
    ["refs/devops-agent/approvals/1"],
  );
});

test("collaborator permission reports the role in user.permissions", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const gh = asUser("owner");
  asUser("wendy");
  asUser("mallory");
  createRepo(twin, { owner: "owner", name: "svc", collaborators: { wendy: "write" } });
  const wendy = await gh.repos.getCollaboratorPermissionLevel({
    owner: "owner",
    repo: "svc",
    username: "wendy",
  });
  assert.equal(wendy.data.role_name, "write");
  assert.deepEqual(wendy.data.user?.permissions, {
    pull: true,
    triage: true,
    push: true,
    maintain: false,
    admin: false,
  });
  const mallory = await gh.repos.getCollaboratorPermissionLevel({
    owner: "owner",
    repo: "svc",
    username: "mallory",
  });
  assert.equal(mallory.data.permission, "none");
});

test("a private repository is invisible (404) to a user without access", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  createRepo(twin, { owner: "owner", name: "secret-svc", private: true });
  await assert.rejects(asUser("stranger").repos.get({ owner: "owner", repo: "secret-svc" }), { status: 404 });
});

test("an App moving a branch to changed workflow files needs workflows: write, as GitHub requires", async (t) => {
  const { twin, octokit } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "acme", name: "svc" });
  const installationToken = (permissions: Record<string, "read" | "write">) =>
    twin.issueToken({
      kind: "run",
      runId: 1,
      repositoryIds: [repo.id],
      permissions,
      prefix: "ghs",
      ttlMs: 60_000,
    }).token;
  const base = repo.refs["refs/heads/main"] as string;
  for (const [permissions, allowed] of [
    [{ contents: "write" }, false],
    [{ contents: "write", workflows: "write" }, true],
  ] as const) {
    const gh = octokit(installationToken(permissions));
    const tree = await gh.git.createTree({
      owner: "acme",
      repo: "svc",
      base_tree: (await gh.git.getCommit({ owner: "acme", repo: "svc", commit_sha: base })).data.tree.sha,
      tree: [{ path: ".github/workflows/ci.yml", mode: "100644", type: "blob", content: "on: push\n" }],
    });
    const commit = await gh.git.createCommit({
      owner: "acme",
      repo: "svc",
      message: "ci",
      tree: tree.data.sha,
      parents: [base],
    });
    const branch = `refs/heads/ci-${allowed}`;
    const attempt = gh.git.createRef({ owner: "acme", repo: "svc", ref: branch, sha: commit.data.sha });
    if (allowed) await attempt;
    else
      await assert.rejects(
        attempt,
        (e: { status: number; message: string }) => e.status === 403 && /workflows/.test(e.message),
      );
    assert.equal(branch in repo.refs, allowed);
  }
});
