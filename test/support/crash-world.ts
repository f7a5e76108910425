// The three twins a whole apply runs against (Dokploy, Cloudflare, GitHub behind a fault proxy), the sample plan
// built with buildPlan, and a factory of fresh providers: after a crash nothing in memory survives, so every
// resumed run gets new provider instances built from the same settings, as a restarted process would.
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { buildPlan } from "../../src/plan/build.ts";
import type { Plan } from "../../src/plan/types.ts";
import { recordedState } from "../../src/providers/judge.ts";
import type { Provider } from "../../src/providers/types.ts";
import { ManualClock } from "../../src/sandbox/clock.ts";
import type { FaultOptions as CloudflareFaults } from "../../src/sandbox/cloudflare/faults.ts";
import type { CloudflareTwin } from "../../src/sandbox/cloudflare/twin.ts";
import { addToken, addZone, recordsOf } from "../../src/sandbox/cloudflare/world.ts";
import { advance, type DokployTwin, state } from "../../src/sandbox/dokploy/index.ts";
import type { GithubTwin } from "../../src/sandbox/github/twin.ts";
import { createRepo } from "../../src/sandbox/github/world.ts";
import { setupApp } from "../unit/github-twin/app-helpers.ts";
import { sampleOptions } from "../unit/plan/fixtures.ts";
import { startCloudflareTwin } from "./cloudflare-twin.ts";
import {
  ENVIRONMENT,
  makeProviders,
  OWNER,
  type ProviderTuning,
  REPO,
  type WorldSettings,
  ZONE,
} from "./crash-providers.ts";
import { startDokployTwin } from "./dokploy-twin.ts";
import { type FaultProxy, type FaultProxyOptions, startFaultProxy } from "./fault-proxy.ts";
import { startGithubTwin } from "./github-twin.ts";

/** The reference plan: Dokploy project/app/docker provider/env/domain/deploy, a DNS record, the deploy token secret. */
export function samplePlan(): Plan {
  const plan = buildPlan(
    sampleOptions({
      repository: `${OWNER}/${REPO}`,
    }),
  );
  return { ...plan, steps: plan.steps.filter((s) => s.provider !== "verify") };
}

/** The plan as the read-only plan run leaves it: each step's `expected` is the live state it read. */
export async function planRun(plan: Plan, providers: readonly Provider[]): Promise<Plan> {
  const steps = [];
  for (const step of plan.steps) {
    const provider = providers.find((p) => p.handles(step));
    assert.ok(provider, step.id);
    const live = await provider.read(step);
    steps.push({ ...step, expected: recordedState(live) });
  }
  return { ...plan, steps };
}

export interface CrashWorld {
  dokploy: DokployTwin;
  cloudflare: CloudflareTwin;
  github: GithubTwin;
  proxy: FaultProxy;
  zoneId: string;
  settings: WorldSettings;
  /** Fresh providers; their sleep moves the Dokploy twin's manual clock instead of waiting. */
  providers(plan: Plan, tuning?: ProviderTuning): Provider[];
  /** Counts read from the twins' own state. */
  counts(): WorldCounts;
  /** Every write any twin received, in order of arrival per twin, summed. */
  writes(): number;
}

export interface WorldCounts {
  projects: number;
  applications: number;
  domains: number;
  deployments: number;
  doneDeployments: number;
  records: number;
  secrets: number;
}

export interface CrashWorldOptions {
  cloudflareFaults?: CloudflareFaults;
  githubFaults?: FaultProxyOptions["faults"];
}

export async function startCrashWorld(t: TestContext, options: CrashWorldOptions = {}): Promise<CrashWorld> {
  // A manual clock: in-process provider waits move it; a test moves it while a child process waits for real.
  const clock = new ManualClock("2026-05-01T12:00:00Z");
  const { twin: dokploy, apiKey } = await startDokployTwin(t, { retryAfterSeconds: 0, clock });
  const { twin: cloudflare } = await startCloudflareTwin(t, {
    ...(options.cloudflareFaults ? { faults: options.cloudflareFaults } : {}),
  });
  const zone = addZone(cloudflare, { name: ZONE });
  const cfToken = addToken(cloudflare, { scopes: ["zone:read", "dns:read", "dns:edit"] });

  const { twin: github, asUser } = await startGithubTwin(t);
  createRepo(github, { owner: OWNER, name: REPO });
  await asUser(OWNER).repos.createOrUpdateEnvironment({
    owner: OWNER,
    repo: REPO,
    environment_name: ENVIRONMENT,
  });
  const app = setupApp(github, {
    slug: "devops-agent",
    account: OWNER,
    permissions: { environments: "write", secrets: "write", actions_variables: "write" },
  });
  // What the App hands the approved run: this repository only, an Environment's secrets and variables only.
  const token = await app.token({ repositoryNames: [REPO], permissions: { environments: "write" } });
  const proxy = await startFaultProxy(t, {
    target: github.url,
    ...(options.githubFaults ? { faults: options.githubFaults } : {}),
  });

  const settings: WorldSettings = {
    dokploy: { url: dokploy.url, apiKey },
    cloudflare: { baseURL: cloudflare.baseURL, token: cfToken.value },
    github: { url: proxy.url, token },
  };
  const repo = () => github.repoByName(`${OWNER}/${REPO}`);
  return {
    dokploy,
    cloudflare,
    github,
    proxy,
    zoneId: zone.id,
    settings,
    providers: (plan, tuning = {}) =>
      makeProviders(settings, plan, {
        sleep: async (ms: number) => advance(dokploy, ms),
        ...tuning,
      }),
    counts: () => {
      const world = state(dokploy);
      const deployments = Object.values(world.deployments);
      return {
        projects: Object.keys(world.projects).length,
        applications: Object.keys(world.applications).length,
        domains: Object.keys(world.domains).length,
        deployments: deployments.length,
        doneDeployments: deployments.filter((d) => d.status === "done").length,
        records: recordsOf(cloudflare, zone.id).length,
        secrets: Object.keys(repo()?.environments[ENVIRONMENT]?.secrets ?? {}).length,
      };
    },
    writes: () =>
      [dokploy.exchanges, cloudflare.exchanges, github.exchanges].flat().filter((e) => e.method !== "GET")
        .length,
  };
}

/** One of everything: what a converged apply of the sample plan leaves, however many times it was resumed. */
export const ONE_OF_EACH: WorldCounts = {
  projects: 1,
  applications: 1,
  domains: 1,
  deployments: 1,
  doneDeployments: 1,
  records: 1,
  secrets: 1,
};

export { ENVIRONMENT, OWNER, REPO, type WorldSettings, ZONE };
