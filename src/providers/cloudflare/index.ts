export {
  CloudflareProvider,
  type CloudflareProviderOptions,
  DNS_RECORD_DELETE,
  DNS_RECORD_ENSURE,
  type DnsRecordState,
  OWNER_PREFIX,
} from "./provider.ts";
export { type SslLoopInput, sslLoopWarning, sslUncheckedWarning, type ZoneSslMode } from "./ssl-loop.ts";
