// POST token: the approved apply run gets a short-lived installation token for its own repository that can
// write its Environments' secrets and variables and nothing else (GITHUB_TOKEN cannot write secrets; the
// variable holds the secret's fingerprint, see the GitHub provider). The token is never logged.
import type { TokenRequest } from "../../bridge/protocol.ts";
import { httpStatus } from "../authz/http-status.ts";
import type { HandlerLog } from "../handlers/context.ts";
import type { GithubApi } from "../plan-store.ts";
import { approvedRun } from "./approved-run.ts";
import { type BridgeCaller, BridgeRefusal } from "./verify.ts";

/**
 * The deploy token is an Environment secret (DESIGN rule 6) and its fingerprint an Environment variable: GitHub
 * files both under the `environments` permission ("Fine-grained access" of each endpoint), not under `secrets`
 * or `actions_variables`, which cover repository-level ones. The App needs `environments: write` for this.
 */
export const SECRETS_TOKEN_PERMISSIONS = { environments: "write" } as const;

export async function handleToken(options: {
  caller: BridgeCaller;
  appOctokit: GithubApi;
  body: TokenRequest;
  log: HandlerLog;
}): Promise<{ token: string; expiresAt: string }> {
  const { caller, appOctokit, body, log } = options;
  const { owner, repo } = caller.repository;
  await approvedRun({ caller, planHash: body.planHash, pr: body.pr });
  const { data } = await appOctokit.rest.apps
    .createInstallationAccessToken({
      installation_id: caller.installationId,
      repositories: [repo],
      permissions: { ...SECRETS_TOKEN_PERMISSIONS },
    })
    .catch((error: unknown) => {
      // GitHub answers 422 when the installation was not granted what is asked.
      if (httpStatus(error) !== 422) throw error;
      throw new BridgeRefusal(
        403,
        `the App's installation on ${owner}/${repo} lacks environments: write, which storing the deploy ` +
          "token needs: an owner accepts the App's updated permissions in the installation's settings",
      );
    });
  log.info(
    `issued a ${body.purpose} token (environments: write on ${owner}/${repo} only, ` +
      `expires ${data.expires_at}) to run ${caller.runId} of plan ${body.planHash.slice(0, 12)} ` +
      `(actor ${caller.claims.actor ?? "unknown"})`,
  );
  return { token: data.token, expiresAt: data.expires_at };
}
