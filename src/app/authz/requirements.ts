// Every authorization rule of DESIGN.md ("Authorization rules" 1–8) as a requirement with an id. Tests cite the
// id in their names, `[id] allows …` for the positive case and `[id] refuses …` for the negative one, and
// test/unit/authz/coverage.test.ts fails when a requirement of this issue lacks either.

export interface Requirement {
  id: string;
  /** The rule's number in DESIGN.md "Authorization rules" (0: a principle outside that list). */
  rule: number;
  text: string;
  /** The issue that builds and proves it; absent: this one (issue 3, the App loop). */
  issue?: number;
}

export const REQUIREMENTS = [
  {
    id: "authz:commands-only-created",
    rule: 1,
    text: "Commands run only from issue_comment.created; an edit never runs a command.",
  },
  {
    id: "authz:edited-approve-void",
    rule: 1,
    text: "An /approve comment edited before the App checks it (updated_at ≠ created_at) is void.",
  },
  {
    id: "authz:labeled-needs-deploy-permission",
    rule: 1,
    text: "An issues.labeled event (devops:domain) counts only when the sender may run /devops deploy (push+).",
  },
  {
    id: "authz:workflow-run-read-only",
    rule: 1,
    text: "workflow_run triage is read-only and only posts.",
    issue: 5,
  },
  {
    id: "authz:bots-ignored",
    rule: 1,
    text: "Bots (login ending [bot] or type Bot) are ignored unless the default branch's policy names them.",
  },
  {
    id: "authz:permission-from-collaborator-api",
    rule: 2,
    text: "Permission comes from the collaborator permission API's user.permissions, never author_association or role_name.",
  },
  {
    id: "authz:deploy-needs-push",
    rule: 2,
    text: "/devops plan|deploy|logs|fix|rollback need push or above.",
  },
  {
    id: "authz:approve-needs-maintain",
    rule: 2,
    text: "/approve needs maintain or admin.",
  },
  {
    id: "authz:personal-repo-owner-approves",
    rule: 2,
    text: "On a personal repository only the owner approves.",
  },
  {
    id: "authz:approver-not-requester",
    rule: 2,
    text: "The approver is not who requested the plan (unless policy soloMaintainer).",
  },
  { id: "authz:approver-not-author", rule: 2, text: "The approver is not the pull request's author." },
  { id: "authz:approver-not-pusher", rule: 2, text: "The approver pushed no commit to the pull request." },
  {
    id: "authz:cancel-requester-or-maintainer",
    rule: 2,
    text: "/cancel by the requester or a maintainer (maintain/admin) only.",
  },
  {
    id: "authz:policy-from-default-branch",
    rule: 3,
    text: "Approvers, soloMaintainer, allowedZones, providers and bots come from .devops/policy.yml on the default branch only; a PR changing it is told it applies after merge.",
  },
  {
    id: "authz:approve-binds-current-plan",
    rule: 4,
    text: "/approve binds to the plan current when the comment was created, for the PR's current head.",
  },
  {
    id: "authz:approve-hash-prefix",
    rule: 4,
    text: "A hash prefix given with /approve must match the current plan's hash.",
  },
  {
    id: "authz:approval-single-use",
    rule: 4,
    text: "Each approval is used once: creating refs/devops-agent/approvals/<comment-id> fails when it was used.",
  },
  {
    id: "authz:racing-approvals-dispatch-once",
    rule: 4,
    text: "Two approvals of one plan dispatch exactly once (refs/devops-agent/dispatched/<hash>).",
  },
  {
    id: "authz:dispatch-default-branch-only",
    rule: 5,
    text: "Runs are dispatched on the default branch, with head SHA, plan hash and approval comment id as inputs.",
  },
  {
    id: "authz:action-reverifies",
    rule: 5,
    text: "The Action re-verifies approval, permission, separation of duties, head, plan hash and ref before any provider call.",
    issue: 4,
  },
  {
    id: "apply:approval-comment-valid",
    rule: 5,
    text: "Apply refuses unless the approval comment exists, is on this pull request, is an /approve and was never edited.",
    issue: 4,
  },
  {
    id: "apply:head-unchanged",
    rule: 5,
    text: "Apply refuses unless the pull request is open and its head is still the approved SHA.",
    issue: 4,
  },
  {
    id: "apply:plan-hash-matches-check",
    rule: 5,
    text: "Apply refuses unless the App's own check run holds a current plan hashing to the approved hash, written before the approval.",
    issue: 4,
  },
  {
    id: "apply:approval-names-this-run",
    rule: 5,
    text: "Apply refuses unless the approval's single-use ref exists at the head and the approved Deployment names this very run.",
    issue: 4,
  },
  {
    id: "apply:drift-refused",
    rule: 0,
    text: "A step whose live state is neither what the plan read nor what it wants stops the apply; nothing after it runs.",
    issue: 4,
  },
  {
    id: "secrets:never-posted",
    rule: 0,
    text: "No secret value, in any encoding, appears in a comment, log, step summary or check run.",
    issue: 4,
  },
  {
    id: "authz:secrets-in-environment",
    rule: 6,
    text: "Provider secrets live in an Environment limited to the default branch; doctor reports repository-level copies.",
    issue: 4,
  },
  {
    id: "authz:fork-plan-only",
    rule: 7,
    text: "A fork's pull request is planned, never approved or applied until merged.",
  },
  {
    id: "authz:one-apply-per-target",
    rule: 8,
    text: "One apply at a time per environment: an approval while one is queued or running is refused, visibly.",
  },
  {
    id: "plan:stale-after-push",
    rule: 0,
    text: "A push to the PR marks its plan stale (check run and checklist) and voids approvals, visibly.",
  },
  {
    id: "comments:untrusted-text-fenced",
    rule: 0,
    text: "Untrusted text quoted into a reply is fenced or code-spanned; logins never become raw @mentions.",
  },
] as const satisfies readonly Requirement[];

export type RequirementId = (typeof REQUIREMENTS)[number]["id"];

/** The requirements this issue (3) builds and proves. */
export function requirementsOfThisIssue(): readonly Requirement[] {
  return (REQUIREMENTS as readonly Requirement[]).filter((r) => r.issue === undefined);
}
