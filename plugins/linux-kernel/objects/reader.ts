// A typed reader of kernel objects: struct fields read by name through a profile's layouts
// (core/profiles/types.ts StructLayout), in the manner of Volatility 3's object templates and drgn's
// Object: `task.u('pid')`, `task.str('comm')`, `task.deref('real_parent', 'task_struct')`.

import { IntrospectError } from '../../../core/errors.js';
import { latin1, readCString, type VirtualMemory } from '../../../core/memory/virtual.js';
import type { FieldLayout, StructLayout } from '../../../core/profiles/types.js';

/** Longest C string read through a `char *` (kthread full names, labels). */
export const MAX_STRING = 4096;

export class KernelObjects {
  constructor(
    readonly vm: VirtualMemory,
    readonly structs: Readonly<Record<string, StructLayout>>,
    /** Where the layouts came from, for errors ("profile image:6.1.0-56-amd64"). */
    readonly origin = 'profile',
  ) {}

  get pointerSize(): 4 | 8 {
    return this.vm.pointerSize;
  }

  hasStruct(name: string): boolean {
    return name in this.structs;
  }

  has(struct: string, field: string): boolean {
    return this.structs[struct]?.fields[field] !== undefined;
  }

  layout(struct: string): StructLayout {
    const l = this.structs[struct];
    if (!l) throw new IntrospectError({ file: this.vm.name, structure: `struct ${struct}`, reason: `the ${this.origin} has no layout for struct ${struct}` });
    return l;
  }

  field(struct: string, field: string): FieldLayout {
    const f = this.layout(struct).fields[field];
    if (!f) throw new IntrospectError({ file: this.vm.name, structure: `struct ${struct}`, reason: `the ${this.origin} has no field ${struct}.${field}` });
    return f;
  }

  offsetof(struct: string, field: string): number {
    return this.field(struct, field).offset;
  }

  sizeof(struct: string): number {
    return this.layout(struct).size;
  }

  /** The object of type `struct` at `address`. */
  at(struct: string, address: bigint): KObject {
    return new KObject(this, struct, address);
  }

  /** container_of(member address, struct, member). */
  containerOf(memberAddress: bigint, struct: string, member: string): KObject {
    return this.at(struct, memberAddress - BigInt(this.offsetof(struct, member)));
  }

  readPointer(address: bigint, structure: string): bigint {
    const b = this.vm.read(address, this.pointerSize, structure);
    return BigInt(readUnsigned(b, 0, this.pointerSize, this.vm.littleEndian));
  }
}

/** Unsigned little/big-endian integer of 1..8 bytes: number up to 4 bytes, bigint for 8. */
function readUnsigned(bytes: Uint8Array, at: number, size: number, littleEndian: boolean): number | bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, size);
  switch (size) {
    case 1: return view.getUint8(0);
    case 2: return view.getUint16(0, littleEndian);
    case 4: return view.getUint32(0, littleEndian);
    case 8: return view.getBigUint64(0, littleEndian);
    default: {
      let v = 0n;
      for (let i = 0; i < size; i++) v |= BigInt(bytes[at + (littleEndian ? i : size - 1 - i)]) << BigInt(8 * i);
      return v;
    }
  }
}

/** One kernel object: a struct type and an address, read lazily field by field. */
export class KObject {
  constructor(
    readonly objects: KernelObjects,
    readonly type: string,
    readonly address: bigint,
  ) {}

  private where(field: string): string {
    return `${this.type}.${field} of ${this.type} at 0x${this.address.toString(16)}`;
  }

  /** Address of a member (for embedded list_heads and nested structs). */
  addressOf(field: string): bigint {
    return this.address + BigInt(this.objects.offsetof(this.type, field));
  }

  has(field: string): boolean {
    return this.objects.has(this.type, field);
  }

  /** Raw bytes of a member (its whole size). */
  bytes(field: string, length?: number): Uint8Array {
    const f = this.objects.field(this.type, field);
    const n = length ?? f.size;
    if (n === undefined) throw new IntrospectError({ file: this.objects.vm.name, structure: this.where(field), reason: 'member has no known size' });
    return this.objects.vm.read(this.address + BigInt(f.offset), n, this.where(field));
  }

  /**
   * An unsigned integer member (any size up to 8 bytes; bit-fields too). Returns a bigint: callers
   * convert with Number() where the value is known to be small.
   */
  big(field: string): bigint {
    const f = this.objects.field(this.type, field);
    const vm = this.objects.vm;
    if (f.bitSize !== undefined) {
      const first = f.bitOffset ?? 0;
      const n = Math.ceil((first + f.bitSize) / 8);
      const b = vm.read(this.address + BigInt(f.offset), n, this.where(field));
      const raw = BigInt(readUnsigned(b, 0, n, vm.littleEndian));
      // Little-endian targets number bit-field bits from the least significant bit of the first byte.
      const shift = vm.littleEndian ? first : n * 8 - first - f.bitSize;
      return (raw >> BigInt(shift)) & ((1n << BigInt(f.bitSize)) - 1n);
    }
    const size = f.size ?? this.objects.pointerSize;
    if (size < 1 || size > 8) throw new IntrospectError({ file: vm.name, structure: this.where(field), reason: `member of ${size} bytes is not an integer` });
    return BigInt(readUnsigned(vm.read(this.address + BigInt(f.offset), size, this.where(field)), 0, size, vm.littleEndian));
  }

  /** An unsigned integer member as a number (members of up to 6 bytes, or values known to be small). */
  u(field: string): number {
    return Number(this.big(field));
  }

  /** A signed integer member (int, long): sign-extended from its size. */
  s(field: string): number {
    const f = this.objects.field(this.type, field);
    const bits = BigInt(f.bitSize ?? (f.size ?? this.objects.pointerSize) * 8);
    const v = this.big(field);
    return Number(v >= 1n << (bits - 1n) ? v - (1n << bits) : v);
  }

  /** A pointer member. */
  ptr(field: string): bigint {
    const f = this.objects.field(this.type, field);
    return this.objects.readPointer(this.address + BigInt(f.offset), this.where(field));
  }

  /** The object a pointer member points to, or undefined for NULL. */
  deref(field: string, struct: string): KObject | undefined {
    const p = this.ptr(field);
    return p === 0n ? undefined : this.objects.at(struct, p);
  }

  /** A nested struct member as an object of its own type. */
  member(field: string, struct: string): KObject {
    return this.objects.at(struct, this.addressOf(field));
  }

  /** A char array member as Latin-1 text up to the first NUL. */
  str(field: string): string {
    const b = this.bytes(field);
    const nul = b.indexOf(0);
    return latin1(nul < 0 ? b : b.subarray(0, nul));
  }

  /** A `char *` member: the NUL-terminated string it points to ('' for NULL). */
  cstr(field: string, max = MAX_STRING): string {
    const p = this.ptr(field);
    return p === 0n ? '' : readCString(this.objects.vm, p, max, this.where(field));
  }
}

