// Pull requests: issues with `pull` set. Head and base SHAs come from the refs; a push to the head branch
// synchronizes every open pull request on it; merging writes a real commit onto the base branch.
import { GithubError, notFound, validationFailed } from "../errors.ts";
import { commitsBetween, filesAt, getCommit, readFileAt, writeCommit, writeTree } from "../git.ts";
import { paginate } from "../paginate.ts";
import { fullName, nodeId, repository, simpleUser } from "../serialize.ts";
import type { GitCommit, Issue, PullData, Repo } from "../state.ts";
import type { GithubTwin, HandlerContext, HandlerTable } from "../twin.ts";
import { signature } from "../world.ts";
import {
  authorAssociation,
  commentCount,
  findIssue,
  issueLabels,
  labelJson,
  newIssue,
  setIssueState,
} from "./issues.ts";
import { pushEvent, restCommit } from "./repos.ts";

const apiOf = (twin: GithubTwin, repo: Repo) => `${twin.url}/repos/${fullName(repo)}`;
const webOf = (twin: GithubTwin, repo: Repo) => `${twin.url}/_web/${fullName(repo)}`;

function pullOf(issue: Issue): PullData {
  if (!issue.pull) throw notFound();
  return issue.pull;
}

/** The commit both sides share, found by walking back from `a` to the first commit `b` can reach. */
function mergeBase(repo: Repo, a: string, b: string): string | undefined {
  const reachable = new Set(commitsBetween(repo, { head: b }).map((c) => c.sha));
  return commitsBetween(repo, { head: a }).find((c) => reachable.has(c.sha))?.sha;
}

/** A file-level three-way merge; null when both sides changed the same path differently. */
function mergeFiles(
  repo: Repo,
  shas: { base: string | undefined; ours: string; theirs: string },
): Record<string, string> | null {
  const base = shas.base ? filesAt(repo, shas.base) : {};
  const ours = filesAt(repo, shas.ours);
  const theirs = filesAt(repo, shas.theirs);
  const merged: Record<string, string> = {};
  for (const path of new Set([...Object.keys(base), ...Object.keys(ours), ...Object.keys(theirs)])) {
    const [b, o, t] = [base[path], ours[path], theirs[path]];
    const pick = o === t || t === b ? o : o === b ? t : null;
    if (pick === null) return null;
    if (pick !== undefined) merged[path] = pick;
  }
  return merged;
}

/** The tip the pull request is compared against: the live base branch while open, the recorded one after. */
function compareBase(repo: Repo, pull: PullData): string {
  return pull.merged ? pull.baseSha : (repo.refs[`refs/heads/${pull.baseRef}`] ?? pull.baseSha);
}

/** The pull request's commits, oldest first (GitHub's order). */
export function pullCommits(repo: Repo, issue: Issue): GitCommit[] {
  const pull = pullOf(issue);
  return commitsBetween(repo, { head: pull.headSha, stop: compareBase(repo, pull) }).reverse();
}

function mergeability(repo: Repo, pull: PullData): { mergeable: boolean | null; state: string } {
  if (pull.merged) return { mergeable: null, state: "unknown" };
  const base = compareBase(repo, pull);
  const files = mergeFiles(repo, {
    base: mergeBase(repo, pull.headSha, base),
    ours: base,
    theirs: pull.headSha,
  });
  if (!files) return { mergeable: false, state: "dirty" };
  return { mergeable: true, state: pull.draft ? "draft" : "clean" };
}

/** Changed files and line counts between the merge base and the head (a line-multiset diff, not Myers). */
function diffStats(
  repo: Repo,
  pull: PullData,
): { changedFiles: number; additions: number; deletions: number } {
  const from = mergeBase(repo, pull.headSha, compareBase(repo, pull));
  const before = from ? filesAt(repo, from) : {};
  const after = filesAt(repo, pull.headSha);
  const lines = (sha: string | undefined, path: string) =>
    sha
      ? (readFileAt(repo, sha, path)
          ?.toString("utf8")
          .split("\n")
          .filter((l) => l !== "") ?? [])
      : [];
  let changedFiles = 0;
  let additions = 0;
  let deletions = 0;
  for (const path of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[path] === after[path]) continue;
    changedFiles++;
    const old = lines(before[path] ? from : undefined, path);
    const fresh = lines(after[path] ? pull.headSha : undefined, path);
    const pool = new Map<string, number>();
    for (const line of old) pool.set(line, (pool.get(line) ?? 0) + 1);
    let kept = 0;
    for (const line of fresh) {
      const left = pool.get(line) ?? 0;
      if (left > 0) {
        pool.set(line, left - 1);
        kept++;
      }
    }
    additions += fresh.length - kept;
    deletions += old.length - kept;
  }
  return { changedFiles, additions, deletions };
}

function branchJson(twin: GithubTwin, repo: Repo, side: { ref: string; sha: string }) {
  return {
    label: `${repo.ownerLogin}:${side.ref}`,
    ref: side.ref,
    sha: side.sha,
    user: simpleUser(twin, repo.ownerLogin),
    repo: repository(twin, repo),
  };
}

/** The full `pull-request` shape (a superset of `pull-request-simple`, so lists use it too). */
export function pullJson(twin: GithubTwin, repo: Repo, issue: Issue): Record<string, unknown> {
  const pull = pullOf(issue);
  const api = apiOf(twin, repo);
  const url = `${api}/pulls/${issue.number}`;
  const html = `${webOf(twin, repo)}/pull/${issue.number}`;
  const issueUrl = `${api}/issues/${issue.number}`;
  const headRepo = twin.repoByName(pull.headRepo) ?? repo;
  const { mergeable, state } = mergeability(repo, pull);
  const stats = diffStats(repo, pull);
  const link = (href: string) => ({ href });
  return {
    url,
    id: issue.id,
    node_id: nodeId("PullRequest", issue.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issueUrl,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: `${api}/statuses/${pull.headSha}`,
    number: issue.number,
    state: issue.state,
    locked: issue.locked,
    title: issue.title,
    user: simpleUser(twin, issue.userLogin),
    body: issue.body,
    labels: issueLabels(repo, issue).map((l) => labelJson(twin, repo, l)),
    milestone: null,
    active_lock_reason: null,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: branchJson(twin, headRepo, { ref: pull.headRef, sha: pull.headSha }),
    base: branchJson(twin, repo, { ref: pull.baseRef, sha: pull.baseSha }),
    _links: {
      self: link(url),
      html: link(html),
      issue: link(issueUrl),
      comments: link(`${issueUrl}/comments`),
      review_comments: link(`${url}/comments`),
      review_comment: link(`${api}/pulls/comments{/number}`),
      commits: link(`${url}/commits`),
      statuses: link(`${api}/statuses/${pull.headSha}`),
    },
    author_association: authorAssociation(repo, issue.userLogin),
    auto_merge: null,
    draft: pull.draft,
    merged: pull.merged,
    mergeable,
    rebaseable: mergeable,
    mergeable_state: state,
    merged_by: pull.mergedByLogin ? simpleUser(twin, pull.mergedByLogin) : null,
    comments: commentCount(repo, issue),
    review_comments: 0,
    maintainer_can_modify: false,
    commits: pullCommits(repo, issue).length,
    additions: stats.additions,
    deletions: stats.deletions,
    changed_files: stats.changedFiles,
  };
}

/** `branch` or `owner:branch`; only same-repository heads are modelled (the twin has no forks). */
function headBranch(repo: Repo, head: string): string {
  const [owner, branch] = head.includes(":")
    ? (head.split(":", 2) as [string, string])
    : [repo.ownerLogin, head];
  if (owner.toLowerCase() !== repo.ownerLogin.toLowerCase())
    throw validationFailed("PullRequest", "head", "invalid");
  return branch;
}

const custom = (message: string) =>
  new GithubError(422, "Validation Failed", {
    errors: [{ resource: "PullRequest", code: "custom", message }],
  });

/** Opens a pull request (a new issue number, or an existing issue turned into one) and announces it. */
export function openPull(
  twin: GithubTwin,
  repo: Repo,
  input: {
    head: string;
    base?: string;
    title: string;
    body: string | null;
    login: string;
    draft?: boolean;
    issueNumber?: number;
  },
): Issue {
  const headRef = headBranch(repo, input.head);
  const baseRef = input.base ?? repo.defaultBranch;
  const headSha = repo.refs[`refs/heads/${headRef}`];
  if (!headSha) throw validationFailed("PullRequest", "head", "invalid");
  const baseSha = repo.refs[`refs/heads/${baseRef}`];
  if (!baseSha) throw validationFailed("PullRequest", "base", "invalid");
  const duplicate = Object.values(repo.issues).find(
    (i) => i.state === "open" && i.pull?.headRef === headRef && i.pull.baseRef === baseRef,
  );
  if (duplicate) throw custom(`A pull request already exists for ${repo.ownerLogin}:${headRef}.`);
  if (commitsBetween(repo, { head: headSha, stop: baseSha }).length === 0) {
    throw custom(`No commits between ${baseRef} and ${headRef}`);
  }
  const issue =
    input.issueNumber !== undefined
      ? findIssue(repo, input.issueNumber)
      : newIssue(twin, repo, { title: input.title, body: input.body, login: input.login });
  if (issue.pull) throw custom(`Issue #${issue.number} is already a pull request`);
  issue.pull = {
    headRef,
    headSha,
    headRepo: fullName(repo),
    baseRef,
    baseSha,
    merged: false,
    mergedAt: null,
    mergeCommitSha: null,
    mergedByLogin: null,
    draft: input.draft ?? false,
  };
  issue.updatedAt = twin.now();
  twin.events.emit("pull_request", {
    action: "opened",
    repoFullName: fullName(repo),
    number: issue.number,
    senderLogin: input.login,
  });
  return issue;
}

/** A push to a branch moves the head of every open pull request on it (`synchronize`). */
function onPush(
  twin: GithubTwin,
  event: { repoFullName: string; ref: string; after: string; pusherLogin: string },
): void {
  const repo = twin.repoByName(event.repoFullName);
  if (!repo || !event.ref.startsWith("refs/heads/") || /^0+$/.test(event.after)) return;
  const branch = event.ref.slice("refs/heads/".length);
  for (const issue of Object.values(repo.issues)) {
    const pull = issue.pull;
    if (
      !pull ||
      issue.state !== "open" ||
      pull.headRef !== branch ||
      pull.headRepo.toLowerCase() !== fullName(repo).toLowerCase()
    )
      continue;
    if (pull.headSha === event.after) continue;
    const before = pull.headSha;
    pull.headSha = event.after;
    pull.baseSha = repo.refs[`refs/heads/${pull.baseRef}`] ?? pull.baseSha;
    issue.updatedAt = twin.now();
    twin.events.emit("pull_request", {
      action: "synchronize",
      repoFullName: fullName(repo),
      number: issue.number,
      senderLogin: event.pusherLogin,
      before,
      after: event.after,
    });
  }
}

const registered = new WeakSet<GithubTwin>();

/** Subscribes the twin's pull requests to pushes; safe to call more than once. */
export function registerPulls(twin: GithubTwin): GithubTwin {
  if (!registered.has(twin)) {
    registered.add(twin);
    twin.events.on("push", (event) => onPush(twin, event));
  }
  return twin;
}

function findPull(repo: Repo, number: string | undefined): Issue {
  const issue = findIssue(repo, number);
  pullOf(issue);
  return issue;
}

/** The commit(s) a merge writes onto the base branch; returns the new base tip. */
function writeMerge(
  ctx: HandlerContext,
  repo: Repo,
  merge: { issue: Issue; pull: PullData; baseTip: string; files: Record<string, string> },
): string {
  const { issue, pull, baseTip } = merge;
  const who = signature(ctx.twin, ctx.actorLogin);
  const method = typeof ctx.body.merge_method === "string" ? ctx.body.merge_method : "merge";
  const title = typeof ctx.body.commit_title === "string" ? ctx.body.commit_title : undefined;
  const detail = typeof ctx.body.commit_message === "string" ? ctx.body.commit_message : undefined;
  if (method === "rebase") {
    // Replays each commit's own change on top of the base, keeping its author.
    let tip = baseTip;
    for (const commit of pullCommits(repo, issue)) {
      const parentFiles = commit.parents[0] ? filesAt(repo, commit.parents[0]) : {};
      const mine = filesAt(repo, commit.sha);
      const entries = { ...filesAt(repo, tip) };
      for (const path of new Set([...Object.keys(parentFiles), ...Object.keys(mine)])) {
        const blob = mine[path];
        if (blob === parentFiles[path]) continue;
        if (blob === undefined) delete entries[path];
        else entries[path] = blob;
      }
      const tree = writeTree(repo, entries);
      tip = writeCommit(repo, {
        tree,
        parents: [tip],
        message: commit.message,
        author: commit.author,
        committer: who,
      });
    }
    return tip;
  }
  const tree = writeTree(repo, merge.files);
  if (method === "squash") {
    const message = `${title ?? `${issue.title} (#${issue.number})`}${detail ? `\n\n${detail}` : ""}`;
    const author = signature(ctx.twin, issue.userLogin);
    return writeCommit(repo, { tree, parents: [baseTip], message, author, committer: who });
  }
  const message = `${title ?? `Merge pull request #${issue.number} from ${repo.ownerLogin}/${pull.headRef}`}\n\n${detail ?? issue.title}`;
  return writeCommit(repo, { tree, parents: [baseTip, pull.headSha], message, author: who, committer: who });
}

function notMergeable(message: string): GithubError {
  return new GithubError(405, message);
}

function pullOrder(ctx: HandlerContext, repo: Repo): (a: Issue, b: Issue) => number {
  const sort = ctx.query.get("sort") ?? "created";
  const sign = (ctx.query.get("direction") ?? (sort === "long-running" ? "asc" : "desc")) === "asc" ? 1 : -1;
  const key = (issue: Issue): number | string =>
    sort === "updated" ? issue.updatedAt : sort === "popularity" ? commentCount(repo, issue) : issue.number;
  return (a, b) => {
    const [x, y] = [key(a), key(b)];
    return x === y ? sign * (a.number - b.number) : x < y ? -sign : sign;
  };
}

export const pullHandlers: HandlerTable = {
  "pulls/list": (ctx) => {
    const repo = ctx.repo();
    const state = ctx.query.get("state") ?? "open";
    const head = ctx.query.get("head");
    const base = ctx.query.get("base");
    const [headOwner, headRef] = head?.includes(":")
      ? (head.split(":", 2) as [string, string])
      : [undefined, head];
    const pulls = Object.values(repo.issues)
      .filter((issue) => {
        const pull = issue.pull;
        if (!pull || (state !== "all" && issue.state !== state)) return false;
        if (headOwner && headOwner.toLowerCase() !== (pull.headRepo.split("/")[0] ?? "").toLowerCase())
          return false;
        return (!headRef || pull.headRef === headRef) && (!base || pull.baseRef === base);
      })
      .sort(pullOrder(ctx, repo));
    const { page, headers } = paginate(ctx, pulls);
    return { status: 200, body: page.map((i) => pullJson(ctx.twin, repo, i)), headers };
  },

  "pulls/get": (ctx) => {
    const repo = ctx.repo();
    return { status: 200, body: pullJson(ctx.twin, repo, findPull(repo, ctx.params.pull_number)) };
  },

  "pulls/create": (ctx) => {
    const repo = ctx.repo();
    const issueNumber = typeof ctx.body.issue === "number" ? ctx.body.issue : undefined;
    const title = typeof ctx.body.title === "string" ? ctx.body.title : "";
    if (title.trim() === "" && issueNumber === undefined)
      throw validationFailed("PullRequest", "title", "missing_field");
    if (typeof ctx.body.head !== "string") throw validationFailed("PullRequest", "head", "missing_field");
    if (typeof ctx.body.base !== "string") throw validationFailed("PullRequest", "base", "missing_field");
    const issue = openPull(ctx.twin, repo, {
      head: ctx.body.head,
      base: ctx.body.base,
      title,
      body: typeof ctx.body.body === "string" ? ctx.body.body : null,
      login: ctx.actorLogin,
      draft: ctx.body.draft === true,
      ...(issueNumber !== undefined ? { issueNumber } : {}),
    });
    const json = pullJson(ctx.twin, repo, issue);
    return { status: 201, body: json, headers: { location: String(json.url) } };
  },

  "pulls/update": (ctx) => {
    const repo = ctx.repo();
    const issue = findPull(repo, ctx.params.pull_number);
    const pull = pullOf(issue);
    let edited = false;
    if (typeof ctx.body.title === "string" && ctx.body.title !== issue.title) {
      issue.title = ctx.body.title;
      edited = true;
    }
    if (typeof ctx.body.body === "string" && ctx.body.body !== issue.body) {
      issue.body = ctx.body.body;
      edited = true;
    }
    if (typeof ctx.body.base === "string" && ctx.body.base !== pull.baseRef) {
      const baseSha = repo.refs[`refs/heads/${ctx.body.base}`];
      if (!baseSha) throw validationFailed("PullRequest", "base", "invalid");
      if (pull.merged) throw custom("Cannot change the base branch of a merged pull request.");
      pull.baseRef = ctx.body.base;
      pull.baseSha = baseSha;
      edited = true;
    }
    if (edited) {
      issue.updatedAt = ctx.now();
      ctx.twin.events.emit("pull_request", {
        action: "edited",
        repoFullName: fullName(repo),
        number: issue.number,
        senderLogin: ctx.actorLogin,
      });
    }
    if (ctx.body.state === "open" || ctx.body.state === "closed") {
      if (ctx.body.state === "open" && !repo.refs[`refs/heads/${pull.headRef}`]) {
        throw custom(`Cannot reopen: the head branch ${pull.headRef} no longer exists.`);
      }
      setIssueState(ctx.twin, repo, { issue, state: ctx.body.state, login: ctx.actorLogin });
    }
    return { status: 200, body: pullJson(ctx.twin, repo, issue) };
  },

  "pulls/list-commits": (ctx) => {
    const repo = ctx.repo();
    const issue = findPull(repo, ctx.params.pull_number);
    // GitHub lists at most 250 commits here.
    const { page, headers } = paginate(ctx, pullCommits(repo, issue).slice(0, 250));
    return { status: 200, body: page.map((c) => restCommit(ctx, repo, c)), headers };
  },

  "pulls/merge": (ctx) => {
    const repo = ctx.repo();
    const issue = findPull(repo, ctx.params.pull_number);
    const pull = pullOf(issue);
    if (pull.merged) throw notMergeable("Pull Request is not mergeable");
    if (issue.state !== "open") throw notMergeable("Pull Request is not open");
    if (pull.draft) throw notMergeable("Pull Request is still a draft");
    if (typeof ctx.body.sha === "string" && ctx.body.sha !== pull.headSha) {
      throw new GithubError(409, "Head branch was modified. Review and try the merge again.");
    }
    const baseRef = `refs/heads/${pull.baseRef}`;
    const baseTip = repo.refs[baseRef];
    if (!baseTip || !getCommit(repo, pull.headSha)) throw notMergeable("Pull Request is not mergeable");
    const files = mergeFiles(repo, {
      base: mergeBase(repo, pull.headSha, baseTip),
      ours: baseTip,
      theirs: pull.headSha,
    });
    if (!files) throw notMergeable("Pull Request is not mergeable");
    const sha = writeMerge(ctx, repo, { issue, pull, baseTip, files });
    repo.refs[baseRef] = sha;
    pull.baseSha = baseTip;
    pull.merged = true;
    pull.mergedAt = ctx.now();
    pull.mergeCommitSha = sha;
    pull.mergedByLogin = ctx.actorLogin;
    pushEvent(ctx.twin, repo, baseRef, baseTip, sha, ctx.actorLogin);
    setIssueState(ctx.twin, repo, { issue, state: "closed", login: ctx.actorLogin });
    return { status: 200, body: { sha, merged: true, message: "Pull Request successfully merged" } };
  },
};
