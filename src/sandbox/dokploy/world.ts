// Seeding and inspecting the Dokploy twin from code. Tests and the sandbox set up keys and script deployment
// outcomes here; everything else goes through the HTTP API, as the Action would.
import { randomBytes } from "node:crypto";
import type { DeploymentOutcome, DokployWorld } from "./state.ts";
import type { DokployTwin } from "./twin.ts";

/** Registers an API key (better-auth's apiKey plugin; the key belongs to one organisation). */
export function addApiKey(
  twin: DokployTwin,
  options: { organizationId?: string; key?: string } = {},
): { key: string; organizationId: string } {
  const key = options.key ?? `dkp_${randomBytes(24).toString("base64url")}`;
  const organizationId = options.organizationId ?? "org-default";
  twin.world.apiKeys[key] = { key, organizationId };
  return { key, organizationId };
}

/**
 * Scripts how the application's next deployments end, in order (one outcome per deploy); unscripted deploys
 * succeed. An error outcome's log lines are what `deployment.readLogs` returns.
 */
export function scriptDeployment(
  twin: DokployTwin,
  applicationId: string,
  ...outcomes: DeploymentOutcome[]
): void {
  twin.world.scripted[applicationId] = [...(twin.world.scripted[applicationId] ?? []), ...outcomes];
}

/** A deep copy of the world after moving deployments along the clock: evidence read back, never a live handle. */
export function state(twin: DokployTwin): DokployWorld {
  twin.progress();
  return structuredClone(twin.world);
}

/** Moves a manual clock on and lets deployments finish whose build time has elapsed. */
export function advance(twin: DokployTwin, ms: number): void {
  const clock = twin.clock as { advance?: (ms: number) => void };
  if (typeof clock.advance !== "function") throw new Error("advance needs a twin built with a ManualClock");
  clock.advance(ms);
  twin.progress();
}

/** Without a runtime: lines the app's container has printed, served by `application.readLogs` (by appName). */
export function writeContainerLog(twin: DokployTwin, appName: string, ...lines: string[]): void {
  twin.world.containerLogs[appName] = [...(twin.world.containerLogs[appName] ?? []), ...lines];
}
