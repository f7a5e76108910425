// Mounting the run bridge: Probot's `addHandler` puts it in front of the webhook middleware (and so before the
// server's 404), on the same server and with the same App credentials as the webhooks.
import type { ApplicationFunction } from "probot";
import { createRunBridgeHandler, type RunBridgeOptions } from "./handler.ts";

export { GITHUB_OIDC_ISSUER } from "./verify.ts";
export type { RunBridgeOptions };
export { createRunBridgeHandler };

export function withRunBridge(appFn: ApplicationFunction, options: RunBridgeOptions): ApplicationFunction {
  return async (probot, appOptions) => {
    appOptions.addHandler(createRunBridgeHandler(probot, options));
    await appFn(probot, appOptions);
  };
}
