#!/usr/bin/env node
/**
 * bitsyntax-aot: node dist/core/bitsyntax/aot-cli.js <patterns-module.js> <out.ts|out.js> [--import <specifier>]
 * Imports the module, takes every exported Pattern, and writes an ahead-of-time module.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateModule } from './aot.js';
import { Pattern } from './pattern.js';

export async function aotMain(argv: readonly string[]): Promise<number> {
  const args = [...argv];
  let importFrom = 'introspect';
  const i = args.indexOf('--import');
  if (i >= 0) {
    importFrom = args[i + 1] ?? importFrom;
    args.splice(i, 2);
  }
  const [input, output] = args;
  if (!input || !output) {
    process.stderr.write('usage: bitsyntax-aot <patterns-module.js> <out.ts|out.js> [--import <specifier>]\n');
    return 2;
  }
  const mod = (await import(pathToFileURL(resolve(input)).href)) as Record<string, unknown>;
  const patterns: Record<string, Pattern<unknown, unknown>> = {};
  for (const [k, v] of Object.entries(mod)) if (v instanceof Pattern) patterns[k] = v;
  writeFileSync(output, generateModule(patterns, { importFrom, typescript: !output.endsWith('.js') }));
  process.stdout.write(`${Object.keys(patterns).length} patterns written to ${output}\n`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  aotMain(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => { process.stderr.write(`${String(e)}\n`); process.exitCode = 1; });
}
