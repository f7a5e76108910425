// Plans and steps are data. A plan is built from validated config, pinned by its hash, and only an approved
// plan reaches apply. Risk is a field on the step; policy reads fields, it never parses names.

export type Risk = "read" | "create" | "update" | "delete";
export type ProviderName = "dokploy" | "cloudflare" | "github" | "verify";

export interface Step {
  /** Stable within a plan: `<provider>.<action>:<target>` */
  id: string;
  provider: ProviderName;
  /** What the provider does, e.g. `application.ensure`, `dns-record.ensure`, `actions-secret.set`. */
  action: string;
  /** The resource, human-readable: `hello-service`, `app.example.com A`, `DOKPLOY_DEPLOY_TOKEN`. */
  target: string;
  risk: Risk;
  /**
   * The live state the plan run read (null: absent). `undefined` until the read-only plan run fills it in;
   * apply refuses a step whose live state is neither this nor `desired` (drift).
   */
  expected?: unknown;
  /** The state after the step. Secret values never appear: only names and fingerprints. */
  desired: unknown;
  /** How to take the step back, recorded so a rollback can be planned through the same approval loop. */
  undo: { action: string; state: unknown } | null;
  /** The resource exists and is not ours: changing it needs this explicit flag, shown in the checklist. */
  adopt?: boolean;
}

export interface ImageRef {
  /** ghcr.io/owner/repo */
  repository: string;
  /** sha-<commit> */
  tag: string;
  /** sha256:… — what is deployed; the tag is only how it was found. */
  digest: string;
}

export interface Plan {
  version: 1;
  /** owner/name */
  repository: string;
  pullNumber: number;
  environment: string;
  headSha: string;
  /** Blob sha of .devops/deploy.yml at headSha: the config the plan was built from. */
  configSha: string;
  image: ImageRef;
  steps: Step[];
  /** A rollback plan: the hash of the applied plan whose recorded undo steps it takes (src/plan/rollback.ts). */
  rollbackOf?: string;
}

/** A plan as recorded in the App's check run: the plan and the hash that pins it. */
export interface PinnedPlan {
  plan: Plan;
  /** sha256 of the plan's canonical JSON (RFC 8785), hex */
  hash: string;
}
