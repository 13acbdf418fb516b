// `npm run fuzz -- --seconds N [--seed S] [--format NAME[,NAME]] [--cases N] [--synthetic]
//                  [--timeout-ms MS] [--memory-mb MB] [--out DIR] [--replay FILE]`
// Seeded mutations of the metadata regions of the corpus images (or of synthetic images), each
// case run in a worker thread bounded in time (terminated past --timeout-ms: a hang) and heap
// (resourceLimits: an OOM), reused from case to case. Prints cases, errors, crashes, hangs per format.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { corpusCacheDir } from '../test/corpus/corpus.js';
import { caseOf, prepare, type PreparedSeed } from './campaign.js';
import type { Mutation } from './mutate.js';
import type { Outcome } from './run-case.js';
import { corpusSeeds, syntheticSeeds } from './seeds.js';

interface Options {
  seconds: number;
  cases: number;
  seed: number;
  formats: string[] | null;
  synthetic: boolean;
  timeoutMs: number;
  memoryMb: number;
  out: string;
  replay?: string;
}

type Kind = 'ok' | 'error' | 'crash' | 'hang' | 'oom';

/** Cases slower than this are counted (not defects: the time bound is --timeout-ms). */
const SLOW_MS = 2000;

function parse(argv: string[]): Options {
  const o: Options = { seconds: 60, cases: Infinity, seed: Date.now() >>> 0, formats: null, synthetic: false, timeoutMs: 20_000, memoryMb: 512, out: 'fuzz-out' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--seconds') o.seconds = Number(next());
    else if (a === '--cases') o.cases = Number(next());
    else if (a === '--seed') o.seed = Number(next()) >>> 0;
    else if (a === '--format') o.formats = next().split(',');
    else if (a === '--synthetic') o.synthetic = true;
    else if (a === '--timeout-ms') o.timeoutMs = Number(next());
    else if (a === '--memory-mb') o.memoryMb = Number(next());
    else if (a === '--out') o.out = next();
    else if (a === '--replay') o.replay = next();
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

interface Defect {
  kind: Kind;
  format: string;
  seed: string;
  source: 'corpus' | 'synthetic';
  images: string[];
  runSeed: number;
  caseIndex: number;
  mutations: Mutation[];
  message: string;
  stack?: string;
  replay: string;
}

/** One worker, restarted after a hang or an OOM. */
class Runner {
  private worker!: Worker;
  private ready!: Promise<void>;
  private pending?: { resolve: (o: Outcome | { kind: 'hang' | 'oom'; message: string }) => void; timer: NodeJS.Timeout };

  constructor(private readonly data: object, private readonly o: Options) {
    this.start();
  }

  private start(): void {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: this.data,
      resourceLimits: { maxOldGenerationSizeMb: this.o.memoryMb, maxYoungGenerationSizeMb: 32 },
      stdout: true,
      stderr: true,
    });
    this.ready = new Promise((ok) => {
      const onReady = (m: { ready?: boolean }) => {
        if (m.ready) {
          this.worker.off('message', onReady);
          ok();
        }
      };
      this.worker.on('message', onReady);
    });
    this.worker.on('message', (m: { id?: number; outcome?: Outcome }) => {
      if (m.outcome && this.pending) this.settle(m.outcome);
    });
    this.worker.on('error', (error: Error & { code?: string }) => {
      const oom = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.settle({ kind: oom ? 'oom' : 'crash', message: `${error.name}: ${error.message}` }, true);
    });
    this.worker.on('exit', () => this.settle({ kind: 'crash', message: 'worker exited' }, true));
  }

  private settle(outcome: Outcome | { kind: 'hang' | 'oom'; message: string }, dead = false): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    if (dead) this.start();
    p.resolve(outcome);
  }

  async run(id: number, seedName: string, mutations: Mutation[]): Promise<Outcome | { kind: 'hang' | 'oom'; message: string }> {
    await this.ready;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const p = this.pending;
        this.pending = undefined;
        const old = this.worker;
        old.removeAllListeners();
        void old.terminate();
        this.start();
        p?.resolve({ kind: 'hang', message: `no result after ${this.o.timeoutMs} ms` });
      }, this.o.timeoutMs);
      this.pending = { resolve, timer };
      this.worker.postMessage({ id, seedName, mutations });
    });
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners();
    await this.worker.terminate();
  }
}

function signature(d: { format: string; kind: Kind; message: string; stack?: string }): string {
  const frame = d.stack?.split('\n').find((l) => l.trim().startsWith('at ')) ?? '';
  return `${d.format}|${d.kind}|${d.message.replace(/\d+/g, 'N').slice(0, 120)}|${frame.trim()}`;
}

async function replay(o: Options): Promise<number> {
  const defect = JSON.parse(readFileSync(o.replay!, 'utf8')) as Defect;
  const runner = new Runner({ source: defect.source, cache: corpusCacheDir(), maxRead: 256 * 1024 * 1024, formats: [defect.format] }, o);
  const outcome = await runner.run(0, defect.seed, defect.mutations);
  await runner.close();
  console.log(JSON.stringify(outcome, null, 2));
  return outcome.kind === 'ok' || outcome.kind === 'error' ? 0 : 1;
}

async function main(): Promise<number> {
  const o = parse(process.argv.slice(2));
  if (o.replay) return replay(o);
  const cache = corpusCacheDir();
  let source: 'corpus' | 'synthetic' = 'synthetic';
  let seeds = o.synthetic ? [] : corpusSeeds(cache);
  if (seeds.length > 0) source = 'corpus';
  else seeds = syntheticSeeds();
  if (o.formats) seeds = seeds.filter((s) => o.formats!.includes(s.format));
  if (seeds.length === 0) throw new Error(`no seed images for --format ${o.formats?.join(',')}`);
  const prepared: PreparedSeed[] = prepare(seeds);
  console.error(`fuzz: seed ${o.seed}, ${source} images, ${prepared.length} seeds: ${prepared.map((p) => `${p.seed.name} (${p.regions.length} regions)`).join(', ')}`);

  const runner = new Runner({ source, cache, maxRead: 256 * 1024 * 1024, formats: o.formats }, o);
  const stats = new Map<string, Record<Kind | 'slow', number>>();
  const seen = new Map<string, number>();
  const defectsDir = join(o.out, 'defects');
  const saved: string[] = [];
  const started = Date.now();
  let lastReport = started;
  let index = 0;
  for (; index < o.cases && Date.now() - started < o.seconds * 1000; index++) {
    const { seedIndex, mutations } = caseOf(prepared, o.seed, index);
    const p = prepared[seedIndex];
    const t0 = Date.now();
    const outcome = await runner.run(index, p.seed.name, mutations);
    const elapsed = Date.now() - t0;
    const row = stats.get(p.seed.format) ?? { ok: 0, error: 0, crash: 0, hang: 0, oom: 0, slow: 0 };
    stats.set(p.seed.format, row);
    row[outcome.kind]++;
    if (elapsed > SLOW_MS && outcome.kind !== 'hang') {
      row.slow++;
      if (row.slow <= 3) console.error(`fuzz: slow case ${index} (${p.seed.name}, ${elapsed} ms): ${JSON.stringify(mutations)}`);
    }
    if (outcome.kind !== 'ok' && outcome.kind !== 'error') {
      const defect: Defect = {
        kind: outcome.kind,
        format: p.seed.format,
        seed: p.seed.name,
        source,
        images: p.seed.images.map((i) => i.path),
        runSeed: o.seed,
        caseIndex: index,
        mutations,
        message: outcome.message,
        stack: 'stack' in outcome ? outcome.stack : undefined,
        replay: '',
      };
      const sig = signature(defect);
      const n = (seen.get(sig) ?? 0) + 1;
      seen.set(sig, n);
      if (n <= 3) {
        mkdirSync(defectsDir, { recursive: true });
        const file = join(defectsDir, `${p.seed.format}-${outcome.kind}-${o.seed}-${index}.json`);
        defect.replay = `npm run fuzz -- --replay ${file}`;
        writeFileSync(file, JSON.stringify(defect, null, 2) + '\n');
        saved.push(file);
        console.error(`fuzz: ${outcome.kind} in ${p.seed.name} (case ${index}): ${outcome.message}\n  replay: ${defect.replay}`);
      }
    }
    if (Date.now() - lastReport > 30_000) {
      lastReport = Date.now();
      console.error(`fuzz: ${index + 1} cases in ${Math.round((lastReport - started) / 1000)} s`);
    }
  }
  await runner.close();

  const kinds: Kind[] = ['ok', 'error', 'crash', 'hang', 'oom'];
  const total: Record<Kind | 'slow', number> = { ok: 0, error: 0, crash: 0, hang: 0, oom: 0, slow: 0 };
  const line = (name: string, row: Record<Kind | 'slow', number>): string =>
    `${name.padEnd(8)} ${String(kinds.reduce((n, k) => n + row[k], 0)).padStart(7)} ${String(row.ok).padStart(7)} ${String(row.error).padStart(7)} ${String(row.crash).padStart(8)} ${String(row.hang).padStart(6)} ${String(row.oom).padStart(4)} ${String(row.slow).padStart(5)}`;
  const lines = [`format     cases      ok  errors  crashes  hangs  oom  slow`];
  for (const [format, row] of [...stats].sort()) {
    for (const k of [...kinds, 'slow' as const]) total[k] += row[k];
    lines.push(line(format, row));
  }
  const cases = kinds.reduce((n, k) => n + total[k], 0);
  lines.push(line('total', total));
  console.log(`fuzz: seed ${o.seed}, ${cases} cases in ${Math.round((Date.now() - started) / 1000)} s (${source} images)`);
  console.log(lines.join('\n'));
  mkdirSync(o.out, { recursive: true });
  writeFileSync(join(o.out, `summary-${o.seed}.json`), JSON.stringify({ seed: o.seed, source, seconds: (Date.now() - started) / 1000, formats: Object.fromEntries(stats), total, defects: saved }, null, 2) + '\n');
  if (saved.length > 0) console.log(`defects saved: ${saved.length} in ${resolve(defectsDir)} (distinct: ${seen.size})`);
  return total.crash + total.hang + total.oom > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`fuzz: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
