// Name resolution for verification: through the configured servers, or the zone's authoritative servers.
import { getServers, Resolver } from "node:dns/promises";

export interface Lookup {
  resolver: Resolver;
  /** The servers asked, for evidence. */
  servers: string[];
}

export function configuredLookup(servers: string[], timeout: number): Lookup {
  const resolver = new Resolver({ timeout, tries: 2 });
  resolver.setServers(servers);
  return { resolver, servers };
}

/**
 * The zone's authoritative servers for a name: walk up the labels until one has NS records (the zone apex),
 * then ask those servers directly. A recursive resolver may still cache "no such name" from before the record
 * was created; the authoritative servers answer from the zone as it is.
 */
export async function authoritativeLookup(name: string, timeout: number): Promise<Lookup> {
  const system = new Resolver({ timeout, tries: 2 });
  system.setServers(getServers());
  const labels = name.replace(/\.$/, "").split(".");
  for (let i = 0; i < labels.length - 1; i++) {
    const zone = labels.slice(i).join(".");
    let nameServers: string[];
    try {
      nameServers = await system.resolveNs(zone);
    } catch {
      continue;
    }
    if (nameServers.length === 0) continue;
    const addresses = (
      await Promise.all(nameServers.map((ns) => system.resolve4(ns).catch(() => [] as string[])))
    ).flat();
    if (addresses.length === 0)
      throw new Error(`the name servers of ${zone} (${nameServers.join(", ")}) have no address`);
    return configuredLookup(addresses, timeout);
  }
  throw new Error(`no zone with name servers found above ${name}`);
}

/** A promise that rejects after `ms`, so no network call can hang a check. */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  onTimeout?: () => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`${what} timed out after ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A DNS failure as a person reads it: the code and what it means. */
export function describeDnsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const meaning: Record<string, string> = {
    ENOTFOUND: "NXDOMAIN: no such name",
    ENODATA: "no record of that type",
    EREFUSED: "the server refused: it is not authoritative for this name",
    ETIMEOUT: "no answer from the server",
    ECONNREFUSED: "nothing listens on the server's address",
  };
  return code
    ? `${code} (${meaning[code] ?? (error as Error).message})`
    : String((error as Error)?.message ?? error);
}
