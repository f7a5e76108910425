// The hook that lets the sandbox really run what the Dokploy twin deploys. Without a runtime the twin only
// moves deployments along its clock; with one, a deployment ends when the runtime says the app is up (done)
// or failed (error), and `application.readLogs` serves the running app's own output.
import type { DokployTwin } from "./twin.ts";

export interface RuntimeApp {
  appName: string;
  dockerImage: string;
  env: Record<string, string>;
  domains: { host: string; port: number; https: boolean }[];
}

export interface DokployRuntime {
  /** Runs the app for a deployment; resolves when it is up (done) or failed (error, with its log). */
  deploy(app: RuntimeApp): Promise<{ status: "done" | "error"; log: string; errorMessage?: string }>;
  /** The running container's output (`docker logs --timestamps` shape), or undefined when none runs. */
  logs(appName: string): string | undefined;
  stop(appName: string): Promise<void>;
}

/** Dokploy's env text (`KEY=VALUE` per line, `#` comments) as a record; the first `=` splits. */
export function parseEnvText(text: string | null): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of (text ?? "").split("\n")) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const at = line.indexOf("=");
    if (at <= 0) continue;
    env[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return env;
}

/**
 * Which application's domain serves this host (the lookup the sandbox's HTTPS front routes by): the newest
 * enabled domain with that host that belongs to an application.
 */
export function routeFor(
  twin: DokployTwin,
  host: string,
): { appName: string; port: number; https: boolean } | undefined {
  const wanted = host.toLowerCase().replace(/\.$/, "");
  const domains = Object.values(twin.world.domains)
    .filter((d) => d.enabled && d.applicationId !== null && d.host.toLowerCase() === wanted)
    .sort((a, b) => b.uniqueConfigKey - a.uniqueConfigKey);
  for (const domain of domains) {
    const application = twin.world.applications[domain.applicationId ?? ""];
    if (application) return { appName: application.appName, port: domain.port ?? 3000, https: domain.https };
  }
  return undefined;
}
