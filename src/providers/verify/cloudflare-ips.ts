// Cloudflare's published edge ranges: a proxied record answers with these, never with the origin's address.
// Sources: https://www.cloudflare.com/ips-v4 and https://www.cloudflare.com/ips-v6 (shipped as data, since the
// verify step must not depend on fetching them; refresh from those URLs when Cloudflare announces a change).
import { BlockList, isIPv6 } from "node:net";

export const CLOUDFLARE_IPS_SOURCE = [
  "https://www.cloudflare.com/ips-v4",
  "https://www.cloudflare.com/ips-v6",
];

export const CLOUDFLARE_IPV4 = [
  "173.245.48.0/20",
  "103.21.244.0/22",
  "103.22.200.0/22",
  "103.31.4.0/22",
  "141.101.64.0/18",
  "108.162.192.0/18",
  "190.93.240.0/20",
  "188.114.96.0/20",
  "197.234.240.0/22",
  "198.41.128.0/17",
  "162.158.0.0/15",
  "104.16.0.0/13",
  "104.24.0.0/14",
  "172.64.0.0/13",
  "131.0.72.0/22",
];

export const CLOUDFLARE_IPV6 = [
  "2400:cb00::/32",
  "2606:4700::/32",
  "2803:f800::/32",
  "2405:b500::/32",
  "2405:8100::/32",
  "2a06:98c0::/29",
  "2c0f:f248::/32",
];

const ranges = new BlockList();
for (const cidr of CLOUDFLARE_IPV4) addSubnet(cidr, "ipv4");
for (const cidr of CLOUDFLARE_IPV6) addSubnet(cidr, "ipv6");

function addSubnet(cidr: string, family: "ipv4" | "ipv6"): void {
  const [network = "", prefix = ""] = cidr.split("/");
  ranges.addSubnet(network, Number(prefix), family);
}

/** Whether an address lies in Cloudflare's published edge ranges. */
export function isCloudflareAddress(address: string): boolean {
  return ranges.check(address, isIPv6(address) ? "ipv6" : "ipv4");
}
