// Rules for failures of a running container or job: memory, disk, file permissions, ports, health checks,
// environment and database migrations. Samples tagged `from` were copied from that case.
import type { Rule } from "../types.ts";

export const RUNTIME_RULES: readonly Rule[] = [
  {
    id: "disk-no-space",
    category: "disk-full",
    // inotify's ENOSPC is a watcher limit, not a full disk.
    patterns: [/no space left on device/i, /\bENOSPC\b(?!: System limit for number of file watchers)/],
    // A full disk breaks whatever was writing: it outranks the errors it causes.
    priority: 90,
    confidence: 0.93,
    summary: "The disk (or Docker's data root) ran out of space.",
    fix: "Free space before the step (`docker system prune -af`, remove unused toolchains on hosted runners), shrink the build context with .dockerignore, or use a larger disk.",
    positive: [
      {
        text: "docker: failed to register layer: Error processing tar file(exit status 1): write /lib/x86_64-linux-gnu/libdns-export.so.162.1.3: no space left on device.",
        from: "disk-full-playground-large-image-extract",
      },
      {
        text: "Error response from daemon: Error processing tar file(exit status 1): write /server-runtime-keycloak/target/x.jar: no space left on device",
        from: "disk-full-ci-docker-build-context-6gb",
      },
      { text: "npm ERR! code ENOSPC" },
    ],
    negative: [{ text: "Error: ENOSPC: System limit for number of file watchers reached, watch '/app/src'" }],
  },
  {
    id: "disk-space-other-wording",
    category: "disk-full",
    patterns: [
      /You are running out of disk space/,
      /There is not enough space on the disk/,
      /Disk quota exceeded|\bEDQUOT\b/,
    ],
    priority: 85,
    confidence: 0.8,
    summary: "The runner or host is running out of disk space.",
    fix: "Free disk space before the failing step (prune Docker images and caches, remove unused SDKs on hosted runners) or use a larger disk.",
    positive: [
      {
        text: "You are running out of disk space. The runner will stop working when the machine runs out of disk space. Free space left: 12 MB",
      },
    ],
    negative: [{ text: "Disk space available: 14 GB" }],
  },
  {
    id: "v8-heap-out-of-memory",
    category: "out-of-memory",
    patterns: [
      /JavaScript heap out of memory/,
      /Ineffective mark-compacts near heap limit/,
      /Reached heap limit Allocation failed/,
    ],
    priority: 80,
    confidence: 0.95,
    summary: "Node.js ran out of V8 heap (the default old-space limit) and aborted.",
    fix: "Raise the heap limit for the step (`NODE_OPTIONS=--max-old-space-size=4096`) and make sure the machine or container has that much memory; or reduce the build's memory use.",
    positive: [
      {
        text: "FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory",
        from: "oom-react-scripts-build-heap-limit-cboard",
      },
      { text: "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory" },
    ],
    negative: [{ text: "heap usage: 512 MB of 4096 MB" }],
  },
  {
    id: "kernel-oom-kill",
    category: "out-of-memory",
    patterns: [
      /OOMKilled(?!"?\s*:\s*false)/,
      /Out of memory: Killed process/,
      /Memory cgroup out of memory/,
      /oom-kill(?:er)?\b/,
      /R14 \(Memory quota exceeded\)/,
    ],
    priority: 80,
    confidence: 0.92,
    summary: "The kernel killed the process because the container or machine ran out of memory.",
    fix: "Give the container or machine more memory (or add swap), or lower the process's memory use (e.g. fewer parallel workers).",
    positive: [
      { text: '"OOMKilled": true,' },
      { text: "kernel: Out of memory: Killed process 4242 (node) total-vm:2900000kB" },
    ],
    negative: [{ text: '"OOMKilled": false,' }],
  },
  {
    id: "runtime-out-of-memory",
    category: "out-of-memory",
    patterns: [
      /java\.lang\.OutOfMemoryError/,
      /fatal error: runtime: out of memory/,
      /Cannot allocate memory/,
      /\bENOMEM\b/,
      /The build failed because the process exited too early\. This probably means the system ran out of memory/,
      /\b[Rr]an out of memory\b/,
      /\bMemoryError\b/,
    ],
    priority: 75,
    confidence: 0.8,
    summary: "The process could not allocate memory.",
    fix: "Give the step more memory (larger runner or container limit, or swap), or lower the build's memory use.",
    positive: [
      { text: "Ran out of memory (used over 512MB) while running your code." },
      { text: 'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space' },
      { text: "fork: Cannot allocate memory" },
    ],
    negative: [{ text: "memory: 2048 MB allocated" }],
  },
  {
    id: "exit-137",
    category: "out-of-memory",
    patterns: [
      /(?:exit code|exited with code|exit status|returned a non-zero code:|error code|code:?) 137\b/i,
    ],
    excludes: [{ pattern: /"OOMKilled": false/ }],
    priority: 45,
    confidence: 0.65,
    summary:
      "The process was killed with SIGKILL (exit code 137), which in containers and CI almost always means it ran out of memory.",
    fix: "Check the container's memory limit and peak use; give it more memory or lower the process's memory use.",
    positive: [
      { text: "app exited with code 137" },
      { text: "The command '/bin/sh -c npm run build' returned a non-zero code: 137" },
    ],
    negative: [{ text: "exit code 1370" }, { text: "exited with code 0" }],
  },
  {
    id: "process-killed",
    category: "out-of-memory",
    // The shell's report for a job killed by SIGKILL: "line 88:  88 Killed  npm install ...".
    patterns: [/\b\d+ Killed\s/, /^\s*(?:[\w./-]+: )?Killed\s*$/, /signal: killed/],
    priority: 45,
    confidence: 0.65,
    summary: "The process was killed by the system (SIGKILL), typically by the out-of-memory killer.",
    fix: "Give the build more memory (a larger machine, or swap) or reduce its memory use.",
    positive: [
      {
        text: "remote: /tmp/buildpacks/heroku-buildpack-nodejs/bin/compile: line 88:    88 Killed                  ",
        from: "oom-dokku-npm-install-killed-512mb-droplet",
      },
      { text: "go build: signal: killed" },
    ],
    negative: [{ text: "Killed 3 stale sessions" }, { text: "killed" }],
  },
  {
    id: "eacces-path",
    category: "file-permission",
    patterns: [
      /EACCES: permission denied, (?:mkdir|open|scandir|rename|unlink|access|copyfile|rmdir|lstat|stat|chmod|symlink|write) /,
    ],
    priority: 55,
    confidence: 0.85,
    summary:
      "The process has no write (or read) access to a path: the container user does not own the directory or the mounted volume.",
    fix: "Make the path writable by the container's user: `chown` the host directory or volume to the container UID/GID (or set `user:` to match), or create it with the right owner in the Dockerfile.",
    positive: [
      {
        text: "Error: EACCES: permission denied, mkdir '/home/node/trilium-data/log'",
        from: "perm-trilium-volume-log-dir-eacces",
      },
      {
        text: "Error executing 'postInstallation': EACCES: permission denied, mkdir '/bitnami/nginx'",
        from: "perm-bitnami-nginx-nonroot-bind-mount",
      },
    ],
    negative: [{ text: "Error: listen EACCES: permission denied 0.0.0.0:80" }],
  },
  {
    id: "permission-denied-generic",
    category: "file-permission",
    patterns: [
      /\bpermission denied\b(?!\s*\((?:publickey|password|keyboard))/i,
      /\bnpm (?:ERR!|error) code EACCES\b/,
      /(?:chown|chmod)[^:]*: .*Operation not permitted/,
      /attempt to write a readonly database/,
    ],
    excludes: [{ pattern: /listen EACCES/, within: 2 }],
    priority: 35,
    confidence: 0.6,
    summary: "A file or directory operation was refused for lack of permission (owner, mode or mount).",
    fix: "Check which user the process runs as and who owns the path (volume or bind mount); fix ownership with `chown` to the container UID/GID or adjust the mode.",
    positive: [
      { text: "open /data/app.db: permission denied" },
      { text: "mkdir: cannot create directory '/data/db': Permission denied" },
      { text: "/bin/sh: ./entrypoint.sh: Permission denied" },
      { text: "chown: changing ownership of '/var/lib/postgresql/data': Operation not permitted" },
    ],
    negative: [
      { text: "git@github.com: Permission denied (publickey)." },
      { text: "remote: Permission to o/r.git denied to github-actions[bot]." },
    ],
  },
  {
    id: "bind-mount-source-missing",
    category: "file-permission",
    patterns: [/invalid mount config for type/, /bind source path does not exist/],
    priority: 50,
    confidence: 0.6,
    summary:
      "A bind mount's host path does not exist (or is not accessible) on the node, so the container was rejected.",
    fix: "Create the host directory with the ownership the container expects (or correct the mount source), then redeploy.",
    positive: [
      {
        text: '<svc>.1  | Rejected 15 seconds ago | "invalid mount config for type…"',
        from: "dokploy-swarm-bind-mount-missing-path-silent",
      },
      { text: 'invalid mount config for type "bind": bind source path does not exist: /srv/app/data' },
    ],
    negative: [{ text: "mount config ok" }],
  },
  {
    id: "port-in-use",
    category: "port-binding",
    patterns: [/\bEADDRINUSE\b/, /address already in use/i, /port is already allocated/],
    priority: 70,
    confidence: 0.9,
    summary:
      "The port is already taken by another process or container, so the app (or Docker's port publish) could not bind it.",
    fix: "Stop whatever already listens on the port, or publish/listen on a different one (e.g. `8080:80`).",
    positive: [
      {
        text: "ERROR: for nginx  driver failed programming external connectivity on endpoint phpapp_nginx_1 (c3fa): Error starting userland proxy: Failed to bind: EADDRINUSE",
        from: "port-host-port-80-already-in-use",
      },
      { text: "Error: listen EADDRINUSE: address already in use :::3000" },
      { text: "Bind for 0.0.0.0:5432 failed: port is already allocated" },
    ],
    negative: [{ text: "Listening on :::3000" }],
  },
  {
    id: "privileged-port",
    category: "port-binding",
    patterns: [
      /listen EACCES:? (?:permission denied )?[\w.:[\]]*:\d+/,
      /bind\(\) to [\w.:[\]]+:\d+ failed \(13: Permission denied\)/,
    ],
    priority: 75,
    confidence: 0.8,
    summary: "A non-root process tried to listen on a privileged port (below 1024).",
    fix: "Listen on a port above 1024 (e.g. 8080) and map it, or grant the capability to bind low ports.",
    positive: [
      { text: "Error: listen EACCES: permission denied 0.0.0.0:80" },
      { text: "nginx: [emerg] bind() to 0.0.0.0:80 failed (13: Permission denied)" },
    ],
    negative: [{ text: "Error: EACCES: permission denied, open '/app/.env'" }],
  },
  {
    id: "platform-port-not-listening",
    category: "port-binding",
    patterns: [
      /failed to start and listen on the port defined provided by the PORT=\d+/,
      /Web process failed to bind to \$PORT/,
      /is your app listening on 0\.0\.0\.0:\d+/,
      /No open ports detected/,
      /listen EADDRNOTAVAIL/,
      /connect\(\) failed \(111: Connection refused\) while connecting to upstream/,
    ],
    priority: 65,
    confidence: 0.8,
    summary:
      "The app is not listening where the platform or proxy sends traffic (wrong port, or bound to localhost instead of 0.0.0.0).",
    fix: "Make the app listen on 0.0.0.0 and on the port the platform expects (read $PORT), or set the platform's/proxy's port to the one the app uses.",
    positive: [
      { text: "Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 60 seconds of launch" },
      {
        text: "instance refused connection. is your app listening on 0.0.0.0:8080? make sure it is not only listening on 127.0.0.1",
      },
      {
        text: '2024/01/01 00:00:00 [error] 31#31: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.2, upstream: "http://172.18.0.3:3000/"',
      },
    ],
    negative: [{ text: "Listening on 0.0.0.0:8080" }],
  },
  {
    id: "listening-on-loopback",
    category: "port-binding",
    patterns: [
      /(?:listening|running|serving|started|bound)\b.{0,40}?\b(?:on|at|to)\s+(?:https?:\/\/)?(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?\b/i,
    ],
    requires: [
      { pattern: /Bad Gateway|Connection refused|connection reset by peer|status(?: code)?:? 502\b/i },
    ],
    priority: 45,
    confidence: 0.65,
    summary:
      "The app listens on localhost only, so the proxy or platform cannot reach it from outside the container.",
    fix: "Bind the server to 0.0.0.0 (e.g. `--host 0.0.0.0`, `HOSTNAME=0.0.0.0`) on the port the proxy forwards to.",
    positive: [{ text: "Uvicorn running on http://127.0.0.1:8000 (Press CTRL+C to quit)\n502 Bad Gateway" }],
    negative: [
      { text: "Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)\n502 Bad Gateway" },
      { text: "Server listening on localhost:3000" },
    ],
  },
  {
    id: "healthcheck-log-exec-failed",
    category: "healthcheck",
    // A Docker health log entry ("Output" of .State.Health.Log) whose probe command could not even start.
    patterns: [/"Output":\s*"OCI runtime exec failed/],
    priority: 55,
    confidence: 0.88,
    summary:
      "The container's health check command cannot run in the image (the tool it calls, e.g. curl or wget, is not installed), so the check always fails.",
    fix: "Install the tool the health check uses in the image, or change the check to a command the image has (e.g. wget on Alpine/BusyBox, or a small node/python probe).",
    positive: [
      {
        text: '"Output": "OCI runtime exec failed: exec failed: unable to start container process: exec: \\"curl\\": executable file not found in $PATH: unknown"',
        from: "healthcheck-curl-missing-mercure-image",
      },
      {
        text: '        "Output": "OCI runtime exec failed: exec failed: container_linux.go:348: starting container process caused \\"exec: \\\\\\"curl\\\\\\": executable file not found in $PATH\\": unknown"',
        from: "healthcheck-curl-missing-alpine-paperless",
      },
    ],
    negative: [{ text: '"Output": "OK"' }],
  },
  {
    id: "healthcheck-tool-missing",
    category: "healthcheck",
    patterns: [
      /exec: \\?"?(?:curl|wget)\\?"?: executable file not found/,
      /\b(?:curl|wget): (?:command )?not found/,
    ],
    requires: [{ pattern: /health|FailingStreak|OCI runtime exec failed/i }],
    priority: 55,
    confidence: 0.85,
    summary: "The health check calls curl or wget, which the image does not contain.",
    fix: "Install the tool in the image or use one it has (wget on BusyBox images) for the health check.",
    positive: [{ text: "healthcheck: /bin/sh: curl: not found\nHealth status: unhealthy" }],
    negative: [{ text: "/bin/sh: curl: not found" }],
  },
  {
    id: "container-unhealthy",
    category: "healthcheck",
    patterns: [
      /container [\w.-]+ is unhealthy/,
      /Task failed (?:ELB|container) health checks/,
      /(?:Liveness|Readiness|Startup) probe failed/,
      /health ?check\b[^\n]{0,40}?\b(?:failed|failing|timed out|timeout)/i,
      /failed to become healthy/,
    ],
    priority: 50,
    confidence: 0.7,
    summary:
      "The container never passed its health check, so it was marked unhealthy (or dependants were not started).",
    fix: "Run the health check command inside the container to see why it fails: wrong port or path, a tool missing in the image, or a start period shorter than the app's boot time.",
    positive: [
      { text: "ERROR target failed to become healthy" },
      { text: "Health check on port 8080 has failed. Your app is not responding properly." },
      { text: "dependency failed to start: container app-db-1 is unhealthy" },
      {
        text: 'Readiness probe failed: Get "http://10.0.0.5:8080/health": dial tcp 10.0.0.5:8080: connect: connection refused',
      },
    ],
    negative: [{ text: "container app-db-1 is healthy" }],
  },
  {
    id: "unhealthy-with-probe-error",
    category: "healthcheck",
    patterns: [/\bunhealthy\b/],
    requires: [
      {
        pattern:
          /(?:wget|curl): |can't connect to remote host|Connection refused|connection refused|ExitCode/,
        within: 3,
      },
    ],
    priority: 50,
    confidence: 0.75,
    summary:
      "The health probe cannot reach the app (connection refused), so the container is marked unhealthy.",
    fix: "Point the health check at the address and port the app really listens on (e.g. 127.0.0.1 instead of localhost when the app binds IPv4 only) and give it a long enough start period.",
    positive: [
      {
        text: "unhealthy\n  1 Connecting to localhost:8080 ([::1]:8080)  wget: can't connect to remote host: Connection refused",
        from: "healthcheck-ipv6-localhost-traefik-filters-unhealthy-apollon",
      },
      {
        text: "Health status: unhealthy\ncurl: (7) Failed to connect to localhost port 3000 after 0 ms: Connection refused",
      },
    ],
    negative: [{ text: "unhealthy\nsomething else entirely\n\n\n\nConnection refused" }],
  },
  {
    id: "unhealthy",
    category: "healthcheck",
    patterns: [/\bunhealthy\b/],
    priority: 40,
    confidence: 0.6,
    summary: "A container was marked unhealthy by its health check.",
    fix: "Run the health check command inside the container to see why it fails (wrong port or path, missing tool, too short start period).",
    positive: [{ text: "Filtering unhealthy or starting container" }],
    negative: [{ text: "healthy" }],
  },
  {
    id: "env-var-not-set",
    category: "missing-env",
    patterns: [
      /\b(?!(?:ERROR|ERR|WARN|WARNING|INFO|DEBUG|FATAL|NOTE)\b)[A-Z][A-Z0-9_]{2,}\b (?:is )?(?:not set|not defined|undefined|missing|required|must be (?:set|defined|provided))\b/,
      /(?:environment variable|env var)s? [`'"]?[A-Z][A-Z0-9_]{2,}[`'"]? (?:is )?(?:not set|not found|missing|required|undefined|not defined|empty)/i,
      /Missing (?:required )?(?:environment variables?|env(?:ironment)? vars?)\b/i,
      /Environment variable not found: \w+/,
      /Invalid environment variables/,
    ],
    priority: 60,
    confidence: 0.75,
    summary: "A required environment variable or secret is not set for the build or the container.",
    fix: "Define the variable where the process runs (compose `environment:` as KEY=value, the platform's env settings, or the workflow's `env:`/secrets) and redeploy.",
    positive: [
      {
        text: "mysql_1 | error: database is uninitialized and MYSQL_ROOT_PASSWORD not set",
        from: "env-compose-colon-syntax-mysql-root-password",
      },
      { text: "error: Environment variable not found: DATABASE_URL." },
      { text: "❌ Invalid environment variables: { NEXTAUTH_SECRET: [ 'Required' ] }" },
    ],
    negative: [
      { text: "DATABASE_URL is set" },
      { text: "NODE_ENV=production" },
      { text: "ERROR missing semicolon" },
    ],
  },
  {
    id: "database-image-env-missing",
    category: "missing-env",
    patterns: [
      /You need to specify one of the following as an environment variable/,
      /Database is uninitialized and (?:superuser )?password (?:option )?is not specified/i,
      /Did you forget to add -e /,
    ],
    priority: 65,
    confidence: 0.85,
    summary: "The database container started without its required password environment variable.",
    fix: "Set the variable (e.g. MYSQL_ROOT_PASSWORD or POSTGRES_PASSWORD) in the service's environment, written as KEY=value in list form.",
    positive: [
      {
        text: "mysql_1 |   Did you forget to add -e MYSQL_ROOT_PASSWORD=... ?",
        from: "env-compose-colon-syntax-mysql-root-password",
      },
      { text: "Error: Database is uninitialized and superuser password is not specified." },
    ],
    negative: [{ text: "Database is initialized" }],
  },
  {
    id: "database-url-malformed",
    category: "missing-env",
    patterns: [/the URL must start with the protocol/],
    priority: 60,
    confidence: 0.8,
    summary:
      "The database URL taken from the environment is malformed (wrong scheme, quotes kept from an env file, or empty).",
    fix: "Set DATABASE_URL to a full URL starting with the right scheme; in Docker env files write values without quotes.",
    positive: [
      {
        text: "calendso_1  | error: Error validating datasource `db`: the URL must start with the protocol `postgresql://` or `postgres://`.",
        from: "env-quoted-values-in-env-file",
      },
      { text: "Error validating datasource `db`: the URL must start with the protocol `mysql://`." },
    ],
    negative: [{ text: "datasource db: postgresql://localhost:5432/app" }],
  },
  {
    id: "auth-secret-missing",
    category: "missing-env",
    patterns: [/\bMissingSecret\b/, /\[NO_SECRET\]/, /KeyError: '[A-Z][A-Z0-9_]{2,}'/],
    priority: 60,
    confidence: 0.75,
    summary: "The app's secret or configuration variable is not set in its environment.",
    fix: "Set the missing variable (e.g. AUTH_SECRET/NEXTAUTH_SECRET) in the environment where the app runs.",
    positive: [
      { text: "[auth][error] MissingSecret: Please define a `secret`." },
      { text: "KeyError: 'SECRET_KEY'" },
    ],
    negative: [{ text: "KeyError: 'name'" }],
  },
  {
    id: "prisma-migrate-error",
    category: "db-migration",
    patterns: [/Error: P3\d{3}\b/],
    priority: 70,
    confidence: 0.9,
    summary: "Prisma Migrate refused or failed to apply the migrations to this database.",
    fix: "Read the P3xxx code: for an existing database without migration history baseline it (`prisma migrate resolve --applied <first_migration>`), for a failed migration resolve it, then rerun `prisma migrate deploy`.",
    positive: [
      { text: "Error: P3005", from: "migration-p3005-baseline-existing-db" },
      { text: "Error: P3009\n\nmigrate found failed migrations in the target database" },
    ],
    negative: [{ text: "Error: P1012" }],
  },
  {
    id: "migrations-failed",
    category: "db-migration",
    patterns: [
      /\bmigrations? (?:failed|error(?:ed)?)\b/i,
      /failed to (?:run|apply|execute) (?:the )?(?:database )?migrations?/i,
      /\bMigration [\w.-]+ failed\b/,
      /Detected failed migration/,
      /Dirty database version \d+/,
      /InconsistentMigrationHistory/,
      /Can't locate revision identified by/,
    ],
    priority: 60,
    confidence: 0.75,
    summary: "The database migrations failed, so the app stopped at start.",
    fix: "Look at the migration's own error: make the database reachable before migrating (wait for it to be healthy, e.g. `depends_on: condition: service_healthy`), and fix or resolve the failing migration.",
    positive: [
      {
        text: "bookhaven    | Database migrations failed, exiting.",
        from: "migration-runs-before-mysql-ready",
      },
      { text: "error: Dirty database version 12. Fix and force version." },
    ],
    negative: [
      { text: "All migrations have been successfully applied." },
      { text: "No migrations to apply." },
    ],
  },
  {
    id: "schema-behind-code",
    category: "db-migration",
    patterns: [
      /The (?:table|column) `[^`]+` does not exist in the current database/,
      /relation "[^"]+" does not exist/,
      /\bno such table: /,
      /Table '[^']+' doesn't exist/,
      /Base table or view not found/,
      /PendingMigrationError|Migrations are pending/,
      /You have \d+ unapplied migration/,
      /Target database is not up to date/,
    ],
    priority: 55,
    confidence: 0.75,
    summary:
      "The code expects tables or columns the database does not have: migrations were not applied before start.",
    fix: "Run the migrations against this database as part of the deploy (before the new version starts), e.g. `prisma migrate deploy`, `rails db:migrate`, `python manage.py migrate`.",
    positive: [
      { text: 'error: relation "users" does not exist' },
      { text: "The table `public.User` does not exist in the current database." },
    ],
    negative: [{ text: 'CREATE TABLE IF NOT EXISTS "users"' }],
  },
];
