// The authorization decisions, pure: facts in (access from the permission API, policy from the default
// branch, who requested, authored and pushed), a refusal out. Handlers gather the facts and act on the answer.
import type { Policy } from "../../config/schema.ts";
import { inlineCode } from "../markdown.ts";
import { type Access, atLeast } from "./permission.ts";
import type { RequirementId } from "./requirements.ts";

export interface Refusal {
  id: RequirementId;
  /** Why, in a clause: "approvers need maintain or admin; `@wes` has push". Logins already code-spanned. */
  reason: string;
}

/** A login as we show it: in a code span, so it can never ping anyone or inject Markdown. */
export function who(login: string): string {
  return inlineCode(`@${login}`);
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function isBot(user: { login: string; type?: string }): boolean {
  return user.type === "Bot" || user.login.endsWith("[bot]");
}

/** Bots are ignored unless the default branch's policy names them; our own App is never obeyed. */
export function botIgnored(options: {
  user: { login: string; type?: string };
  policy: Policy;
  appSlug: string;
}): boolean {
  const { user, policy, appSlug } = options;
  if (same(user.login, `${appSlug}[bot]`)) return true;
  if (!isBot(user)) return false;
  return !policy.bots.some((bot) => same(bot, user.login));
}

/** /devops plan|deploy|logs|fix|rollback|init: push or above. */
export function operatorRefusal(options: {
  login: string;
  access: Access;
  command: string;
}): Refusal | undefined {
  if (atLeast(options.access, "push")) return undefined;
  return {
    id: "authz:deploy-needs-push",
    reason: `${options.command} needs push (write) access or above; ${who(options.login)} has ${options.access}`,
  };
}

export interface ApproverFacts {
  login: string;
  access: Access;
  repository: { ownerLogin: string; ownerType: string };
  policy: Policy;
  /** Who asked for the plan (the author of the /devops deploy comment the plan's check run links to). */
  requester: string;
  prAuthor: string;
  /** Author and committer logins of every commit of the pull request. */
  pushers: string[];
  defaultBranch: string;
}

export function approverRefusal(facts: ApproverFacts): Refusal | undefined {
  const { login, access, repository, policy } = facts;
  const me = who(login);
  if (!atLeast(access, "maintain")) {
    return {
      id: "authz:approve-needs-maintain",
      reason: `approvers need maintain or admin; ${me} has ${access}`,
    };
  }
  // A personal repository has no maintain role on GitHub: its owner is the only one who may approve.
  if (repository.ownerType !== "Organization" && !same(login, repository.ownerLogin)) {
    return {
      id: "authz:personal-repo-owner-approves",
      reason: `on a personal repository only its owner ${who(repository.ownerLogin)} approves`,
    };
  }
  if (policy.approvers && !policy.approvers.some((a) => same(a, login))) {
    return {
      id: "authz:policy-from-default-branch",
      reason:
        `the policy on ${facts.defaultBranch} (.devops/policy.yml) names the approvers: ` +
        `${policy.approvers.map(who).join(", ") || "nobody"}`,
    };
  }
  if (same(login, facts.requester) && !policy.soloMaintainer) {
    return {
      id: "authz:approver-not-requester",
      reason: `${me} requested this plan, and the approver must be someone else`,
    };
  }
  if (same(login, facts.prAuthor)) {
    return {
      id: "authz:approver-not-author",
      reason: `${me} opened this pull request, and the approver must be someone else`,
    };
  }
  if (facts.pushers.some((p) => same(p, login))) {
    return {
      id: "authz:approver-not-pusher",
      reason: `${me} authored or committed commits of this pull request, and the approver must not have`,
    };
  }
  return undefined;
}

/** /cancel: the requester, or a maintainer (maintain or admin). */
export function cancelRefusal(options: {
  login: string;
  access: Access;
  requester: string;
}): Refusal | undefined {
  if (same(options.login, options.requester) || atLeast(options.access, "maintain")) return undefined;
  return {
    id: "authz:cancel-requester-or-maintainer",
    reason: `only the requester ${who(options.requester)} or a maintainer may cancel; ${who(options.login)} has ${options.access}`,
  };
}
