import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { IntrospectError, UsageError } from '../../errors.js';
import { importC, TARGET_NAMES, type TargetName } from '../../importc/index.js';
import type { CommandContext } from '../context.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface ImportCFlags {
  struct: string[];
  target?: string;
  output?: string;
  define: string[];
  include: string[];
  import?: string;
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('import-c')
    .description('C struct/union definitions -> bit-syntax patterns at the offsets a C compiler gives them (a TS module)')
    .argument('<header>', 'C header file')
    .option('--struct <name>', 'import this struct/union (tag or typedef name); repeatable; default: all', collect, [])
    .option('--target <arch>', `data model: ${TARGET_NAMES.join(', ')} (default x86_64)`)
    .option('-o, --output <file>', 'write the TS module to this file instead of stdout')
    .option('-D, --define <name[=value]>', 'define a macro before reading the header (like gcc -D); repeatable', collect, [])
    .option('-I, --include <dir>', 'follow #include, searching this folder (like gcc -I); repeatable', collect, [])
    .option('--import <specifier>', "module the generated code imports definePattern from (default 'introspect')")
    .action((header: string, flags: ImportCFlags) => {
      const ctx = context();
      if (flags.target !== undefined && !TARGET_NAMES.includes(flags.target as TargetName)) {
        throw new UsageError(`--target must be one of ${TARGET_NAMES.join(', ')}, not ${flags.target}`);
      }
      const path = resolve(ctx.cwd, header);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        throw new IntrospectError({ file: header, structure: 'C header', reason: `cannot read: ${(e as Error).message}` });
      }
      const defines: Record<string, string> = {};
      for (const d of flags.define) {
        const m = /^([A-Za-z_]\w*)(?:=(.*))?$/s.exec(d);
        if (!m) throw new UsageError(`-D ${d}: expected NAME or NAME=VALUE`);
        defines[m[1]!] = m[2] ?? '1';
      }
      const argv = [`introspect import-c ${header}`, ...flags.struct.map((s) => `--struct ${s}`)];
      if (flags.target) argv.push(`--target ${flags.target}`);
      for (const d of flags.define) argv.push(`-D ${d}`);
      for (const d of flags.include) argv.push(`-I ${d}`);
      if (flags.import) argv.push(`--import ${flags.import}`);
      if (flags.output) argv.push(`-o ${flags.output}`);
      const result = importC(text, {
        structs: flags.struct,
        target: flags.target as TargetName | undefined,
        fileName: basename(header),
        defines,
        includeDirs: flags.include.length ? flags.include.map((d) => resolve(ctx.cwd, d)) : undefined,
        headerDir: dirname(path),
        importFrom: flags.import,
        generatedBy: `Made with: ${argv.join(' ')}`,
      });
      for (const w of result.warnings) ctx.io.stderr(`introspect: ${w.file ?? basename(header)}:${w.line}: warning: ${w.message}\n`);
      if (ctx.globals.json) {
        const doc = { target: result.target, records: result.records, skipped: result.skipped, enums: result.enums };
        ctx.io.stdout(JSON.stringify(doc, null, 2) + '\n');
        return;
      }
      if (flags.output) writeFileSync(resolve(ctx.cwd, flags.output), result.module);
      else ctx.io.stdout(result.module);
    });
}
