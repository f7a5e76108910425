export { cloudflareContract } from "./contract.ts";
export { type FaultKind, type FaultOptions, FaultSchedule, mulberry32 } from "./faults.ts";
export {
  type CloudflareToken,
  type CloudflareWorld,
  DEFAULT_SSL,
  type DnsRecord,
  SSL_MODES,
  type SslMode,
  type TokenScope,
  type Zone,
} from "./state.ts";
export {
  CloudflareApiError,
  CloudflareTwin,
  type CloudflareTwinOptions,
  type ContractReport,
  type Exchange,
  type Handler,
  type HandlerTable,
} from "./twin.ts";
export { addRecord, addToken, addZone, fqdn, recordsOf, setZoneSsl, zoneByName, zoneSsl } from "./world.ts";
