export {
  CLOUDFLARE_IPS_SOURCE,
  CLOUDFLARE_IPV4,
  CLOUDFLARE_IPV6,
  isCloudflareAddress,
} from "./cloudflare-ips.ts";
export { VerifyProvider } from "./provider.ts";
export type { CheckName, CheckResult, VerifyProviderOptions } from "./types.ts";
