// Dokploy's procedures as the twin implements them, following PROVIDERS.md §1 (read from Dokploy's routers and
// services). Each returns the procedure's raw value (no envelope) or throws a TrpcError.
import { randomBytes } from "node:crypto";
import { TrpcError } from "./errors.ts";
import type {
  ApplicationRow,
  DeploymentOutcome,
  DeploymentRow,
  DomainRow,
  EnvironmentRow,
  ProjectRow,
} from "./state.ts";
import type { DokployTwin, HandlerContext, HandlerTable } from "./twin.ts";

const DEFAULT_BUILD_MS = 2000;

function text(ctx: HandlerContext, key: string): string | null {
  const value = ctx.body[key];
  return typeof value === "string" ? value : null;
}

function projectOf(ctx: HandlerContext, projectId: string): ProjectRow {
  const project = ctx.world.projects[projectId];
  if (!project) throw new TrpcError("NOT_FOUND", "Project not found");
  if (project.organizationId !== ctx.organizationId)
    throw new TrpcError("UNAUTHORIZED", "You are not authorized to access this project");
  return project;
}

function environmentOf(ctx: HandlerContext, environmentId: string): EnvironmentRow {
  const environment = ctx.world.environments[environmentId];
  if (!environment) throw new TrpcError("NOT_FOUND", "Environment not found");
  projectOf(ctx, environment.projectId);
  return environment;
}

function applicationOf(ctx: HandlerContext, applicationId: string | null): ApplicationRow {
  const application = applicationId ? ctx.world.applications[applicationId] : undefined;
  if (!application) throw new TrpcError("NOT_FOUND", "Application not found");
  const environment = ctx.world.environments[application.environmentId];
  const project = environment ? ctx.world.projects[environment.projectId] : undefined;
  if (project?.organizationId !== ctx.organizationId)
    throw new TrpcError("UNAUTHORIZED", "You are not authorized to access this application");
  return application;
}

function projectTree(ctx: HandlerContext, project: ProjectRow): unknown {
  const environments = Object.values(ctx.world.environments)
    .filter((e) => e.projectId === project.projectId)
    .map((e) => ({
      ...e,
      applications: Object.values(ctx.world.applications).filter((a) => a.environmentId === e.environmentId),
      compose: [],
    }));
  return { ...project, environments };
}

/** Dokploy's appName: the cleaned input plus "-" and 6 random characters, so two creates never collide. */
function buildAppName(base: string): string {
  const cleaned =
    base
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 56) || "app";
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const suffix = [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join("");
  return `${cleaned}-${suffix}`;
}

function newestFirst<T extends { createdAt: string }>(rows: T[]): T[] {
  return rows.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** `/etc/dokploy/logs/<appName>/<appName>-yyyy-MM-dd:HH:mm:ss.log` (PROVIDERS.md §1). */
function logPath(appName: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/T/, ":")
    .replace(/\.\d{3}Z$/, "");
  return `/etc/dokploy/logs/${appName}/${appName}-${stamp}.log`;
}

function defaultOutcome(application: ApplicationRow): DeploymentOutcome {
  return {
    status: "done",
    log: [
      `Initializing deployment of ${application.appName}`,
      `Pulling ${application.dockerImage ?? "(no image)"}`,
      "Starting service",
      "Docker Deployed: ✅",
    ],
  };
}

/**
 * Starts a deployment of the application, as `application.deploy` and the deploy webhook do: a scripted outcome
 * first, else the twin's runtime when it has one, else success on the clock.
 */
export function startDeployment(
  twin: DokployTwin,
  application: ApplicationRow,
  options: { title?: string | null; description?: string | null } = {},
): DeploymentRow {
  const world = twin.world;
  const scripted = world.scripted[application.applicationId]?.shift();
  const viaRuntime = !scripted && twin.runtime !== undefined;
  const outcome = scripted ?? defaultOutcome(application);
  const now = twin.clock.now();
  const deploymentId = twin.newId();
  const deployment: DeploymentRow = {
    deploymentId,
    title: options.title ?? "Manual deployment",
    description: options.description ?? null,
    status: "running",
    logPath: logPath(application.appName, now),
    pid: null,
    applicationId: application.applicationId,
    composeId: null,
    serverId: application.serverId,
    isPreviewDeployment: false,
    previewDeploymentId: null,
    createdAt: now.toISOString(),
    startedAt: now.toISOString(),
    finishedAt: null,
    errorMessage: null,
  };
  world.deployments[deploymentId] = deployment;
  world.runs[deploymentId] = {
    deploymentId,
    finishesAtMs: viaRuntime
      ? Number.POSITIVE_INFINITY
      : now.getTime() + (outcome.durationMs ?? DEFAULT_BUILD_MS),
    outcome: viaRuntime
      ? { status: "done", log: [`Initializing deployment of ${application.appName}`] }
      : outcome,
    viaRuntime,
  };
  application.applicationStatus = "running";
  if (viaRuntime) twin.runOnRuntime(deploymentId);
  return deployment;
}

function deploy(ctx: HandlerContext): undefined {
  const application = applicationOf(ctx, text(ctx, "applicationId"));
  startDeployment(ctx.twin, application, {
    title: text(ctx, "title"),
    description: text(ctx, "description"),
  });
  // Self-hosted Dokploy queues the job and answers 200 with an empty body (PROVIDERS.md §1).
  return undefined;
}

/** `docker logs --since`: `all` or a duration back from now. */
function sinceMs(since: string, nowMs: number): number {
  const match = /^(\d+)([smhd])$/.exec(since);
  if (!match) return Number.NEGATIVE_INFINITY;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "s" | "m" | "h" | "d"];
  return nowMs - Number(match[1]) * unit;
}

/**
 * `application.readLogs` (PROVIDERS.md §1): `docker container logs --timestamps` of the app's container, then
 * `since`, `search` (a case-insensitive substring) and `tail`. 500 when no container runs.
 */
function readAppLogs(ctx: HandlerContext): string {
  const application = applicationOf(ctx, ctx.query.get("applicationId"));
  const runtime = ctx.twin.runtime;
  const output = runtime
    ? runtime.logs(application.appName)
    : application.applicationStatus === "done" || ctx.world.containerLogs[application.appName]
      ? (ctx.world.containerLogs[application.appName] ?? []).join("\n")
      : undefined;
  if (output === undefined) {
    throw new TrpcError("INTERNAL_SERVER_ERROR", `No container found with name: ${application.appName}`);
  }
  let lines = output.split("\n").filter((line) => line !== "");
  const since = ctx.query.get("since") ?? "all";
  if (since !== "all") {
    const from = sinceMs(since, ctx.twin.clock.now().getTime());
    // `--timestamps` puts an RFC 3339 stamp first; lines without one are kept.
    lines = lines.filter((line) => {
      const stamp = Date.parse(line.split(" ", 1)[0] ?? "");
      return Number.isNaN(stamp) || stamp >= from;
    });
  }
  const search = (ctx.query.get("search") ?? "").toLowerCase();
  if (search) lines = lines.filter((line) => line.toLowerCase().includes(search));
  const tail = Number(ctx.query.get("tail") ?? 100);
  return lines.slice(-tail).join("\n");
}

/** The version the twin claims; `doctor` compares it with what we support. */
export const TWIN_DOKPLOY_VERSION = "v0.25.6";

const HOSTNAME =
  /^(?=.{1,253}$)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

function removeApplication(ctx: HandlerContext, application: ApplicationRow): void {
  const id = application.applicationId;
  for (const [key, domain] of Object.entries(ctx.world.domains)) {
    if (domain.applicationId === id) delete ctx.world.domains[key];
  }
  for (const [key, deployment] of Object.entries(ctx.world.deployments)) {
    if (deployment.applicationId !== id) continue;
    delete ctx.world.deployments[key];
    delete ctx.world.runs[key];
  }
  delete ctx.world.scripted[id];
  delete ctx.world.applications[id];
  void ctx.twin.runtime?.stop(application.appName).catch(() => {});
}

export const dokployHandlers: HandlerTable = {
  "project-all": (ctx) =>
    Object.values(ctx.world.projects)
      .filter((p) => p.organizationId === ctx.organizationId)
      .map((p) => projectTree(ctx, p)),

  "project-one": (ctx) => projectTree(ctx, projectOf(ctx, ctx.query.get("projectId") ?? "")),

  "project-create": (ctx) => {
    const createdAt = ctx.twin.now();
    const project: ProjectRow = {
      projectId: ctx.twin.newId(),
      name: text(ctx, "name") ?? "",
      description: text(ctx, "description"),
      createdAt,
      organizationId: ctx.organizationId,
      env: text(ctx, "env") ?? "",
    };
    // A production environment is created with every project; application.create needs its id.
    const environment: EnvironmentRow = {
      environmentId: ctx.twin.newId(),
      name: "production",
      description: "Production environment",
      createdAt,
      env: "",
      projectId: project.projectId,
    };
    ctx.world.projects[project.projectId] = project;
    ctx.world.environments[environment.environmentId] = environment;
    return { project, environment };
  },

  "application-create": (ctx) => {
    const environment = environmentOf(ctx, text(ctx, "environmentId") ?? "");
    const name = text(ctx, "name") ?? "";
    const application: ApplicationRow = {
      applicationId: ctx.twin.newId(),
      name,
      appName: buildAppName(text(ctx, "appName") ?? `app-${name}`),
      description: text(ctx, "description"),
      env: null,
      buildArgs: null,
      buildSecrets: null,
      createEnvFile: true,
      applicationStatus: "idle",
      sourceType: (text(ctx, "sourceType") as ApplicationRow["sourceType"] | null) ?? "github",
      dockerImage: null,
      username: null,
      password: null,
      registryUrl: null,
      autoDeploy: true,
      refreshToken: ctx.twin.newId(),
      environmentId: environment.environmentId,
      serverId: text(ctx, "serverId"),
      createdAt: ctx.twin.now(),
    };
    ctx.world.applications[application.applicationId] = application;
    return application;
  },

  "application-one": (ctx) => {
    const application = applicationOf(ctx, ctx.query.get("applicationId"));
    const environment = ctx.world.environments[application.environmentId] as EnvironmentRow;
    return {
      ...application,
      environment: { ...environment, project: ctx.world.projects[environment.projectId] },
      domains: Object.values(ctx.world.domains).filter((d) => d.applicationId === application.applicationId),
      deployments: newestFirst(
        Object.values(ctx.world.deployments).filter((d) => d.applicationId === application.applicationId),
      ),
      mounts: [],
      ports: [],
      redirects: [],
      security: [],
      registry: null,
      server: null,
      hasGitProviderAccess: true,
      unauthorizedProvider: false,
    };
  },

  "application-saveDockerProvider": (ctx) => {
    const application = applicationOf(ctx, text(ctx, "applicationId"));
    application.dockerImage = text(ctx, "dockerImage");
    application.username = text(ctx, "username");
    application.password = text(ctx, "password");
    application.registryUrl = text(ctx, "registryUrl");
    application.sourceType = "docker";
    application.applicationStatus = "idle";
    return true;
  },

  "application-saveEnvironment": (ctx) => {
    const application = applicationOf(ctx, text(ctx, "applicationId"));
    application.env = text(ctx, "env");
    application.buildArgs = text(ctx, "buildArgs");
    application.buildSecrets = text(ctx, "buildSecrets");
    application.createEnvFile = ctx.body.createEnvFile === true;
    return true;
  },

  "application-readLogs": readAppLogs,

  // Only the columns the provider changes (adopting an application re-tags its description).
  "application-update": (ctx) => {
    const application = applicationOf(ctx, text(ctx, "applicationId"));
    if ("description" in ctx.body) application.description = text(ctx, "description");
    if (typeof ctx.body.name === "string") application.name = ctx.body.name;
    return true;
  },

  "domain-update": (ctx) => {
    const domain = ctx.world.domains[text(ctx, "domainId") ?? ""];
    if (!domain) throw new TrpcError("NOT_FOUND", "Domain not found");
    if (domain.applicationId) applicationOf(ctx, domain.applicationId);
    const host = (text(ctx, "host") ?? "").trim();
    if (!HOSTNAME.test(host)) throw new TrpcError("BAD_REQUEST", "Invalid hostname");
    const https = typeof ctx.body.https === "boolean" ? ctx.body.https : domain.https;
    const certificateType =
      (text(ctx, "certificateType") as DomainRow["certificateType"] | null) ?? domain.certificateType;
    if (https && certificateType === "none")
      throw new TrpcError("BAD_REQUEST", "certificateType is required when https is enabled");
    domain.host = host;
    domain.https = https;
    domain.certificateType = certificateType;
    if (typeof ctx.body.port === "number") domain.port = ctx.body.port;
    if ("path" in ctx.body) domain.path = text(ctx, "path") ?? "/";
    return domain;
  },

  "settings-getDokployVersion": () => TWIN_DOKPLOY_VERSION,

  "application-deploy": deploy,
  "application-redeploy": deploy,

  "domain-create": (ctx) => {
    const host = (text(ctx, "host") ?? "").trim();
    if (!HOSTNAME.test(host)) throw new TrpcError("BAD_REQUEST", "Invalid hostname");
    const https = ctx.body.https === true;
    const certificateType = text(ctx, "certificateType") as DomainRow["certificateType"] | null;
    if (https && !certificateType)
      throw new TrpcError("BAD_REQUEST", "certificateType is required when https is enabled");
    if (certificateType === "custom" && !text(ctx, "customCertResolver"))
      throw new TrpcError("BAD_REQUEST", "customCertResolver is required for a custom certificate");
    const path = text(ctx, "path");
    if (ctx.body.stripPath === true && (!path || path === "/"))
      throw new TrpcError("BAD_REQUEST", "stripPath requires a path other than /");
    const applicationId = text(ctx, "applicationId");
    if (applicationId) applicationOf(ctx, applicationId);
    const port = typeof ctx.body.port === "number" ? ctx.body.port : 3000;
    const domain: DomainRow = {
      domainId: ctx.twin.newId(),
      host,
      https,
      port,
      path: path ?? "/",
      internalPath: text(ctx, "internalPath") ?? "/",
      stripPath: ctx.body.stripPath === true,
      customEntrypoint: text(ctx, "customEntrypoint"),
      serviceName: text(ctx, "serviceName"),
      domainType: (text(ctx, "domainType") as DomainRow["domainType"]) ?? "application",
      uniqueConfigKey: ctx.world.nextDomainKey++,
      createdAt: ctx.twin.now(),
      composeId: text(ctx, "composeId"),
      customCertResolver: text(ctx, "customCertResolver"),
      applicationId,
      previewDeploymentId: text(ctx, "previewDeploymentId"),
      certificateType: certificateType ?? "none",
      middlewares: Array.isArray(ctx.body.middlewares) ? (ctx.body.middlewares as string[]) : null,
      enabled: true,
    };
    ctx.world.domains[domain.domainId] = domain;
    return domain;
  },

  "domain-delete": (ctx) => {
    const domain = ctx.world.domains[text(ctx, "domainId") ?? ""];
    if (!domain) throw new TrpcError("NOT_FOUND", "Domain not found");
    if (domain.applicationId) applicationOf(ctx, domain.applicationId);
    delete ctx.world.domains[domain.domainId];
    return domain;
  },

  // Dokploy's rows cascade in its database (environments → applications → domains, deployments); its own
  // cleanup of containers is best effort. The twin removes the rows and stops what its runtime runs.
  "application-delete": (ctx) => {
    const application = applicationOf(ctx, text(ctx, "applicationId"));
    removeApplication(ctx, application);
    return application;
  },

  "project-remove": (ctx) => {
    const project = projectOf(ctx, text(ctx, "projectId") ?? "");
    for (const environment of Object.values(ctx.world.environments)) {
      if (environment.projectId !== project.projectId) continue;
      for (const application of Object.values(ctx.world.applications)) {
        if (application.environmentId === environment.environmentId) removeApplication(ctx, application);
      }
      delete ctx.world.environments[environment.environmentId];
    }
    delete ctx.world.projects[project.projectId];
    return project;
  },

  "domain-byApplicationId": (ctx) => {
    const application = applicationOf(ctx, ctx.query.get("applicationId"));
    return Object.values(ctx.world.domains).filter((d) => d.applicationId === application.applicationId);
  },

  "deployment-all": (ctx) => {
    const application = applicationOf(ctx, ctx.query.get("applicationId"));
    return newestFirst(
      Object.values(ctx.world.deployments).filter((d) => d.applicationId === application.applicationId),
    );
  },

  "deployment-readLogs": (ctx) => {
    const deployment = ctx.world.deployments[ctx.query.get("deploymentId") ?? ""];
    if (!deployment) throw new TrpcError("NOT_FOUND", "Deployment not found");
    applicationOf(ctx, deployment.applicationId);
    const run = ctx.world.runs[deployment.deploymentId];
    if (!run) return "";
    // While the build runs, the log grows with the twin's clock; once finished it is complete.
    let lines = run.outcome.log;
    if (deployment.status === "running") {
      const duration = run.outcome.durationMs ?? DEFAULT_BUILD_MS;
      const elapsed = ctx.twin.clock.now().getTime() - (run.finishesAtMs - duration);
      lines = lines.slice(0, Math.max(1, Math.floor((lines.length * elapsed) / duration)));
    }
    const tail = Number(ctx.query.get("tail") ?? 100);
    return lines.slice(-tail).join("\n");
  },
};
