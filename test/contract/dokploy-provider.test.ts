// The shared provider contract against the Dokploy twin, over HTTP with undici: application.ensure steps in a
// project the provider made, under seeded 429/5xx/lost-response faults, and a twin that lies about a create.
import type { TestContext } from "node:test";
import type { Step } from "../../src/plan/types.ts";
import { DokployProvider } from "../../src/providers/dokploy/index.ts";
import { dokployHandlers } from "../../src/sandbox/dokploy/handlers.ts";
import type { HandlerTable } from "../../src/sandbox/dokploy/index.ts";
import { startDokployTwin } from "../support/dokploy-twin.ts";
import { type ProviderFixture, providerContract, type SetupOptions } from "./providers.contract.ts";

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

/** Answers application.create exactly as Dokploy would, and keeps nothing. */
const lyingCreate: HandlerTable = {
  "application-create": (ctx) => {
    const row = dokployHandlers["application-create"]?.(ctx) as { applicationId: string };
    delete ctx.world.applications[row.applicationId];
    return row;
  },
};

async function dokploySetup(t: TestContext, options: SetupOptions): Promise<ProviderFixture> {
  const { twin, apiKey } = await startDokployTwin(t, {
    retryAfterSeconds: 0,
    ...(options.lying ? { handlers: lyingCreate } : {}),
  });
  const provider = new DokployProvider({
    url: twin.url,
    apiKey,
    secrets: () => undefined,
    sleep: async () => {},
    backoffMs: 1,
    timeoutMs: 5000,
    // At 60% faulty requests, enough rounds that a seeded run cannot exhaust them by bad luck.
    attempts: 12,
  });
  await provider.apply(projectStep());
  const environmentId = () => {
    const project = Object.values(twin.world.projects).find((p) => p.name === PROJECT);
    const env = Object.values(twin.world.environments).find((e) => e.projectId === project?.projectId);
    if (!env) throw new Error("the project's production environment is missing");
    return env.environmentId;
  };
  if (options.faults) {
    twin.setFaults({ seed: options.faults.seed, rateLimit: 0.2, serverError: 0.2, lostResponse: 0.2 });
  }
  const nameOf = (step: Step) => (step.desired as { name: string }).name;
  return {
    provider,
    step: applicationStep,
    seedForeign: (step) => {
      // Someone made an application of that name by hand: it carries no owner tag.
      dokployHandlers["application-create"]?.({
        twin,
        world: twin.world,
        procedure: "application.create",
        body: { name: nameOf(step), environmentId: environmentId(), description: "hand-made" },
        query: new URLSearchParams(),
        organizationId: "org-1",
      });
    },
    count: (step) =>
      Object.values(twin.world.applications).filter(
        (a) => a.name === nameOf(step) && a.environmentId === environmentId(),
      ).length,
    writes: () => twin.exchanges.filter((e) => e.method !== "GET").length,
    faults: () => twin.exchanges.filter((e) => e.fault).length,
  };
}

providerContract("dokploy", dokploySetup);
