// The Dokploy twin's world: plain JSON rows shaped like Dokploy's database rows (PROVIDERS.md §1), so the
// state can be inspected from tests and read back as evidence.

export type DeploymentStatus = "running" | "done" | "error" | "cancelled";

export interface ApiKey {
  key: string;
  /** better-auth's apiKey plugin stores the organisation in the key's metadata (PROVIDERS.md §1 line 10). */
  organizationId: string;
}

export interface ProjectRow {
  projectId: string;
  name: string;
  description: string | null;
  createdAt: string;
  organizationId: string;
  env: string;
}

export interface EnvironmentRow {
  environmentId: string;
  name: string;
  description: string | null;
  createdAt: string;
  env: string;
  projectId: string;
}

export interface ApplicationRow {
  applicationId: string;
  name: string;
  appName: string;
  description: string | null;
  env: string | null;
  buildArgs: string | null;
  buildSecrets: string | null;
  createEnvFile: boolean;
  applicationStatus: "idle" | "running" | "done" | "error";
  sourceType: "github" | "docker" | "git" | "gitlab" | "bitbucket" | "gitea" | "drop";
  dockerImage: string | null;
  username: string | null;
  /** Stored and returned in clear, as Dokploy does (PROVIDERS.md §1 line 29). */
  password: string | null;
  registryUrl: string | null;
  autoDeploy: boolean;
  refreshToken: string;
  environmentId: string;
  serverId: string | null;
  createdAt: string;
}

export interface DomainRow {
  domainId: string;
  host: string;
  https: boolean;
  port: number | null;
  path: string | null;
  internalPath: string | null;
  stripPath: boolean;
  customEntrypoint: string | null;
  serviceName: string | null;
  domainType: "compose" | "application" | "preview" | null;
  uniqueConfigKey: number;
  createdAt: string;
  composeId: string | null;
  customCertResolver: string | null;
  applicationId: string | null;
  previewDeploymentId: string | null;
  certificateType: "letsencrypt" | "none" | "custom";
  middlewares: string[] | null;
  enabled: boolean;
}

export interface DeploymentRow {
  deploymentId: string;
  title: string;
  description: string | null;
  status: DeploymentStatus;
  logPath: string;
  pid: string | null;
  applicationId: string;
  composeId: string | null;
  serverId: string | null;
  isPreviewDeployment: boolean;
  previewDeploymentId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  errorMessage: string | null;
}

/** How the next deployment of an application ends (scripted by tests; success by default). */
export interface DeploymentOutcome {
  status: "done" | "error";
  /** Build log lines; an error outcome's lines are what `deployment.readLogs` returns. */
  log: string[];
  errorMessage?: string;
  /** How long the build runs on the twin's clock before it finishes (default 2000 ms). */
  durationMs?: number;
}

/** Twin-only bookkeeping for a deployment: when it finishes and what its log says. */
export interface DeploymentRun {
  deploymentId: string;
  finishesAtMs: number;
  outcome: DeploymentOutcome;
  /** Ends when the twin's runtime settles, not on the clock. */
  viaRuntime?: boolean;
}

export interface DokployWorld {
  apiKeys: Record<string, ApiKey>;
  projects: Record<string, ProjectRow>;
  environments: Record<string, EnvironmentRow>;
  applications: Record<string, ApplicationRow>;
  domains: Record<string, DomainRow>;
  deployments: Record<string, DeploymentRow>;
  runs: Record<string, DeploymentRun>;
  /** Scripted outcomes per applicationId, consumed one per deploy. */
  scripted: Record<string, DeploymentOutcome[]>;
  /**
   * Without a runtime: the output of each app's container (by appName), served by `application.readLogs` once a
   * deployment of it is done. Seeded with `writeContainerLog`.
   */
  containerLogs: Record<string, string[]>;
  nextDomainKey: number;
}

export function emptyWorld(): DokployWorld {
  return {
    apiKeys: {},
    projects: {},
    environments: {},
    applications: {},
    domains: {},
    deployments: {},
    runs: {},
    scripted: {},
    containerLogs: {},
    nextDomainKey: 1,
  };
}
