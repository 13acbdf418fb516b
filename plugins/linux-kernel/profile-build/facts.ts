// Signature facts of kernel profiles, checked against a memory image (the `checkFacts` of a
// ProfileQuery, core/profiles/types.ts). Forms:
//   "sizeof(task_struct)": 9792          the image's BTF, else VMCOREINFO SIZE(...)
//   "offsetof(task_struct.comm)": 3040   the image's BTF, else VMCOREINFO OFFSET(...)
//   "task_struct@init_task.comm": "/^swapper(\\/0)?$/"
//        read through the profile itself: the symbol (the kernel's tables, else the profile's
//        link-time address plus the KASLR shift), the field by the profile's layout; a value
//        "/regex/" is matched, any other string or number compared exactly.
// A fact the image cannot show (no BTF, no VMCOREINFO entry) is not held against the profile.
import { IntrospectError } from '../../../core/errors.js';
import type { KernelContext } from '../../../core/memory/kernel.js';
import type { Profile } from '../../../core/profiles/types.js';
import type { Btf } from '../btf/btf.js';

export type FactChecker = (facts: Readonly<Record<string, number | string>>, profile: Profile) => string | undefined;

/** A runtime address for a profile symbol: link-time + the KASLR shift unless the profile says its addresses are runtime. */
export function profileSymbol(profile: Profile, name: string, virtualShift: bigint): bigint | undefined {
  const s = profile.data.symbols?.[name];
  if (s === undefined) return undefined;
  const value = BigInt(s);
  return (profile.meta as { symbolAddresses?: string } | undefined)?.symbolAddresses === 'runtime' ? value : value + virtualShift;
}

export function kernelFactChecker(kernel: KernelContext, btf?: Btf): FactChecker {
  return (facts, profile) => {
    for (const [key, expected] of Object.entries(facts)) {
      const failure = checkFact(kernel, btf, profile, key, expected);
      if (failure) return failure;
    }
    return undefined;
  };
}

function checkFact(kernel: KernelContext, btf: Btf | undefined, profile: Profile, key: string, expected: number | string): string | undefined {
  const size = /^sizeof\((\w+)\)$/.exec(key);
  const off = /^offsetof\((\w+)\.([\w.]+)\)$/.exec(key);
  if (size || off) {
    let seen: number | undefined;
    let where = 'BTF';
    try {
      if (btf) seen = size ? btf.struct(size[1])?.size : btf.offsetof(off![1], off![2]);
    } catch (e) {
      if (!(e instanceof IntrospectError)) throw e;
    }
    if (seen === undefined && kernel.vmcoreinfo) {
      where = 'VMCOREINFO';
      seen = size ? kernel.vmcoreinfo.size(size[1]) : kernel.vmcoreinfo.offset(`${off![1]}.${off![2]}`);
    }
    return seen !== undefined && seen !== Number(expected) ? `${key} is ${seen} in the image (${where}), the profile says ${expected}` : undefined;
  }
  const read = /^(\w+)@(\w+)\.(\w+)$/.exec(key);
  if (!read) return undefined;
  const [, structName, symbol, fieldName] = read;
  const field = profile.data.structs?.[structName]?.fields[fieldName];
  const address = kernel.symbol(symbol) ?? profileSymbol(profile, symbol, kernel.virtualShift);
  if (!field || field.size === undefined || address === undefined) return `${key}: the profile has no ${structName}.${fieldName} layout or no ${symbol} address`;
  const va = address + BigInt(field.offset);
  if (!kernel.vm.isMapped(va, field.size)) return `${key}: ${symbol}+${field.offset} (0x${va.toString(16)}) is not mapped in the image`;
  const bytes = kernel.vm.read(va, field.size, key);
  let seen: string | number;
  if (typeof expected === 'string') {
    const text = Buffer.from(bytes).toString('latin1');
    seen = text.slice(0, text.indexOf('\0') < 0 ? undefined : text.indexOf('\0'));
    const regex = /^\/(.*)\/$/.exec(expected);
    const ok = regex ? new RegExp(regex[1]).test(seen) : seen === expected;
    return ok ? undefined : `${key} reads ${JSON.stringify(seen)} in the image, the profile expects ${expected}`;
  }
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  seen = Number(value);
  return seen === expected ? undefined : `${key} reads ${seen} in the image, the profile expects ${expected}`;
}
