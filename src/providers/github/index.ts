export {
  ACTIONS_SECRET_DELETE,
  ACTIONS_SECRET_SET,
  type ActionsSecretState,
  FINGERPRINT_PREFIX,
  GithubSecretsProvider,
  type GithubSecretsProviderOptions,
  variableName,
} from "./provider.ts";
export { type RetryOptions, retryDelay, withRetry } from "./retry.ts";
export { fingerprint, sealSecret } from "./seal.ts";
