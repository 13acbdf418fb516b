/**
 * importC against gcc on a header of layout cases (fixtures/layouts.h): every record's size and
 * alignment, every member's offset and size, every bit-field's bits, for x86_64, i386 and arm64.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { importC, type TargetName } from '../../../core/importc/index.js';
import { gccCompiles, gccLayouts, gccPath, i386Compiler, importedLayouts } from './gcc.js';

const header = fileURLToPath(new URL('./fixtures/layouts.h', import.meta.url));
const text = readFileSync(header, 'utf8');
const required = process.env.CI === 'true';

const variants: { target: TargetName; flags: string[]; why: string; compiler?: string }[] = [
  { target: 'x86_64', flags: ['-m64'], why: 'gcc -m64' },
  { target: 'i386', ...i386Compiler(), why: 'i686-linux-gnu-gcc (Debian gcc-i686-linux-gnu) or gcc -m32 (gcc-multilib)' },
  { target: 'arm64', flags: [], why: 'aarch64-linux-gnu-gcc (Debian gcc-aarch64-linux-gnu)', compiler: 'aarch64-linux-gnu-gcc' },
];

describe('importC agrees with gcc on fixtures/layouts.h', () => {
  for (const v of variants) {
    const available = gccPath(v.compiler) !== undefined && gccCompiles(v.flags, '<stddef.h>', v.compiler);
    // Under CI every compiler is required (.ci/run installs the cross compilers); elsewhere a missing one is skipped, visibly
    const run = available || required;
    test.skipIf(!run)(`${v.target}${available ? '' : ` (skipped: ${v.why} not available)`}`, () => {
      const result = importC(text, { target: v.target, fileName: 'layouts.h' });
      expect(result.warnings).toEqual([]);
      expect(result.skipped).toEqual([]);
      expect(result.records.length).toBeGreaterThan(15);
      const gcc = gccLayouts(header, result.records, v.flags, v.compiler);
      const ours = importedLayouts(result.records);
      for (const [name, layout] of ours) expect({ name, ...layout }).toEqual({ name, ...gcc.get(name)! });
    });
  }
});
