// npm run fuzz: compile the harness with the project's tsc (into fuzz-out/build), then run it.
// Type errors in files still being written elsewhere do not stop a run; a missing output does.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'fuzz/tsconfig.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
const cli = join(root, 'fuzz-out/build/fuzz/cli.js');
if (!existsSync(cli)) {
  process.stderr.write(tsc.stdout);
  process.exit(2);
}
if (tsc.status !== 0) process.stderr.write(`fuzz: tsc reported type errors (run npm run typecheck); running the compiled harness anyway\n`);
await import(pathToFileURL(cli).href);
