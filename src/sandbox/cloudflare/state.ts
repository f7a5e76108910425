// The Cloudflare twin's world: zones, their DNS records and the API tokens that may touch them.

export type TokenScope = "zone:read" | "dns:read" | "dns:edit";

export interface CloudflareToken {
  /** The secret sent as `Authorization: Bearer <value>`. */
  value: string;
  /** 32 hex, what /user/tokens/verify answers. */
  id: string;
  scopes: TokenScope[];
  /** Zone ids this token may touch; absent means every zone. */
  zoneIds?: string[];
  status: "active" | "disabled" | "expired";
}

export interface Zone {
  id: string;
  name: string;
  status: "initializing" | "pending" | "active" | "moved";
  account: { id: string; name: string };
  nameServers: string[];
  createdOn: string;
  modifiedOn: string;
}

export interface DnsRecord {
  id: string;
  zoneId: string;
  /** Always the FQDN, lower case. */
  name: string;
  type: string;
  content: string;
  proxied: boolean;
  ttl: number;
  comment: string | null;
  tags: string[];
  createdOn: string;
  modifiedOn: string;
}

export interface CloudflareWorld {
  zones: Record<string, Zone>;
  /** Records in creation order, per zone id. */
  records: Record<string, DnsRecord[]>;
  tokens: Record<string, CloudflareToken>;
}

export function emptyCloudflareWorld(): CloudflareWorld {
  return { zones: {}, records: {}, tokens: {} };
}
