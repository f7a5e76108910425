// Dokploy's rows, allow-listed field by field as they arrive: `application.one` returns the registry password
// and the deploy token in clear (DESIGN "Secrets by reference"), so the password is kept only as its sha256 and
// the token is never copied into these shapes.
import { createHash } from "node:crypto";

export interface ProjectInfo {
  projectId: string;
  name: string;
  description: string | null;
  /** The production environment's id (application.create needs it); null when the project has none. */
  environmentId: string | null;
  applications: AppSummary[];
}

export interface AppSummary {
  applicationId: string;
  name: string;
  description: string | null;
  /** The project it lives in (by name), for messages and ambiguity checks. */
  project: string;
  environment: string;
}

export interface AppInfo {
  applicationId: string;
  name: string;
  appName: string;
  description: string | null;
  dockerImage: string | null;
  registryUrl: string | null;
  username: string | null;
  /** sha256 hex of the stored registry password; null when none is stored. */
  passwordSha256: string | null;
  /** The env text: holds secret values, so it never leaves the provider as is. */
  env: string | null;
  buildArgs: string | null;
  buildSecrets: string | null;
}

export interface DomainInfo {
  domainId: string;
  host: string;
  port: number | null;
  path: string | null;
  https: boolean;
  certificateType: string;
  applicationId: string | null;
}

export interface DeploymentInfo {
  deploymentId: string;
  status: string;
  title: string | null;
  description: string | null;
  createdAt: string;
  errorMessage: string | null;
}

type Row = Record<string, unknown>;

function rows(value: unknown): Row[] {
  return Array.isArray(value) ? value.filter((r): r is Row => typeof r === "object" && r !== null) : [];
}
function s(row: Row, key: string): string {
  const v = row[key];
  return typeof v === "string" ? v : "";
}
function ns(row: Row, key: string): string | null {
  const v = row[key];
  return typeof v === "string" ? v : null;
}

export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** `project.all`: projects → environments → applications (only ids, names and descriptions kept). */
export function projectsOf(value: unknown): ProjectInfo[] {
  return rows(value).map((p) => {
    const environments = rows(p.environments);
    const production = environments.find((e) => s(e, "name") === "production") ?? environments[0];
    const applications: AppSummary[] = environments.flatMap((e) =>
      rows(e.applications).map((a) => ({
        applicationId: s(a, "applicationId"),
        name: s(a, "name"),
        description: ns(a, "description"),
        project: s(p, "name"),
        environment: s(e, "name"),
      })),
    );
    return {
      projectId: s(p, "projectId"),
      name: s(p, "name"),
      description: ns(p, "description"),
      environmentId: production ? s(production, "environmentId") : null,
      applications,
    };
  });
}

export function appOf(value: unknown): AppInfo {
  const row = (typeof value === "object" && value !== null ? value : {}) as Row;
  const password = ns(row, "password");
  return {
    applicationId: s(row, "applicationId"),
    name: s(row, "name"),
    appName: s(row, "appName"),
    description: ns(row, "description"),
    dockerImage: ns(row, "dockerImage"),
    registryUrl: ns(row, "registryUrl"),
    username: ns(row, "username"),
    passwordSha256: password ? sha256(password) : null,
    env: ns(row, "env"),
    buildArgs: ns(row, "buildArgs"),
    buildSecrets: ns(row, "buildSecrets"),
  };
}

export function domainsOf(value: unknown): DomainInfo[] {
  return rows(value).map((d) => ({
    domainId: s(d, "domainId"),
    host: s(d, "host").toLowerCase(),
    port: typeof d.port === "number" ? d.port : null,
    path: ns(d, "path"),
    https: d.https === true,
    certificateType: s(d, "certificateType") || "none",
    applicationId: ns(d, "applicationId"),
  }));
}

/** `deployment.all`, newest first (sorted again here: the order is what the deploy step relies on). */
export function deploymentsOf(value: unknown): DeploymentInfo[] {
  return rows(value)
    .map((d) => ({
      deploymentId: s(d, "deploymentId"),
      status: s(d, "status"),
      title: ns(d, "title"),
      description: ns(d, "description"),
      createdAt: s(d, "createdAt"),
      errorMessage: ns(d, "errorMessage"),
    }))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
