// Seeding the twin's world from code: users, Apps, installations, repositories with files.
// Tests, the demo and `npm start` build their scenarios with these; everything after goes through the API.
import { commitFiles, type Signature } from "./git.ts";
import { newSecretBox } from "./secret-box.ts";
import type { App, Installation, PermissionLevel, Repo, Role, User } from "./state.ts";
import type { GithubTwin } from "./twin.ts";

export function addUser(
  twin: GithubTwin,
  options: { login: string; type?: User["type"]; name?: string },
): { user: User; token: string } {
  const key = options.login.toLowerCase();
  const user: User = twin.world.users[key] ?? {
    id: twin.nextId(),
    login: options.login,
    type: options.type ?? "User",
    name: options.name ?? options.login,
    email: `${options.login}@users.noreply.github.com`,
  };
  twin.world.users[key] = user;
  const token = twin.issueToken({
    kind: "user",
    login: user.login,
    prefix: "ghp",
    ttlMs: 365 * 24 * 3600_000,
  });
  return { user, token: token.token };
}

export function addApp(
  twin: GithubTwin,
  options: {
    slug: string;
    ownerLogin: string;
    publicKeyPem: string;
    webhookUrl?: string | null;
    webhookSecret: string;
    permissions: Record<string, PermissionLevel>;
    events: string[];
    id?: number;
  },
): App {
  const app: App = {
    id: options.id ?? twin.nextId(),
    slug: options.slug,
    name: options.slug,
    ownerLogin: options.ownerLogin,
    publicKeyPem: options.publicKeyPem,
    webhookUrl: options.webhookUrl ?? null,
    webhookSecret: options.webhookSecret,
    permissions: options.permissions,
    events: options.events,
  };
  twin.world.apps[app.id] = app;
  addUser(twin, { login: `${app.slug}[bot]`, type: "Bot" });
  return app;
}

/** Installs an App on an account; emits `installation.created` (a webhook when the App has a URL). */
export function installApp(
  twin: GithubTwin,
  options: { appId: number; account: string; repositories: "all" | string[]; senderLogin?: string },
): Installation {
  const app = twin.world.apps[options.appId];
  if (!app) throw new Error(`no app ${options.appId}`);
  const repositoryIds =
    options.repositories === "all"
      ? []
      : options.repositories.map((name) => {
          const repo = twin.repoByName(name.includes("/") ? name : `${options.account}/${name}`);
          if (!repo) throw new Error(`no repository ${name}`);
          return repo.id;
        });
  const installation: Installation = {
    id: twin.nextId(),
    appId: app.id,
    accountLogin: options.account,
    repositorySelection: options.repositories === "all" ? "all" : "selected",
    repositoryIds,
    permissions: { ...app.permissions },
    createdAt: twin.now(),
  };
  twin.world.installations[installation.id] = installation;
  twin.events.emit("installation", {
    action: "created",
    installationId: installation.id,
    senderLogin: options.senderLogin ?? options.account,
  });
  return installation;
}

export function createRepo(
  twin: GithubTwin,
  options: {
    owner: string;
    name: string;
    private?: boolean;
    description?: string;
    defaultBranch?: string;
    files?: Record<string, string | Buffer>;
    collaborators?: Record<string, Role>;
    author?: Signature;
  },
): Repo {
  const key = `${options.owner}/${options.name}`.toLowerCase();
  if (twin.world.repos[key]) throw new Error(`repository ${key} exists`);
  if (!twin.world.users[options.owner.toLowerCase()]) addUser(twin, { login: options.owner });
  const now = twin.now();
  const repo: Repo = {
    id: twin.nextId(),
    ownerLogin: options.owner,
    name: options.name,
    private: options.private ?? true,
    description: options.description ?? null,
    defaultBranch: options.defaultBranch ?? "main",
    createdAt: now,
    updatedAt: now,
    pushedAt: now,
    collaborators: { ...options.collaborators },
    objects: {},
    refs: {},
    protectedBranches: [],
    issues: {},
    nextIssueNumber: 1,
    comments: {},
    labels: {},
    checkRuns: {},
    deployments: {},
    secretBox: newSecretBox(),
    secrets: {},
    variables: {},
    environments: {},
    runs: {},
    jobs: {},
    nextRunNumber: {},
    packages: {},
  };
  for (const login of Object.keys(repo.collaborators)) {
    if (!twin.world.users[login.toLowerCase()]) addUser(twin, { login });
  }
  twin.world.repos[key] = repo;
  const author = options.author ?? signature(twin, options.owner);
  commitFiles(repo, {
    branch: repo.defaultBranch,
    files: options.files ?? { "README.md": `# ${options.name}\n` },
    message: "Initial commit",
    author,
  });
  return repo;
}

export function signature(twin: GithubTwin, login: string): Signature {
  const user = twin.world.users[login.toLowerCase()];
  return {
    name: user?.name ?? login,
    email: user?.email ?? `${login}@users.noreply.github.com`,
    date: twin.now(),
    login,
  };
}

/** A push by a person (as `git push` would do it): commits files on a branch and emits `push`. */
export function pushFiles(
  twin: GithubTwin,
  options: {
    repo: string;
    branch: string;
    files: Record<string, string | Buffer | null>;
    message: string;
    login: string;
    from?: string;
  },
): { before: string | null; after: string } {
  const repo = twin.repoByName(options.repo);
  if (!repo) throw new Error(`no repository ${options.repo}`);
  const result = commitFiles(repo, {
    branch: options.branch,
    files: options.files,
    message: options.message,
    author: signature(twin, options.login),
    from: options.from ?? repo.defaultBranch,
  });
  repo.pushedAt = twin.now();
  twin.events.emit("push", {
    repoFullName: `${repo.ownerLogin}/${repo.name}`,
    ref: `refs/heads/${options.branch}`,
    before: result.before,
    after: result.after,
    pusherLogin: options.login,
  });
  return result;
}
