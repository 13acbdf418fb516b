// C type spellings as profiles record them (the BTF reader's typeName: "struct list_head *",
// "char[16]", "const struct cred *", "pid_t", "void (*)(struct rcu_head *)") <-> ISF type descriptors.
import type { IsfDocument, IsfTypeDescriptor } from './types.js';

/** ISF names BTF gives anonymous types (isf/from-btf.ts) print as C's "(anonymous)". */
const ANON = /^__anon_(struct|union|enum|enum64)_\d+$/;

export function descriptorToC(d: IsfTypeDescriptor, depth = 0): string {
  if (depth > 64) return '...';
  switch (d.kind) {
    case 'base': return d.name;
    case 'struct': case 'union': case 'class': return `${d.kind === 'class' ? 'struct' : d.kind} ${ANON.test(d.name) ? '(anonymous)' : d.name}`;
    case 'enum': return `enum ${ANON.test(d.name) ? '(anonymous)' : d.name}`;
    case 'function': return 'void ()';
    case 'bitfield': return descriptorToC(d.type, depth + 1);
    case 'pointer': return d.subtype.kind === 'function' ? 'void (*)()' : `${descriptorToC(d.subtype, depth + 1)} *`;
    case 'array': {
      let dims = `[${d.count}]`;
      let elem = d.subtype;
      while (elem.kind === 'array' && depth++ < 64) {
        dims += `[${elem.count}]`;
        elem = elem.subtype;
      }
      return `${descriptorToC(elem, depth + 1)}${dims}`;
    }
  }
}

/** sizeof a descriptor in an ISF document; undefined for functions and unknown names. */
export function descriptorSize(doc: IsfDocument, d: IsfTypeDescriptor, depth = 0): number | undefined {
  if (depth > 64) return undefined;
  switch (d.kind) {
    case 'base': return doc.base_types[d.name]?.size;
    case 'pointer': return doc.base_types.pointer?.size;
    case 'array': {
      const e = descriptorSize(doc, d.subtype, depth + 1);
      return e === undefined ? undefined : e * d.count;
    }
    case 'struct': case 'union': case 'class': return doc.user_types[d.name]?.size;
    case 'enum': return doc.enums[d.name]?.size;
    case 'bitfield': return descriptorSize(doc, d.type, depth + 1);
    case 'function': return undefined;
  }
}

export type ParsedCType =
  | { kind: 'pointer'; to: ParsedCType }
  | { kind: 'array'; count: number; of: ParsedCType }
  | { kind: 'struct' | 'union' | 'enum'; name: string }
  | { kind: 'function' }
  | { kind: 'base'; name: string };

/** Parses a profile's C type spelling; qualifiers are dropped (ISF has none). */
export function parseCType(text: string): ParsedCType {
  let s = text.trim();
  for (let m; (m = /^(const|volatile|restrict)\s+/.exec(s)); ) s = s.slice(m[0].length);
  s = s.replace(/\s+(const|volatile|restrict)$/, '');
  if (/\(\s*\*\s*\)/.test(s)) return { kind: 'pointer', to: { kind: 'function' } };
  if (/\)$/.test(s) && !/\(anonymous\)$/.test(s)) return { kind: 'function' };
  if (s.endsWith('*')) return { kind: 'pointer', to: parseCType(s.slice(0, -1)) };
  const arr = /^(.*?)((?:\[\d+\])+)$/.exec(s);
  if (arr) {
    const dims = [...arr[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
    let t = parseCType(arr[1]);
    for (let i = dims.length - 1; i >= 0; i--) t = { kind: 'array', count: dims[i], of: t };
    return t;
  }
  const tagged = /^(struct|union|enum)\s+(.+)$/.exec(s);
  if (tagged) return { kind: tagged[1] as 'struct' | 'union' | 'enum', name: tagged[2] };
  return { kind: 'base', name: s };
}
