// The GitHub twin's cost: requests per second through routing, auth and full contract validation, beside a
// bare node:http server answering the same bytes in the same run (the floor), and the one-time contract load.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { createGithubTwin } from "../src/sandbox/github/index.ts";
import { githubContract } from "../src/sandbox/github/twin.ts";
import { addUser, createRepo } from "../src/sandbox/github/world.ts";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCY = 8;

async function drive(url: string, headers: Record<string, string>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) {
        const response = await fetch(url, { headers });
        if (response.status !== 200) throw new Error(`status ${response.status}`);
        await response.arrayBuffer();
      }
    }),
  );
  return REQUESTS / ((performance.now() - started) / 1000);
}

const loadStart = performance.now();
githubContract();
const loadMs = performance.now() - loadStart;

const twin = await createGithubTwin().start();
const { token } = addUser(twin, { login: "bench" });
createRepo(twin, { owner: "bench", name: "svc" });
const url = `${twin.url}/repos/bench/svc`;
const headers = { authorization: `Bearer ${token}` };
const body = Buffer.from(await (await fetch(url, { headers })).arrayBuffer());

const bare = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
  res.end(body);
});
await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/repos/bench/svc`;

await drive(bareUrl, headers); // warm both
await drive(url, headers);
const bareRate = await drive(bareUrl, headers);
const twinRate = await drive(url, headers);
const report = twin.contractReport();

console.log("GitHub twin: GET /repos/{owner}/{repo}, %d requests, %d in flight", REQUESTS, CONCURRENCY);
console.log(`  contract load + route table      ${loadMs.toFixed(0)} ms (once per process)`);
console.log(`  bare node:http, same bytes       ${bareRate.toFixed(0)} req/s`);
console.log(`  twin with validation             ${twinRate.toFixed(0)} req/s`);
console.log(`  ratio twin / bare                ${(twinRate / bareRate).toFixed(2)}×`);
console.log(`  exchanges validated              ${report.validated}/${report.total}`);
bare.close();
await twin.close();
