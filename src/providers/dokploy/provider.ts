// The Dokploy provider (issue 4, "Providers → Dokploy"): project, application, docker provider, environment,
// domain and deploy through Dokploy's tRPC-as-REST API with undici. Creates are not idempotent (random appName
// suffix), so every failed write is "maybe it happened": the next attempt finds before it creates, exactly like
// the Cloudflare provider, and a response lost after Dokploy committed never yields a duplicate. Secrets come in
// by name through `secrets` and leave only as names or fingerprints.
import { setTimeout as delay } from "node:timers/promises";
import type { ProviderName, Step } from "../../plan/types.ts";
import { matches } from "../judge.ts";
import { type LiveState, PostconditionError, type Provider, ProviderError } from "../types.ts";
import { DokployClient, DokployHttpError, transient } from "./client.ts";
import { DeploymentFailedError } from "./errors.ts";
import {
  type AppInfo,
  appOf,
  type DeploymentInfo,
  type DomainInfo,
  deploymentsOf,
  domainsOf,
  type ProjectInfo,
  projectsOf,
  sha256,
} from "./rows.ts";
import {
  type ApplicationDesired,
  applicationDesired,
  type DeployDesired,
  DOKPLOY_ACTIONS,
  type DockerProviderDesired,
  type DomainDesired,
  deployDesired,
  dockerProviderDesired,
  domainDesired,
  type EnvironmentDesired,
  environmentDesired,
  envState,
  envText,
  OWNER_PREFIX,
  type ProjectDesired,
  projectDesired,
} from "./steps.ts";

export interface DokployProviderOptions {
  /** The Dokploy base URL without `/api`. */
  url: string;
  apiKey: string;
  /** Environment secret values by name, from the runner. */
  secrets: (name: string) => string | undefined;
  /** Injectable for tests: every wait (backoff, polling) goes through it. */
  sleep?: (ms: number) => Promise<void>;
  /** Between polls of `deployment.all`. Default 2000 ms. */
  pollIntervalMs?: number;
  /** How long a deployment may run, counted in poll intervals slept. Default 10 min. */
  deployTimeoutMs?: number;
  /** Tries per request (reads) and find-then-write rounds (writes). Default 6. */
  attempts?: number;
  /** Per request. Default 30 s. */
  timeoutMs?: number;
  /** First backoff when no Retry-After says otherwise; doubles per attempt, capped at 30 s. Default 1000 ms. */
  backoffMs?: number;
}

/** What the deploy step writes as the deployment's description, so a later read knows which image it ran. */
const DEPLOY_TITLE = "devops-agent deploy";
const deployMarker = (image: string) => `devops-agent: ${image}`;
const MAX_BACKOFF_MS = 30_000;

export class DokployProvider implements Provider {
  readonly name: ProviderName = "dokploy";
  readonly #client: DokployClient;
  readonly #secrets: (name: string) => string | undefined;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #pollMs: number;
  readonly #deployTimeoutMs: number;
  readonly #attempts: number;
  readonly #backoffMs: number;
  /** Application name → id, learned within this instance (names resolve by name, ids are cached). */
  readonly #appIds = new Map<string, string>();

  constructor(options: DokployProviderOptions) {
    this.#client = new DokployClient({
      url: options.url,
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs ?? 30_000,
    });
    this.#secrets = options.secrets;
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#pollMs = options.pollIntervalMs ?? 2000;
    this.#deployTimeoutMs = options.deployTimeoutMs ?? 10 * 60_000;
    this.#attempts = Math.max(1, options.attempts ?? 6);
    this.#backoffMs = options.backoffMs ?? 1000;
  }

  handles(step: Step): boolean {
    return step.provider === "dokploy" && (DOKPLOY_ACTIONS as readonly string[]).includes(step.action);
  }

  async read(step: Step): Promise<LiveState> {
    switch (step.action) {
      case "project.ensure":
        return this.#readProject(projectDesired(step));
      case "application.ensure":
        return this.#readApplication(applicationDesired(step));
      case "docker-provider.set":
        return this.#readDocker(dockerProviderDesired(step));
      case "environment.set":
        return this.#readEnvironment(environmentDesired(step));
      case "domain.ensure":
        return (await this.#findDomain(domainDesired(step))).live;
      case "application.deploy":
        return (await this.#deployState(deployDesired(step))).live;
      default:
        throw unknownAction(step);
    }
  }

  async apply(step: Step): Promise<LiveState> {
    switch (step.action) {
      case "project.ensure":
        await this.#applyProject(step, projectDesired(step));
        break;
      case "application.ensure":
        await this.#applyApplication(step, applicationDesired(step));
        break;
      case "docker-provider.set":
        await this.#applyDocker(step, dockerProviderDesired(step));
        break;
      case "environment.set":
        await this.#applyEnvironment(step, environmentDesired(step));
        break;
      case "domain.ensure":
        await this.#applyDomain(step, domainDesired(step));
        break;
      case "application.deploy":
        await this.#applyDeploy(step, deployDesired(step));
        break;
      default:
        throw unknownAction(step);
    }
    // Postcondition, against Dokploy: read back and compare with what the step promised.
    const after = await this.read(step);
    if (!(after.exists && after.ours && matches(after, step.desired))) {
      throw new PostconditionError({
        provider: this.name,
        message: `${step.id} does not read back as desired after apply`,
        live: after,
      });
    }
    return after;
  }

  /** The app's container output (`docker logs --timestamps`); match client-side, Dokploy's search is narrow. */
  async readAppLogs(application: string, options: { tail?: number } = {}): Promise<string> {
    const app = await this.#requireApp(application);
    const text = await this.#retrying(() =>
      this.#client.query<unknown>("application.readLogs", {
        applicationId: app.applicationId,
        tail: Math.min(10_000, Math.max(1, options.tail ?? 1000)),
        since: "all",
      }),
    );
    return typeof text === "string" ? text : "";
  }

  /** The application's refreshToken: what the deploy webhook takes; the caller registers it as a secret. */
  async deployToken(application: string): Promise<string> {
    const app = await this.#requireApp(application);
    const row = await this.#retrying(() =>
      this.#client.query<Record<string, unknown>>("application.one", { applicationId: app.applicationId }),
    );
    const token = row?.refreshToken;
    if (typeof token !== "string" || token === "") {
      throw new ProviderError({
        provider: this.name,
        reason: "no-deploy-token",
        message: `Dokploy returned no deploy token for ${application}; refresh it in Dokploy (Deployments → Webhook)`,
      });
    }
    return token;
  }

  // ---- project.ensure

  async #projects(): Promise<ProjectInfo[]> {
    return projectsOf(await this.#retrying(() => this.#client.query<unknown>("project.all")));
  }

  /** The project by name, preferring the one that carries `description` (ours) when names repeat. */
  async #findProject(name: string, description?: string): Promise<ProjectInfo | undefined> {
    const named = (await this.#projects()).filter((p) => p.name === name);
    return named.find((p) => p.description === description) ?? named[0];
  }

  async #readProject(d: ProjectDesired): Promise<LiveState> {
    const project = await this.#findProject(d.name, d.description);
    if (!project) return { exists: false };
    return {
      exists: true,
      ours: project.description === d.description,
      state: { name: project.name, description: project.description },
    };
  }

  async #applyProject(step: Step, d: ProjectDesired): Promise<void> {
    await this.#writing(async () => {
      const project = await this.#findProject(d.name, d.description);
      if (project?.description === d.description) return;
      if (project) {
        if (!step.adopt) throw notOurs(`project ${d.name}`);
        throw new ProviderError({
          provider: this.name,
          reason: "cannot-adopt",
          message: `project ${d.name} exists and is not ours; the API we use cannot re-tag it: set its description to "${d.description}" in Dokploy, then plan again`,
        });
      }
      await this.#client.mutate("project.create", { name: d.name, description: d.description });
    });
  }

  // ---- application.ensure

  async #findApplication(
    d: ApplicationDesired,
  ): Promise<{ project?: ProjectInfo; app?: ProjectInfo["applications"][number] }> {
    const project = await this.#findProject(d.project);
    if (!project) return {};
    const named = project.applications.filter((a) => a.name === d.name && a.environment === "production");
    const app = named.find((a) => a.description === d.description) ?? named[0];
    if (app) this.#appIds.set(d.name, app.applicationId);
    return { project, app };
  }

  async #readApplication(d: ApplicationDesired): Promise<LiveState> {
    const { app } = await this.#findApplication(d);
    if (!app) return { exists: false };
    return {
      exists: true,
      ours: app.description === d.description,
      state: { project: d.project, name: app.name, description: app.description },
    };
  }

  async #applyApplication(step: Step, d: ApplicationDesired): Promise<void> {
    await this.#writing(async () => {
      const { project, app } = await this.#findApplication(d);
      if (app?.description === d.description) return;
      if (app) {
        if (!step.adopt) throw notOurs(`application ${d.name} in project ${d.project}`);
        await this.#client.mutate("application.update", {
          applicationId: app.applicationId,
          description: d.description,
        });
        return;
      }
      if (!project?.environmentId) {
        throw new ProviderError({
          provider: this.name,
          reason: "project-missing",
          message: `project ${d.project} ${project ? "has no production environment" : "does not exist"}: apply its project.ensure step first`,
        });
      }
      await this.#client.mutate("application.create", {
        name: d.name,
        environmentId: project.environmentId,
        description: d.description,
      });
    });
  }

  // ---- the application a configuring step names

  /**
   * The application by name: the id cached by this instance, else found across projects, preferring ours when
   * names repeat. Refuses to guess between two of ours.
   */
  async #app(name: string): Promise<AppInfo | undefined> {
    const cached = this.#appIds.get(name);
    if (cached) {
      try {
        return appOf(
          await this.#retrying(() =>
            this.#client.query<unknown>("application.one", { applicationId: cached }),
          ),
        );
      } catch (error) {
        if (!(error instanceof ProviderError && error.reason === "not-found")) throw error;
        this.#appIds.delete(name);
      }
    }
    const named = (await this.#projects()).flatMap((p) => p.applications).filter((a) => a.name === name);
    const ours = named.filter((a) => a.description?.startsWith(OWNER_PREFIX));
    const candidates = ours.length > 0 ? ours : named;
    if (candidates.length > 1) {
      throw new ProviderError({
        provider: this.name,
        reason: "ambiguous-application",
        message: `${candidates.length} Dokploy applications are named ${name} (projects ${candidates.map((a) => a.project).join(", ")}): give environments.<env>.dokploy.application a unique name`,
      });
    }
    const found = candidates[0];
    if (!found) return undefined;
    this.#appIds.set(name, found.applicationId);
    return appOf(
      await this.#retrying(() =>
        this.#client.query<unknown>("application.one", { applicationId: found.applicationId }),
      ),
    );
  }

  async #requireApp(name: string): Promise<AppInfo> {
    const app = await this.#app(name);
    if (!app) {
      throw new ProviderError({
        provider: this.name,
        reason: "application-missing",
        message: `Dokploy has no application named ${name}: apply its application.ensure step first`,
      });
    }
    return app;
  }

  /** An application we may configure: ours, or adopted by the plan. */
  async #writableApp(step: Step, name: string): Promise<AppInfo> {
    const app = await this.#requireApp(name);
    if (!isOurs(app) && !step.adopt) throw notOurs(`application ${name}`);
    return app;
  }

  // ---- docker-provider.set

  #dockerState(app: AppInfo, d: DockerProviderDesired): Record<string, unknown> {
    const state: Record<string, unknown> = {
      application: d.application,
      image: app.dockerImage,
      registry: app.registryUrl,
      username: app.username,
    };
    if (app.passwordSha256) {
      const expected = d.passwordSecret ? this.#secrets(d.passwordSecret) : undefined;
      state.passwordSecret =
        d.passwordSecret && expected !== undefined && sha256(expected) === app.passwordSha256
          ? d.passwordSecret
          : `sha256:${app.passwordSha256.slice(0, 16)}`;
    }
    return state;
  }

  async #readDocker(d: DockerProviderDesired): Promise<LiveState> {
    const app = await this.#app(d.application);
    if (!app) return { exists: false };
    return { exists: true, ours: isOurs(app), state: this.#dockerState(app, d) };
  }

  async #applyDocker(step: Step, d: DockerProviderDesired): Promise<void> {
    const password = d.passwordSecret ? this.#secret(d.passwordSecret, "the registry password") : null;
    await this.#writing(async () => {
      const app = await this.#writableApp(step, d.application);
      if (matches({ exists: true, ours: true, state: this.#dockerState(app, d) }, d)) return;
      await this.#client.mutate("application.saveDockerProvider", {
        applicationId: app.applicationId,
        dockerImage: d.image,
        username: d.username,
        password,
        registryUrl: d.registry,
      });
    });
  }

  // ---- environment.set

  async #readEnvironment(d: EnvironmentDesired): Promise<LiveState> {
    const app = await this.#app(d.application);
    if (!app) return { exists: false };
    return {
      exists: true,
      ours: isOurs(app),
      state: envState({ application: d.application, text: app.env, desired: d, secret: this.#secrets }),
    };
  }

  async #applyEnvironment(step: Step, d: EnvironmentDesired): Promise<void> {
    const entries: [string, string][] = Object.entries(d.variables);
    for (const name of d.secrets) entries.push([name, this.#secret(name, "an environment secret")]);
    for (const [key, value] of entries) {
      if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) || /[\r\n]/.test(value)) {
        throw new ProviderError({
          provider: this.name,
          reason: "bad-env",
          // The key only: the value may be a secret.
          message: `environment entry ${key} cannot be written as one KEY=VALUE line: use a name of letters, digits and _ and a value without line breaks`,
        });
      }
    }
    await this.#writing(async () => {
      const app = await this.#writableApp(step, d.application);
      const current = envState({
        application: d.application,
        text: app.env,
        desired: d,
        secret: this.#secrets,
      });
      if (matches({ exists: true, ours: true, state: current }, d)) return;
      await this.#client.mutate("application.saveEnvironment", {
        applicationId: app.applicationId,
        env: envText(entries),
        // Build-time settings are not the plan's to change: keep what is there.
        buildArgs: app.buildArgs,
        buildSecrets: app.buildSecrets,
        createEnvFile: true,
      });
    });
  }

  // ---- domain.ensure

  async #domainsOf(applicationId: string): Promise<DomainInfo[]> {
    return domainsOf(
      await this.#retrying(() => this.#client.query<unknown>("domain.byApplicationId", { applicationId })),
    );
  }

  /** The host on our application; else on any other application (then it is not ours). */
  async #findDomain(
    d: DomainDesired,
  ): Promise<{ live: LiveState; app?: AppInfo; domain?: DomainInfo; foreign?: boolean }> {
    const app = await this.#app(d.application);
    if (app) {
      const domain = (await this.#domainsOf(app.applicationId)).find((x) => x.host === d.host);
      if (domain) {
        return {
          live: { exists: true, ours: isOurs(app), state: domainState(d.application, domain) },
          app,
          domain,
        };
      }
    }
    for (const other of (await this.#projects()).flatMap((p) => p.applications)) {
      if (other.applicationId === app?.applicationId) continue;
      const domain = (await this.#domainsOf(other.applicationId)).find((x) => x.host === d.host);
      if (domain) {
        return {
          live: { exists: true, ours: false, state: domainState(other.name, domain) },
          app,
          domain,
          foreign: true,
        };
      }
    }
    return { live: { exists: false }, app };
  }

  async #applyDomain(step: Step, d: DomainDesired): Promise<void> {
    await this.#writing(async () => {
      const found = await this.#findDomain(d);
      if (found.foreign && !step.adopt) {
        throw notOurs(`domain ${d.host} (on application ${stateOf(found.live).application})`);
      }
      const app = found.app ?? (await this.#requireApp(d.application));
      if (!isOurs(app) && !step.adopt) throw notOurs(`application ${d.application}`);
      if (found.foreign && found.domain) {
        // Adopted: Dokploy cannot move a domain between applications, so it is removed there and made on ours;
        // a lost answer to either is found by the next round.
        await this.#client.mutate("domain.delete", { domainId: found.domain.domainId });
        found.domain = undefined;
        found.live = { exists: false };
      }
      if (found.live.exists && matches(found.live, d)) return;
      const fields = {
        host: d.host,
        port: d.port,
        path: d.path,
        https: d.https,
        certificateType: d.certificate,
        domainType: "application",
      };
      if (found.domain)
        await this.#client.mutate("domain.update", { domainId: found.domain.domainId, ...fields });
      else await this.#client.mutate("domain.create", { ...fields, applicationId: app.applicationId });
    });
  }

  // ---- application.deploy

  async #deployments(applicationId: string): Promise<DeploymentInfo[]> {
    return deploymentsOf(
      await this.#retrying(() => this.#client.query<unknown>("deployment.all", { applicationId })),
    );
  }

  /**
   * Deployed means: the newest deployment is done and it is one of ours for the image the docker provider holds
   * now (the image is written into the deployment's description when we deploy). Dokploy records no time for
   * the last saveDockerProvider, so the image named by the deployment is how we know it ran after that save.
   */
  async #deployState(
    d: DeployDesired,
  ): Promise<{ live: LiveState; app?: AppInfo; deployments: DeploymentInfo[] }> {
    const app = await this.#app(d.application);
    if (!app) return { live: { exists: false }, deployments: [] };
    const deployments = await this.#deployments(app.applicationId);
    const newest = deployments[0];
    const deployed =
      app.dockerImage !== null &&
      newest?.status === "done" &&
      newest.description === deployMarker(app.dockerImage);
    return {
      live: {
        exists: true,
        ours: isOurs(app),
        state: { application: d.application, image: deployed ? app.dockerImage : null, wait: true },
      },
      app,
      deployments,
    };
  }

  async #applyDeploy(step: Step, d: DeployDesired): Promise<void> {
    const current = await this.#deployState(d);
    const app = current.app ?? (await this.#requireApp(d.application));
    if (!isOurs(app) && !step.adopt) throw notOurs(`application ${d.application}`);
    if (app.dockerImage !== d.image) {
      throw new ProviderError({
        provider: this.name,
        reason: "image-not-set",
        message: `application ${d.application} is set to deploy ${app.dockerImage ?? "no image"}, not ${d.image}: apply its docker-provider.set step first`,
      });
    }
    if (matches(current.live, d)) return;
    const marker = deployMarker(d.image);
    // One of ours for this image still running (a resumed apply): wait for it rather than deploy twice.
    let target = current.deployments.find((x) => x.status === "running" && x.description === marker);
    if (!target)
      target = await this.#startDeploy(app, marker, new Set(current.deployments.map((x) => x.deploymentId)));
    await this.#await(d.application, app.applicationId, target.deploymentId);
  }

  /** Deploys once: a lost answer is looked up in deployment.all (a new deployment of ours) before trying again. */
  async #startDeploy(app: AppInfo, marker: string, before: Set<string>): Promise<DeploymentInfo> {
    const fresh = async () =>
      (await this.#deployments(app.applicationId)).find(
        (x) => !before.has(x.deploymentId) && x.description === marker,
      );
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#client.mutate("application.deploy", {
          applicationId: app.applicationId,
          title: DEPLOY_TITLE,
          description: marker,
        });
        break;
      } catch (error) {
        if (!transient(error) || attempt >= this.#attempts) throw wrap(error);
        await this.#backoff(error, attempt);
        if (await fresh()) break;
      }
    }
    // The row appears when Dokploy's queue picks the job up; poll for it on the same budget as the deploy.
    for (let waited = 0; ; waited += this.#pollMs) {
      const started = await fresh();
      if (started) return started;
      if (waited >= this.#deployTimeoutMs) throw this.#timedOut(app.name, "to start");
      await this.#sleep(this.#pollMs);
    }
  }

  async #await(application: string, applicationId: string, deploymentId: string): Promise<void> {
    for (let waited = 0; ; waited += this.#pollMs) {
      const deployment = (await this.#deployments(applicationId)).find(
        (x) => x.deploymentId === deploymentId,
      );
      if (deployment?.status === "done") return;
      if (deployment?.status === "error" || deployment?.status === "cancelled") {
        const log = await this.#retrying(() =>
          this.#client.query<unknown>("deployment.readLogs", { deploymentId, tail: 200 }),
        );
        throw new DeploymentFailedError({
          application,
          deploymentId,
          errorMessage: deployment.errorMessage ?? (deployment.status === "cancelled" ? "cancelled" : null),
          log: typeof log === "string" ? log : "",
        });
      }
      if (waited >= this.#deployTimeoutMs) throw this.#timedOut(application, "to finish");
      await this.#sleep(this.#pollMs);
    }
  }

  #timedOut(application: string, what: string): ProviderError {
    return new ProviderError({
      provider: this.name,
      reason: "deploy-timeout",
      message: `the deployment of ${application} took longer than ${Math.round(this.#deployTimeoutMs / 1000)} s ${what}; look at it in Dokploy, then apply again (a running deployment is waited for, not repeated)`,
    });
  }

  // ---- plumbing

  #secret(name: string, what: string): string {
    const value = this.#secrets(name);
    if (value === undefined || value === "") {
      throw new ProviderError({
        provider: this.name,
        reason: "secret-missing",
        message: `${what} ${name} has no value: add the secret ${name} to the repository's deployment Environment`,
      });
    }
    return value;
  }

  async #backoff(error: unknown, attempt: number): Promise<void> {
    const hinted = error instanceof DokployHttpError ? error.retryAfterMs : undefined;
    await this.#sleep(Math.min(hinted ?? this.#backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS));
  }

  /** A read, tried again on 429/5xx/timeouts/lost connections. */
  async #retrying<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (!transient(error) || attempt >= this.#attempts) throw wrap(error);
        await this.#backoff(error, attempt);
      }
    }
  }

  /**
   * A find-then-write round, repeated when the write failed in a way that may have committed: the next round
   * finds what the lost one made instead of making it again.
   */
  async #writing(round: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await round();
      } catch (error) {
        const cause = error instanceof ProviderError ? error.cause : error;
        if (!transient(cause) || attempt >= this.#attempts) throw wrap(error);
        await this.#backoff(cause, attempt);
      }
    }
  }
}

function isOurs(app: { description: string | null }): boolean {
  return app.description?.startsWith(OWNER_PREFIX) === true;
}

function domainState(application: string, domain: DomainInfo): Record<string, unknown> {
  return {
    application,
    host: domain.host,
    port: domain.port,
    path: domain.path,
    https: domain.https,
    certificate: domain.certificateType,
  };
}

function stateOf(live: LiveState): Record<string, unknown> {
  return live.exists ? (live.state as Record<string, unknown>) : {};
}

function notOurs(what: string): ProviderError {
  return new ProviderError({
    provider: "dokploy",
    reason: "not-ours",
    message: `${what} exists and is not ours; the plan does not adopt it`,
  });
}

function unknownAction(step: Step): ProviderError {
  return new ProviderError({
    provider: "dokploy",
    reason: "bad-step",
    message: `step ${step.id}: the Dokploy provider has no action ${step.action}`,
  });
}

/** Dokploy's answers as ProviderErrors; the original stays the cause so a retry loop can still classify it. */
function wrap(error: unknown): unknown {
  if (error instanceof ProviderError) return error;
  if (error instanceof DokployHttpError) {
    return new ProviderError({
      provider: "dokploy",
      reason: error.code ? error.code.toLowerCase().replace(/_/g, "-") : `http-${error.status}`,
      message: error.message,
      cause: error,
    });
  }
  if (transient(error)) {
    return new ProviderError({
      provider: "dokploy",
      reason: "unreachable",
      message: `Dokploy did not answer (${error instanceof Error ? error.message : String(error)}); check the server URL and that it is up`,
      cause: error,
    });
  }
  return error;
}
