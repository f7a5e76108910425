// How the Action is bundled, in one place: scripts/build-action.ts builds action/dist with these, and
// bench/action.ts bundles its baseline and its size breakdown with the same, so its ratios compare like with like.
export const ACTION_BUILD_OPTIONS = {
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  minify: true,
  legalComments: "linked",
  // Some bundled CommonJS dependencies call require(); give each ESM output one.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: "warning",
} as const;
