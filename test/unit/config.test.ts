import assert from "node:assert/strict";
import { test } from "node:test";
import Ajv2020 from "ajv/dist/2020.js";
import { deployJsonSchema } from "../../src/config/json-schema.ts";
import { ConfigError, parseDeployConfig, parsePolicy } from "../../src/config/load.ts";

const VALID = `version: 1
app:
  name: hello-service
  image: ghcr.io/acme/hello-service
  port: 3000
environments:
  production:
    dokploy: {}
    domain:
      host: app.example.com
    dns:
      provider: cloudflare
      zone: example.com
      target: 203.0.113.10
`;

test("a valid config parses with defaults applied", () => {
  const config = parseDeployConfig(VALID);
  assert.equal(config.app.health, "/healthz");
  assert.equal(config.environments.production?.dokploy.registrySecret, "GHCR_PULL_TOKEN");
  assert.equal(config.environments.production?.domain?.https, true);
});

test("every problem names file, line and field; nothing partial is returned", () => {
  const text = VALID.replace("port: 3000", "port: 99999\n  colour: blue").replace(
    "app.example.com",
    "not a host",
  );
  assert.throws(
    () => parseDeployConfig(text),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const byField = Object.fromEntries(error.problems.map((p) => [p.field, p]));
      assert.equal(byField["app.port"]?.line, 5);
      assert.equal(byField.app?.line, 6, "an unknown key is reported on its own line");
      assert.match(byField.app?.message ?? "", /colour/);
      assert.equal(byField["environments.production.domain.host"]?.line, 11);
      assert.match(error.message, /^\.devops\/deploy\.yml:5: app\.port: /m);
      return true;
    },
  );
});

test("YAML syntax errors and duplicate keys are reported with their line", () => {
  assert.throws(
    () => parseDeployConfig("version: 1\nversion: 1\n"),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.problems[0]?.line, 2);
      return true;
    },
  );
});

test("policy: bots must be [bot] logins, provider URLs must be http(s)", () => {
  assert.throws(
    () => parsePolicy("version: 1\nbots: [renovate]\nproviders:\n  dokploy:\n    url: ftp://x\n"),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.problems.map((p) => p.field).sort(), ["bots.0", "providers.dokploy.url"]);
      return true;
    },
  );
});

test("the generated JSON Schema accepts the valid config and rejects what zod rejects", () => {
  const ajv = new Ajv2020.default({ strict: false });
  const validate = ajv.compile(deployJsonSchema());
  const { parse } = { parse: (t: string) => JSON.parse(JSON.stringify(parseDeployConfig(t))) };
  assert.equal(validate(parse(VALID)), true);
  assert.equal(
    validate({ version: 1, app: { name: "x", image: "ghcr.io/a/b", port: 70000 }, environments: {} }),
    false,
  );
});
