export {
  CloudflareProvider,
  type CloudflareProviderOptions,
  DNS_RECORD_ENSURE,
  type DnsRecordState,
  OWNER_PREFIX,
} from "./provider.ts";
