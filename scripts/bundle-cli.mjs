// Bundles the compiled CLI (dist/core/cli/main.js) and its dependencies into one file,
// dist/bin/introspect.js, the package's `introspect` command. Why: a run of `introspect df` spends most of
// its time loading ~300 modules (dist/ and node_modules); one bundled file starts about twice as fast,
// which is what a fleet monitor running the command per guest pays every time.
// dist/bin/df-worker.js is the worker thread of `introspect df -P N` (core/cli/df-worker.ts), bundled on
// its own so the bundled command finds it beside itself (core/cli/df-parallel.ts).
// lzma-native stays external: it is a native addon loaded only by `profile build` on xz kernels.
import { build } from 'esbuild';

const entries = [
  ['dist/core/cli/main.js', 'dist/bin/introspect.js'],
  ['dist/core/cli/df-worker.js', 'dist/bin/df-worker.js'],
];

for (const [entry, outfile] of entries) await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['lzma-native'],
  // Some dependencies (commander, cosmiconfig) are CommonJS and call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __introspectCreateRequire } from 'node:module'; const require = __introspectCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
