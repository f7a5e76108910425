// Deploying on Dokploy: `application.deploy` answers 200 with an empty body and queues the job, so the outcome is
// read by polling `deployment.all` until the new deployment is done or error. Every deployment we start names
// the image in its description: that is how a later read knows what the newest done deployment ran, and how a
// lost answer is told apart from "not deployed" without deploying twice.
import { ProviderError } from "../types.ts";
import { type DokployClient, transient } from "./client.ts";
import { DeploymentFailedError } from "./errors.ts";
import type { Retry } from "./retry.ts";
import { wrap } from "./retry.ts";
import { type AppInfo, type DeploymentInfo, deploymentsOf } from "./rows.ts";

const DEPLOY_TITLE = "devops-agent deploy";
export const deployMarker = (image: string): string => `devops-agent: ${image}`;

export interface DeploymentsOptions {
  client: DokployClient;
  retry: Retry;
  sleep: (ms: number) => Promise<void>;
  pollMs: number;
  /** Counted in poll intervals slept, so an injected sleep drives it too. */
  timeoutMs: number;
}

export class Deployments {
  readonly #o: DeploymentsOptions;

  constructor(options: DeploymentsOptions) {
    this.#o = options;
  }

  /** Newest first. */
  async list(applicationId: string): Promise<DeploymentInfo[]> {
    const { client, retry } = this.#o;
    return deploymentsOf(await retry.read(() => client.query<unknown>("deployment.all", { applicationId })));
  }

  /**
   * Whether the app runs its current image: the newest deployment is done and is ours for that image. Dokploy
   * records no time for the last saveDockerProvider, so the image the deployment names is how we know it ran
   * after that save.
   */
  static deployed(app: AppInfo, deployments: DeploymentInfo[]): boolean {
    const newest = deployments[0];
    return (
      app.dockerImage !== null &&
      newest?.status === "done" &&
      newest.description === deployMarker(app.dockerImage)
    );
  }

  /** Deploys the app's image (or joins a deployment of it still running) and waits for the outcome. */
  async run(app: AppInfo, image: string, known: DeploymentInfo[]): Promise<void> {
    const marker = deployMarker(image);
    // One of ours for this image still running (a resumed apply): wait for it rather than deploy twice.
    const running = known.find((x) => x.status === "running" && x.description === marker);
    const target = running ?? (await this.#start(app, marker, new Set(known.map((x) => x.deploymentId))));
    await this.#await(app, target.deploymentId);
  }

  /** Deploys once: a lost answer is looked up in deployment.all (a new deployment of ours) before trying again. */
  async #start(app: AppInfo, marker: string, before: Set<string>): Promise<DeploymentInfo> {
    const { client, retry, sleep, pollMs, timeoutMs } = this.#o;
    const fresh = async () =>
      (await this.list(app.applicationId)).find(
        (x) => !before.has(x.deploymentId) && x.description === marker,
      );
    for (let attempt = 1; ; attempt++) {
      try {
        await client.mutate("application.deploy", {
          applicationId: app.applicationId,
          title: DEPLOY_TITLE,
          description: marker,
        });
        break;
      } catch (error) {
        if (!transient(error) || attempt >= retry.attempts) throw wrap(error);
        await retry.backoff(error, attempt);
        if (await fresh()) break;
      }
    }
    // The row appears when Dokploy's queue picks the job up; poll for it on the same budget as the deploy.
    for (let waited = 0; ; waited += pollMs) {
      const started = await fresh();
      if (started) return started;
      if (waited >= timeoutMs) throw this.#timedOut(app.name, "to start");
      await sleep(pollMs);
    }
  }

  async #await(app: AppInfo, deploymentId: string): Promise<void> {
    const { client, retry, sleep, pollMs, timeoutMs } = this.#o;
    for (let waited = 0; ; waited += pollMs) {
      const deployment = (await this.list(app.applicationId)).find((x) => x.deploymentId === deploymentId);
      if (deployment?.status === "done") return;
      if (deployment?.status === "error" || deployment?.status === "cancelled") {
        const log = await retry.read(() =>
          client.query<unknown>("deployment.readLogs", { deploymentId, tail: 200 }),
        );
        throw new DeploymentFailedError({
          application: app.name,
          deploymentId,
          errorMessage: deployment.errorMessage ?? (deployment.status === "cancelled" ? "cancelled" : null),
          log: typeof log === "string" ? log : "",
        });
      }
      if (waited >= timeoutMs) throw this.#timedOut(app.name, "to finish");
      await sleep(pollMs);
    }
  }

  #timedOut(application: string, what: string): ProviderError {
    return new ProviderError({
      provider: "dokploy",
      reason: "deploy-timeout",
      message: `the deployment of ${application} took longer than ${Math.round(this.#o.timeoutMs / 1000)} s ${what}; look at it in Dokploy, then apply again (a running deployment is waited for, not repeated)`,
    });
  }
}
