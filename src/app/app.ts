// The devops-agent GitHub App: Probot handlers that translate events into kernel calls. Thin: each event is
// turned into a CommandContext (or handler options) and handed to src/app/handlers; nothing is kept between
// deliveries (GitHub is the database), so any number of instances can serve any webhook.
import type { ApplicationFunction, Context, Probot } from "probot";
import { isBot } from "./authz/rules.ts";
import { HELP } from "./commands/help.ts";
import { parseCommand } from "./commands/parse.ts";
import { routeCommand } from "./commands/route.ts";
import type { AppIdentity, AppOptions, CommandContext, RepoFacts } from "./handlers/context.ts";
import { handleDomainLabel } from "./handlers/labeled.ts";
import { handlePush } from "./handlers/stale.ts";
import { DOMAIN_LABEL } from "./names.ts";
import { registerOnboarding } from "./onboarding/index.ts";
import { type OnboardingOctokit, openOnboardingPr } from "./onboarding/open-pr.ts";
import type { GithubApi } from "./plan-store.ts";
import { registerTriage } from "./triage/index.ts";

export type { AppOptions };
export { HELP };

export function createDevopsAgentApp(options: AppOptions = {}): ApplicationFunction {
  return (app: Probot) => {
    registerOnboarding(app, options.publicUrl ? { appUrl: options.publicUrl } : {});
    registerTriage(app, { fetch: options.fetch });
    const identity = appIdentity(app);

    // Commands come from new comments only: an edit (issue_comment.edited) never runs anything.
    app.on("issue_comment.created", async (context) => {
      const parsed = parseCommand(context.payload.comment.body);
      if (parsed.kind === "none") return;
      const ctx = commandContext(context, await identity(), options);
      await routeCommand(ctx, parsed, {
        openOnboarding: () =>
          openOnboardingPr({
            octokit: context.octokit as OnboardingOctokit,
            owner: ctx.repository.owner,
            repo: ctx.repository.repo,
            log: { info: (message) => context.log.info(message) },
          }),
      });
    });

    app.on("pull_request.synchronize", async (context) => {
      const { payload } = context;
      await handlePush({
        octokit: context.octokit as unknown as GithubApi,
        repository: repoFacts(payload.repository),
        app: await identity(),
        pullNumber: payload.pull_request.number,
        before: payload.before,
        after: payload.after,
        log: context.log,
      });
    });

    app.on("issues.labeled", async (context) => {
      const { payload } = context;
      if (payload.label?.name !== DOMAIN_LABEL || isBot(payload.sender)) return;
      await handleDomainLabel({
        octokit: context.octokit as unknown as GithubApi,
        repository: repoFacts(payload.repository),
        issueNumber: payload.issue.number,
        sender: payload.sender.login,
      });
    });
  };
}

/** The App as GitHub reaches it: images resolved on GHCR. The sandbox passes its registry through createDevopsAgentApp. */
export const devopsAgentApp: ApplicationFunction = createDevopsAgentApp();

/** The App's id and slug, asked once per process (the App JWT's `GET /app`), for "is this check run ours". */
function appIdentity(app: Probot): () => Promise<AppIdentity> {
  let pending: Promise<AppIdentity> | undefined;
  return () => {
    pending ??= (async () => {
      const octokit = await app.auth();
      const { data } = await octokit.rest.apps.getAuthenticated();
      if (!data) throw new Error("GET /app answered without the App");
      return { id: data.id, slug: data.slug ?? "devops-agent" };
    })();
    pending.catch(() => {
      pending = undefined;
    });
    return pending;
  };
}

interface RepositoryPayload {
  name: string;
  default_branch: string;
  owner: { login: string; type?: string };
}

function repoFacts(repository: RepositoryPayload): RepoFacts {
  return {
    owner: repository.owner.login,
    repo: repository.name,
    defaultBranch: repository.default_branch,
    ownerType: repository.owner.type ?? "User",
  };
}

function commandContext(
  context: Context<"issue_comment.created">,
  app: AppIdentity,
  options: AppOptions,
): CommandContext {
  const { payload } = context;
  const octokit = context.octokit as unknown as GithubApi;
  const repository = repoFacts(payload.repository);
  return {
    octokit,
    repository,
    issueNumber: payload.issue.number,
    isPullRequest: Boolean(payload.issue.pull_request),
    comment: {
      id: payload.comment.id,
      body: payload.comment.body,
      createdAt: payload.comment.created_at,
      updatedAt: payload.comment.updated_at,
      htmlUrl: payload.comment.html_url,
    },
    sender: { login: payload.sender.login, type: payload.sender.type },
    app,
    options,
    installationToken: async () => {
      const auth = (await context.octokit.auth({ type: "installation" })) as { token: string };
      return auth.token;
    },
    log: { info: (m) => context.log.info(m), warn: (m) => context.log.warn(m) },
    reply: async (body) => {
      await octokit.rest.issues.createComment({
        owner: repository.owner,
        repo: repository.repo,
        issue_number: payload.issue.number,
        body,
      });
    },
  };
}
