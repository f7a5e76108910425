// Rules for failures while installing or building: native addons, libc and CPU mismatches, missing system
// libraries, dependency resolution and wrong build output. Samples tagged `from` were copied from that case.
import type { Rule } from "../types.ts";

export const BUILD_RULES: readonly Rule[] = [
  {
    id: "pnpm-ignored-builds-error",
    category: "native-build-skipped",
    patterns: [/ERR_PNPM_IGNORED_BUILDS/],
    priority: 60,
    confidence: 0.92,
    summary: "pnpm refused to run the dependencies' build scripts, so their native parts were never built.",
    fix: 'Allow the packages that must build: list them in `onlyBuiltDependencies` (pnpm 10: package.json "pnpm" field or pnpm-workspace.yaml; pnpm 11: the build approvals in pnpm-workspace.yaml), make sure that file is copied into the image before `pnpm install`, and reinstall.',
    positive: [
      {
        text: "5.552 [ERR_PNPM_IGNORED_BUILDS] Ignored build scripts: sharp@0.34.5, unrs-resolver@1.11.1",
        from: "native-pnpm11-ignored-builds-sharp-imgcompress",
      },
      {
        text: "ERR_PNPM_IGNORED_BUILDS  Ignored build scripts: @parcel/watcher@2.5.6, @swc/core@1.15.18,",
        from: "native-pnpm-latest-better-sqlite3-not-compiled-mission-control",
      },
      {
        text: "9.321 [ERR_PNPM_IGNORED_BUILDS] Ignored build scripts: @parcel/watcher@2.5.1, esbuild@0.27.2",
        from: "native-pnpm-workspace-yaml-not-copied-homer",
      },
    ],
    negative: [
      { text: "Ignored build scripts: esbuild." },
      { text: 'ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile"' },
    ],
  },
  {
    id: "pnpm-ignored-builds-warning",
    category: "native-build-skipped",
    // pnpm 10 only warns; on its own the warning explains a failure only when nothing else does.
    patterns: [/^(?!.*ERR_PNPM)(?:.*\s)?Ignored build scripts: \S/],
    priority: 30,
    confidence: 0.55,
    summary:
      "pnpm skipped the dependencies' build scripts; a native addon among them may never have been built.",
    fix: "If the failure involves one of the listed packages, allow its build with `onlyBuiltDependencies` (or `pnpm approve-builds`) and reinstall from a clean node_modules.",
    positive: [
      { text: "Ignored build scripts: better-sqlite3@12.11.1." },
      { text: "#9 3.2 Ignored build scripts: esbuild, sharp." },
    ],
    negative: [
      { text: "[ERR_PNPM_IGNORED_BUILDS] Ignored build scripts: sharp@0.34.5" },
      { text: "No build scripts ignored" },
    ],
  },
  {
    id: "bindings-file-missing",
    category: "native-build-skipped",
    patterns: [/Could not locate the bindings file/],
    priority: 60,
    confidence: 0.85,
    summary:
      "A native addon's compiled .node file is missing: its install script (prebuild download or node-gyp build) never ran or failed.",
    fix: "Let the package's install script run (pnpm: add it to `onlyBuiltDependencies`; npm/yarn: do not install with --ignore-scripts), provide python3, make and g++ if it has to build from source, then reinstall from a clean node_modules.",
    positive: [
      {
        text: "Error: Could not locate the bindings file. Tried:\n → /app/node_modules/better-sqlite3/build/better_sqlite3.node",
      },
    ],
    negative: [{ text: "Loaded the bindings file from /app/build/Release/addon.node" }],
  },
  {
    id: "native-module-file-missing",
    category: "native-build-skipped",
    patterns: [/Cannot find module '[^']*(?:\.node|\/build\/Release\/[^']*)'/, /Cannot find native binding/],
    priority: 55,
    confidence: 0.75,
    summary:
      "A native addon's binary (.node) is missing from node_modules: it was never built or its prebuilt binary was not installed.",
    fix: "Reinstall so the addon's install step runs (allow its build script, include optional dependencies, do not copy node_modules from another machine), then rebuild the image.",
    positive: [
      { text: "Error: Cannot find module '/app/node_modules/bcrypt/lib/binding/napi-v3/bcrypt_lib.node'" },
      { text: "Error: Cannot find module '../build/Release/canvas.node'" },
      { text: "Error: Cannot find native binding. npm has a bug related to optional dependencies" },
    ],
    negative: [
      { text: "Error: Cannot find module '/app/dist/main.js'" },
      { text: "Cannot find module 'express'" },
    ],
  },
  {
    id: "platform-binary-package-missing",
    category: "native-build-skipped",
    patterns: [
      /Cannot find (?:module|package) '@[\w.-]+\/[\w.-]*(?:linux|darwin|win32|freebsd)-(?:x64|arm64|ia32|arm)[\w.-]*'/,
      /No native build was found for /,
      /could not be found, and is needed by esbuild/,
    ],
    priority: 55,
    confidence: 0.7,
    summary:
      "The platform-specific prebuilt binary of a native package was not installed (optional dependency skipped or lockfile made on another platform).",
    fix: "Install with optional dependencies enabled on the target platform (delete node_modules and the lockfile's stale platform entries, or run `npm install` inside the image), or build the addon from source there.",
    positive: [
      { text: "Error: Cannot find module '@rollup/rollup-linux-x64-musl'" },
      {
        text: "Error: No native build was found for platform=linux arch=x64 runtime=node abi=115 uv=1 libc=glibc node=20.11.0",
      },
      { text: 'The package "@esbuild/linux-arm64" could not be found, and is needed by esbuild.' },
    ],
    negative: [{ text: "Cannot find module '@nestjs/core'" }],
  },
  {
    id: "node-abi-mismatch",
    category: "native-build-skipped",
    patterns: [/was compiled against a different Node\.js version using/],
    priority: 55,
    confidence: 0.7,
    summary:
      "A native addon was built for another Node.js version and was not rebuilt for the one that runs it.",
    fix: "Rebuild native addons with the Node.js version of the runtime image (`npm rebuild`, or install inside the final image), rather than copying node_modules built elsewhere.",
    positive: [
      {
        text: "Error: The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 108.",
      },
    ],
    negative: [{ text: "NODE_MODULE_VERSION 115 detected" }],
  },
  {
    id: "sharp-runtime-missing",
    category: "native-build-skipped",
    patterns: [/Could not load the "sharp" module/, /Something went wrong installing the "sharp" module/],
    priority: 55,
    confidence: 0.65,
    summary: "sharp's native binary for this platform is missing, so the module cannot load.",
    fix: "Install sharp on the target platform with optional dependencies (`npm install --os=linux --cpu=x64 sharp`, add `--libc=musl` on Alpine) or allow its build script under pnpm.",
    positive: [{ text: 'Error: Could not load the "sharp" module using the linux-x64 runtime' }],
    negative: [{ text: "sharp: using cached libvips 8.15.2" }],
  },
  {
    id: "glibc-version-missing",
    category: "libc-mismatch",
    patterns: [/GLIBC_\d+(?:\.\d+)+'? not found/],
    priority: 80,
    confidence: 0.92,
    summary:
      "A binary needs a newer glibc (or glibc at all) than the image provides: it was built on a newer distribution or for glibc while the image is older or musl-based.",
    fix: "Build and run on the same base image family and release (e.g. both Debian bookworm), use a newer base image, or install the binary variant built for this libc (musl on Alpine).",
    positive: [
      {
        text: "#7 25.98 node: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.28' not found (required by node)",
        from: "libc-node18-binary-on-stretch-glibc228",
      },
      {
        text: "Error: /lib/aarch64-linux-gnu/libc.so.6: version `GLIBC_2.25' not found (required by /app/node_modules/sodium-native/prebuilds/linux-arm64/node.napi.node)",
        from: "glibc-buster-sodium-prebuild-arm64",
      },
      {
        text: "release-plz: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by release-plz)",
        from: "libc-bookworm-build-bullseye-runtime-release-plz",
      },
    ],
    negative: [{ text: "ldd (Debian GLIBC 2.31-13+deb11u7) 2.31" }],
  },
  {
    id: "glibcxx-version-missing",
    category: "libc-mismatch",
    patterns: [/(?:GLIBCXX|CXXABI)_\d+(?:\.\d+)+'? not found/],
    priority: 70,
    confidence: 0.7,
    summary:
      "A binary needs a newer C++ runtime (libstdc++) than the image provides: it was built on a newer distribution.",
    fix: "Build and run on the same base image release, or use a base image whose libstdc++ is new enough.",
    positive: [
      {
        text: "/usr/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.29' not found (required by /app/node_modules/foo/build/Release/foo.node)",
      },
    ],
    negative: [{ text: "found GLIBCXX_3.4.29 in libstdc++" }],
  },
  {
    id: "musl-loader-glibc-binary",
    category: "libc-mismatch",
    patterns: [
      /Error relocating [^:]+: [\w.@]+: symbol not found/,
      /Error loading shared library (?:ld-linux[\w.-]*|libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1)\b/,
    ],
    priority: 80,
    confidence: 0.85,
    summary:
      "A binary linked against glibc is being loaded by musl (Alpine): symbols or the glibc loader are missing.",
    fix: "Use the musl build of the binary (prebuilds for linuxmusl, Prisma binaryTargets linux-musl), build it from source inside the Alpine image, or switch to a Debian-based image.",
    positive: [
      {
        text: "Error: Error relocating /root/.npm/@corbinu/couchbase/2.2.4/package/build/Release/couchbase_impl.node: __strncpy_chk: symbol not found",
        from: "libc-prebuilt-glibc-addon-on-alpine-couchbase",
      },
      {
        text: "Error: Error loading shared library ld-linux-x86-64.so.2: No such file or directory (needed by /app/node_modules/.prisma/client/libquery_engine-debian-openssl-3.0.x.so.node)",
      },
    ],
    negative: [{ text: "Error loading shared library libssl.so.1.1: No such file or directory" }],
  },
  {
    id: "glibc-loader-musl-binary",
    category: "libc-mismatch",
    patterns: [/(?:libc\.musl-[\w]+\.so\.1|ld-musl-[\w]+\.so\.1)\b.*(?:No such file|cannot open|not found)/],
    priority: 80,
    confidence: 0.85,
    summary: "A binary built for musl (Alpine) runs on a glibc system that has no musl loader.",
    fix: "Install the glibc build of the binary for this image, or run it in an Alpine-based image.",
    positive: [
      {
        text: "/app/server: error while loading shared libraries: libc.musl-x86_64.so.1: cannot open shared object file: No such file or directory",
      },
    ],
    negative: [{ text: "Installing musl (1.2.4-r2) libc.musl-x86_64.so.1" }],
  },
  {
    id: "prisma-engine-wrong-platform",
    category: "libc-mismatch",
    patterns: [/was generated for "[^"]+", but the actual deployment required "[^"]+"/],
    priority: 75,
    confidence: 0.8,
    summary: "The Prisma engine was generated for another platform than the one that runs it.",
    fix: 'Add the runtime platform to `binaryTargets` in schema.prisma (e.g. "linux-musl-openssl-3.0.x" on Alpine) and run `prisma generate` inside the image.',
    positive: [
      {
        text: 'This happened because Prisma Client was generated for "darwin-arm64", but the actual deployment required "linux-musl-openssl-3.0.x".',
      },
    ],
    negative: [{ text: 'Prisma Client was generated for "linux-musl-openssl-3.0.x"' }],
  },
  {
    id: "invalid-elf-header",
    category: "libc-mismatch",
    patterns: [/invalid ELF header/],
    priority: 70,
    confidence: 0.65,
    summary:
      "A native binary built for another platform (often node_modules copied from macOS or Windows) was loaded on Linux.",
    fix: "Do not copy node_modules into the image (add it to .dockerignore) and install dependencies inside the image.",
    positive: [{ text: "Error: /app/node_modules/bcrypt/lib/binding/bcrypt_lib.node: invalid ELF header" }],
    negative: [{ text: "readelf: checking ELF header of /app/bin" }],
  },
  {
    id: "shared-library-missing",
    category: "missing-system-library",
    patterns: [
      /(?:^|[\s:'"(])(?!libc\.musl|ld-musl|ld-linux)[\w.+-]+\.so(?:\.\d+)*: cannot open shared object file/,
      /Error loading shared library (?!ld-linux|libc\.so|libm\.so|libdl\.so|libpthread\.so|librt\.so)[\w.+-]+: No such file/,
    ],
    priority: 70,
    confidence: 0.85,
    summary: "A shared library the program needs is not installed in the image.",
    fix: "Install the system package that provides the library in the image (e.g. openssl/libssl, libvips, libstdc++), or use a base image that has it.",
    positive: [
      { text: "ImportError: libGL.so.1: cannot open shared object file: No such file or directory" },
      {
        text: " Error loading shared library libssl.so.1.1: No such file or directory (needed by OMITTED/node_modules/prisma/libquery_engine-linux-musl.so.node)",
        from: "prisma-alpine317-openssl3-libssl11",
      },
      {
        text: "/app/bin/server: error while loading shared libraries: libvips-cpp.so.42: cannot open shared object file: No such file or directory",
      },
    ],
    negative: [
      { text: "error while loading shared libraries: ld-linux-x86-64.so.2: cannot open shared object file" },
      { text: "error while loading shared libraries: libc.musl-x86_64.so.1: cannot open shared object file" },
      { text: "Error loading shared library ld-linux-x86-64.so.2: No such file or directory" },
    ],
  },
  {
    id: "prisma-openssl-missing",
    category: "missing-system-library",
    patterns: [
      /problem with your OpenSSL installation/,
      /Prisma cannot find the required .?libssl.? system library/,
    ],
    priority: 70,
    confidence: 0.8,
    summary: "Prisma's query engine cannot load OpenSSL (libssl) in this image.",
    fix: "Install OpenSSL in the image (`apt-get install openssl` / `apk add openssl`) in the version the engine expects, or upgrade Prisma to one that supports the image's OpenSSL.",
    positive: [
      {
        text: "Error: Unable to establish a connection to query-engine-node-api library. It seems there is a problem with your OpenSSL installation!",
        from: "prisma-alpine317-openssl3-libssl11",
      },
      {
        text: "Prisma cannot find the required `libssl` system library in your system. Please install openssl-1.1.x and try again.",
      },
    ],
    negative: [{ text: "OpenSSL 3.0.13 30 Jan 2024" }],
  },
  {
    id: "node-gyp-toolchain-missing",
    category: "missing-system-library",
    patterns: [
      /gyp ERR! find Python/,
      /Could not find any Python installation to use/,
      /Can't find Python executable/,
      /gyp ERR! stack Error: not found: (?:make|g\+\+|gcc|cc)\b/,
    ],
    priority: 75,
    confidence: 0.88,
    summary:
      "node-gyp had to build a native addon from source but the image lacks its toolchain (python3, make, g++).",
    fix: "Install the build toolchain in the build stage (`apt-get install -y python3 make g++` or `apk add python3 make g++`), or use a prebuilt binary for this platform.",
    positive: [
      { text: "gyp ERR! find Python Python is not set from command line or npm configuration" },
      { text: "gyp ERR! stack Error: not found: make" },
    ],
    negative: [{ text: 'gyp info find Python using Python version 3.11.2 found at "/usr/bin/python3"' }],
  },
  {
    id: "build-tool-not-found-during-native-build",
    category: "missing-system-library",
    patterns: [/\b(?:make|g\+\+|gcc|cc|c\+\+|python3?): (?:command )?not found/],
    requires: [
      {
        pattern: /node-gyp|gyp (?:info|ERR!)|prebuild-install|node-pre-gyp|setup\.py|pip install/,
        within: 30,
      },
    ],
    priority: 70,
    confidence: 0.8,
    summary: "A native build ran but a compiler or build tool is not installed in the image.",
    fix: "Install the build toolchain in the build stage (`apt-get install -y python3 make g++` or `apk add build-base python3`).",
    positive: [{ text: "gyp info spawn make\n/bin/sh: 1: make: not found" }],
    negative: [{ text: "sh: 1: tsc: not found" }, { text: "make: not found" }],
  },
  {
    id: "pkg-config-package-missing",
    category: "missing-system-library",
    patterns: [
      /Package '?[\w.+-]+'? was not found in the pkg-config search path/,
      /No package '[\w.+-]+' found/,
    ],
    priority: 65,
    confidence: 0.75,
    summary: "A native build needs a system library's development package that is not installed.",
    fix: "Install the library's -dev/-devel package in the build image (e.g. libvips-dev, libcairo2-dev), or use a prebuilt binary.",
    positive: [
      { text: "Package vips-cpp was not found in the pkg-config search path." },
      { text: "No package 'pixman-1' found" },
    ],
    negative: [{ text: "Package vips-cpp was found" }],
  },
  {
    id: "c-header-missing",
    category: "missing-system-library",
    patterns: [/fatal error: [\w/.+-]+\.h: No such file or directory/],
    priority: 55,
    confidence: 0.7,
    summary: "A native build cannot find a system header: the library's development package is missing.",
    fix: "Install the -dev/-devel package that provides the header in the build image.",
    positive: [{ text: "src/pg.c:3:10: fatal error: libpq-fe.h: No such file or directory" }],
    negative: [{ text: "note: libpq-fe.h found in /usr/include" }],
  },
  {
    id: "pg-config-missing",
    category: "missing-system-library",
    patterns: [/pg_config executable not found/],
    priority: 65,
    confidence: 0.8,
    summary: "Building psycopg2 needs PostgreSQL's client development files, which the image lacks.",
    fix: "Install libpq-dev (Debian) / postgresql-dev (Alpine) in the build stage, or use psycopg2-binary.",
    positive: [{ text: "Error: pg_config executable not found." }],
    negative: [{ text: "pg_config found at /usr/bin/pg_config" }],
  },
  {
    id: "exec-format-error",
    category: "arch-mismatch",
    patterns: [/exec format error/i],
    priority: 80,
    confidence: 0.88,
    summary: "A binary or image built for another CPU architecture was run on this host.",
    fix: "Build and pull images for the host's architecture (`docker build --platform linux/amd64` or a multi-arch `docker buildx build --platform linux/amd64,linux/arm64`), or run on a host of the image's architecture.",
    positive: [
      { text: "exec /sbin/tini: exec format error", from: "arch-coolify-builder-amd64-on-rpi4" },
      { text: "exec /usr/bin/java: exec format error", from: "arch-m1-built-images-ecs-amd64" },
      { text: "standard_init_linux.go:228: exec user process caused: exec format error" },
      { text: "bash: ./app: cannot execute binary file: Exec format error" },
    ],
    negative: [{ text: "checking executable format... elf64-x86-64" }],
  },
  {
    id: "no-matching-manifest",
    category: "arch-mismatch",
    patterns: [
      /no matching manifest for [\w/.-]+ in the manifest list entries/,
      /does not match the specified platform/,
    ],
    priority: 80,
    confidence: 0.9,
    summary: "The image has no variant for the host's CPU architecture.",
    fix: "Use an image (or tag) published for this architecture, publish a multi-arch image with buildx, or run on a host of the image's architecture.",
    positive: [
      {
        text: "no matching manifest for linux/arm64/v8 in the manifest list entries",
        from: "arch-caprover-node-alpine-no-arm64",
      },
      {
        text: "image with reference app:latest was found but its platform (linux/arm64) does not match the specified platform (linux/amd64)",
      },
    ],
    negative: [{ text: 'manifest unknown: manifest tagged by "latest" is not found' }],
  },
  {
    id: "platform-mismatch-warning",
    category: "arch-mismatch",
    patterns: [/requested image's platform \([^)]+\) does not match the detected host platform/],
    priority: 35,
    confidence: 0.55,
    summary:
      "The image was built for another CPU architecture than the host; it runs only under emulation, if at all.",
    fix: "Build or pull the image for the host's platform (`--platform`), or publish a multi-arch image.",
    positive: [
      {
        text: "WARNING: The requested image's platform (linux/amd64) does not match the detected host platform (linux/arm64/v8) and no specific platform was requested",
        from: "arch-coolify-builder-amd64-on-rpi4",
      },
      {
        text: "WARNING: The requested image's platform (linux/arm64/v8) does not match the detected host platform (linux/amd64/v4) and no specific platform was requested",
      },
    ],
    negative: [{ text: "Platform: linux/amd64" }],
  },
  {
    id: "npm-eresolve",
    category: "dependency-resolution",
    patterns: [
      /(?:ERR!|error) (?:code )?ERESOLVE/,
      /ERESOLVE (?:unable to resolve|could not resolve)/,
      /Conflicting peer dependency:/,
      /Could not resolve dependency:/,
    ],
    priority: 65,
    confidence: 0.9,
    summary: "npm could not resolve the dependency tree: peer dependency versions conflict.",
    fix: "Align the conflicting versions in package.json (or add an `overrides` entry); as a stopgap install with `--legacy-peer-deps`, and commit the regenerated lockfile.",
    positive: [
      { text: "npm ERR! Could not resolve dependency:" },
      { text: "npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree" },
      { text: "npm error code ERESOLVE" },
    ],
    negative: [{ text: "npm WARN ERESOLVE overriding peer dependency" }],
  },
  {
    id: "lockfile-out-of-sync",
    category: "dependency-resolution",
    patterns: [
      /can only install packages when your package\.json and/,
      /ERR_PNPM_\w*LOCKFILE\w*/,
      /Cannot install with "frozen-lockfile" because/,
      /Your lockfile needs to be updated, but yarn was run with/,
      /The lockfile would have been modified by this install, which is explicitly forbidden/,
      /lockfile had changes, but lockfile is frozen/,
      /missing go\.sum entry for module/,
      /updates to go\.mod needed/,
    ],
    priority: 65,
    confidence: 0.9,
    summary:
      "A frozen install refused to run because the lockfile does not match package.json or the package manager version.",
    fix: "Regenerate the lockfile with the same package-manager version the build uses (e.g. `npm install --package-lock-only`, `pnpm install` with the pinned pnpm) and commit it.",
    positive: [
      {
        text: "npm error `npm ci` can only install packages when your package.json and\n          package-lock.json are in sync.",
        from: "deps-npm-ci-lockfile-out-of-sync-kamal-plan42",
      },
      {
        text: "#19 0.738  ERR_PNPM_LOCKFILE_CONFIG_MISMATCH  Cannot proceed with the frozen installation.",
        from: "deps-pnpm-overrides-lockfile-mismatch-multica",
      },
      {
        text: ' ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile" because pnpm-lock.yaml is not up to date with package.json',
      },
      { text: "error Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`." },
    ],
    negative: [
      { text: "RUN pnpm install --frozen-lockfile" },
      { text: "Lockfile is up to date, resolution step is skipped" },
    ],
  },
  {
    id: "no-matching-version",
    category: "dependency-resolution",
    patterns: [
      /No matching version found for /,
      /ERR_PNPM_NO_MATCHING_VERSION/,
      /ERR_PNPM_PEER_DEP_ISSUES/,
      /ResolutionImpossible/,
      /because these package versions have conflicting dependencies/,
      /No matching distribution found for /,
      /Your requirements could not be resolved to an installable set of packages/,
      /version solving failed/,
      /failed to select a version for/,
    ],
    priority: 60,
    confidence: 0.8,
    summary: "The package manager found no set of versions that satisfies the declared constraints.",
    fix: "Relax or correct the conflicting version constraints (or the package name/version that does not exist) and regenerate the lockfile.",
    positive: [
      { text: "npm error notarget No matching version found for left-pad@^9.0.0." },
      {
        text: "ERROR: Cannot install -r requirements.txt (line 3) because these package versions have conflicting dependencies.",
      },
    ],
    negative: [{ text: "found 0 vulnerabilities" }],
  },
  {
    id: "next-production-build-missing",
    category: "build-output",
    patterns: [/Could not find a production build in the '?[\w./-]*'? directory/],
    priority: 65,
    confidence: 0.9,
    summary:
      "`next start` found no production build: the image or deploy does not contain the `next build` output.",
    fix: "Run `next build` in the image build and copy its output (.next, or .next/standalone plus .next/static and public for standalone) into the runtime stage.",
    positive: [
      {
        text: "[Error: Could not find a production build in the '.next' directory. Try building your app with 'next build' before starting the production server. https://nextjs.org/docs/messages/production-start-no-build-id]",
        from: "nextjs-image-without-production-build-coreobs",
      },
      {
        text: "Error: Could not find a production build in the '/app/.next' directory. Try building your app with 'next build' before starting the production server.",
      },
    ],
    negative: [{ text: "Creating an optimized production build ..." }],
  },
  {
    id: "docker-copy-source-missing",
    category: "build-output",
    patterns: [
      /failed to compute cache key: .*not found/,
      /COPY failed: (?:file not found in build context|stat [^:]+: (?:file does not exist|no such file or directory)|forbidden path outside the build context)/,
    ],
    priority: 55,
    confidence: 0.8,
    summary:
      "A Dockerfile COPY refers to a path that does not exist in the build context or in the earlier stage.",
    fix: "Fix the COPY source path, make sure the earlier stage really produces it (or that the directory exists in git, e.g. with a .gitkeep), and check .dockerignore.",
    positive: [
      {
        text: 'ERROR: failed to build: failed to solve: failed to compute cache key: failed to calculate checksum of ref vv7m8qgxfc7oxqvocfi5sjxin::xy4sdm9xee52jxzhebw68if40: "/app/refine/public": not found',
        from: "nextjs-docker-copy-public-dir-missing",
      },
      {
        text: "COPY failed: file not found in build context or excluded by .dockerignore: stat dist: file does not exist",
      },
    ],
    negative: [{ text: "#8 [stage-1 3/5] COPY --from=builder /app/dist ./dist" }],
  },
  {
    id: "entry-file-missing",
    category: "build-output",
    patterns: [
      /Cannot find module '(?![^']*node_modules)(?![^']*\.node')(?:\/[^']*|[^']*\/(?:dist|build|out|\.next)\/[^']*)\.(?:m?js|cjs)'/,
      /ENOENT: no such file or directory, (?:open|stat|scandir|lstat) '(?![^']*node_modules)[^']*\/(?:\.next|dist|build|out)\/[^']*'/,
      /Unable to access jarfile /,
    ],
    priority: 45,
    confidence: 0.65,
    summary:
      "The start command points at a build output file that is not in the image: the build did not produce it or it was not copied.",
    fix: "Make sure the build step runs in the image and the runtime stage copies its output to the path the start command uses (check WORKDIR, outDir and COPY paths).",
    positive: [
      { text: "Error: Cannot find module '/app/dist/main.js'" },
      { text: "Error: ENOENT: no such file or directory, open '/app/.next/BUILD_ID'" },
    ],
    negative: [
      { text: "Error: Cannot find module '/app/node_modules/sharp/build/Release/sharp.node'" },
      { text: "Error: Cannot find module 'express'" },
    ],
  },
  {
    id: "static-root-empty",
    category: "build-output",
    patterns: [
      /directory index of "[^"]+" is forbidden/,
      /open\(\) "[^"]*\/index\.html" failed \(2: No such file or directory\)/,
    ],
    priority: 45,
    confidence: 0.65,
    summary:
      "The web server's document root has no index.html: the static build output was not copied where it serves from.",
    fix: "Copy the build output directory (dist/ or build/) into the server's root (e.g. /usr/share/nginx/html) and check the build ran.",
    positive: [
      { text: '2024/01/01 [error] 29#29: *1 directory index of "/usr/share/nginx/html/" is forbidden' },
    ],
    negative: [{ text: '"GET /index.html HTTP/1.1" 200 615' }],
  },
];
