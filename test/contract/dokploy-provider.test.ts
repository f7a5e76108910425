// The shared provider contract against the Dokploy twin, over HTTP with undici: application.ensure steps in a
// project the provider made, and domain.ensure steps on an application it made, each under seeded
// 429/5xx/lost-response faults and with a twin that lies about the create.
import type { TestContext } from "node:test";
import type { Step } from "../../src/plan/types.ts";
import { DokployProvider } from "../../src/providers/dokploy/index.ts";
import { dokployHandlers } from "../../src/sandbox/dokploy/handlers.ts";
import type { DokployTwin, HandlerTable } from "../../src/sandbox/dokploy/index.ts";
import { startDokployTwin } from "../support/dokploy-twin.ts";
import {
  type ProviderFixture,
  providerContract,
  rollbackStep,
  type SetupOptions,
} from "./providers.contract.ts";

const OWNER = "managed by devops-agent: acme/hello-service production";
const PROJECT = "hello";

export function projectStep(): Step {
  return {
    id: `dokploy.project.ensure:${PROJECT}`,
    provider: "dokploy",
    action: "project.ensure",
    target: PROJECT,
    risk: "create",
    desired: { name: PROJECT, description: OWNER },
    undo: { action: "project.delete", state: { name: PROJECT } },
  };
}

function applicationStep(n: number): Step {
  const name = `svc-${n}`;
  return {
    id: `dokploy.application.ensure:${name}`,
    provider: "dokploy",
    action: "application.ensure",
    target: name,
    risk: "create",
    desired: { project: PROJECT, name, description: OWNER },
    undo: { action: "application.delete", state: { project: PROJECT, name } },
  };
}

function domainStep(n: number): Step {
  const host = `d${n}.example.com`;
  return {
    id: `dokploy.domain.ensure:${host}`,
    provider: "dokploy",
    action: "domain.ensure",
    target: host,
    risk: "create",
    desired: { application: APP, host, port: 3000, path: "/", https: true, certificate: "letsencrypt" },
    undo: { action: "domain.delete", state: { application: APP, host } },
  };
}

const APP = "web";

/** Answers the create exactly as Dokploy would, and keeps nothing. */
const lying: HandlerTable = {
  "application-create": (ctx) => {
    const row = dokployHandlers["application-create"]?.(ctx) as { applicationId: string };
    delete ctx.world.applications[row.applicationId];
    return row;
  },
  "domain-create": (ctx) => {
    const row = dokployHandlers["domain-create"]?.(ctx) as { domainId: string };
    delete ctx.world.domains[row.domainId];
    return row;
  },
};

/** Runs a twin handler directly: seeding as someone else would, outside the exchanges the test counts. */
function seed(twin: DokployTwin, operationId: string, procedure: string, body: Record<string, unknown>) {
  return dokployHandlers[operationId]?.({
    twin,
    world: twin.world,
    procedure,
    body,
    query: new URLSearchParams(),
    organizationId: "org-1",
  }) as Record<string, string>;
}

async function dokploySetup(
  t: TestContext,
  options: SetupOptions,
  kind: "application" | "domain",
): Promise<ProviderFixture> {
  const { twin, apiKey } = await startDokployTwin(t, {
    retryAfterSeconds: 0,
    ...(options.lying ? { handlers: lying } : {}),
  });
  const provider = new DokployProvider({
    url: twin.url,
    apiKey,
    secrets: () => undefined,
    sleep: async () => {},
    backoffMs: 1,
    timeoutMs: 5000,
    // 60% of requests fault here, and the longest run of faulty requests in a few hundred is about 11
    // (log n / log(1/0.6)): 20 tries per request keep a seeded run from exhausting them by bad luck.
    attempts: 20,
  });
  await provider.apply(projectStep());
  const environmentId = () => {
    const project = Object.values(twin.world.projects).find((p) => p.name === PROJECT);
    const env = Object.values(twin.world.environments).find((e) => e.projectId === project?.projectId);
    if (!env) throw new Error("the project's production environment is missing");
    return env.environmentId;
  };
  if (kind === "domain") {
    // The application the domains belong to; made before any lying handler or fault can interfere.
    seed(twin, "application-create", "application.create", {
      name: APP,
      environmentId: environmentId(),
      description: OWNER,
    });
  }
  if (options.faults) {
    twin.setFaults({ seed: options.faults.seed, rateLimit: 0.2, serverError: 0.2, lostResponse: 0.2 });
  }
  const nameOf = (step: Step) => (step.desired as { name: string }).name;
  const hostOf = (step: Step) => (step.desired as { host: string }).host;
  const common = {
    provider,
    writes: () => twin.exchanges.filter((e) => e.method !== "GET").length,
    faults: () => twin.exchanges.filter((e) => e.fault).length,
    undoStep: rollbackStep,
  };
  if (kind === "application") {
    return {
      ...common,
      step: applicationStep,
      // Someone made an application of that name by hand: it carries no owner tag.
      seedForeign: (step) => {
        seed(twin, "application-create", "application.create", {
          name: nameOf(step),
          environmentId: environmentId(),
          description: "hand-made",
        });
      },
      count: (step) =>
        Object.values(twin.world.applications).filter(
          (a) => a.name === nameOf(step) && a.environmentId === environmentId(),
        ).length,
    };
  }
  return {
    ...common,
    step: domainStep,
    // The host is served by another application someone made by hand.
    seedForeign: (step) => {
      const legacy =
        Object.values(twin.world.applications).find((a) => a.name === "legacy") ??
        (seed(twin, "application-create", "application.create", {
          name: "legacy",
          environmentId: environmentId(),
          description: "hand-made",
        }) as unknown as { applicationId: string });
      seed(twin, "domain-create", "domain.create", {
        host: hostOf(step),
        port: 8080,
        https: false,
        applicationId: legacy.applicationId,
        domainType: "application",
      });
    },
    count: (step) => Object.values(twin.world.domains).filter((d) => d.host === hostOf(step)).length,
  };
}

providerContract("dokploy application.ensure", (t, options) => dokploySetup(t, options, "application"));
providerContract("dokploy domain.ensure", (t, options) => dokploySetup(t, options, "domain"));
