// The Dokploy twin's public surface.
export { TrpcError } from "./errors.ts";
export type { FaultKind, FaultOptions } from "./faults.ts";
export { type DokployRuntime, parseEnvText, type RuntimeApp, routeFor } from "./runtime.ts";
export type { ApplicationRow, DeploymentOutcome, DeploymentRow, DokployWorld, DomainRow } from "./state.ts";
export {
  type ContractReport,
  DokployTwin,
  type DokployTwinOptions,
  type Exchange,
  type HandlerTable,
} from "./twin.ts";
export { addApiKey, advance, scriptDeployment, state, writeContainerLog } from "./world.ts";
