// Container package versions (GHCR), by owner kind: an organization, a user, or the authenticated user.
// GitHub serves these to users (read access to the linked repository) and to GITHUB_TOKEN with
// `packages: read`, but not to GitHub App installation tokens, whatever their permissions.
import { GithubError } from "../errors.ts";
import { paginate } from "../paginate.ts";
import type { PackageVersion, Repo } from "../state.ts";
import { type HandlerContext, type HandlerTable, levelAllows } from "../twin.ts";

type OwnerKind = "orgs" | "users";

function packageNotFound(): GithubError {
  return new GithubError(404, "Package not found.");
}

/** The repository the package is linked to, when the caller may read it. */
function visiblePackage(ctx: HandlerContext, owner: string): { repo: Repo; versions: PackageVersion[] } {
  const identity = ctx.identity;
  if (identity.kind === "installation") throw new GithubError(403, "Resource not accessible by integration");
  if (ctx.params.package_type !== "container") throw packageNotFound();
  const name = ctx.params.package_name ?? "";
  const repo = Object.values(ctx.world.repos).find(
    (r) => r.ownerLogin.toLowerCase() === owner.toLowerCase() && r.packages[name] !== undefined,
  );
  const versions = repo?.packages[name];
  if (!repo || !versions) throw packageNotFound();
  const readable =
    identity.kind === "user"
      ? ctx.twin.roleOf(repo, identity.login) !== null
      : identity.kind === "run" &&
        (identity.token.repositoryIds?.includes(repo.id) ?? false) &&
        levelAllows(identity.token.permissions?.packages, "read");
  if (!readable) throw packageNotFound();
  return { repo, versions };
}

function listVersions(ctx: HandlerContext, kind: OwnerKind, owner: string) {
  const account = ctx.world.users[owner.toLowerCase()];
  if (!account || (kind === "orgs") !== (account.type === "Organization")) throw packageNotFound();
  const { versions } = visiblePackage(ctx, account.login);
  const name = ctx.params.package_name ?? "";
  // Versions are never deleted in the twin, so `state=deleted` lists none.
  const wanted =
    (ctx.query.get("state") ?? "active") === "active" ? [...versions].sort((a, b) => b.id - a.id) : [];
  const { page, headers } = paginate(ctx, wanted);
  const api = `${ctx.twin.url}/${kind}/${account.login}/packages/container/${encodeURIComponent(name)}`;
  const web = `${ctx.twin.url}/_web/${kind}/${account.login}/packages/container`;
  return {
    status: 200,
    headers,
    body: page.map((version) => ({
      id: version.id,
      name: version.name,
      url: `${api}/versions/${version.id}`,
      package_html_url: `${web}/package/${encodeURIComponent(name)}`,
      html_url: `${web}/${encodeURIComponent(name)}/${version.id}`,
      created_at: version.createdAt,
      updated_at: version.updatedAt,
      metadata: { package_type: "container", container: { tags: version.tags } },
    })),
  };
}

export const packageHandlers: HandlerTable = {
  "packages/get-all-package-versions-for-package-owned-by-org": (ctx) =>
    listVersions(ctx, "orgs", ctx.params.org ?? ""),
  "packages/get-all-package-versions-for-package-owned-by-user": (ctx) =>
    listVersions(ctx, "users", ctx.params.username ?? ""),
  "packages/get-all-package-versions-for-package-owned-by-authenticated-user": (ctx) => {
    if (ctx.identity.kind !== "user") throw new GithubError(403, "Resource not accessible by integration");
    return listVersions(ctx, "users", ctx.identity.login);
  },
};
