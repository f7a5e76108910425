// The Dokploy provider's public surface.
export { DeploymentFailedError } from "./errors.ts";
export { DokployProvider, type DokployProviderOptions } from "./provider.ts";
export { DOKPLOY_ACTIONS, fingerprint, OWNER_PREFIX } from "./steps.ts";
