// ELF notes as found in cores and in kdump's note area (linux include/uapi/linux/elf.h,
// qemu target/i386/arch_dump.c for the "QEMU" note).
import type { CpuState } from '../../core/memory/types.js';
import { elfNoteHeader } from '../../core/formats/elf.js';
import { qemuCpuState } from './structures.js';

export interface ElfNote {
  name: string;
  type: number;
  desc: Uint8Array;
}

/** Hard cap on notes per core: one or two per CPU plus a few; a bigger count means garbage. */
const MAX_NOTES = 65536;

/** Split a note segment into notes; stops quietly at the first malformed header (trailing padding). */
export function parseNotes(bytes: Uint8Array): ElfNote[] {
  const notes: ElfNote[] = [];
  let pos = 0;
  while (pos + 12 <= bytes.length && notes.length < MAX_NOTES) {
    const h = elfNoteHeader.match(bytes, pos);
    if (!h) break;
    const nameStart = pos + 12;
    const descStart = nameStart + align4(h.n_namesz);
    const end = descStart + align4(h.n_descsz);
    if (h.n_namesz === 0 && h.n_descsz === 0 && h.n_type === 0) break;
    if (descStart + h.n_descsz > bytes.length) break;
    let name = '';
    for (let i = 0; i < h.n_namesz; i++) {
      const c = bytes[nameStart + i];
      if (c === 0) break;
      name += String.fromCharCode(c);
    }
    notes.push({ name, type: h.n_type, desc: bytes.subarray(descStart, descStart + h.n_descsz) });
    pos = end;
  }
  return notes;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** CR3/CR4 of each CPU from qemu's "QEMU" notes (one per CPU, in CPU order). */
export function cpuStatesFromNotes(notes: readonly ElfNote[]): CpuState[] {
  const cpus: CpuState[] = [];
  for (const note of notes) {
    if (note.name !== 'QEMU' || note.type !== 0) continue;
    const s = qemuCpuState.match(note.desc);
    if (!s || s.size > note.desc.length) continue;
    cpus.push({ cr3: s.cr3, cr4: s.cr4 });
  }
  return cpus;
}

/** The VMCOREINFO note's text (name "VMCOREINFO"), if the container carries one. */
export function vmcoreinfoFromNotes(notes: readonly ElfNote[]): string | undefined {
  const note = notes.find((n) => n.name === 'VMCOREINFO');
  if (!note) return undefined;
  let text = '';
  for (const c of note.desc) {
    if (c === 0) break;
    text += String.fromCharCode(c);
  }
  return text;
}
