/**
 * Benchmark harness: `npm run bench [name...]`. Each bench module exports `run(): Promise<void>`
 * and prints its own table; add a module to BENCHES to include it.
 */
interface BenchModule {
  run(): Promise<void>;
}

export const BENCHES: Record<string, () => Promise<BenchModule>> = {
  bitsyntax: () => import('./bitsyntax.bench.js'),
  uname: () => import('./uname.bench.js'),
};

async function main(argv: readonly string[]): Promise<void> {
  const wanted = argv.length > 0 ? argv : Object.keys(BENCHES);
  for (const name of wanted) {
    const load = BENCHES[name];
    if (!load) {
      process.stderr.write(`unknown bench ${name} (have: ${Object.keys(BENCHES).join(', ')})\n`);
      process.exitCode = 2;
      return;
    }
    process.stdout.write(`\n## ${name}\n\n`);
    await (await load()).run();
  }
}

await main(process.argv.slice(2));
