// Seeding helpers for issues, comments and pull requests, acting as a person: they go through the same
// functions as the REST handlers, so the same domain events (and webhooks) follow.
import { createComment, findIssue, openIssueWithLabels } from "./routes/issues.ts";
import { openPull } from "./routes/pulls.ts";
import type { Comment, Issue, Repo } from "./state.ts";
import type { GithubTwin } from "./twin.ts";

function repoOrThrow(twin: GithubTwin, name: string): Repo {
  const repo = twin.repoByName(name);
  if (!repo) throw new Error(`no repository ${name}`);
  return repo;
}

/** Opens a pull request from `head` (an existing branch) into `base` (default branch when absent). */
export function openPullRequest(
  twin: GithubTwin,
  options: {
    repo: string;
    head: string;
    base?: string;
    title: string;
    body?: string;
    login: string;
    draft?: boolean;
  },
): Issue {
  const repo = repoOrThrow(twin, options.repo);
  return openPull(twin, repo, {
    head: options.head,
    title: options.title,
    body: options.body ?? null,
    login: options.login,
    ...(options.base !== undefined ? { base: options.base } : {}),
    ...(options.draft !== undefined ? { draft: options.draft } : {}),
  });
}

/** Opens an issue, with labels (created when missing), as `login`. */
export function openIssue(
  twin: GithubTwin,
  options: { repo: string; title: string; body?: string; labels?: string[]; login: string },
): Issue {
  const repo = repoOrThrow(twin, options.repo);
  return openIssueWithLabels(twin, repo, {
    title: options.title,
    body: options.body ?? null,
    login: options.login,
    labels: options.labels ?? [],
  });
}

/** Comments on an issue or pull request as `login` (a person; Apps comment through the API). */
export function commentAs(
  twin: GithubTwin,
  options: { repo: string; number: number; body: string; login: string },
): Comment {
  const repo = repoOrThrow(twin, options.repo);
  return createComment(twin, repo, {
    issue: findIssue(repo, options.number),
    body: options.body,
    login: options.login,
  });
}
