// Webhook payloads shaped as GitHub sends them to an App (see @octokit/webhooks-examples): the event's objects
// plus `installation`, `repository`, `sender` and, for organisation-owned repositories, `organization`.
// Built when the domain event fires, so a payload shows the state of that moment, as GitHub's do.

import type { TwinEventMap } from "./events.ts";
import { commitsBetween, getCommit, getTree } from "./git.ts";
import { runJson, workflowJson } from "./routes/actions.ts";
import { commentJson, findIssue, findLabel, issueJson, labelJson } from "./routes/issues.ts";
import { pullJson } from "./routes/pulls.ts";
import { workflowId } from "./runner/dispatch.ts";
import { fullName, nodeId, repository, simpleUser } from "./serialize.ts";
import type { GitCommit, Installation, Repo } from "./state.ts";
import type { GithubTwin } from "./twin.ts";

export type Payload = Record<string, unknown>;

/** The installation reference every App delivery carries. */
function installationRef(installation: Installation): Payload {
  return { id: installation.id, node_id: nodeId("Installation", installation.id) };
}

function organizationOf(twin: GithubTwin, login: string): Payload | undefined {
  const owner = twin.world.users[login.toLowerCase()];
  if (owner?.type !== "Organization") return undefined;
  const api = `${twin.url}/orgs/${owner.login}`;
  return {
    login: owner.login,
    id: owner.id,
    node_id: nodeId("Organization", owner.id),
    url: api,
    repos_url: `${api}/repos`,
    events_url: `${api}/events`,
    hooks_url: `${api}/hooks`,
    issues_url: `${api}/issues`,
    members_url: `${api}/members{/member}`,
    public_members_url: `${api}/public_members{/member}`,
    avatar_url: `${twin.url}/_web/avatars/${owner.id}`,
    description: null,
  };
}

/** `installation`, `repository`, `sender`, `organization`: the envelope of a repository event. */
function envelope(
  twin: GithubTwin,
  options: { installation: Installation; repo: Repo; senderLogin: string },
): Payload {
  const organization = organizationOf(twin, options.repo.ownerLogin);
  return {
    repository: repository(twin, options.repo),
    sender: simpleUser(twin, options.senderLogin),
    installation: installationRef(options.installation),
    ...(organization ? { organization } : {}),
  };
}

export function installationPayload(
  twin: GithubTwin,
  event: TwinEventMap["installation"],
  installation: Installation,
): Payload {
  const app = twin.world.apps[installation.appId];
  if (!app) throw new Error(`installation ${installation.id} names no App`);
  const account = simpleUser(twin, installation.accountLogin);
  const repos = Object.values(twin.world.repos).filter(
    (r) =>
      r.ownerLogin.toLowerCase() === installation.accountLogin.toLowerCase() &&
      (installation.repositorySelection === "all" || installation.repositoryIds.includes(r.id)),
  );
  const organization = organizationOf(twin, installation.accountLogin);
  return {
    action: event.action,
    installation: {
      id: installation.id,
      node_id: nodeId("Installation", installation.id),
      account,
      repository_selection: installation.repositorySelection,
      access_tokens_url: `${twin.url}/app/installations/${installation.id}/access_tokens`,
      repositories_url: `${twin.url}/installation/repositories`,
      html_url: `${twin.url}/_web/settings/installations/${installation.id}`,
      app_id: app.id,
      app_slug: app.slug,
      target_id: account.id,
      target_type: account.type === "Organization" ? "Organization" : "User",
      permissions: installation.permissions,
      events: app.events,
      created_at: installation.createdAt,
      updated_at: installation.createdAt,
      single_file_name: null,
      has_multiple_single_files: false,
      single_file_paths: [],
      suspended_by: null,
      suspended_at: null,
    },
    repositories: repos.map((r) => ({
      id: r.id,
      node_id: nodeId("Repository", r.id),
      name: r.name,
      full_name: fullName(r),
      private: r.private,
    })),
    requester: null,
    sender: simpleUser(twin, event.senderLogin),
    ...(organization ? { organization } : {}),
  };
}

export function pushPayload(
  twin: GithubTwin,
  event: TwinEventMap["push"],
  options: { installation: Installation; repo: Repo },
): Payload {
  const { repo } = options;
  const zero = "0".repeat(40);
  const commits = commitsBetween(repo, { head: event.after, stop: event.before ?? undefined }).reverse();
  const commitJson = (commit: GitCommit) => {
    const parent = commit.parents[0] ? getCommit(repo, commit.parents[0]) : undefined;
    const changes = fileChanges(repo, parent?.tree, commit.tree);
    return {
      id: commit.sha,
      tree_id: commit.tree,
      distinct: true,
      message: commit.message,
      timestamp: commit.committer.date,
      url: `${twin.url}/_web/${fullName(repo)}/commit/${commit.sha}`,
      author: person(commit.author),
      committer: person(commit.committer),
      ...changes,
    };
  };
  const head = getCommit(repo, event.after);
  const pusher = twin.world.users[event.pusherLogin.toLowerCase()];
  const base = envelope(twin, { installation: options.installation, repo, senderLogin: event.pusherLogin });
  return {
    ref: event.ref,
    before: event.before ?? zero,
    after: event.after,
    created: event.before === null,
    deleted: event.after === zero,
    forced: false,
    base_ref: null,
    compare: `${twin.url}/_web/${fullName(repo)}/compare/${(event.before ?? zero).slice(0, 12)}...${event.after.slice(0, 12)}`,
    commits: commits.map(commitJson),
    head_commit: head ? commitJson(head) : null,
    pusher: { name: pusher?.login ?? event.pusherLogin, email: pusher?.email ?? null },
    ...base,
    // Push payloads carry the repository with `created_at`/`pushed_at` as Unix seconds, as GitHub's do.
    repository: {
      ...(base.repository as Payload),
      created_at: Math.floor(new Date(repo.createdAt).getTime() / 1000),
      pushed_at: Math.floor(new Date(repo.pushedAt).getTime() / 1000),
      stargazers: 0,
      master_branch: repo.defaultBranch,
    },
  };
}

function person(sig: GitCommit["author"]): Payload {
  return { name: sig.name, email: sig.email, date: sig.date, ...(sig.login ? { username: sig.login } : {}) };
}

function fileChanges(
  repo: Repo,
  before: string | undefined,
  after: string,
): { added: string[]; removed: string[]; modified: string[] } {
  const old = (before ? getTree(repo, before)?.entries : undefined) ?? {};
  const now = getTree(repo, after)?.entries ?? {};
  const added = Object.keys(now).filter((p) => !(p in old));
  const removed = Object.keys(old).filter((p) => !(p in now));
  const modified = Object.keys(now).filter((p) => p in old && old[p] !== now[p]);
  return { added, removed, modified };
}

export function issueCommentPayload(
  twin: GithubTwin,
  event: TwinEventMap["issue_comment"],
  options: { installation: Installation; repo: Repo },
): Payload {
  const { repo } = options;
  const comment = repo.comments[event.commentId];
  if (!comment) throw new Error(`comment ${event.commentId} not found in ${fullName(repo)}`);
  const issue = findIssue(repo, event.issueNumber);
  return {
    action: event.action,
    issue: issueJson(twin, repo, issue),
    comment: commentJson(twin, repo, comment),
    ...(event.action === "edited" ? { changes: { body: { from: event.previousBody ?? "" } } } : {}),
    ...envelope(twin, { installation: options.installation, repo, senderLogin: event.senderLogin }),
  };
}

export function issuesPayload(
  twin: GithubTwin,
  event: TwinEventMap["issues"],
  options: { installation: Installation; repo: Repo },
): Payload {
  const { repo } = options;
  const issue = findIssue(repo, event.number);
  const label = event.label !== undefined ? findLabel(repo, event.label) : undefined;
  return {
    action: event.action,
    issue: issueJson(twin, repo, issue),
    ...(label ? { label: labelJson(twin, repo, label) } : {}),
    ...envelope(twin, { installation: options.installation, repo, senderLogin: event.senderLogin }),
  };
}

export function pullRequestPayload(
  twin: GithubTwin,
  event: TwinEventMap["pull_request"],
  options: { installation: Installation; repo: Repo },
): Payload {
  const { repo } = options;
  const issue = findIssue(repo, event.number);
  return {
    action: event.action,
    number: issue.number,
    pull_request: pullJson(twin, repo, issue),
    ...(event.action === "synchronize" ? { before: event.before, after: event.after } : {}),
    ...envelope(twin, { installation: options.installation, repo, senderLogin: event.senderLogin }),
  };
}

export function workflowRunPayload(
  twin: GithubTwin,
  event: TwinEventMap["workflow_run"],
  options: { installation: Installation; repo: Repo },
): Payload {
  const { repo } = options;
  const run = repo.runs[event.runId];
  if (!run) throw new Error(`workflow run ${event.runId} not found in ${fullName(repo)}`);
  const workflow = { id: workflowId(twin, repo, run.workflowPath), path: run.workflowPath, name: run.name };
  return {
    action: event.action,
    workflow: workflowJson(twin, repo, workflow),
    workflow_run: runJson(twin, repo, run),
    ...envelope(twin, { installation: options.installation, repo, senderLogin: event.senderLogin }),
  };
}
