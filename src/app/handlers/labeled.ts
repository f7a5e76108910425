// `issues.labeled` with the domain label: it counts only when the sender may run `/devops deploy` (push or
// above); anyone who can merely label (triage) gets a refusal. The domain plan itself is not built yet.
import { getAccess } from "../authz/permission.ts";
import { operatorRefusal, who } from "../authz/rules.ts";
import { inlineCode } from "../markdown.ts";
import { DOMAIN_LABEL } from "../names.ts";
import type { GithubApi } from "../plan-store.ts";
import type { RepoFacts } from "./context.ts";

export async function handleDomainLabel(options: {
  octokit: GithubApi;
  repository: RepoFacts;
  issueNumber: number;
  sender: string;
}): Promise<"accepted" | "refused"> {
  const { octokit, repository, issueNumber, sender } = options;
  const { owner, repo } = repository;
  const access = await getAccess({ octokit, owner, repo, login: sender });
  const refusal = operatorRefusal({
    login: sender,
    access,
    command: `labelling ${inlineCode(DOMAIN_LABEL)}`,
  });
  const body = refusal
    ? `${who(sender)} cannot request a domain setup: ${refusal.reason}. Ask someone with write access to add the label.`
    : `Domain setup requested by ${who(sender)}. Domain plans are not available yet; nothing was changed.`;
  await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  return refusal ? "refused" : "accepted";
}
