/**
 * Benchmark harness: `npm run bench [name...] [--flag...]`. Each bench module exports
 * `run(flags): Promise<void>` and prints its own table; add a module to BENCHES to include it.
 * Flags (arguments starting with --) go to every module, e.g. `--with-virt-df` for the df bench.
 */
interface BenchModule {
  run(flags: readonly string[]): Promise<void>;
}

export const BENCHES: Record<string, () => Promise<BenchModule>> = {
  bitsyntax: () => import('./bitsyntax.bench.js'),
  'disk-list': () => import('./disk-list.bench.js'),
  df: () => import('./df.bench.js'),
  uname: () => import('./uname.bench.js'),
  ps: () => import('./ps.bench.js'),
};

async function main(argv: readonly string[]): Promise<void> {
  const flags = argv.filter((a) => a.startsWith('--'));
  const names = argv.filter((a) => !a.startsWith('--'));
  const wanted = names.length > 0 ? names : Object.keys(BENCHES);
  for (const name of wanted) {
    if (!BENCHES[name]) {
      process.stderr.write(`unknown bench ${name} (have: ${Object.keys(BENCHES).join(', ')})\n`);
      process.exitCode = 2;
      return;
    }
  }
  const os = await import('node:os');
  const load = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' ');
  process.stdout.write(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${new Date().toISOString()}, load average ${load()}\n`);
  for (const name of wanted) {
    process.stdout.write(`\n## ${name}\n\n`);
    const t0 = performance.now();
    await (await BENCHES[name]!()).run(flags);
    process.stdout.write(`\n(${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s, load average ${load()} at the end)\n`);
  }
}

await main(process.argv.slice(2));
