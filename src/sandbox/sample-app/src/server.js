// hello-service: a tiny HTTP service with a health route and a SQLite-backed visit counter.
import { createServer } from "node:http";

// The image runs better-sqlite3 (its native build is part of the story triage tells), so it is tried first.
// Where it cannot be loaded (the sandbox runs this file directly on Node 24 without internet access for the
// native headers), node's built-in SQLite offers the same calls used here: exec, prepare().run/get.
let Database;
try {
  ({ default: Database } = await import("better-sqlite3"));
} catch {
  ({ DatabaseSync: Database } = await import("node:sqlite"));
}

const port = Number(process.env.PORT ?? 3000);
const db = new Database(process.env.DB_PATH ?? "data.sqlite");
db.exec("CREATE TABLE IF NOT EXISTS visits (id INTEGER PRIMARY KEY, at TEXT NOT NULL)");
console.log("migrations applied");

const server = createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true }));
    return;
  }
  db.prepare("INSERT INTO visits (at) VALUES (?)").run(new Date().toISOString());
  const { n } = db.prepare("SELECT count(*) AS n FROM visits").get();
  res.writeHead(200, { "content-type": "text/plain" });
  res.end(`hello, visitor ${n}\n`);
});

server.listen(port, "0.0.0.0", () => console.log(`listening on ${port}`));
