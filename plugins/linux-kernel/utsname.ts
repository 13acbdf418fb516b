// struct new_utsname (linux include/uapi/linux/utsname.h): six char[65] fields, first member of
// init_uts_ns.name. init_uts_ns (init/version-timestamp.c) is what uname(2) reports for the
// initial UTS namespace, including the hostname the guest set.
import { bitmatch } from '../../core/bitsyntax/index.js';
import type { PhysicalMemory } from '../../core/memory/types.js';
import { bytesOf, scanPhysical, type ScanWindow } from './scan.js';

export interface UtsName {
  sysname: string;
  nodename: string;
  release: string;
  version: string;
  machine: string;
  domainname: string;
}

export const NEW_UTS_LEN = 65;
export const UTSNAME_SIZE = 6 * NEW_UTS_LEN;

export const newUtsname = bitmatch(`
  sysname : 520 : string,
  nodename : 520 : string,
  release : 520 : string,
  version : 520 : string,
  machine : 520 : string,
  domainname : 520 : string
`);

/** Each field must be NUL-terminated inside its 65 bytes and printable before the NUL. */
export function parseUtsname(bytes: Uint8Array): UtsName | undefined {
  if (bytes.length < UTSNAME_SIZE) return undefined;
  for (let f = 0; f < 6; f++) {
    const field = bytes.subarray(f * NEW_UTS_LEN, (f + 1) * NEW_UTS_LEN);
    const nul = field.indexOf(0);
    if (nul < 0) return undefined;
    for (let i = 0; i < nul; i++) if (field[i] < 0x20 || field[i] > 0x7e) return undefined;
  }
  const u = newUtsname.match(bytes);
  if (!u || u.sysname.length === 0 || u.release.length === 0) return undefined;
  return { sysname: u.sysname, nodename: u.nodename, release: u.release, version: u.version, machine: u.machine, domainname: u.domainname };
}

export interface UtsCandidate extends UtsName {
  physical: number;
}

/** Scan for utsname structures: sysname "Linux" padded with NULs to 65 bytes. */
export function* utsnameCandidates(memory: PhysicalMemory, windows?: readonly ScanWindow[]): Generator<UtsCandidate> {
  const pattern = Buffer.concat([bytesOf('Linux'), Buffer.alloc(NEW_UTS_LEN - 5)]);
  for (const hit of scanPhysical(memory, [pattern], windows)) {
    if (!memory.isPresent(hit.address, UTSNAME_SIZE)) continue;
    const u = parseUtsname(memory.read(hit.address, UTSNAME_SIZE, 'utsname'));
    if (u && u.nodename.length > 0) yield { ...u, physical: hit.address };
  }
}
