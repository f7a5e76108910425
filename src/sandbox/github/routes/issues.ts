// Issues, issue comments and labels. Pull requests are issues with `pull` set: they share the number sequence,
// show up in the issue list (with a `pull_request` key) and take comments and labels the same way.
import { GithubError, notFound, validationFailed } from "../errors.ts";
import { paginate } from "../paginate.ts";
import { fullName, nodeId, simpleUser } from "../serialize.ts";
import type { Comment, Issue, Label, Repo } from "../state.ts";
import type { GithubTwin, HandlerContext, HandlerTable } from "../twin.ts";

const apiOf = (twin: GithubTwin, repo: Repo) => `${twin.url}/repos/${fullName(repo)}`;
const webOf = (twin: GithubTwin, repo: Repo) => `${twin.url}/_web/${fullName(repo)}`;

/** GitHub's default label color when a label is created implicitly (add-labels, issue create). */
const DEFAULT_COLOR = "ededed";

export function labelJson(twin: GithubTwin, repo: Repo, label: Label): Record<string, unknown> {
  return {
    id: label.id,
    node_id: nodeId("Label", label.id),
    url: `${apiOf(twin, repo)}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: label.default,
    description: label.description,
  };
}

/** How a login relates to the repository, as `author_association` reports it. */
export function authorAssociation(repo: Repo, login: string): string {
  if (login.toLowerCase() === repo.ownerLogin.toLowerCase()) return "OWNER";
  const isCollaborator = Object.keys(repo.collaborators).some((l) => l.toLowerCase() === login.toLowerCase());
  return isCollaborator ? "COLLABORATOR" : "NONE";
}

function reactions(url: string): Record<string, unknown> {
  return {
    url: `${url}/reactions`,
    total_count: 0,
    "+1": 0,
    "-1": 0,
    laugh: 0,
    confused: 0,
    heart: 0,
    hooray: 0,
    eyes: 0,
    rocket: 0,
  };
}

/** The `integration` shape of the App that acted through an installation token. */
function integrationJson(twin: GithubTwin, appId: number): Record<string, unknown> | null {
  const app = twin.world.apps[appId];
  if (!app) return null;
  // The App record keeps no timestamps; its first installation is the closest honest date.
  const installed = Object.values(twin.world.installations)
    .filter((i) => i.appId === app.id)
    .map((i) => i.createdAt)
    .sort()[0];
  const date = installed ?? "2020-01-01T00:00:00Z";
  return {
    id: app.id,
    slug: app.slug,
    node_id: nodeId("Integration", app.id),
    client_id: `Iv1.${app.id.toString(16).padStart(16, "0")}`,
    owner: simpleUser(twin, app.ownerLogin),
    name: app.name,
    description: null,
    external_url: `${twin.url}/_web/apps/${app.slug}`,
    html_url: `${twin.url}/_web/apps/${app.slug}`,
    created_at: date,
    updated_at: date,
    permissions: app.permissions,
    events: app.events,
  };
}

export function issueLabels(repo: Repo, issue: Issue): Label[] {
  return issue.labels.map((name) => findLabel(repo, name)).filter((l): l is Label => l !== undefined);
}

export function commentCount(repo: Repo, issue: Issue): number {
  return Object.values(repo.comments).filter((c) => c.issueNumber === issue.number).length;
}

/** The `issue` shape; a pull request carries the `pull_request` key as GitHub's issue endpoints show it. */
export function issueJson(twin: GithubTwin, repo: Repo, issue: Issue): Record<string, unknown> {
  const url = `${apiOf(twin, repo)}/issues/${issue.number}`;
  const html = `${webOf(twin, repo)}/${issue.pull ? "pull" : "issues"}/${issue.number}`;
  const body: Record<string, unknown> = {
    id: issue.id,
    node_id: nodeId(issue.pull ? "PullRequest" : "Issue", issue.id),
    url,
    repository_url: apiOf(twin, repo),
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: html,
    number: issue.number,
    state: issue.state,
    state_reason: issue.stateReason,
    title: issue.title,
    body: issue.body,
    user: simpleUser(twin, issue.userLogin),
    labels: issueLabels(repo, issue).map((l) => labelJson(twin, repo, l)),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: issue.locked,
    active_lock_reason: null,
    comments: commentCount(repo, issue),
    closed_at: issue.closedAt,
    // The twin does not record who closed an issue; null is what GitHub sends for an open one.
    closed_by: null,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    author_association: authorAssociation(repo, issue.userLogin),
    reactions: reactions(url),
    timeline_url: `${url}/timeline`,
    performed_via_github_app: null,
  };
  if (issue.pull) {
    const pullUrl = `${apiOf(twin, repo)}/pulls/${issue.number}`;
    body.draft = issue.pull.draft;
    body.pull_request = {
      url: pullUrl,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      merged_at: issue.pull.mergedAt,
    };
  }
  return body;
}

export function commentJson(twin: GithubTwin, repo: Repo, comment: Comment): Record<string, unknown> {
  const url = `${apiOf(twin, repo)}/issues/comments/${comment.id}`;
  const issue = repo.issues[comment.issueNumber];
  const kind = issue?.pull ? "pull" : "issues";
  return {
    id: comment.id,
    node_id: nodeId("IssueComment", comment.id),
    url,
    html_url: `${webOf(twin, repo)}/${kind}/${comment.issueNumber}#issuecomment-${comment.id}`,
    body: comment.body,
    user: simpleUser(twin, comment.userLogin),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    issue_url: `${apiOf(twin, repo)}/issues/${comment.issueNumber}`,
    author_association: authorAssociation(repo, comment.userLogin),
    performed_via_github_app: comment.appId !== undefined ? integrationJson(twin, comment.appId) : null,
    reactions: reactions(url),
  };
}

export function findLabel(repo: Repo, name: string): Label | undefined {
  return (
    repo.labels[name.toLowerCase()] ??
    Object.values(repo.labels).find((l) => l.name.toLowerCase() === name.toLowerCase())
  );
}

export function findIssue(repo: Repo, number: string | number | undefined): Issue {
  const issue = repo.issues[Number(number)];
  if (!issue) throw notFound();
  return issue;
}

function normalizeColor(value: unknown): string {
  const color = String(value).replace(/^#/, "");
  // The error GitHub answers to a bad color (recorded in @octokit/fixtures' errors scenario).
  if (!/^[0-9a-fA-F]{6}$/.test(color)) throw validationFailed("Label", "color", "invalid");
  return color.toLowerCase();
}

export function createLabel(
  twin: GithubTwin,
  repo: Repo,
  input: { name: string; color?: unknown; description?: unknown },
): Label {
  const name = input.name.trim();
  if (name === "") throw validationFailed("Label", "name", "missing_field");
  if (findLabel(repo, name)) throw validationFailed("Label", "name", "already_exists");
  const label: Label = {
    id: twin.nextId(),
    name,
    color: input.color === undefined ? DEFAULT_COLOR : normalizeColor(input.color),
    description: typeof input.description === "string" ? input.description : null,
    default: false,
  };
  repo.labels[name.toLowerCase()] = label;
  return label;
}

/** Adds labels to an issue, creating missing ones as GitHub does; returns the names newly attached. */
export function attachLabels(
  twin: GithubTwin,
  repo: Repo,
  change: { issue: Issue; names: string[]; login: string; announce?: boolean },
): string[] {
  const added: string[] = [];
  for (const raw of change.names) {
    const label = findLabel(repo, raw) ?? createLabel(twin, repo, { name: raw });
    if (change.issue.labels.some((n) => n.toLowerCase() === label.name.toLowerCase())) continue;
    change.issue.labels.push(label.name);
    added.push(label.name);
  }
  if (added.length > 0) change.issue.updatedAt = twin.now();
  if (change.announce !== false) {
    for (const name of added)
      emitIssue(twin, repo, { issue: change.issue, action: "labeled", login: change.login, label: name });
  }
  return added;
}

/**
 * Opens an issue as GitHub does with an issue form: the labels are on it when `opened` fires (its payload
 * shows them), and a `labeled` event follows for each.
 */
export function openIssueWithLabels(
  twin: GithubTwin,
  repo: Repo,
  input: { title: string; body: string | null; login: string; labels: string[] },
): Issue {
  const issue = newIssue(twin, repo, { title: input.title, body: input.body, login: input.login });
  const added = attachLabels(twin, repo, { issue, names: input.labels, login: input.login, announce: false });
  emitIssue(twin, repo, { issue, action: "opened", login: input.login });
  for (const name of added)
    emitIssue(twin, repo, { issue, action: "labeled", login: input.login, label: name });
  return issue;
}

function detachLabel(
  twin: GithubTwin,
  repo: Repo,
  change: { issue: Issue; name: string; login: string },
): boolean {
  const index = change.issue.labels.findIndex((n) => n.toLowerCase() === change.name.toLowerCase());
  if (index < 0) return false;
  const [name] = change.issue.labels.splice(index, 1);
  change.issue.updatedAt = twin.now();
  emitIssue(twin, repo, { issue: change.issue, action: "unlabeled", login: change.login, label: name });
  return true;
}

type IssueAction = "opened" | "edited" | "closed" | "reopened" | "labeled" | "unlabeled";

/** `issues` events are for issues only: GitHub announces the same changes on a pull request as `pull_request`. */
function emitIssue(
  twin: GithubTwin,
  repo: Repo,
  event: { issue: Issue; action: IssueAction; login: string; label?: string },
) {
  if (event.issue.pull) {
    if (event.action === "closed" || event.action === "reopened" || event.action === "edited") {
      twin.events.emit("pull_request", {
        action: event.action,
        repoFullName: fullName(repo),
        number: event.issue.number,
        senderLogin: event.login,
      });
    }
    return;
  }
  twin.events.emit("issues", {
    action: event.action,
    repoFullName: fullName(repo),
    number: event.issue.number,
    senderLogin: event.login,
    ...(event.label !== undefined ? { label: event.label } : {}),
  });
}

/** Opens or closes an issue (or pull request) and announces it. */
export function setIssueState(
  twin: GithubTwin,
  repo: Repo,
  change: { issue: Issue; state: "open" | "closed"; login: string; reason?: string | null },
): void {
  const { issue } = change;
  if (issue.state === change.state) return;
  if (change.state === "open" && issue.pull?.merged) {
    throw validationFailed(
      "PullRequest",
      "state",
      "invalid",
      "state cannot be changed. The pull request has been merged.",
    );
  }
  issue.state = change.state;
  issue.updatedAt = twin.now();
  issue.closedAt = change.state === "closed" ? issue.updatedAt : null;
  issue.stateReason =
    change.state === "closed"
      ? (change.reason ?? (issue.pull ? null : "completed"))
      : issue.pull
        ? null
        : "reopened";
  emitIssue(twin, repo, {
    issue,
    action: change.state === "closed" ? "closed" : "reopened",
    login: change.login,
  });
}

export function newIssue(
  twin: GithubTwin,
  repo: Repo,
  input: { title: string; body: string | null; login: string },
): Issue {
  const now = twin.now();
  const issue: Issue = {
    id: twin.nextId(),
    number: repo.nextIssueNumber++,
    title: input.title,
    body: input.body,
    userLogin: input.login,
    state: "open",
    stateReason: null,
    labels: [],
    locked: false,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
  };
  repo.issues[issue.number] = issue;
  return issue;
}

export function createComment(
  twin: GithubTwin,
  repo: Repo,
  input: { issue: Issue; body: string; login: string; appId?: number },
): Comment {
  const now = twin.now();
  const comment: Comment = {
    id: twin.nextId(),
    issueNumber: input.issue.number,
    userLogin: input.login,
    ...(input.appId !== undefined ? { appId: input.appId } : {}),
    body: input.body,
    createdAt: now,
    updatedAt: now,
  };
  repo.comments[comment.id] = comment;
  input.issue.updatedAt = now;
  twin.events.emit("issue_comment", {
    action: "created",
    repoFullName: fullName(repo),
    issueNumber: input.issue.number,
    commentId: comment.id,
    senderLogin: input.login,
  });
  return comment;
}

/** Label names from any of the body forms add-labels and issue create accept. */
function labelNames(value: unknown): string[] {
  const list = Array.isArray(value)
    ? value
    : value && typeof value === "object" && "labels" in value
      ? (value as { labels: unknown }).labels
      : typeof value === "string"
        ? [value]
        : [];
  if (!Array.isArray(list)) return [];
  return list
    .map((item: unknown) =>
      typeof item === "string"
        ? item
        : item && typeof item === "object" && "name" in item
          ? String((item as { name: unknown }).name)
          : "",
    )
    .filter((name) => name !== "");
}

/** Only people with triage access or more may label; GitHub silently drops labels from others. */
function mayLabel(ctx: HandlerContext, repo: Repo): boolean {
  if (ctx.identity.kind !== "user") return true;
  const role = ctx.twin.roleOf(repo, ctx.identity.login);
  return role !== null && role !== "read";
}

function mayEditComment(ctx: HandlerContext, repo: Repo, comment: Comment): boolean {
  if (ctx.identity.kind !== "user") return true;
  if (comment.userLogin.toLowerCase() === ctx.actorLogin.toLowerCase()) return true;
  const role = ctx.twin.roleOf(repo, ctx.identity.login);
  return role === "write" || role === "maintain" || role === "admin";
}

function findComment(repo: Repo, id: string | undefined): Comment {
  const comment = repo.comments[Number(id)];
  if (!comment) throw notFound();
  return comment;
}

function issueFilter(ctx: HandlerContext): (issue: Issue) => boolean {
  const state = ctx.query.get("state") ?? "open";
  const wanted = (ctx.query.get("labels") ?? "")
    .split(",")
    .map((l) => l.trim().toLowerCase())
    .filter((l) => l !== "");
  const creator = ctx.query.get("creator")?.toLowerCase();
  const since = ctx.query.get("since");
  return (issue) =>
    (state === "all" || issue.state === state) &&
    wanted.every((w) => issue.labels.some((n) => n.toLowerCase() === w)) &&
    (!creator || issue.userLogin.toLowerCase() === creator) &&
    (!since || issue.updatedAt >= since);
}

function issueOrder(ctx: HandlerContext, repo: Repo): (a: Issue, b: Issue) => number {
  const sort = ctx.query.get("sort") ?? "created";
  const sign = (ctx.query.get("direction") ?? "desc") === "asc" ? 1 : -1;
  const key = (issue: Issue): number | string =>
    sort === "updated" ? issue.updatedAt : sort === "comments" ? commentCount(repo, issue) : issue.number;
  return (a, b) => {
    const [x, y] = [key(a), key(b)];
    // Ties (same second, same comment count) fall back to the number so pages stay stable.
    return x === y ? sign * (a.number - b.number) : x < y ? -sign : sign;
  };
}

export const issueHandlers: HandlerTable = {
  "issues/list-for-repo": (ctx) => {
    const repo = ctx.repo();
    const issues = Object.values(repo.issues).filter(issueFilter(ctx)).sort(issueOrder(ctx, repo));
    const { page, headers } = paginate(ctx, issues);
    return { status: 200, body: page.map((i) => issueJson(ctx.twin, repo, i)), headers };
  },

  "issues/get": (ctx) => {
    const repo = ctx.repo();
    return { status: 200, body: issueJson(ctx.twin, repo, findIssue(repo, ctx.params.issue_number)) };
  },

  "issues/create": (ctx) => {
    const repo = ctx.repo();
    const title = ctx.body.title === undefined ? "" : String(ctx.body.title);
    if (title.trim() === "") throw validationFailed("Issue", "title", "missing_field");
    const body = typeof ctx.body.body === "string" ? ctx.body.body : null;
    const labels = mayLabel(ctx, repo) ? labelNames(ctx.body.labels) : [];
    const issue = openIssueWithLabels(ctx.twin, repo, { title, body, login: ctx.actorLogin, labels });
    const json = issueJson(ctx.twin, repo, issue);
    return { status: 201, body: json, headers: { location: String(json.url) } };
  },

  "issues/update": (ctx) => {
    const repo = ctx.repo();
    const issue = findIssue(repo, ctx.params.issue_number);
    const login = ctx.actorLogin;
    let edited = false;
    if (ctx.body.title !== undefined && ctx.body.title !== null && String(ctx.body.title) !== issue.title) {
      issue.title = String(ctx.body.title);
      edited = true;
    }
    if (ctx.body.body !== undefined && (ctx.body.body ?? null) !== issue.body) {
      issue.body = (ctx.body.body as string | null) ?? null;
      edited = true;
    }
    if (edited) {
      issue.updatedAt = ctx.now();
      emitIssue(ctx.twin, repo, { issue, action: "edited", login });
    }
    if (ctx.body.labels !== undefined && mayLabel(ctx, repo)) {
      const wanted = labelNames(ctx.body.labels);
      for (const name of [...issue.labels]) {
        if (!wanted.some((w) => w.toLowerCase() === name.toLowerCase()))
          detachLabel(ctx.twin, repo, { issue, name, login });
      }
      attachLabels(ctx.twin, repo, { issue, names: wanted, login });
    }
    if (ctx.body.state === "open" || ctx.body.state === "closed") {
      const reason = typeof ctx.body.state_reason === "string" ? ctx.body.state_reason : null;
      setIssueState(ctx.twin, repo, { issue, state: ctx.body.state, login, reason });
    }
    return { status: 200, body: issueJson(ctx.twin, repo, issue) };
  },

  "issues/list-comments": (ctx) => {
    const repo = ctx.repo();
    const issue = findIssue(repo, ctx.params.issue_number);
    const since = ctx.query.get("since");
    const comments = Object.values(repo.comments)
      .filter((c) => c.issueNumber === issue.number && (!since || c.updatedAt >= since))
      .sort((a, b) => a.id - b.id);
    const { page, headers } = paginate(ctx, comments);
    return { status: 200, body: page.map((c) => commentJson(ctx.twin, repo, c)), headers };
  },

  "issues/get-comment": (ctx) => {
    const repo = ctx.repo();
    return { status: 200, body: commentJson(ctx.twin, repo, findComment(repo, ctx.params.comment_id)) };
  },

  "issues/create-comment": (ctx) => {
    const repo = ctx.repo();
    const issue = findIssue(repo, ctx.params.issue_number);
    if (
      issue.locked &&
      ctx.identity.kind === "user" &&
      ctx.twin.roleOf(repo, ctx.identity.login) === "read"
    ) {
      throw new GithubError(403, "Unable to create comment because issue is locked.");
    }
    const comment = createComment(ctx.twin, repo, {
      issue,
      body: String(ctx.body.body ?? ""),
      login: ctx.actorLogin,
      ...(ctx.identity.kind === "installation" ? { appId: ctx.identity.appId } : {}),
    });
    const json = commentJson(ctx.twin, repo, comment);
    return { status: 201, body: json, headers: { location: String(json.url) } };
  },

  "issues/update-comment": (ctx) => {
    const repo = ctx.repo();
    const comment = findComment(repo, ctx.params.comment_id);
    if (!mayEditComment(ctx, repo, comment))
      throw new GithubError(403, "Must have write access to edit others' comments.");
    const previousBody = comment.body;
    comment.body = String(ctx.body.body ?? "");
    comment.updatedAt = ctx.now();
    ctx.twin.events.emit("issue_comment", {
      action: "edited",
      repoFullName: fullName(repo),
      issueNumber: comment.issueNumber,
      commentId: comment.id,
      senderLogin: ctx.actorLogin,
      previousBody,
    });
    return { status: 200, body: commentJson(ctx.twin, repo, comment) };
  },

  "issues/delete-comment": (ctx) => {
    const repo = ctx.repo();
    const comment = findComment(repo, ctx.params.comment_id);
    if (!mayEditComment(ctx, repo, comment))
      throw new GithubError(403, "Must have write access to delete others' comments.");
    // Announced before it goes: the `deleted` webhook carries the comment, built when the event fires.
    ctx.twin.events.emit("issue_comment", {
      action: "deleted",
      repoFullName: fullName(repo),
      issueNumber: comment.issueNumber,
      commentId: comment.id,
      senderLogin: ctx.actorLogin,
    });
    delete repo.comments[comment.id];
    return { status: 204 };
  },

  "issues/list-labels-for-repo": (ctx) => {
    const repo = ctx.repo();
    const labels = Object.values(repo.labels).sort((a, b) =>
      a.name.toLowerCase().localeCompare(b.name.toLowerCase()),
    );
    const { page, headers } = paginate(ctx, labels);
    return { status: 200, body: page.map((l) => labelJson(ctx.twin, repo, l)), headers };
  },

  "issues/get-label": (ctx) => {
    const repo = ctx.repo();
    const label = findLabel(repo, ctx.params.name ?? "");
    if (!label) throw notFound();
    return { status: 200, body: labelJson(ctx.twin, repo, label) };
  },

  "issues/create-label": (ctx) => {
    const repo = ctx.repo();
    const label = createLabel(ctx.twin, repo, {
      name: String(ctx.body.name ?? ""),
      color: ctx.body.color,
      description: ctx.body.description,
    });
    const json = labelJson(ctx.twin, repo, label);
    return { status: 201, body: json, headers: { location: String(json.url) } };
  },

  "issues/update-label": (ctx) => {
    const repo = ctx.repo();
    const label = findLabel(repo, ctx.params.name ?? "");
    if (!label) throw notFound();
    const newName = typeof ctx.body.new_name === "string" ? ctx.body.new_name.trim() : undefined;
    if (newName && newName.toLowerCase() !== label.name.toLowerCase() && findLabel(repo, newName)) {
      throw validationFailed("Label", "name", "already_exists");
    }
    const color = ctx.body.color === undefined ? label.color : normalizeColor(ctx.body.color);
    if (typeof ctx.body.description === "string") label.description = ctx.body.description;
    label.color = color;
    if (newName && newName !== label.name) {
      delete repo.labels[label.name.toLowerCase()];
      for (const issue of Object.values(repo.issues)) {
        issue.labels = issue.labels.map((n) => (n.toLowerCase() === label.name.toLowerCase() ? newName : n));
      }
      label.name = newName;
      repo.labels[newName.toLowerCase()] = label;
    }
    return { status: 200, body: labelJson(ctx.twin, repo, label) };
  },

  "issues/delete-label": (ctx) => {
    const repo = ctx.repo();
    const label = findLabel(repo, ctx.params.name ?? "");
    if (!label) throw notFound();
    delete repo.labels[label.name.toLowerCase()];
    for (const issue of Object.values(repo.issues)) {
      issue.labels = issue.labels.filter((n) => n.toLowerCase() !== label.name.toLowerCase());
    }
    return { status: 204 };
  },

  "issues/list-labels-on-issue": (ctx) => {
    const repo = ctx.repo();
    const issue = findIssue(repo, ctx.params.issue_number);
    const { page, headers } = paginate(ctx, issueLabels(repo, issue));
    return { status: 200, body: page.map((l) => labelJson(ctx.twin, repo, l)), headers };
  },

  "issues/add-labels": (ctx) => {
    const repo = ctx.repo();
    const issue = findIssue(repo, ctx.params.issue_number);
    // The body may be the list itself (an array) or { labels: [...] }; both arrive in ctx.body.
    const names = labelNames(ctx.body);
    if (names.length === 0) throw validationFailed("Label", "labels", "missing_field");
    attachLabels(ctx.twin, repo, { issue, names, login: ctx.actorLogin });
    return { status: 200, body: issueLabels(repo, issue).map((l) => labelJson(ctx.twin, repo, l)) };
  },

  "issues/remove-label": (ctx) => {
    const repo = ctx.repo();
    const issue = findIssue(repo, ctx.params.issue_number);
    if (!detachLabel(ctx.twin, repo, { issue, name: ctx.params.name ?? "", login: ctx.actorLogin })) {
      throw new GithubError(404, "Label does not exist");
    }
    return { status: 200, body: issueLabels(repo, issue).map((l) => labelJson(ctx.twin, repo, l)) };
  },
};
