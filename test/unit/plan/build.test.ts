import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, parseDeployConfig } from "../../../src/config/load.ts";
import { buildPlan, recordType } from "../../../src/plan/build.ts";
import { planHash } from "../../../src/plan/hash.ts";
import { DIGEST, SAMPLE_YAML, sampleOptions } from "./fixtures.ts";

test("the sample config plans every step in order, each with provider, action, target and risk", () => {
  const plan = buildPlan(sampleOptions());
  assert.deepEqual(
    plan.steps.map((s) => [s.id, s.risk]),
    [
      ["dokploy.project.ensure:hello-service", "create"],
      ["dokploy.application.ensure:hello-service", "create"],
      ["dokploy.docker-provider.set:hello-service", "update"],
      ["dokploy.environment.set:hello-service", "update"],
      ["dokploy.domain.ensure:app.example.com", "create"],
      ["dokploy.application.deploy:hello-service", "update"],
      ["cloudflare.dns-record.ensure:app.example.com A", "create"],
      ["github.actions-secret.set:DOKPLOY_DEPLOY_TOKEN", "create"],
      ["verify.dns:app.example.com", "read"],
      ["verify.tls:app.example.com", "read"],
      ["verify.http:https://app.example.com/healthz", "read"],
      ["verify.log:hello-service", "read"],
    ],
  );
  for (const s of plan.steps) {
    assert.equal(s.id, `${s.provider}.${s.action}:${s.target}`);
    assert.equal(s.expected, undefined, "the plan run fills expected, not the App");
    assert.equal(s.undo === null, s.risk === "read", `${s.id}: reads have no undo, changes do`);
  }
  assert.deepEqual(
    [plan.repository, plan.pullNumber, plan.environment, plan.headSha, plan.image.digest],
    ["acme/hello-service", 7, "production", sampleOptions().headSha, DIGEST],
  );
});

test("the image is pinned by digest, with registry credentials by secret name", () => {
  const plan = buildPlan(sampleOptions());
  const docker = plan.steps.find((s) => s.action === "docker-provider.set");
  assert.deepEqual(docker?.desired, {
    application: "hello-service",
    image: `ghcr.io/acme/hello-service@${DIGEST}`,
    registry: "ghcr.io",
    username: "acme",
    passwordSecret: "GHCR_PULL_TOKEN",
  });
  const deploy = plan.steps.find((s) => s.action === "application.deploy");
  assert.deepEqual(deploy?.desired, {
    application: "hello-service",
    image: `ghcr.io/acme/hello-service@${DIGEST}`,
    wait: true,
  });
  assert.ok(!JSON.stringify(plan.steps).includes(":sha-"), "no step deploys by tag");
});

test("environment: plain values and secret names only; domain on the app's port with HTTPS; proxied record", () => {
  const plan = buildPlan(sampleOptions());
  const byAction = Object.fromEntries(plan.steps.map((s) => [s.action, s.desired]));
  assert.deepEqual(byAction["environment.set"], {
    application: "hello-service",
    variables: { NODE_ENV: "production" },
    secrets: ["DATABASE_URL", "SESSION_KEY"],
  });
  assert.deepEqual(byAction["domain.ensure"], {
    application: "hello-service",
    host: "app.example.com",
    port: 3000,
    path: "/",
    https: true,
    certificate: "letsencrypt",
  });
  assert.deepEqual(byAction["dns-record.ensure"], {
    zone: "example.com",
    name: "app.example.com",
    type: "A",
    content: "203.0.113.10",
    proxied: true,
    ttl: 1,
    comment: "managed by devops-agent: acme/hello-service production",
  });
  assert.deepEqual(byAction["actions-secret.set"], {
    name: "DOKPLOY_DEPLOY_TOKEN",
    environment: "production",
    valueFrom: "dokploy.application.refreshToken",
  });
});

test("no secret value can reach the plan: only names", () => {
  const plan = buildPlan(sampleOptions());
  const text = JSON.stringify(plan);
  for (const name of ["SESSION_KEY", "DATABASE_URL", "GHCR_PULL_TOKEN", "DOKPLOY_DEPLOY_TOKEN"]) {
    assert.ok(text.includes(name), `${name} is named`);
  }
  assert.doesNotMatch(text, /password"\s*:|token"\s*:\s*"[^"]/i);
});

test("deterministic: the same inputs hash the same; config, digest, head and config blob change the hash", () => {
  const base = planHash(buildPlan(sampleOptions()));
  assert.equal(planHash(buildPlan(sampleOptions())), base);
  const otherDigest = sampleOptions({
    image: { ...sampleOptions().image, digest: `sha256:${"cd".repeat(32)}` },
  });
  const otherConfig = sampleOptions({ config: parseDeployConfig(SAMPLE_YAML.replace("3000", "3001")) });
  const otherSha = sampleOptions({ headSha: "f".repeat(40) });
  const otherConfigSha = sampleOptions({ configSha: "e".repeat(40) });
  const hashes = [otherDigest, otherConfig, otherSha, otherConfigSha].map((o) => planHash(buildPlan(o)));
  assert.equal(new Set([base, ...hashes]).size, 5);
  // Secret order in the config is not meaningful and does not change the plan.
  const reordered = sampleOptions({
    config: parseDeployConfig(
      SAMPLE_YAML.replace("[SESSION_KEY, DATABASE_URL]", "[DATABASE_URL, SESSION_KEY]"),
    ),
  });
  assert.equal(planHash(buildPlan(reordered)), base);
});

test("optional parts: no domain, no DNS, no expectLog → only the steps that mean something", () => {
  const yaml = `version: 1
app: { name: bare, image: ghcr.io/acme/bare, port: 8080 }
environments:
  staging:
    dokploy: { project: shop, registrySecret: PULL }
`;
  const plan = buildPlan(
    sampleOptions({
      config: parseDeployConfig(yaml),
      environment: "staging",
      image: { repository: "ghcr.io/acme/bare", tag: "sha-x", digest: DIGEST },
    }),
  );
  assert.deepEqual(
    plan.steps.map((s) => s.id),
    [
      "dokploy.project.ensure:shop",
      "dokploy.application.ensure:bare",
      "dokploy.docker-provider.set:bare",
      "dokploy.environment.set:bare",
      "dokploy.application.deploy:bare",
      "github.actions-secret.set:DOKPLOY_DEPLOY_TOKEN",
    ],
  );
});

test("HTTP-only domain: no TLS check, an http:// health URL; a CNAME for a host-name target", () => {
  const yaml = SAMPLE_YAML.replace(
    "host: app.example.com",
    "host: app.example.com\n      https: false",
  ).replace("target: 203.0.113.10", "target: lb.example.net");
  const plan = buildPlan(sampleOptions({ config: parseDeployConfig(yaml) }));
  const ids = plan.steps.map((s) => s.id);
  assert.ok(ids.includes("cloudflare.dns-record.ensure:app.example.com CNAME"));
  assert.ok(ids.includes("verify.http:http://app.example.com/healthz"));
  assert.ok(!ids.some((id) => id.startsWith("verify.tls")));
  assert.deepEqual(
    [recordType("203.0.113.10"), recordType("2001:db8::1"), recordType("lb.example.net")],
    ["A", "AAAA", "CNAME"],
  );
});

test("an environment the config lacks is a user error naming the file, line and field", () => {
  assert.throws(
    () => buildPlan(sampleOptions({ environment: "staging", configText: SAMPLE_YAML })),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const problem = error.problems[0];
      assert.equal(problem?.file, ".devops/deploy.yml");
      assert.equal(problem?.field, "environments");
      assert.equal(problem?.line, 9);
      assert.match(problem?.message ?? "", /no environment "staging".*defines production/);
      return true;
    },
  );
});

test("DNS without a domain, or a host outside the zone, is a user error on the right field", () => {
  const noDomain = SAMPLE_YAML.replace("    domain:\n      host: app.example.com\n", "");
  assert.throws(
    () => buildPlan(sampleOptions({ config: parseDeployConfig(noDomain), configText: noDomain })),
    (error: unknown) =>
      error instanceof ConfigError && error.problems[0]?.field === "environments.production.dns",
  );
  const otherZone = SAMPLE_YAML.replace("zone: example.com", "zone: example.org");
  assert.throws(
    () => buildPlan(sampleOptions({ config: parseDeployConfig(otherZone), configText: otherZone })),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.problems[0]?.field === "environments.production.dns.zone" &&
      error.problems[0]?.line === 15,
  );
});

test("an image that is not the configured one, or not a digest, is refused", () => {
  assert.throws(
    () => buildPlan(sampleOptions({ image: { repository: "ghcr.io/evil/x", tag: "t", digest: DIGEST } })),
    /not the configured/,
  );
  assert.throws(
    () =>
      buildPlan(
        sampleOptions({ image: { repository: "ghcr.io/acme/hello-service", tag: "t", digest: "latest" } }),
      ),
    /not a sha256 digest/,
  );
});
