// A sample config and build inputs shared by the plan tests.
import { parseDeployConfig } from "../../../src/config/load.ts";
import { type BuildPlanOptions, buildPlan } from "../../../src/plan/build.ts";
import { pin } from "../../../src/plan/hash.ts";
import type { PinnedPlan } from "../../../src/plan/types.ts";

export const SAMPLE_YAML = `version: 1
app:
  name: hello-service
  image: ghcr.io/acme/hello-service
  port: 3000
  health: /healthz
  expectLog: migrations applied
environments:
  production:
    dokploy: {}
    domain:
      host: app.example.com
    dns:
      provider: cloudflare
      zone: example.com
      target: 203.0.113.10
      proxied: true
    env:
      NODE_ENV: production
    secrets: [SESSION_KEY, DATABASE_URL]
`;

export const DIGEST = `sha256:${"ab".repeat(32)}`;
export const HEAD_SHA = "1234567890abcdef1234567890abcdef12345678";

export function sampleOptions(overrides: Partial<BuildPlanOptions> = {}): BuildPlanOptions {
  return {
    config: parseDeployConfig(SAMPLE_YAML),
    environment: "production",
    repository: "acme/hello-service",
    pullNumber: 7,
    headSha: HEAD_SHA,
    configSha: "c0ffee".padEnd(40, "0"),
    image: { repository: "ghcr.io/acme/hello-service", tag: `sha-${HEAD_SHA}`, digest: DIGEST },
    ...overrides,
  };
}

export function samplePinned(overrides: Partial<BuildPlanOptions> = {}): PinnedPlan {
  return pin(buildPlan(sampleOptions(overrides)));
}
