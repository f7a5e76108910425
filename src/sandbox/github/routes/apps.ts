// GitHub Apps: the App itself and its installations (App JWT only), installation access tokens narrowed by
// repository and permission, the repositories an installation token reaches, and the rate limit.
import { GithubError, notFound } from "../errors.ts";
import { paginate } from "../paginate.ts";
import { nodeId, repository, simpleUser } from "../serialize.ts";
import type { App, Installation, PermissionLevel, Repo } from "../state.ts";
import { type GithubTwin, type HandlerContext, type HandlerTable, levelAllows } from "../twin.ts";

/** GitHub's own id for the `github-actions` App, whose installation GITHUB_TOKEN belongs to. */
export const GITHUB_ACTIONS_APP_ID = 15368;
// The world does not record when an App was registered; GitHub requires the timestamps, so a fixed one.
const APP_REGISTERED_AT = "2024-01-01T00:00:00Z";

/** The `integration` shape (apps/get-authenticated, check_run.app, performed_via_github_app). */
export function integration(twin: GithubTwin, appId: number): Record<string, unknown> | null {
  const app: App | undefined = twin.world.apps[appId];
  if (!app && appId !== GITHUB_ACTIONS_APP_ID) return null;
  const slug = app?.slug ?? "github-actions";
  const installations = Object.values(twin.world.installations).filter((i) => i.appId === appId).length;
  return {
    id: appId,
    slug,
    node_id: nodeId("Integration", appId),
    client_id: `Iv23${appId.toString(16).padStart(16, "0")}`,
    owner: simpleUser(twin, app?.ownerLogin ?? "github"),
    name: app?.name ?? "GitHub Actions",
    description: null,
    external_url: `${twin.url}/_web/apps/${slug}`,
    html_url: `${twin.url}/_web/apps/${slug}`,
    created_at: APP_REGISTERED_AT,
    updated_at: APP_REGISTERED_AT,
    permissions: app?.permissions ?? {},
    events: app?.events ?? [],
    installations_count: installations,
  };
}

/** Installation permissions as GitHub lists them: only read/write (an `admin` grant is served as write). */
function listedPermissions(permissions: Record<string, PermissionLevel>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(permissions).map(([name, level]) => [name, level === "admin" ? "write" : level]),
  );
}

function installationBody(twin: GithubTwin, installation: Installation): Record<string, unknown> {
  const app = twin.world.apps[installation.appId];
  const account = twin.world.users[installation.accountLogin.toLowerCase()];
  return {
    id: installation.id,
    // apps/list-installations' description joins the user and enterprise shapes with allOf (GitHub's own
    // inaccuracy), so the account carries the enterprise keys too: a superset that satisfies both.
    account: {
      ...simpleUser(twin, installation.accountLogin),
      name: account?.name ?? installation.accountLogin,
      slug: installation.accountLogin.toLowerCase(),
      created_at: installation.createdAt,
      updated_at: installation.createdAt,
    },
    repository_selection: installation.repositorySelection,
    access_tokens_url: `${twin.url}/app/installations/${installation.id}/access_tokens`,
    repositories_url: `${twin.url}/installation/repositories`,
    html_url: `${twin.url}/_web/settings/installations/${installation.id}`,
    app_id: installation.appId,
    client_id: `Iv23${installation.appId.toString(16).padStart(16, "0")}`,
    target_id: account?.id ?? 0,
    target_type: account?.type === "Organization" ? "Organization" : "User",
    permissions: listedPermissions(installation.permissions),
    events: app?.events ?? [],
    created_at: installation.createdAt,
    updated_at: installation.createdAt,
    single_file_name: null,
    app_slug: app?.slug ?? "",
    suspended_by: null,
    suspended_at: null,
  };
}

function appIdOf(ctx: HandlerContext): number {
  if (ctx.identity.kind !== "app") throw new GithubError(401, "A JSON web token could not be decoded");
  return ctx.identity.appId;
}

function ownInstallation(ctx: HandlerContext): Installation {
  const installation = ctx.world.installations[Number(ctx.params.installation_id)];
  if (!installation || installation.appId !== appIdOf(ctx)) throw notFound();
  return installation;
}

/** Every repository an installation covers, in id order. */
export function installationRepos(twin: GithubTwin, installation: Installation): Repo[] {
  return Object.values(twin.world.repos)
    .filter((repo) => repo.ownerLogin.toLowerCase() === installation.accountLogin.toLowerCase())
    .filter(
      (repo) => installation.repositorySelection === "all" || installation.repositoryIds.includes(repo.id),
    )
    .sort((a, b) => a.id - b.id);
}

/** Resolves the repositories a token request names; each must be one the installation covers. */
function narrowedRepos(ctx: HandlerContext, installation: Installation): Repo[] | undefined {
  const names = ctx.body.repositories as string[] | undefined;
  const ids = ctx.body.repository_ids as number[] | undefined;
  if (names === undefined && ids === undefined) return undefined;
  const covered = installationRepos(ctx.twin, installation);
  const wanted = [
    ...(names ?? []).map((name) => covered.find((r) => r.name.toLowerCase() === name.toLowerCase())),
    ...(ids ?? []).map((id) => covered.find((r) => r.id === id)),
  ];
  if (wanted.some((r) => r === undefined)) {
    throw new GithubError(
      422,
      "There is at least one repository that does not exist or is not accessible to the parent installation.",
    );
  }
  return [...new Map((wanted as Repo[]).map((r) => [r.id, r])).values()];
}

/** A token may ask for less than the installation holds, never more. */
function narrowedPermissions(
  ctx: HandlerContext,
  installation: Installation,
): Record<string, PermissionLevel> {
  const asked = ctx.body.permissions as Record<string, PermissionLevel> | undefined;
  if (asked === undefined) return { ...installation.permissions };
  for (const [name, level] of Object.entries(asked)) {
    if (!levelAllows(installation.permissions[name], level)) {
      throw new GithubError(422, "The permissions requested are not granted to this installation.");
    }
  }
  // Every installation token can read metadata.
  const metadata = installation.permissions.metadata;
  return { ...(metadata ? { metadata } : {}), ...asked };
}

export const appHandlers: HandlerTable = {
  "apps/get-authenticated": (ctx) => ({ status: 200, body: integration(ctx.twin, appIdOf(ctx)) }),

  "apps/list-installations": (ctx) => {
    const appId = appIdOf(ctx);
    const installations = Object.values(ctx.world.installations)
      .filter((i) => i.appId === appId)
      .sort((a, b) => a.id - b.id)
      .map((i) => installationBody(ctx.twin, i));
    const { page, headers } = paginate(ctx, installations);
    return { status: 200, body: page, headers };
  },

  "apps/get-installation": (ctx) => ({ status: 200, body: installationBody(ctx.twin, ownInstallation(ctx)) }),

  "apps/get-repo-installation": (ctx) => {
    const repo = ctx.repo();
    const appId = appIdOf(ctx);
    const installation = Object.values(ctx.world.installations).find(
      (i) => i.appId === appId && installationRepos(ctx.twin, i).some((r) => r.id === repo.id),
    );
    if (!installation) throw notFound();
    return { status: 200, body: installationBody(ctx.twin, installation) };
  },

  "apps/create-installation-access-token": (ctx) => {
    const installation = ownInstallation(ctx);
    const repos = narrowedRepos(ctx, installation);
    const permissions = narrowedPermissions(ctx, installation);
    const token = ctx.twin.issueToken({
      kind: "installation",
      installationId: installation.id,
      ...(repos ? { repositoryIds: repos.map((r) => r.id) } : {}),
      permissions,
      prefix: "ghs",
      ttlMs: 3600_000,
    });
    return {
      status: 201,
      body: {
        token: token.token,
        expires_at: token.expiresAt,
        permissions: listedPermissions(permissions),
        repository_selection: repos ? "selected" : installation.repositorySelection,
        ...(repos ? { repositories: repos.map((r) => repository(ctx.twin, r)) } : {}),
      },
    };
  },

  "apps/list-repos-accessible-to-installation": (ctx) => {
    if (ctx.identity.kind === "anonymous") throw new GithubError(401, "Requires authentication");
    if (ctx.identity.kind !== "installation") {
      throw new GithubError(
        403,
        "You must authenticate with an installation access token in order to list repositories for an installation.",
      );
    }
    const installation = ctx.world.installations[ctx.identity.installationId] as Installation;
    const allowed = ctx.identity.token.repositoryIds;
    const repos = installationRepos(ctx.twin, installation).filter((r) => !allowed || allowed.includes(r.id));
    const { page, headers } = paginate(ctx, repos);
    return {
      status: 200,
      body: {
        total_count: repos.length,
        repositories: page.map((r) => repository(ctx.twin, r)),
        repository_selection: allowed ? "selected" : installation.repositorySelection,
      },
      headers,
    };
  },

  "rate-limit/get": (ctx) => {
    // The same figures the twin sends in every response's x-ratelimit-* headers.
    const reset = Math.floor(ctx.twin.clock.now().getTime() / 1000) + 3600;
    const used = ctx.twin.exchanges.length % 5000;
    const core = { limit: 5000, used, remaining: 5000 - used, reset };
    const search = {
      limit: 30,
      used: 0,
      remaining: 30,
      reset: Math.floor(ctx.twin.clock.now().getTime() / 1000) + 60,
    };
    const graphql = { limit: 5000, used: 0, remaining: 5000, reset };
    return { status: 200, body: { resources: { core, search, graphql }, rate: core } };
  },
};
