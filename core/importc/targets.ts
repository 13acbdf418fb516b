/**
 * Data models of the targets import-c lays structures out for, as gcc does on Linux:
 * x86_64 (System V AMD64 psABI, LP64), i386 (System V i386 psABI, ILP32: long long and double
 * are 4-aligned inside structures), arm64 (AAPCS64, LP64, plain char unsigned). All little-endian.
 */

export type TargetName = 'x86_64' | 'i386' | 'arm64';

export const TARGET_NAMES: readonly TargetName[] = ['x86_64', 'i386', 'arm64'];

export interface Target {
  name: TargetName;
  /** sizeof(long), sizeof(void *) */
  long: number;
  pointer: number;
  /** Alignment of long long / double as structure members (gcc's ADJUST_FIELD_ALIGN on i386). */
  longLongFieldAlign: number;
  doubleFieldAlign: number;
  longDouble: { size: number; align: number };
  charSigned: boolean;
  /** Unnamed bit-fields (zero-width ones too) give the record their type's alignment (AAPCS64 yes, SysV no). */
  alignAnonBitfield: boolean;
  /** __BIGGEST_ALIGNMENT__: what `aligned` without a number gives. */
  biggestAlignment: number;
  littleEndian: true;
  /** Macros gcc predefines for the target that headers test. */
  predefined: Readonly<Record<string, string>>;
}

const COMMON: Record<string, string> = {
  __STDC__: '1',
  __STDC_VERSION__: '201710L',
  __STDC_HOSTED__: '1',
  __GNUC__: '12',
  __GNUC_MINOR__: '2',
  __GNUC_PATCHLEVEL__: '0',
  __CHAR_BIT__: '8',
  __linux__: '1',
  __linux: '1',
  __gnu_linux__: '1',
  __unix__: '1',
  __unix: '1',
  __ELF__: '1',
  __ORDER_LITTLE_ENDIAN__: '1234',
  __ORDER_BIG_ENDIAN__: '4321',
  __ORDER_PDP_ENDIAN__: '3412',
  __BYTE_ORDER__: '__ORDER_LITTLE_ENDIAN__',
  __FLOAT_WORD_ORDER__: '__ORDER_LITTLE_ENDIAN__',
  __SIZEOF_SHORT__: '2',
  __SIZEOF_INT__: '4',
  __SIZEOF_LONG_LONG__: '8',
  __SIZEOF_FLOAT__: '4',
  __SIZEOF_DOUBLE__: '8',
  __BIGGEST_ALIGNMENT__: '16',
  // Linux's asm/byteorder.h defines this on little-endian machines; kernel headers test it for bit-field order.
  __LITTLE_ENDIAN_BITFIELD: '',
};

export const TARGETS: Readonly<Record<TargetName, Target>> = {
  x86_64: {
    name: 'x86_64',
    long: 8,
    pointer: 8,
    longLongFieldAlign: 8,
    doubleFieldAlign: 8,
    longDouble: { size: 16, align: 16 },
    charSigned: true,
    alignAnonBitfield: false,
    biggestAlignment: 16,
    littleEndian: true,
    predefined: { ...COMMON, __x86_64__: '1', __x86_64: '1', __amd64__: '1', __amd64: '1', __LP64__: '1', _LP64: '1', __SIZEOF_LONG__: '8', __SIZEOF_POINTER__: '8', __SIZEOF_LONG_DOUBLE__: '16', __SIZEOF_INT128__: '16' },
  },
  i386: {
    name: 'i386',
    long: 4,
    pointer: 4,
    longLongFieldAlign: 4,
    doubleFieldAlign: 4,
    longDouble: { size: 12, align: 4 },
    charSigned: true,
    alignAnonBitfield: false,
    biggestAlignment: 16,
    littleEndian: true,
    predefined: { ...COMMON, __i386__: '1', __i386: '1', i386: '1', __ILP32__: '1', _ILP32: '1', __SIZEOF_LONG__: '4', __SIZEOF_POINTER__: '4', __SIZEOF_LONG_DOUBLE__: '12' },
  },
  arm64: {
    name: 'arm64',
    long: 8,
    pointer: 8,
    longLongFieldAlign: 8,
    doubleFieldAlign: 8,
    longDouble: { size: 16, align: 16 },
    charSigned: false,
    alignAnonBitfield: true,
    biggestAlignment: 16,
    littleEndian: true,
    predefined: { ...COMMON, __aarch64__: '1', __ARM_64BIT_STATE: '1', __ARM_ARCH: '8', __LP64__: '1', _LP64: '1', __CHAR_UNSIGNED__: '1', __SIZEOF_LONG__: '8', __SIZEOF_POINTER__: '8', __SIZEOF_LONG_DOUBLE__: '16', __SIZEOF_INT128__: '16' },
  },
};
