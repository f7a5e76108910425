// The run bridge's wire protocol: what the Action, running on the user's runner, may ask of the App. The App
// owns the plan's check run and the checklist comment (the Action's GITHUB_TOKEN can edit neither) and can mint
// installation tokens (GITHUB_TOKEN cannot write Actions secrets), so the Action asks it over HTTPS, proving
// who it is with its Actions OIDC token. Both sides validate every body with these schemas.
import { z } from "zod";
import type { LiveState } from "../providers/types.ts";

export const BRIDGE_PREFIX = "/api/devops-agent/";
export const BRIDGE_PATHS = {
  planReport: `${BRIDGE_PREFIX}plan-report`,
  progress: `${BRIDGE_PREFIX}progress`,
  token: `${BRIDGE_PREFIX}token`,
  doctor: `${BRIDGE_PREFIX}doctor`,
} as const;

/** A live diff of a large plan stays far below this; anything bigger is refused before it is parsed. */
export const MAX_BODY_BYTES = 256 * 1024;
/** Detail text shown in the thread: the Action redacts and folds it; the App cuts it to this. */
export const MAX_DETAIL_CHARS = 4000;

const sha1 = z.string().regex(/^[0-9a-f]{40}$/, "a 40-character lowercase hex commit SHA");
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a 64-character lowercase hex plan hash");
const pr = z.number().int().positive();
/** `<provider>.<action>:<target>`: bounded so a body cannot smuggle text through keys. */
const stepId = z.string().min(1).max(300);

export const liveStateSchema = z.union([
  z.strictObject({ exists: z.literal(false) }),
  z.strictObject({
    exists: z.literal(true),
    ours: z.boolean(),
    // Present even when empty: an existing resource whose state is missing cannot be judged.
    state: z.unknown().refine((value) => value !== undefined, "required when exists is true"),
  }),
]);

export const planReportRequestSchema = z.strictObject({
  pr,
  headSha: sha1,
  planHash: sha256,
  live: z.record(stepId, liveStateSchema),
  /** Things the approver should know that are not a change (e.g. a proxied record whose zone SSL mode would loop). */
  warnings: z.array(z.string().max(1000)).max(20).optional(),
});
/** As validated, with the providers' LiveState (whose `state` is any JSON value). */
export type PlanReportRequest = Omit<z.infer<typeof planReportRequestSchema>, "live"> & {
  live: Record<string, LiveState>;
};

export const planReportResponseSchema = z.object({ planHash: sha256 });
export type PlanReportResponse = z.infer<typeof planReportResponseSchema>;

export const stepStatusSchema = z.enum(["pending", "done", "skipped", "failed"]);
export const runStatusSchema = z.enum(["applying", "done", "failed"]);

/** A plan has a dozen steps; these bounds keep a body from filling the check run it is stored in. */
export const MAX_UNDO_RECORDS = 100;
export const MAX_UNDO_JSON_CHARS = 32 * 1024;

/** One applied step's undo as the runner recorded it (src/runner/apply.ts UndoRecord). */
export const undoRecordSchema = z.strictObject({
  stepId,
  provider: z.enum(["dokploy", "cloudflare", "github", "verify"]),
  action: z
    .string()
    .max(100)
    .regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/, "a provider action such as `dns-record.delete`"),
  target: z.string().min(1).max(300),
  // null is a state (absent); a missing key is not.
  state: z.unknown().refine((value) => value !== undefined, "required (null when nothing was there)"),
});
/** As validated, with the runner's UndoRecord `state` (any JSON value, null included). */
export type UndoRecordBody = Omit<z.infer<typeof undoRecordSchema>, "state"> & { state: unknown };

export const progressRequestSchema = z
  .strictObject({
    pr,
    planHash: sha256,
    steps: z.record(stepId, stepStatusSchema),
    status: runStatusSchema,
    detail: z.string().max(MAX_DETAIL_CHARS).optional(),
    /** The final call's undo records, newest first: what a `/devops rollback` plans. */
    undo: z
      .array(undoRecordSchema)
      .max(MAX_UNDO_RECORDS)
      .refine(
        (records) => JSON.stringify(records).length <= MAX_UNDO_JSON_CHARS,
        `at most ${MAX_UNDO_JSON_CHARS} characters of JSON`,
      )
      .optional(),
  })
  .refine((body) => body.undo === undefined || body.status !== "applying", {
    message: "undo records come with the final call (status done or failed) only",
    path: ["undo"],
  });
export type ProgressRequest = Omit<z.infer<typeof progressRequestSchema>, "undo"> & {
  undo?: UndoRecordBody[];
};

export const progressResponseSchema = z.object({ planHash: sha256, status: runStatusSchema });
export type ProgressResponse = z.infer<typeof progressResponseSchema>;

export const tokenRequestSchema = z.strictObject({
  pr,
  planHash: sha256,
  purpose: z.literal("secrets"),
});
export type TokenRequest = z.infer<typeof tokenRequestSchema>;

export const tokenResponseSchema = z.object({ token: z.string().min(1), expiresAt: z.string() });
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/** GitHub's rule for Environment names (no path or glob characters), so a name cannot reach another endpoint. */
const environmentName = z.string().regex(/^[^/\\:*?"<>|]{1,255}$/, "an Environment name");
const secretName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,254}$/, "an Actions secret name");

/** doctor: where the provider secrets live, which the job token cannot see (it cannot list secrets). */
export const doctorRequestSchema = z.strictObject({ environment: environmentName });
export type DoctorRequest = z.infer<typeof doctorRequestSchema>;

export const doctorResponseSchema = z.object({
  /** Repository-level Actions secrets named like a provider secret: readable by any writer's branch workflow. */
  repositorySecrets: z.array(secretName),
  environment: z.object({
    name: environmentName,
    exists: z.boolean(),
    /** Deploys only from protected branches. */
    protectedBranchesOnly: z.boolean(),
    /** Deploys only from branches matching its custom policies. */
    customBranchPolicies: z.boolean(),
    /** The Environment's provider secrets (names only; the App can never read a value). */
    secrets: z.array(secretName),
  }),
});
export type DoctorResponse = z.infer<typeof doctorResponseSchema>;

export const errorResponseSchema = z.object({ message: z.string() });

/** The first problem of a body, naming its field: what a 400 says. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "the body is invalid";
  const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "(body)";
  return `${field}: ${issue.message}`;
}
