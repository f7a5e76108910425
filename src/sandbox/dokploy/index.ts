// The Dokploy twin's public surface.
export { TrpcError } from "./errors.ts";
export type { FaultKind, FaultOptions } from "./faults.ts";
export type { DeploymentOutcome, DokployWorld } from "./state.ts";
export {
  type ContractReport,
  DokployTwin,
  type DokployTwinOptions,
  type Exchange,
  type HandlerTable,
} from "./twin.ts";
export { addApiKey, advance, scriptDeployment, state } from "./world.ts";
