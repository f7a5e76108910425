// Names shared by the App, the onboarding PR it writes and the Action it dispatches. Changing one is a
// migration for every installed repository, so they live in one place.

/** The workflow the App dispatches (plan and apply runs of our Action), in the user's repository. */
export const DISPATCH_WORKFLOW_PATH = ".github/workflows/devops-agent.yml";
/** The image build workflow the onboarding PR adds when the repository has none. */
export const BUILD_WORKFLOW_PATH = ".github/workflows/devops-agent-build.yml";
/** The issue form for domain setup; issues from it carry DOMAIN_LABEL. */
export const DOMAIN_FORM_PATH = ".github/ISSUE_TEMPLATE/devops-domain.yml";
export const DOMAIN_LABEL = "devops:domain";
export const ONBOARDING_BRANCH = "devops-agent/onboarding";

/** The App-owned check run that holds the plan (only the App can write it). */
export const PLAN_CHECK_NAME = "devops-agent/plan";
/** Marks the App's own sticky checklist comment; parsed only from comments the App wrote. */
export const CHECKLIST_MARKER = "<!-- devops-agent:checklist -->";
/** One ref per approval comment: creating it fails when the approval was already used. */
export const APPROVAL_REF_PREFIX = "refs/devops-agent/approvals/";
/** One ref per plan hash: the first approval of a plan dispatches; a racing second finds it taken. */
export const DISPATCH_REF_PREFIX = "refs/devops-agent/dispatched/";

/**
 * Our Action, pinned by commit in the workflows we generate (a tag can move; a SHA cannot). The pin is the
 * commit of the release the App was built from, set with DEVOPS_AGENT_ACTION_PIN at release; before the first
 * release there is none, so the default is all zeros, which GitHub would refuse and the sandbox's runner accepts.
 */
export const ACTION_REPOSITORY = "devops-agent/devops-agent";
export const ACTION_PIN = process.env.DEVOPS_AGENT_ACTION_PIN ?? "0".repeat(40);
export const DEFAULT_ENVIRONMENT = "production";

/** The provider credentials' secret names, in the Environment the dispatch workflow runs in (never the App). */
export const PROVIDER_SECRETS = {
  dokploy: "DOKPLOY_API_KEY",
  cloudflare: "CLOUDFLARE_API_TOKEN",
} as const;
