// The Dokploy provider's own failure: a deployment that ended in `error`, carrying what the runner needs to
// redact and triage (Dokploy's errorMessage and the raw tail of the build log).
import { ProviderError } from "../types.ts";

export class DeploymentFailedError extends ProviderError {
  readonly deploymentId: string;
  /** Dokploy's `errorMessage` for the deployment, raw (the runner redacts before posting). */
  readonly errorMessage: string | null;
  /** The tail of `deployment.readLogs`, raw text. */
  readonly log: string;

  constructor(options: {
    application: string;
    deploymentId: string;
    errorMessage: string | null;
    log: string;
  }) {
    super({
      provider: "dokploy",
      reason: "deployment-failed",
      message: `the deployment of ${options.application} failed in Dokploy (deployment ${options.deploymentId}); its build log says why`,
    });
    this.name = "DeploymentFailedError";
    this.deploymentId = options.deploymentId;
    this.errorMessage = options.errorMessage;
    this.log = options.log;
  }
}
