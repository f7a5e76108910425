// Webhook delivery: turns the twin's domain events into signed HTTP POSTs to every App installed on the
// repository's account that subscribed to the event. Each payload is validated against GitHub's webhook
// description (@octokit/openapi-webhooks) first, fail-closed: a payload that does not validate is not sent
// and is recorded as a violation in `twin.deliveries`, which the test harness checks.
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { OpenApiContract } from "../openapi-contract.ts";
import type { TwinEventMap, TwinEventName } from "./events.ts";
import type { Installation, Repo } from "./state.ts";
import { type Delivery, type GithubTwin, installationCovers } from "./twin.ts";
import { deliveredWebhooks } from "./webhook-events.ts";
import {
  installationPayload,
  issueCommentPayload,
  issuesPayload,
  type Payload,
  pullRequestPayload,
  pushPayload,
  workflowRunPayload,
} from "./webhook-payloads.ts";

/** GitHub gives up on a receiver after 10 seconds. */
const DELIVERY_TIMEOUT_MS = 10_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

let sharedContract: OpenApiContract | undefined;

/**
 * GitHub's webhook description cut to what we deliver, as an OpenApiContract: each webhook becomes a POST to
 * `/<event>.<action>` whose request body is the payload, so the REST contract's Ajv setup (3.0/3.1 nullable,
 * oneOf read as anyOf, formats) validates payloads too.
 */
export function webhookContract(): OpenApiContract {
  if (sharedContract) return sharedContract;
  const spec = JSON.parse(
    readFileSync(new URL("./spec/webhooks.subset.json", import.meta.url), "utf8"),
  ) as JsonObject;
  const paths: JsonObject = {};
  for (const item of Object.values(spec.webhooks as JsonObject)) {
    const post = (item as JsonObject).post as JsonObject;
    const key = webhookKey(spec, post);
    paths[`/${key}`] = { post: { ...post, operationId: key } };
  }
  sharedContract = new OpenApiContract({ ...spec, paths });
  return sharedContract;
}

function webhookKey(spec: JsonObject, post: JsonObject): string {
  const event = (post["x-github"] as JsonObject).subcategory as string;
  const ref = String(
    (
      (((post.requestBody as JsonObject).content as JsonObject)["application/json"] as JsonObject)
        .schema as JsonObject
    ).$ref,
  );
  const schema = ((spec.components as JsonObject).schemas as JsonObject)[
    ref.split("/").pop() as string
  ] as JsonObject;
  const actions = ((schema.properties as JsonObject | undefined)?.action as JsonObject | undefined)?.enum as
    | string[]
    | undefined;
  return actions?.length === 1 ? `${event}.${actions[0]}` : event;
}

/** Problems with a payload against GitHub's webhook description; empty when it may be sent. */
export function validateWebhookPayload(event: string, payload: Payload): string[] {
  const action = typeof payload.action === "string" ? payload.action : null;
  const key = action ? `${event}.${action}` : event;
  if (!(deliveredWebhooks as readonly string[]).includes(key))
    return [`${key} is not a webhook the twin delivers (webhook-events.ts)`];
  return webhookContract().validateRequest(key, {
    params: {},
    query: new URLSearchParams(),
    body: payload,
    hasBody: true,
  });
}

export function signWebhook(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

interface Target {
  installation: Installation;
  appId: number;
  url: string;
  secret: string;
}

/** Subscribes the twin's webhook delivery to its domain events. Call once per twin. */
export function registerWebhooks(twin: GithubTwin): GithubTwin {
  const queue = new DeliveryQueue(twin);
  const onRepoEvent = <K extends TwinEventName>(
    name: K,
    repoOf: (event: TwinEventMap[K]) => string,
    build: (event: TwinEventMap[K], options: { installation: Installation; repo: Repo }) => Payload,
  ) => {
    twin.events.on(name, (event) => {
      const repo = twin.repoByName(repoOf(event));
      if (!repo) return;
      for (const target of targetsFor(twin, { event: name, repo })) {
        queue.enqueue(name, target, () => build(event, { installation: target.installation, repo }));
      }
    });
  };
  twin.events.on("installation", (event) => {
    const installation = twin.world.installations[event.installationId];
    const app = installation ? twin.world.apps[installation.appId] : undefined;
    // GitHub sends installation events to every App with a webhook, whatever it subscribed to.
    if (!installation || !app?.webhookUrl) return;
    const target = { installation, appId: app.id, url: app.webhookUrl, secret: app.webhookSecret };
    queue.enqueue("installation", target, () => installationPayload(twin, event, installation));
  });
  onRepoEvent(
    "push",
    (e) => e.repoFullName,
    (e, o) => pushPayload(twin, e, o),
  );
  onRepoEvent(
    "issue_comment",
    (e) => e.repoFullName,
    (e, o) => issueCommentPayload(twin, e, o),
  );
  onRepoEvent(
    "issues",
    (e) => e.repoFullName,
    (e, o) => issuesPayload(twin, e, o),
  );
  onRepoEvent(
    "pull_request",
    (e) => e.repoFullName,
    (e, o) => pullRequestPayload(twin, e, o),
  );
  onRepoEvent(
    "workflow_run",
    (e) => e.repoFullName,
    (e, o) => workflowRunPayload(twin, e, o),
  );
  return twin;
}

/** Every installation of an App with a webhook URL, subscribed to the event, whose installation covers the repo. */
function targetsFor(twin: GithubTwin, options: { event: string; repo: Repo }): Target[] {
  const targets: Target[] = [];
  for (const installation of Object.values(twin.world.installations)) {
    const app = twin.world.apps[installation.appId];
    if (!app?.webhookUrl || !app.events.includes(options.event)) continue;
    if (!installationCovers(installation, options.repo)) continue;
    targets.push({ installation, appId: app.id, url: app.webhookUrl, secret: app.webhookSecret });
  }
  return targets;
}

/**
 * Deliveries go out one at a time in the order the events happened, as GitHub's do for one hook. The payload
 * is built when the event fires (the state of that moment); sending waits its turn. Each is tracked by the
 * twin so `await twin.settled()` waits for delivery, and a failure is recorded, never retried.
 */
class DeliveryQueue {
  readonly #twin: GithubTwin;
  #tail: Promise<void> = Promise.resolve();

  constructor(twin: GithubTwin) {
    this.#twin = twin;
  }

  enqueue(event: string, target: Target, build: () => Payload): void {
    const delivery: Delivery = {
      event,
      action: null,
      deliveryId: randomUUID(),
      appId: target.appId,
      installationId: target.installation.id,
      url: target.url,
      status: 0,
      violations: [],
    };
    this.#twin.deliveries.push(delivery);
    let body: string | undefined;
    try {
      const payload = build();
      delivery.action = typeof payload.action === "string" ? payload.action : null;
      delivery.violations.push(...validateWebhookPayload(event, payload));
      body = JSON.stringify(payload);
    } catch (error) {
      delivery.violations.push(`payload could not be built: ${(error as Error).message}`);
    }
    if (delivery.violations.length > 0 || body === undefined) return;
    const send = this.#tail.then(() => post(delivery, { target, body: body as string }));
    this.#tail = send;
    this.#twin.track(send);
  }
}

async function post(delivery: Delivery, options: { target: Target; body: string }): Promise<void> {
  try {
    const response = await fetch(options.target.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/twin",
        "x-github-event": delivery.event,
        "x-github-delivery": delivery.deliveryId,
        "x-github-hook-id": String(delivery.appId),
        "x-github-hook-installation-target-id": String(delivery.appId),
        "x-github-hook-installation-target-type": "integration",
        "x-hub-signature-256": signWebhook(options.target.secret, options.body),
      },
      body: options.body,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    delivery.status = response.status;
    await response.arrayBuffer();
    if (!response.ok) delivery.error = `receiver answered ${response.status}`;
  } catch (error) {
    delivery.error = (error as Error).cause
      ? String((error as Error & { cause: unknown }).cause)
      : (error as Error).message;
  }
}
