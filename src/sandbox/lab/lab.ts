// The lab wired together: DNS answering from the Cloudflare twin, a sandbox CA, and an HTTPS front routing each
// domain to the app the Dokploy twin deployed through the process runtime. What it returns is what
// VerifyProvider's options take, so verification in the sandbox is the production code against real sockets.
import { isCloudflareAddress } from "../../providers/verify/cloudflare-ips.ts";
import type { CloudflareTwin } from "../cloudflare/twin.ts";
import { createSandboxCa, type SandboxCa } from "./ca.ts";
import { startDnsServer } from "./dns-server.ts";
import { cloudflareRecords } from "./dns-zones.ts";
import { startHttpsFront } from "./https-front.ts";
import type { ProcessRuntime } from "./process-runtime.ts";

export interface LabOptions {
  cloudflare: Pick<CloudflareTwin, "world">;
  runtime: Pick<ProcessRuntime, "portOf" | "appForHost">;
  /** Which app serves a host (the Dokploy twin's domains); default: the domains the runtime deployed with. */
  routeFor?: (host: string) => { appName: string } | undefined;
  ca?: SandboxCa;
}

export interface Lab {
  /** For VerifyProvider's `resolver`: `127.0.0.1:<port>`. */
  resolver: string;
  ports: { http: number; https: number };
  caPem: string;
  /**
   * For VerifyProvider's `connectTo`: the front stands in for Cloudflare's edge and the origin server, which
   * cannot be bound on loopback without root; other addresses are left alone (and so unreachable).
   */
  connectTo: (address: string) => string;
  close(): Promise<void>;
}

export async function startLab(options: LabOptions): Promise<Lab> {
  const ca = options.ca ?? (await createSandboxCa());
  const routeFor = options.routeFor ?? ((host: string) => options.runtime.appForHost(host));
  const dns = await startDnsServer({ zones: () => cloudflareRecords(options.cloudflare) });
  const front = await startHttpsFront({
    ca,
    route: (host) => {
      const app = routeFor(host);
      const port = app ? options.runtime.portOf(app.appName) : undefined;
      return port ? { port } : undefined;
    },
  }).catch(async (error: unknown) => {
    await dns.close();
    throw error;
  });
  return {
    resolver: `${dns.address}:${dns.port}`,
    ports: { http: front.httpPort, https: front.httpsPort },
    caPem: ca.certPem,
    connectTo: (address) => (isCloudflareAddress(address) ? "127.0.0.1" : address),
    async close() {
      await Promise.all([front.close(), dns.close()]);
    },
  };
}
