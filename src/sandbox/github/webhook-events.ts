// The one list of webhook events and actions the twin delivers. `node scripts/gen-webhook-spec.ts` cuts GitHub's
// webhook description down to exactly these; a payload for anything else cannot be validated, so is not sent.
export const deliveredWebhooks = [
  "installation.created",
  "issue_comment.created",
  "issue_comment.edited",
  "pull_request.opened",
  "pull_request.synchronize",
  "pull_request.closed",
  "pull_request.reopened",
  "issues.opened",
  "issues.labeled",
  "workflow_run.requested",
  "workflow_run.in_progress",
  "workflow_run.completed",
  "push",
] as const;

export type DeliveredWebhook = (typeof deliveredWebhooks)[number];
