import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import {
  ImageError,
  MANIFEST_ACCEPT,
  parseBearerChallenge,
  resolveImageDigest,
} from "../../../src/app/image-digest.ts";
import { addUser, createRepo } from "../../../src/sandbox/github/world.ts";
import { publishImage } from "../../../src/sandbox/github/world-packages.ts";
import { startGithubTwin } from "../../support/github-twin.ts";
import { setupApp } from "../github-twin/app-helpers.ts";

const HEAD = "abc1234".padEnd(40, "0");
const IMAGE = "ghcr.io/acme/hello-service";

async function setup(t: TestContext) {
  const harness = await startGithubTwin(t);
  const { twin } = harness;
  createRepo(twin, { owner: "acme", name: "hello-service", private: true, collaborators: { wes: "write" } });
  createRepo(twin, { owner: "acme", name: "other", private: true });
  const digest = publishImage(twin, {
    owner: "acme",
    packageName: "hello-service",
    tags: [`sha-${HEAD}`, "latest"],
  });
  const app = setupApp(twin, { slug: "devops-agent", account: "acme", permissions: { packages: "read" } });
  // Every request the client makes, in order, as the registry saw it.
  const seen: string[] = [];
  const recording: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const auth = new Headers(init?.headers).get("authorization")?.split(" ")[0] ?? "none";
    const response = await fetch(input, init);
    seen.push(`${init?.method ?? "GET"} ${url.pathname} ${auth} → ${response.status}`);
    return response;
  };
  const resolve = (options: { tag?: string; token: string; image?: string }) =>
    resolveImageDigest({
      image: options.image ?? IMAGE,
      tag: options.tag ?? `sha-${HEAD}`,
      registryUrl: twin.url,
      token: options.token,
      fetch: recording,
    });
  return { ...harness, digest, app, seen, resolve };
}

test("the token dance: 401 challenge → registry token with the installation token → digest by HEAD", async (t) => {
  const { app, digest, seen, resolve } = await setup(t);
  const resolved = await resolve({ token: await app.token() });
  assert.equal(resolved, digest);
  assert.deepEqual(seen, [
    "HEAD /v2/acme/hello-service/manifests/sha-abc1234000000000000000000000000000000000 none → 401",
    "GET /token Basic → 200",
    "HEAD /v2/acme/hello-service/manifests/sha-abc1234000000000000000000000000000000000 Bearer → 200",
  ]);
});

test("a missing tag is a user error that says what to do", async (t) => {
  const { app, resolve } = await setup(t);
  await assert.rejects(resolve({ tag: "sha-0000000", token: await app.token() }), (error: unknown) => {
    assert.ok(error instanceof ImageError);
    assert.equal(error.code, "not-found");
    assert.equal(
      error.message.split("?")[0],
      "no image ghcr.io/acme/hello-service:sha-0000000 yet: has the build workflow run for this commit",
    );
    return true;
  });
  // A package that does not exist at all (the build never ran) reads the same to the user.
  await assert.rejects(
    resolve({ image: "ghcr.io/acme/never-built", token: await app.token() }),
    (error: unknown) => error instanceof ImageError && error.code === "not-found",
  );
});

test("who may read: a writer's token yes; an outsider, a token without packages or another repo's token no", async (t) => {
  const { twin, digest, resolve } = await setup(t);
  assert.equal(await resolve({ token: addUser(twin, { login: "wes" }).token }), digest);
  await assert.rejects(
    resolve({ token: addUser(twin, { login: "olga" }).token }),
    (error: unknown) => error instanceof ImageError && error.code === "denied",
  );
  const noPackages = setupApp(twin, {
    slug: "no-packages",
    account: "acme",
    permissions: { contents: "read" },
  });
  await assert.rejects(
    resolve({ token: await noPackages.token() }),
    (error: unknown) =>
      error instanceof ImageError &&
      error.code === "denied" &&
      /linked to this repository/.test(error.message),
  );
  const elsewhere = setupApp(twin, {
    slug: "elsewhere",
    account: "acme",
    permissions: { packages: "read" },
    repositories: ["other"],
  });
  await assert.rejects(
    resolve({ token: await elsewhere.token() }),
    (error: unknown) => error instanceof ImageError,
  );
  await assert.rejects(
    resolve({ token: "ghs_not-a-token" }),
    (error: unknown) => error instanceof ImageError && error.code === "denied",
  );
});

test("our token is never sent to a host the config names, nor to a realm on another origin", async () => {
  const calls: string[] = [];
  const spy: typeof fetch = async (input, init) => {
    calls.push(
      `${init?.method ?? "GET"} ${String(input)} ${new Headers(init?.headers).get("authorization") ?? ""}`,
    );
    return new Response(null, {
      status: 401,
      headers: { "www-authenticate": 'Bearer realm="https://collector.evil/token",service="ghcr.io"' },
    });
  };
  await assert.rejects(
    resolveImageDigest({ image: "evil.example/acme/x", tag: "t", token: "ghs_secret", fetch: spy }),
    (error: unknown) => error instanceof ImageError && error.code === "unsupported",
  );
  assert.deepEqual(calls, [], "nothing sent anywhere");
  await assert.rejects(
    resolveImageDigest({ image: IMAGE, tag: "t", token: "ghs_secret", fetch: spy }),
    /not https:\/\/ghcr\.io; refusing to send credentials/,
  );
  assert.deepEqual(calls, ["HEAD https://ghcr.io/v2/acme/hello-service/manifests/t "]);
});

test("twin registry: challenge, token scope, manifests by tag and digest, OCI error envelope", async (t) => {
  const { twin, app, digest } = await setup(t);
  const manifestUrl = (ref: string, name = "acme/hello-service") => `${twin.url}/v2/${name}/manifests/${ref}`;
  const anonymous = await fetch(manifestUrl("latest"), { method: "HEAD" });
  assert.equal(anonymous.status, 401);
  assert.equal(
    anonymous.headers.get("www-authenticate"),
    `Bearer realm="${twin.url}/token",service="ghcr.io",scope="repository:acme/hello-service:pull"`,
  );
  const basic = `Basic ${Buffer.from(`x:${await app.token()}`).toString("base64")}`;
  const tokenFor = async (scope: string) => {
    const response = await fetch(`${twin.url}/token?service=ghcr.io&scope=${scope}`, {
      headers: { authorization: basic },
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { token: string }).token;
  };
  const bearer = {
    authorization: `Bearer ${await tokenFor("repository:acme/hello-service:pull")}`,
    accept: MANIFEST_ACCEPT,
  };

  const byTag = await fetch(manifestUrl("latest"), { headers: bearer });
  assert.equal(byTag.status, 200);
  assert.equal(byTag.headers.get("docker-content-digest"), digest);
  assert.equal(byTag.headers.get("content-type"), "application/vnd.oci.image.manifest.v1+json");
  assert.equal(((await byTag.json()) as { schemaVersion: number }).schemaVersion, 2);
  const byDigest = await fetch(manifestUrl(digest), { method: "HEAD", headers: bearer });
  assert.equal(byDigest.headers.get("docker-content-digest"), digest);

  const missing = await fetch(manifestUrl("sha-nope"), { headers: bearer });
  assert.equal(missing.status, 404);
  assert.deepEqual(
    ((await missing.json()) as { errors: { code: string }[] }).errors.map((e) => e.code),
    ["MANIFEST_UNKNOWN"],
  );

  // A token for one repository does not open another.
  const otherScope = {
    ...bearer,
    authorization: `Bearer ${await tokenFor("repository:acme/other-image:pull")}`,
  };
  assert.equal((await fetch(manifestUrl("latest"), { headers: otherScope })).status, 401);
  // The token endpoint wants a repository pull scope for this registry.
  assert.equal(
    (await fetch(`${twin.url}/token?service=ghcr.io`, { headers: { authorization: basic } })).status,
    400,
  );
  assert.equal(
    (await fetch(`${twin.url}/token?service=ghcr.io&scope=repository:acme/hello-service:pull`)).status,
    401,
  );
});

test("parseBearerChallenge: quoted and bare values, commas inside quotes, not Basic", () => {
  assert.deepEqual(
    parseBearerChallenge(
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull,push"',
    ),
    {
      realm: "https://ghcr.io/token",
      service: "ghcr.io",
      scope: "repository:a/b:pull,push",
    },
  );
  assert.deepEqual(parseBearerChallenge("bearer realm=https://r/t, service=s"), {
    realm: "https://r/t",
    service: "s",
  });
  assert.equal(parseBearerChallenge('Basic realm="x"'), undefined);
});
