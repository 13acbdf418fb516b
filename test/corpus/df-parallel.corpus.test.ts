// `introspect df -P N` reads guests in worker threads, which start from compiled JS only: this suite
// runs the built command (bundled dist/bin/introspect.js and unbundled dist/core/cli/main.js) and checks
// that -P 3 prints exactly what -P 1 (the in-process path) prints, and exits the same.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../../core/builtin-plugins.js';
import { Introspector } from '../../core/pipeline/introspector.js';
import { dfGuestResult } from '../../core/views/df-result.js';
import type { DfWorkerReply } from '../../core/cli/df-parallel.js';
import { corpusAvailable, corpusFile, corpusRequired } from './corpus.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bins = { bundled: resolve(root, 'dist/bin/introspect.js'), unbundled: resolve(root, 'dist/core/cli/main.js') };
const run = corpusAvailable() || corpusRequired();

function df(bin: string, args: string[], cwd = root): { code: number | null; out: string; err: string } {
  const spawned = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
  return { code: spawned.status, out: spawned.stdout, err: spawned.stderr };
}

describe.skipIf(!run)('introspect df -P 3 prints what -P 1 prints', () => {
  // Every corpus image, good and bad, each a guest of its own, plus a name that is no domain.
  const images = run ? readdirSync(corpusFile('disk')).filter((f) => f.endsWith('.truth.json')).sort().map((f) => corpusFile(`disk/${f.slice(0, -'.truth.json'.length)}`)) : [];
  const guests = [...images, 'no-such-domain'];
  const tmp = mkdtempSync(join(tmpdir(), 'df-parallel-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.each([
    ['bundled', []],
    ['bundled', ['--csv']],
    ['bundled', ['--json']],
    ['bundled', ['-hi']],
    ['unbundled', []],
    ['unbundled', ['--json']],
  ] as const)('%s command, df %j', (which, flags) => {
    const sequential = df(bins[which], ['--no-config', 'df', ...flags, '-P', '1', ...guests]);
    const parallel = df(bins[which], ['--no-config', 'df', ...flags, '-P', '3', ...guests]);
    expect(sequential.code).toBe(1); // the corpus holds bad images: the test covers the failure paths too
    expect(sequential.err).toContain('no-such-domain');
    expect(parallel).toEqual(sequential);
  });

  it('--stats counts the reads the workers made', () => {
    const sequential = df(bins.bundled, ['--no-config', '--stats', 'df', '-P', '1', ...images]);
    const parallel = df(bins.bundled, ['--no-config', '--stats', 'df', '-P', '2', ...images]);
    expect(sequential.err).toMatch(/stats: [1-9]\d* bytes read/);
    expect(parallel).toEqual(sequential);
  });

  it('the workers load the configured plugins too', () => {
    const bytes = new Uint8Array(65536);
    bytes.set(new TextEncoder().encode('FIXTURE!'));
    for (const name of ['a.img', 'b.img']) writeFileSync(join(tmp, name), bytes);
    const plugin = resolve(root, 'test/fixtures/plugins/magic-detect.mjs');
    writeFileSync(join(tmp, '.introspectrc.json'), JSON.stringify({ plugins: [[plugin, { label: 'PARALLEL' }]] }));
    writeFileSync(join(tmp, 'package.json'), '{}');
    const args = ['df', '--json', join(tmp, 'a.img'), images[0], join(tmp, 'b.img')];
    const sequential = df(bins.bundled, [...args.slice(0, 2), '-P', '1', ...args.slice(2)], tmp);
    const parallel = df(bins.bundled, [...args.slice(0, 2), '-P', '2', ...args.slice(2)], tmp);
    const skipped = (JSON.parse(sequential.out) as { skipped: { type: string; label: string }[] }).skipped.filter((s) => s.type === 'fixture');
    expect(skipped.map((s) => s.label)).toEqual(['PARALLEL', 'PARALLEL']);
    expect(parallel).toEqual(sequential);
  });

  it('the compiled worker pool returns what the in-process computation gives, for every guest', async () => {
    const distModule = pathToFileURL(resolve(root, 'dist/core/cli/df-parallel.js')).href;
    const { dfWorkerEntry, runDfWorkers } = (await import(distModule)) as typeof import('../../core/cli/df-parallel.js');
    const entry = dfWorkerEntry();
    expect(entry?.pathname).toBe(resolve(root, 'dist/core/cli/df-worker.js'));
    const jobs = images.map((path, index) => ({ index, images: [{ path }], name: `guest${index}` }));
    const replies: DfWorkerReply[] = [];
    await runDfWorkers(entry!, { cwd: root, allowBacking: [] }, jobs, 3, (reply) => replies.push(reply));
    expect(replies.map((r) => r.index).sort((a, b) => a - b)).toEqual(jobs.map((j) => j.index));
    const introspector = new Introspector().use(...builtinPlugins());
    for (const reply of replies) {
      const job = jobs[reply.index];
      expect(reply.result).toEqual(structuredClone(dfGuestResult(introspector, job.images, job.name)));
    }
  });
});
