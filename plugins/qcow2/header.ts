// qcow2 header and header extensions: qemu docs/interop/qcow2.rst, block/qcow2.h, block/qcow2.c (qcow2_do_open).
import { bitmatch } from '../../core/bitsyntax/index.js';
import { IntrospectError } from '../../core/errors.js';
import type { Source } from '../../core/source/source.js';

export const QCOW_MAGIC = 0x514649fb; // "QFI\xfb"

/** The version 2 header (72 bytes); version 3 continues with qcow2HeaderV3Fields at byte 72. */
export const qcow2HeaderV2 = bitmatch(`
  magic : 32,
  version : 32,
  backing_file_offset : 64,
  backing_file_size : 32,
  cluster_bits : 32,
  size : 64,
  crypt_method : 32,
  l1_size : 32,
  l1_table_offset : 64,
  refcount_table_offset : 64,
  refcount_table_clusters : 32,
  nb_snapshots : 32,
  snapshots_offset : 64
`);

export const qcow2HeaderV3Fields = bitmatch(`
  incompatible_features : 64,
  compatible_features : 64,
  autoclear_features : 64,
  refcount_order : 32,
  header_length : 32
`);

/** One header extension: type, length, then `length` bytes padded to a multiple of 8. */
export const qcow2HeaderExtension = bitmatch(`
  ext_type : 32,
  ext_length : 32
`);

/** One entry of the feature name table extension. */
export const qcow2FeatureNameEntry = bitmatch(`
  feature_type : 8,
  bit_number : 8,
  feature_name : 368 : string
`);

export const HEADER_EXT_END = 0x00000000;
export const HEADER_EXT_BACKING_FORMAT = 0xe2792aca;
export const HEADER_EXT_FEATURE_TABLE = 0x6803f857;
export const HEADER_EXT_BITMAPS = 0x23852875;
export const HEADER_EXT_CRYPTO = 0x0537be77;
export const HEADER_EXT_DATA_FILE = 0x44415441;

export const INCOMPAT_DIRTY = 1n << 0n;
export const INCOMPAT_CORRUPT = 1n << 1n;
export const INCOMPAT_DATA_FILE = 1n << 2n;
export const INCOMPAT_COMPRESSION = 1n << 3n;
export const INCOMPAT_EXTL2 = 1n << 4n;
const INCOMPAT_KNOWN = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2;

/** qemu block/qcow2.h: MIN_CLUSTER_BITS 9, MAX_CLUSTER_BITS 21; QCOW_MAX_L1_SIZE 32 MiB. */
export const MIN_CLUSTER_BITS = 9;
export const MAX_CLUSTER_BITS = 21;
export const QCOW_MAX_L1_SIZE = 0x2000000;
/** The backing file name may not be longer than 1023 bytes (qcow2.rst). */
export const MAX_BACKING_NAME = 1023;
/** More header extensions than this in one cluster is not an image any tool wrote. */
const MAX_HEADER_EXTENSIONS = 64;

export type CompressionType = 'deflate' | 'zstd';

export interface Qcow2Header {
  version: 2 | 3;
  cluster_bits: number;
  cluster_size: number;
  /** Virtual disk size in bytes. */
  size: number;
  crypt_method: number;
  l1_size: number;
  l1_table_offset: number;
  incompatible_features: bigint;
  header_length: number;
  compression_type: CompressionType;
  extended_l2: boolean;
  /** Backing file name as stored (not resolved), or undefined. */
  backing_file?: string;
  /** Backing file format from the header extension, or undefined when absent. */
  backing_format?: string;
}

export function isQcow2(file: Source): boolean {
  if (file.size < 4) return false;
  const b = file.read(0, 4, 'qcow2 magic');
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0 === QCOW_MAGIC;
}

/** Parse and validate the header, its extensions and the backing file name. */
export function parseQcow2Header(file: Source): Qcow2Header {
  const fail = (structure: string, offset: number, reason: string): IntrospectError => new IntrospectError({ file: file.name, structure, offset, reason });
  if (file.size < 72) throw fail('qcow2 header', 0, `file of ${file.size} bytes is too short for a qcow2 header (72 bytes)`);
  const base = qcow2HeaderV2.parse(file.read(0, 72, 'qcow2 header'));
  if (base.magic !== QCOW_MAGIC) throw fail('qcow2 header', 0, 'bad magic (not "QFI\\xfb")');
  if (base.version === 1) throw fail('qcow2 header', 4, 'qcow version 1 images are not supported (convert with qemu-img convert -O qcow2)');
  if (base.version !== 2 && base.version !== 3) throw fail('qcow2 header', 4, `unsupported qcow2 version ${base.version}`);
  const version = base.version as 2 | 3;

  const cluster_bits = base.cluster_bits;
  if (cluster_bits < MIN_CLUSTER_BITS || cluster_bits > MAX_CLUSTER_BITS) {
    throw fail('qcow2 header', 20, `cluster_bits ${cluster_bits} outside ${MIN_CLUSTER_BITS}..${MAX_CLUSTER_BITS}`);
  }
  const cluster_size = 2 ** cluster_bits;
  const size = toSafe(base.size, () => fail('qcow2 header', 24, `virtual size ${base.size} is too large`));

  let incompatible_features = 0n;
  let header_length = 72;
  let compression_type: CompressionType = 'deflate';
  if (version === 3) {
    if (file.size < 104) throw fail('qcow2 header', 72, 'file too short for a version 3 header (104 bytes)');
    const v3 = qcow2HeaderV3Fields.parse(file.read(72, 32, 'qcow2 header'));
    incompatible_features = BigInt(v3.incompatible_features);
    header_length = v3.header_length;
    if (header_length < 104 || header_length % 8 !== 0 || header_length > cluster_size || header_length > file.size) {
      throw fail('qcow2 header', 100, `header_length ${header_length} invalid (must be >= 104, a multiple of 8, within the first cluster)`);
    }
    if (header_length > 104) {
      const ct = file.read(104, 1, 'qcow2 header compression_type')[0];
      if (ct === 1) compression_type = 'zstd';
      else if (ct !== 0) throw fail('qcow2 header', 104, `unknown compression_type ${ct}`);
    }
  }

  const extensions = readExtensions(file, version === 3 ? header_length : 72, cluster_size, fail);

  const unknown = incompatible_features & ~INCOMPAT_KNOWN;
  if (unknown !== 0n) {
    const names = featureNames(extensions.featureTable, unknown);
    throw fail('qcow2 header incompatible_features', 72, `unsupported incompatible features 0x${unknown.toString(16)}${names ? ` (${names})` : ''}`);
  }
  if (incompatible_features & INCOMPAT_DATA_FILE) {
    throw fail('qcow2 header incompatible_features', 72, `image keeps its data in an external data file${extensions.dataFile ? ` ("${extensions.dataFile}")` : ''}; external data files are not supported`);
  }
  if (base.crypt_method !== 0) {
    const method = base.crypt_method === 1 ? 'AES' : base.crypt_method === 2 ? 'LUKS' : `method ${base.crypt_method}`;
    throw fail('qcow2 header crypt_method', 32, `image is encrypted (${method}); encrypted qcow2 images are not supported`);
  }
  if ((incompatible_features & INCOMPAT_COMPRESSION) === 0n && compression_type !== 'deflate') {
    throw fail('qcow2 header', 104, 'compression_type set without the compression type feature bit');
  }
  const extended_l2 = (incompatible_features & INCOMPAT_EXTL2) !== 0n;
  if (extended_l2 && cluster_bits < 14) throw fail('qcow2 header', 20, `extended L2 entries need cluster_bits >= 14, got ${cluster_bits}`);

  // L1 table: qemu refuses an L1 larger than 32 MiB or too small for the virtual size.
  const l1_size = base.l1_size;
  const l1_table_offset = toSafe(base.l1_table_offset, () => fail('qcow2 header l1_table_offset', 40, 'offset too large'));
  if (l1_size * 8 > QCOW_MAX_L1_SIZE) throw fail('qcow2 L1 table', 36, `l1_size ${l1_size} exceeds the ${QCOW_MAX_L1_SIZE / 8}-entry limit`);
  const l2_entries = cluster_size / (extended_l2 ? 16 : 8);
  const needed = Math.ceil(size / (cluster_size * l2_entries));
  if (l1_size < needed) throw fail('qcow2 L1 table', 36, `l1_size ${l1_size} is too small for a virtual size of ${size} bytes (needs ${needed})`);
  if (l1_size > 0) {
    if (l1_table_offset % cluster_size !== 0) throw fail('qcow2 L1 table', l1_table_offset, 'l1_table_offset is not aligned to a cluster');
    if (l1_table_offset + l1_size * 8 > file.size) {
      throw fail('qcow2 L1 table', l1_table_offset, `L1 table (${l1_size} entries) lies past the end of the file (size ${file.size}): corrupt header`);
    }
  }

  let backing_file: string | undefined;
  const backing_file_offset = toSafe(base.backing_file_offset, () => fail('qcow2 header backing_file_offset', 8, 'offset too large'));
  if (backing_file_offset !== 0) {
    const len = base.backing_file_size;
    if (len === 0 || len > MAX_BACKING_NAME) throw fail('qcow2 backing file name', 16, `backing_file_size ${len} invalid (1..${MAX_BACKING_NAME})`);
    if (backing_file_offset + len > Math.min(cluster_size, file.size)) {
      throw fail('qcow2 backing file name', backing_file_offset, 'backing file name lies outside the first cluster');
    }
    backing_file = Buffer.from(file.read(backing_file_offset, len, 'qcow2 backing file name')).toString('utf8');
  }

  return {
    version,
    cluster_bits,
    cluster_size,
    size,
    crypt_method: base.crypt_method,
    l1_size,
    l1_table_offset,
    incompatible_features,
    header_length,
    compression_type,
    extended_l2,
    backing_file,
    backing_format: backing_file === undefined ? undefined : extensions.backingFormat,
  };
}

interface Extensions {
  backingFormat?: string;
  dataFile?: string;
  featureTable?: Uint8Array;
}

function readExtensions(file: Source, start: number, clusterSize: number, fail: (s: string, o: number, r: string) => IntrospectError): Extensions {
  const result: Extensions = {};
  const end = Math.min(clusterSize, file.size);
  let offset = start;
  for (let count = 0; offset + 8 <= end; count++) {
    if (count >= MAX_HEADER_EXTENSIONS) throw fail('qcow2 header extension', offset, `more than ${MAX_HEADER_EXTENSIONS} header extensions`);
    const { ext_type, ext_length } = qcow2HeaderExtension.parse(file.read(offset, 8, 'qcow2 header extension'));
    if (ext_type === HEADER_EXT_END) break;
    const dataStart = offset + 8;
    if (dataStart + ext_length > end) {
      throw fail('qcow2 header extension', offset, `extension 0x${ext_type.toString(16)} of ${ext_length} bytes runs past the first cluster`);
    }
    const data = file.read(dataStart, ext_length, 'qcow2 header extension');
    if (ext_type === HEADER_EXT_BACKING_FORMAT) result.backingFormat = latin1(data);
    else if (ext_type === HEADER_EXT_DATA_FILE) result.dataFile = latin1(data);
    else if (ext_type === HEADER_EXT_FEATURE_TABLE) result.featureTable = new Uint8Array(data);
    offset = dataStart + Math.ceil(ext_length / 8) * 8;
  }
  return result;
}

function featureNames(table: Uint8Array | undefined, bits: bigint): string {
  if (!table) return '';
  const names: string[] = [];
  for (let at = 0; at + 48 <= table.length; at += 48) {
    const entry = qcow2FeatureNameEntry.parse(table, at);
    if (entry.feature_type === 0 && entry.bit_number < 64 && (bits >> BigInt(entry.bit_number)) & 1n) names.push(entry.feature_name);
  }
  return names.join(', ');
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    if (b === 0) break;
    s += String.fromCharCode(b);
  }
  return s;
}

function toSafe(value: number | bigint, error: () => IntrospectError): number {
  const n = typeof value === 'bigint' ? value : BigInt(value);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw error();
  return Number(n);
}
