// Repositories, branches, commits, contents and git data: the twin's source of truth for files at a ref.
import { GithubError, notFound, validationFailed } from "../errors.ts";
import {
  commitFiles,
  commitsBetween,
  filesAt,
  getBlob,
  getCommit,
  getTree,
  listDirectory,
  resolveRef,
  writeBlob,
  writeCommit,
  writeTree,
} from "../git.ts";
import { paginate } from "../paginate.ts";
import { fullName, nodeId, repository, simpleUser } from "../serialize.ts";
import type { GitCommit, Repo } from "../state.ts";
import type { GithubTwin, HandlerContext, HandlerTable } from "../twin.ts";
import { signature } from "../world.ts";

const api = (ctx: HandlerContext, repo: Repo) => `${ctx.twin.url}/repos/${fullName(repo)}`;
const web = (ctx: HandlerContext, repo: Repo) => `${ctx.twin.url}/_web/${fullName(repo)}`;

function gitCommit(ctx: HandlerContext, repo: Repo, commit: GitCommit) {
  const sig = (s: GitCommit["author"]) => ({ name: s.name, email: s.email, date: s.date });
  return {
    sha: commit.sha,
    node_id: nodeId("Commit", parseInt(commit.sha.slice(0, 8), 16)),
    url: `${api(ctx, repo)}/git/commits/${commit.sha}`,
    html_url: `${web(ctx, repo)}/commit/${commit.sha}`,
    author: sig(commit.author),
    committer: sig(commit.committer),
    message: commit.message,
    tree: { sha: commit.tree, url: `${api(ctx, repo)}/git/trees/${commit.tree}` },
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${api(ctx, repo)}/git/commits/${sha}`,
      html_url: `${web(ctx, repo)}/commit/${sha}`,
    })),
    verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
  };
}

/** The REST `commit` shape (repos/get-commit, list-commits; pulls/list-commits reuses it). */
export function restCommit(ctx: HandlerContext, repo: Repo, commit: GitCommit) {
  const git = gitCommit(ctx, repo, commit);
  const user = (login: string | undefined) => (login ? simpleUser(ctx.twin, login) : null);
  return {
    url: `${api(ctx, repo)}/commits/${commit.sha}`,
    sha: commit.sha,
    node_id: git.node_id,
    html_url: git.html_url,
    comments_url: `${api(ctx, repo)}/commits/${commit.sha}/comments`,
    commit: {
      url: git.url,
      author: git.author,
      committer: git.committer,
      message: commit.message,
      comment_count: 0,
      tree: git.tree,
      verification: git.verification,
    },
    author: user(commit.author.login),
    committer: user(commit.committer.login),
    parents: git.parents,
  };
}

function gitRef(ctx: HandlerContext, repo: Repo, ref: string, sha: string) {
  return {
    ref,
    node_id: nodeId("Ref", ref.length),
    url: `${api(ctx, repo)}/git/${ref}`,
    object: { type: "commit", sha, url: `${api(ctx, repo)}/git/commits/${sha}` },
  };
}

function contentFile(ctx: HandlerContext, repo: Repo, entry: { path: string; sha: string }, ref: string) {
  const blob = getBlob(repo, entry.sha);
  const name = entry.path.split("/").pop() ?? entry.path;
  const self = `${api(ctx, repo)}/contents/${entry.path}?ref=${encodeURIComponent(ref)}`;
  const git = `${api(ctx, repo)}/git/blobs/${entry.sha}`;
  const html = `${web(ctx, repo)}/blob/${ref}/${entry.path}`;
  return {
    type: "file" as const,
    encoding: "base64",
    size: blob?.size ?? 0,
    name,
    path: entry.path,
    sha: entry.sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: `${ctx.twin.url}/_raw/${fullName(repo)}/${ref}/${entry.path}`,
    _links: { self, git, html },
    // GitHub wraps base64 at 60 characters.
    content: (blob?.content ?? "").replace(/(.{60})/g, "$1\n"),
  };
}

function commitSummary(ctx: HandlerContext, repo: Repo, sha: string) {
  const commit = getCommit(repo, sha);
  if (!commit) throw notFound();
  return gitCommit(ctx, repo, commit);
}

/**
 * What `GET /repos/{owner}/{repo}` adds to the shared repository shape, as github.com answers it (checked by
 * replaying @octokit/fixtures' get-repository): merge settings, the caller's permissions, the organization.
 */
function fullRepositoryExtras(ctx: HandlerContext, repo: Repo): Record<string, unknown> {
  const extras: Record<string, unknown> = {
    temp_clone_token: "",
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_rebase_merge: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    allow_update_branch: false,
    use_squash_pr_title_as_default: false,
  };
  if (ctx.identity.kind === "user") {
    const role = ctx.twin.roleOf(repo, ctx.identity.login);
    const rank = ["read", "triage", "write", "maintain", "admin"].indexOf(role ?? "");
    extras.permissions = {
      admin: rank >= 4,
      maintain: rank >= 3,
      push: rank >= 2,
      triage: rank >= 1,
      pull: rank >= 0,
    };
  }
  if (ctx.world.users[repo.ownerLogin.toLowerCase()]?.type === "Organization") {
    extras.organization = simpleUser(ctx.twin, repo.ownerLogin);
  }
  return extras;
}

function branchHead(repo: Repo, branch: string): string {
  const sha = repo.refs[`refs/heads/${branch}`];
  if (!sha) throw new GithubError(404, "Branch not found");
  return sha;
}

function resolveOr404(repo: Repo, ref: string): string {
  const sha = resolveRef(repo, ref);
  if (!sha) throw new GithubError(404, `No commit found for the ref ${ref}`);
  return sha;
}

function decodeContent(value: unknown): Buffer {
  if (typeof value !== "string" || !/^[A-Za-z0-9+/=\s]*$/.test(value)) {
    throw validationFailed("Commit", "content", "invalid", "content is not valid Base64");
  }
  return Buffer.from(value, "base64");
}

export function pushEvent(
  twin: GithubTwin,
  repo: Repo,
  ref: string,
  before: string | null,
  after: string,
  login: string,
) {
  repo.pushedAt = twin.now();
  twin.events.emit("push", { repoFullName: fullName(repo), ref, before, after, pusherLogin: login });
}

export const repoHandlers: HandlerTable = {
  "repos/get": (ctx) => {
    const repo = ctx.repo();
    return { status: 200, body: { ...repository(ctx.twin, repo), ...fullRepositoryExtras(ctx, repo) } };
  },

  "repos/list-branches": (ctx) => {
    const repo = ctx.repo();
    const branches = Object.entries(repo.refs)
      .filter(([ref]) => ref.startsWith("refs/heads/"))
      .map(([ref, sha]) => {
        const name = ref.slice("refs/heads/".length);
        return {
          name,
          commit: { sha, url: `${api(ctx, repo)}/commits/${sha}` },
          protected: repo.protectedBranches.includes(name),
        };
      })
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const { page, headers } = paginate(ctx, branches);
    return { status: 200, body: page, headers };
  },

  "repos/get-branch": (ctx) => {
    const repo = ctx.repo();
    const name = ctx.params.branch ?? "";
    const sha = branchHead(repo, name);
    const isProtected = repo.protectedBranches.includes(name);
    return {
      status: 200,
      body: {
        name,
        commit: restCommit(ctx, repo, getCommit(repo, sha) as GitCommit),
        _links: { html: `${web(ctx, repo)}/tree/${name}`, self: `${api(ctx, repo)}/branches/${name}` },
        protected: isProtected,
        protection: {
          enabled: isProtected,
          required_status_checks: { enforcement_level: "off", contexts: [], checks: [] },
        },
        protection_url: `${api(ctx, repo)}/branches/${name}/protection`,
      },
    };
  },

  "repos/list-commits": (ctx) => {
    const repo = ctx.repo();
    const head = resolveOr404(repo, ctx.query.get("sha") ?? repo.defaultBranch);
    const path = ctx.query.get("path");
    let commits = commitsBetween(repo, { head });
    if (path) {
      commits = commits.filter((c) => {
        const parent = c.parents[0];
        return filesAt(repo, c.sha)[path] !== (parent ? filesAt(repo, parent)[path] : undefined);
      });
    }
    const { page, headers } = paginate(
      ctx,
      commits.map((c) => restCommit(ctx, repo, c)),
    );
    return { status: 200, body: page, headers };
  },

  "repos/get-commit": (ctx) => {
    const repo = ctx.repo();
    const sha = resolveOr404(repo, ctx.params.ref ?? "");
    const commit = getCommit(repo, sha) as GitCommit;
    const now = filesAt(repo, sha);
    const before = commit.parents[0] ? filesAt(repo, commit.parents[0]) : {};
    const files = [...new Set([...Object.keys(now), ...Object.keys(before)])]
      .filter((p) => now[p] !== before[p])
      .map((filename) => ({
        sha: now[filename] ?? before[filename] ?? "",
        filename,
        status: !before[filename] ? "added" : !now[filename] ? "removed" : "modified",
        additions: 0,
        deletions: 0,
        changes: 0,
        blob_url: `${web(ctx, repo)}/blob/${sha}/${filename}`,
        raw_url: `${web(ctx, repo)}/raw/${sha}/${filename}`,
        contents_url: `${api(ctx, repo)}/contents/${filename}?ref=${sha}`,
      }));
    return {
      status: 200,
      body: { ...restCommit(ctx, repo, commit), stats: { additions: 0, deletions: 0, total: 0 }, files },
    };
  },

  "repos/get-content": (ctx) => {
    const repo = ctx.repo();
    const ref = ctx.query.get("ref") ?? repo.defaultBranch;
    const sha = resolveOr404(repo, ref);
    const path = (ctx.params.path ?? "").replace(/^\/+|\/+$/g, "");
    const blobSha = filesAt(repo, sha)[path];
    const raw = /^application\/vnd\.github(\.v3)?\.raw/.exec(ctx.accept);
    if (blobSha && raw) {
      // The raw media type answers with the file's bytes, labelled with the media type asked for.
      const blob = getBlob(repo, blobSha);
      return {
        status: 200,
        body: Buffer.from(blob?.content ?? "", "base64"),
        headers: { "content-type": `application/vnd.github${raw[1] ?? ""}.raw; charset=utf-8` },
      };
    }
    if (blobSha) return { status: 200, body: contentFile(ctx, repo, { path, sha: blobSha }, ref) };
    const entries = listDirectory(repo, sha, path);
    if (!entries) throw notFound();
    return {
      status: 200,
      body: entries.map((entry) => {
        const file = entry.type === "file" ? contentFile(ctx, repo, entry, ref) : undefined;
        const self = `${api(ctx, repo)}/contents/${entry.path}?ref=${encodeURIComponent(ref)}`;
        const git = `${api(ctx, repo)}/git/${entry.type === "file" ? "blobs" : "trees"}/${entry.sha}`;
        const html = `${web(ctx, repo)}/${entry.type === "file" ? "blob" : "tree"}/${ref}/${entry.path}`;
        return {
          type: entry.type,
          size: file?.size ?? 0,
          name: entry.name,
          path: entry.path,
          sha: entry.sha,
          url: self,
          git_url: git,
          html_url: html,
          download_url: file?.download_url ?? null,
          _links: { self, git, html },
        };
      }),
    };
  },

  "repos/create-or-update-file-contents": (ctx) => {
    const repo = ctx.repo();
    const path = (ctx.params.path ?? "").replace(/^\/+/, "");
    const branch = typeof ctx.body.branch === "string" ? ctx.body.branch : repo.defaultBranch;
    const head = branchHead(repo, branch);
    const existing = filesAt(repo, head)[path];
    if (existing && ctx.body.sha === undefined) {
      throw validationFailed("Commit", "sha", "missing_field", `"sha" wasn't supplied.`);
    }
    if (existing && ctx.body.sha !== existing) {
      throw new GithubError(409, `${path} does not match ${String(ctx.body.sha)}`);
    }
    const content = decodeContent(ctx.body.content);
    return writeFileCommit(ctx, repo, { branch, path, content, created: !existing });
  },

  "repos/delete-file": (ctx) => {
    const repo = ctx.repo();
    const path = (ctx.params.path ?? "").replace(/^\/+/, "");
    const branch = typeof ctx.body.branch === "string" ? ctx.body.branch : repo.defaultBranch;
    const head = branchHead(repo, branch);
    const existing = filesAt(repo, head)[path];
    if (!existing) throw notFound();
    if (ctx.body.sha !== existing)
      throw new GithubError(409, `${path} does not match ${String(ctx.body.sha)}`);
    return writeFileCommit(ctx, repo, { branch, path, content: null, created: false });
  },

  "git/get-ref": (ctx) => {
    const repo = ctx.repo();
    const ref = `refs/${ctx.params.ref ?? ""}`;
    const sha = repo.refs[ref];
    if (!sha) throw notFound();
    return { status: 200, body: gitRef(ctx, repo, ref, sha) };
  },

  "git/list-matching-refs": (ctx) => {
    const repo = ctx.repo();
    const prefix = `refs/${ctx.params.ref ?? ""}`;
    const refs = Object.entries(repo.refs)
      .filter(([ref]) => ref.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([ref, sha]) => gitRef(ctx, repo, ref, sha));
    return { status: 200, body: refs };
  },

  "git/create-ref": (ctx) => {
    const repo = ctx.repo();
    const ref = String(ctx.body.ref ?? "");
    const sha = String(ctx.body.sha ?? "");
    if (!/^refs\/[^/]+\/.+/.test(ref) || ref.endsWith("/") || ref.includes("..")) {
      throw new GithubError(422, `${ref} is not a valid ref name.`);
    }
    if (repo.refs[ref]) throw new GithubError(422, "Reference already exists");
    if (!getCommit(repo, sha)) throw new GithubError(422, "Object does not exist");
    const base = repo.refs[`refs/heads/${repo.defaultBranch}`];
    if (ref.startsWith("refs/heads/")) requireWorkflowsPermission(ctx, repo, { from: base, to: sha });
    repo.refs[ref] = sha;
    if (ref.startsWith("refs/heads/")) pushEvent(ctx.twin, repo, ref, null, sha, ctx.actorLogin);
    return {
      status: 201,
      body: gitRef(ctx, repo, ref, sha),
      headers: { location: `${api(ctx, repo)}/git/${ref}` },
    };
  },

  "git/update-ref": (ctx) => {
    const repo = ctx.repo();
    const ref = `refs/${ctx.params.ref ?? ""}`;
    const current = repo.refs[ref];
    if (!current) throw new GithubError(422, "Reference does not exist");
    const sha = String(ctx.body.sha ?? "");
    if (!getCommit(repo, sha)) throw new GithubError(422, "Object does not exist");
    const fastForward = commitsBetween(repo, { head: sha }).some((c) => c.sha === current);
    if (!fastForward && ctx.body.force !== true) throw new GithubError(422, "Update is not a fast forward");
    if (ref.startsWith("refs/heads/")) requireWorkflowsPermission(ctx, repo, { from: current, to: sha });
    repo.refs[ref] = sha;
    if (ref.startsWith("refs/heads/") && sha !== current)
      pushEvent(ctx.twin, repo, ref, current, sha, ctx.actorLogin);
    return { status: 200, body: gitRef(ctx, repo, ref, sha) };
  },

  "git/delete-ref": (ctx) => {
    const repo = ctx.repo();
    const ref = `refs/${ctx.params.ref ?? ""}`;
    if (!repo.refs[ref]) throw new GithubError(422, "Reference does not exist");
    delete repo.refs[ref];
    return { status: 204 };
  },

  "git/get-commit": (ctx) => {
    const repo = ctx.repo();
    const commit = getCommit(repo, ctx.params.commit_sha ?? "");
    if (!commit) throw notFound();
    return { status: 200, body: gitCommit(ctx, repo, commit) };
  },

  "git/create-commit": (ctx) => {
    const repo = ctx.repo();
    const tree = String(ctx.body.tree ?? "");
    if (!getTree(repo, tree)) throw new GithubError(422, "Tree SHA does not exist");
    const parents = (ctx.body.parents as string[] | undefined) ?? [];
    for (const parent of parents)
      if (!getCommit(repo, parent)) throw new GithubError(422, "Parent SHA does not exist");
    const who = signature(ctx.twin, ctx.actorLogin);
    const given = ctx.body.author as { name: string; email: string; date?: string } | undefined;
    const author = given ? { name: given.name, email: given.email, date: given.date ?? ctx.now() } : who;
    const sha = writeCommit(repo, {
      tree,
      parents,
      message: String(ctx.body.message ?? ""),
      author,
      committer: who,
    });
    return { status: 201, body: gitCommit(ctx, repo, getCommit(repo, sha) as GitCommit) };
  },

  "git/get-tree": (ctx) => {
    const repo = ctx.repo();
    const commitSha = resolveRef(repo, ctx.params.tree_sha ?? "");
    const treeSha = commitSha ? (getCommit(repo, commitSha)?.tree ?? "") : (ctx.params.tree_sha ?? "");
    const tree = getTree(repo, treeSha);
    if (!tree) throw notFound();
    const recursive = ctx.query.has("recursive");
    const entries = Object.entries(tree.entries)
      .filter(([path]) => recursive || !path.includes("/"))
      .map(([path, sha]) => ({
        path,
        mode: "100644",
        type: "blob",
        sha,
        size: getBlob(repo, sha)?.size ?? 0,
        url: `${api(ctx, repo)}/git/blobs/${sha}`,
      }));
    if (!recursive) {
      const dirs = new Set(
        Object.keys(tree.entries)
          .filter((p) => p.includes("/"))
          .map((p) => p.split("/")[0] as string),
      );
      for (const dir of dirs) {
        const sub = Object.fromEntries(
          Object.entries(tree.entries)
            .filter(([p]) => p.startsWith(`${dir}/`))
            .map(([p, s]) => [p.slice(dir.length + 1), s]),
        );
        const sha = writeTree(repo, sub);
        entries.push({
          path: dir,
          mode: "040000",
          type: "tree",
          sha,
          size: 0,
          url: `${api(ctx, repo)}/git/trees/${sha}`,
        });
      }
    }
    return {
      status: 200,
      body: {
        sha: tree.sha,
        url: `${api(ctx, repo)}/git/trees/${tree.sha}`,
        tree: entries,
        truncated: false,
      },
    };
  },

  "git/create-tree": (ctx) => {
    const repo = ctx.repo();
    const base = typeof ctx.body.base_tree === "string" ? getTree(repo, ctx.body.base_tree) : undefined;
    if (typeof ctx.body.base_tree === "string" && !base)
      throw new GithubError(422, "base_tree is not a valid tree");
    const entries: Record<string, string> = { ...base?.entries };
    for (const item of (ctx.body.tree as { path: string; sha?: string | null; content?: string }[]) ?? []) {
      if (item.content !== undefined) entries[item.path] = writeBlob(repo, item.content);
      else if (item.sha === null) delete entries[item.path];
      else if (item.sha && getBlob(repo, item.sha)) entries[item.path] = item.sha;
      else throw new GithubError(422, `tree.sha ${item.sha} is not a valid blob`);
    }
    const sha = writeTree(repo, entries);
    const tree = getTree(repo, sha);
    return {
      status: 201,
      body: {
        sha,
        url: `${api(ctx, repo)}/git/trees/${sha}`,
        truncated: false,
        tree: Object.entries(tree?.entries ?? {}).map(([path, blob]) => ({
          path,
          mode: "100644",
          type: "blob",
          sha: blob,
          size: getBlob(repo, blob)?.size ?? 0,
          url: `${api(ctx, repo)}/git/blobs/${blob}`,
        })),
      },
    };
  },

  "git/get-blob": (ctx) => {
    const repo = ctx.repo();
    const blob = getBlob(repo, ctx.params.file_sha ?? "");
    if (!blob) throw notFound();
    return {
      status: 200,
      body: {
        content: blob.content,
        encoding: "base64",
        url: `${api(ctx, repo)}/git/blobs/${blob.sha}`,
        sha: blob.sha,
        size: blob.size,
        node_id: nodeId("Blob", blob.size),
      },
    };
  },

  "git/create-blob": (ctx) => {
    const repo = ctx.repo();
    const encoding = ctx.body.encoding ?? "utf-8";
    const content = encoding === "base64" ? decodeContent(ctx.body.content) : String(ctx.body.content ?? "");
    const sha = writeBlob(repo, content);
    return { status: 201, body: { url: `${api(ctx, repo)}/git/blobs/${sha}`, sha } };
  },

  "repos/get-collaborator-permission-level": (ctx) => {
    const repo = ctx.repo();
    const login = ctx.params.username ?? "";
    const user = ctx.world.users[login.toLowerCase()];
    if (!user) throw notFound();
    const explicit =
      login.toLowerCase() === repo.ownerLogin.toLowerCase()
        ? "admin"
        : Object.entries(repo.collaborators).find(([l]) => l.toLowerCase() === login.toLowerCase())?.[1];
    const role = explicit ?? (repo.private ? null : "read");
    // `permission` is the legacy four-level name; `role_name` and `user.permissions` carry the real role.
    const legacy = !role
      ? "none"
      : role === "admin"
        ? "admin"
        : role === "maintain" || role === "write"
          ? "write"
          : "read";
    const rank = ["read", "triage", "write", "maintain", "admin"].indexOf(role ?? "none");
    return {
      status: 200,
      body: {
        permission: legacy,
        role_name: role ?? "none",
        user: {
          ...simpleUser(ctx.twin, user.login),
          permissions: {
            pull: rank >= 0,
            triage: rank >= 1,
            push: rank >= 2,
            maintain: rank >= 3,
            admin: rank >= 4,
          },
          role_name: role ?? "none",
        },
      },
    };
  },
};

/**
 * GitHub refuses an App or a run token moving a branch to a commit whose workflow files differ from what the
 * branch (or, for a new branch, the default branch) has, unless the token holds `workflows: write`.
 */
function requireWorkflowsPermission(
  ctx: HandlerContext,
  repo: Repo,
  change: { from: string | undefined; to: string },
) {
  if (ctx.identity.kind !== "installation" && ctx.identity.kind !== "run") return;
  if (ctx.identity.token.permissions?.workflows === "write") return;
  const workflows = (sha: string | undefined) =>
    Object.entries(sha ? filesAt(repo, sha) : {}).filter(([path]) => path.startsWith(".github/workflows/"));
  const before = new Map(workflows(change.from));
  const after = workflows(change.to);
  const changed =
    after.find(([path, blob]) => before.get(path) !== blob)?.[0] ??
    [...before.keys()].find((path) => !after.some(([p]) => p === path));
  if (changed) {
    throw new GithubError(
      403,
      `refusing to allow a GitHub App to create or update workflow \`${changed}\` without \`workflows\` permission`,
    );
  }
}

function writeFileCommit(
  ctx: HandlerContext,
  repo: Repo,
  change: { branch: string; path: string; content: Buffer | null; created: boolean },
) {
  const message = String(ctx.body.message ?? "");
  const who = signature(ctx.twin, ctx.actorLogin);
  const given = ctx.body.committer as { name: string; email: string } | undefined;
  const result = commitFiles(repo, {
    branch: change.branch,
    files: { [change.path]: change.content },
    message,
    author: given ? { ...given, date: ctx.now(), login: ctx.actorLogin } : who,
  });
  pushEvent(ctx.twin, repo, `refs/heads/${change.branch}`, result.before, result.after, ctx.actorLogin);
  const blobSha = change.content ? filesAt(repo, result.after)[change.path] : undefined;
  return {
    status: change.created ? 201 : 200,
    body: {
      content: blobSha ? contentFile(ctx, repo, { path: change.path, sha: blobSha }, change.branch) : null,
      commit: commitSummary(ctx, repo, result.after),
    },
  };
}
