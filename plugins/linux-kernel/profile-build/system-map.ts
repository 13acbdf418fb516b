// System.map: "ADDRESS TYPE NAME" per line, as nm prints it (linux scripts/mksysmap). Addresses are
// link-time: the running kernel's are these plus the KASLR shift.
import { IntrospectError } from '../../../core/errors.js';

export interface SystemMapSymbol {
  address: bigint;
  type: string;
}

/** Every symbol, first occurrence of a name kept (as kallsyms lookups do). */
export function parseSystemMap(text: string, name: string): Map<string, SystemMapSymbol> {
  const out = new Map<string, SystemMapSymbol>();
  let lineNo = 0;
  let bad = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line.trim() === '') continue;
    const m = /^([0-9a-fA-F]{1,16})\s+(\S)\s+(\S+)/.exec(line);
    if (!m) {
      if (++bad > 10 && bad * 2 > lineNo) throw new IntrospectError({ file: name, structure: `System.map line ${lineNo}`, reason: `not "ADDRESS TYPE NAME": "${line.slice(0, 80)}"` });
      continue;
    }
    if (!out.has(m[3])) out.set(m[3], { address: BigInt('0x' + m[1]), type: m[2] });
  }
  if (out.size === 0) throw new IntrospectError({ file: name, structure: 'System.map', reason: 'no symbols (Debian image packages ship a one-line placeholder; the real file is in the -dbg package)' });
  return out;
}
