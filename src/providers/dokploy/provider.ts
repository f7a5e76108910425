// The Dokploy provider (issue 4, "Providers → Dokploy"): project, application, docker provider, environment,
// domain and deploy through Dokploy's tRPC-as-REST API with undici. Creates are not idempotent (random appName
// suffix), so every failed write is "maybe it happened": the next attempt finds before it creates, exactly like
// the Cloudflare provider, and a response lost after Dokploy committed never yields a duplicate. Secrets come in
// by name through `secrets` and leave only as names or fingerprints.
import { setTimeout as delay } from "node:timers/promises";
import type { ProviderName, Step } from "../../plan/types.ts";
import { matches } from "../judge.ts";
import { type LiveState, PostconditionError, type Provider, ProviderError } from "../types.ts";
import { DokployClient, DokployHttpError } from "./client.ts";
import { Deployments } from "./deploy.ts";
import { Retry } from "./retry.ts";
import {
  type AppInfo,
  appOf,
  type DeploymentInfo,
  type DomainInfo,
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
  fingerprint,
  OWNER_PREFIX,
  type ProjectDesired,
  parseEnv,
  projectDesired,
} from "./steps.ts";
import {
  applicationOfStep,
  cannotRestore,
  DOKPLOY_UNDO_ACTIONS,
  deleteTarget,
  isFingerprint,
} from "./undo-steps.ts";

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

export class DokployProvider implements Provider {
  readonly name: ProviderName = "dokploy";
  readonly #client: DokployClient;
  readonly #secrets: (name: string) => string | undefined;
  readonly #retry: Retry;
  readonly #deployments: Deployments;
  /** Application name → id, learned within this instance (names resolve by name, ids are cached). */
  readonly #appIds = new Map<string, string>();

  constructor(options: DokployProviderOptions) {
    this.#client = new DokployClient({
      url: options.url,
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs ?? 30_000,
    });
    this.#secrets = options.secrets;
    const sleep = options.sleep ?? ((ms) => delay(ms));
    this.#retry = new Retry({ attempts: options.attempts ?? 6, backoffMs: options.backoffMs ?? 1000, sleep });
    this.#deployments = new Deployments({
      client: this.#client,
      retry: this.#retry,
      sleep,
      pollMs: options.pollIntervalMs ?? 2000,
      timeoutMs: options.deployTimeoutMs ?? 10 * 60_000,
    });
  }

  handles(step: Step): boolean {
    return (
      step.provider === "dokploy" &&
      [...DOKPLOY_ACTIONS, ...DOKPLOY_UNDO_ACTIONS].includes(step.action as (typeof DOKPLOY_ACTIONS)[number])
    );
  }

  async read(step: Step): Promise<LiveState> {
    switch (step.action) {
      case "project.ensure":
        return this.#readProject(projectDesired(step));
      case "application.ensure":
        return this.#readApplication(applicationDesired(step));
      case "docker-provider.set":
        if (step.desired === null) return this.#readDockerCleared(applicationOfStep(step));
        return this.#readDocker(dockerProviderDesired(step));
      case "environment.set":
        if (step.desired === null) return this.#readEnvironmentCleared(applicationOfStep(step));
        return this.#readEnvironment(environmentDesired(step));
      case "domain.ensure":
        return (await this.#findDomain(domainDesired(step))).live;
      case "application.deploy":
        return (await this.#deployState({ application: applicationOfStep(step) })).live;
      case "project.delete":
        return (await this.#projectToDelete(deleteTarget(step))).live;
      case "application.delete":
        return (await this.#applicationToDelete(deleteTarget(step))).live;
      case "domain.delete":
        return (await this.#domainToDelete(deleteTarget(step))).live;
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
        if (step.desired === null) await this.#clearDocker(step, applicationOfStep(step));
        else await this.#applyDocker(step, dockerProviderDesired(step));
        break;
      case "environment.set":
        if (step.desired === null) await this.#clearEnvironment(step, applicationOfStep(step));
        else await this.#applyEnvironment(step, environmentDesired(step));
        break;
      case "domain.ensure":
        await this.#applyDomain(step, domainDesired(step));
        break;
      case "application.deploy":
        await this.#applyDeploy(step, undoneDeploy(step) ?? deployDesired(step));
        break;
      case "project.delete":
        await this.#deleteProject(step, deleteTarget(step));
        break;
      case "application.delete":
        await this.#deleteApplication(step, deleteTarget(step));
        break;
      case "domain.delete":
        await this.#deleteDomain(step, deleteTarget(step));
        break;
      default:
        throw unknownAction(step);
    }
    // Postcondition, against Dokploy: read back and compare with what the step promised (null: gone).
    const after = await this.read(step);
    const promised = step.desired === null ? !after.exists : after.exists && after.ours;
    if (!(promised && matches(after, step.desired))) {
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
    const text = await this.#retry.read(() =>
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
    const row = await this.#retry.read(() =>
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
    return projectsOf(await this.#retry.read(() => this.#client.query<unknown>("project.all")));
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
    await this.#retry.rounds(async () => {
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
    await this.#retry.rounds(async () => {
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
          await this.#retry.read(() =>
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
      await this.#retry.read(() =>
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
    // A restore may name the password only by the fingerprint read before: kept if it is still the live one.
    const recorded = d.passwordSecret !== undefined && isFingerprint(d.passwordSecret);
    const named =
      d.passwordSecret && !recorded ? this.#secret(d.passwordSecret, "the registry password") : null;
    await this.#retry.rounds(async () => {
      const app = await this.#writableApp(step, d.application);
      if (matches({ exists: true, ours: true, state: this.#dockerState(app, d) }, d)) return;
      let password = named;
      if (recorded) {
        if (`sha256:${app.passwordSha256?.slice(0, 16)}` !== d.passwordSecret) {
          throw cannotRestore(
            `the registry password of ${d.application}`,
            `the one before was not from an Environment secret (${d.passwordSecret}) and has changed since; set it in Dokploy by hand`,
          );
        }
        password = await this.#livePassword(app.applicationId);
      }
      await this.#saveDocker({
        applicationId: app.applicationId,
        dockerImage: d.image,
        username: d.username,
        password,
        registryUrl: d.registry,
      });
    });
  }

  /** Dokploy's answer refusing a restore is the user's to act on, not a failure of ours to retry. */
  async #saveDocker(body: Record<string, unknown>): Promise<void> {
    try {
      await this.#client.mutate("application.saveDockerProvider", body);
    } catch (error) {
      if (body.dockerImage === null && error instanceof DokployHttpError && error.status === 400) {
        throw cannotRestore(
          "the application's Docker provider",
          `Dokploy refused to clear its image (${error.message}); remove the application, or set its image by hand`,
        );
      }
      throw error;
    }
  }

  /** The stored registry password in clear, only to hand it back unchanged; it never leaves this call. */
  async #livePassword(applicationId: string): Promise<string | null> {
    const row = await this.#retry.read(() =>
      this.#client.query<Record<string, unknown>>("application.one", { applicationId }),
    );
    return typeof row?.password === "string" ? row.password : null;
  }

  // ---- docker-provider.set restored to "none was set" (desired null)

  async #readDockerCleared(application: string): Promise<LiveState> {
    const app = await this.#app(application);
    if (!app || app.dockerImage === null) return { exists: false };
    const d = { application, image: null, registry: null, username: null };
    return { exists: true, ours: isOurs(app), state: this.#dockerState(app, d) };
  }

  async #clearDocker(step: Step, application: string): Promise<void> {
    await this.#retry.rounds(async () => {
      const app = await this.#app(application);
      if (!app || app.dockerImage === null) return;
      if (!isOurs(app) && !step.adopt) throw notOurs(`application ${application}`);
      await this.#saveDocker({
        applicationId: app.applicationId,
        dockerImage: null,
        username: null,
        password: null,
        registryUrl: null,
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
      state: withNames(
        envState({ application: d.application, text: app.env, desired: d, secret: this.#secrets }),
        app.env,
      ),
    };
  }

  async #applyEnvironment(step: Step, d: EnvironmentDesired): Promise<void> {
    const entries: [string, string][] = Object.entries(d.variables);
    for (const name of d.secrets) entries.push([name, this.#secret(name, "an environment secret")]);
    // A restore names values that were not the plan's only by fingerprint: each is kept from the live env when
    // it is still there, and cannot be written back otherwise (we never had the value).
    const recorded = new Set(Object.keys(d.variables).filter((k) => isFingerprint(d.variables[k] as string)));
    const names = (step.desired as { names?: unknown }).names;
    const exact = Array.isArray(names) ? { ...d, names } : d;
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
    await this.#retry.rounds(async () => {
      const app = await this.#writableApp(step, d.application);
      const current = envState({
        application: d.application,
        text: app.env,
        desired: d,
        secret: this.#secrets,
      });
      // A restore desires the names read before too (an array, so judged whole): what the apply added goes.
      if (matches({ exists: true, ours: true, state: withNames(current, app.env) }, exact)) return;
      const live = parseEnv(app.env);
      const resolved = entries.map(([key, value]): [string, string] => {
        if (!recorded.has(key)) return [key, value];
        const now = live.get(key);
        if (now !== undefined && (now === value || fingerprint(now) === value)) return [key, now];
        throw cannotRestore(
          `environment variable ${key} of ${d.application}`,
          `its value before (${value}) was not the plan's and has changed since, so it cannot be written back; set it in Dokploy by hand`,
        );
      });
      await this.#client.mutate("application.saveEnvironment", {
        applicationId: app.applicationId,
        env: envText(resolved),
        // Build-time settings are not the plan's to change: keep what is there.
        buildArgs: app.buildArgs,
        buildSecrets: app.buildSecrets,
        createEnvFile: true,
      });
    });
  }

  // ---- environment.set restored to "there was none" (desired null)

  async #readEnvironmentCleared(application: string): Promise<LiveState> {
    const app = await this.#app(application);
    if (!app || parseEnv(app.env).size === 0) return { exists: false };
    const nothing = { application, variables: {}, secrets: [] };
    return {
      exists: true,
      ours: isOurs(app),
      state: withNames(
        envState({ application, text: app.env, desired: nothing, secret: this.#secrets }),
        app.env,
      ),
    };
  }

  async #clearEnvironment(step: Step, application: string): Promise<void> {
    await this.#retry.rounds(async () => {
      const app = await this.#app(application);
      if (!app || parseEnv(app.env).size === 0) return;
      if (!isOurs(app) && !step.adopt) throw notOurs(`application ${application}`);
      await this.#client.mutate("application.saveEnvironment", {
        applicationId: app.applicationId,
        env: "",
        buildArgs: app.buildArgs,
        buildSecrets: app.buildSecrets,
        createEnvFile: true,
      });
    });
  }

  // ---- domain.ensure

  async #domainsOf(applicationId: string): Promise<DomainInfo[]> {
    return domainsOf(
      await this.#retry.read(() => this.#client.query<unknown>("domain.byApplicationId", { applicationId })),
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
    await this.#retry.rounds(async () => {
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

  async #deployState(
    d: Pick<DeployDesired, "application">,
  ): Promise<{ live: LiveState; app?: AppInfo; deployments: DeploymentInfo[] }> {
    const app = await this.#app(d.application);
    if (!app) return { live: { exists: false }, deployments: [] };
    const deployments = await this.#deployments.list(app.applicationId);
    const image = Deployments.deployed(app, deployments) ? app.dockerImage : null;
    return {
      live: { exists: true, ours: isOurs(app), state: { application: d.application, image, wait: true } },
      app,
      deployments,
    };
  }

  async #applyDeploy(step: Step, d: DeployDesired): Promise<void> {
    if (step.desired === null || (step.desired as { image?: unknown }).image === null) {
      throw new ProviderError({
        provider: this.name,
        reason: "cannot-undo",
        message: `a deployment of ${d.application} cannot be un-run: nothing of ours was deployed before it. Leave this step out of the rollback; its application.delete step removes the application (and what runs) anyway`,
      });
    }
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
    await this.#deployments.run(app, d.image, current.deployments);
  }

  // ---- the deletes a rollback takes: ours only, find-first, absent is done

  async #projectToDelete(name: string): Promise<{ live: LiveState; project?: ProjectInfo }> {
    const named = (await this.#projects()).filter((p) => p.name === name);
    const project = named.find((p) => p.description?.startsWith(OWNER_PREFIX)) ?? named[0];
    if (!project) return { live: { exists: false } };
    const ours = project.description?.startsWith(OWNER_PREFIX) === true;
    return { live: { exists: true, ours, state: { name, description: project.description } }, project };
  }

  async #deleteProject(step: Step, name: string): Promise<void> {
    await this.#retry.rounds(async () => {
      const { live, project } = await this.#projectToDelete(name);
      if (!project) return;
      if (!(live.exists && live.ours) && !step.adopt) throw notOurs(`project ${name}`);
      if (project.applications.length > 0) {
        throw new ProviderError({
          provider: this.name,
          reason: "not-empty",
          message: `project ${name} still holds ${project.applications.map((a) => a.name).join(", ")}, which this rollback did not remove: remove them in Dokploy first, or keep the project`,
        });
      }
      await this.#client.mutate("project.remove", { projectId: project.projectId });
    });
  }

  async #applicationToDelete(
    name: string,
  ): Promise<{ live: LiveState; app?: ProjectInfo["applications"][number] }> {
    const named = (await this.#projects()).flatMap((p) => p.applications).filter((a) => a.name === name);
    const ours = named.filter((a) => a.description?.startsWith(OWNER_PREFIX));
    if (ours.length > 1) {
      throw new ProviderError({
        provider: this.name,
        reason: "ambiguous-application",
        message: `${ours.length} Dokploy applications of ours are named ${name} (projects ${ours.map((a) => a.project).join(", ")}): remove the one to go by hand`,
      });
    }
    const app = ours[0] ?? named[0];
    if (!app) return { live: { exists: false } };
    return {
      live: {
        exists: true,
        ours: isOurs(app),
        state: { project: app.project, name: app.name, description: app.description },
      },
      app,
    };
  }

  async #deleteApplication(step: Step, name: string): Promise<void> {
    await this.#retry.rounds(async () => {
      const { app } = await this.#applicationToDelete(name);
      if (!app) return;
      if (!isOurs(app) && !step.adopt) throw notOurs(`application ${name}`);
      this.#appIds.delete(name);
      await this.#client.mutate("application.delete", { applicationId: app.applicationId });
    });
  }

  /** The host wherever it is: on one of our applications first. */
  async #domainToDelete(host: string): Promise<{ live: LiveState; domain?: DomainInfo }> {
    const apps = (await this.#projects()).flatMap((p) => p.applications);
    apps.sort((a, b) => Number(isOurs(b)) - Number(isOurs(a)));
    for (const app of apps) {
      const domain = (await this.#domainsOf(app.applicationId)).find((x) => x.host === host);
      if (domain) {
        return { live: { exists: true, ours: isOurs(app), state: domainState(app.name, domain) }, domain };
      }
    }
    return { live: { exists: false } };
  }

  async #deleteDomain(step: Step, host: string): Promise<void> {
    await this.#retry.rounds(async () => {
      const { live, domain } = await this.#domainToDelete(host);
      if (!domain) return;
      if (!(live.exists && live.ours) && !step.adopt) {
        throw notOurs(`domain ${host} (on application ${stateOf(live).application})`);
      }
      await this.#client.mutate("domain.delete", { domainId: domain.domainId });
    });
  }

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
}

/**
 * Every variable name the live env holds, sorted. `judge` compares objects as subsets but arrays whole, so a
 * restore (whose desired state is a read like this one) is judged done only when nothing was added since.
 */
function withNames<T extends object>(state: T, text: string | null): T & { names: string[] } {
  return { ...state, names: [...parseEnv(text).keys()].sort() };
}

/** A rollback's deploy step: its application, with the image it restores (null: there was none to restore). */
function undoneDeploy(step: Step): DeployDesired | undefined {
  const d = step.desired as { image?: unknown } | null;
  if (d !== null && d.image !== null) return undefined;
  return { application: applicationOfStep(step), image: "", wait: true };
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
