// LUKS encrypted volumes (cryptsetup docs/on-disk-format.pdf, LUKS2 docs/on-disk-format-luks2.pdf;
// util-linux libblkid/src/superblocks/luks.c): "LUKS\xba\xbe", u16 big-endian version, uuid text at 168,
// LUKS2 label at 24. Without the key nothing inside can be read.
import { bitmatch } from '../../core/bitsyntax/index.js';
import type { Content } from '../../core/pipeline/model.js';
import type { Source } from '../../core/source/source.js';
import { cString } from './text.js';

export const luksPhdr = bitmatch(`
  0x4C554B53BABE : 48,
  version : 16,
  _ : 128,
  label : 384 : bitstring,
  _ : 768,
  uuid : 320 : bitstring
`);

export function detectLuks(source: Source): Content | undefined {
  if (source.size < 208) return undefined;
  const hdr = luksPhdr.match(source.read(0, 208, 'LUKS header'));
  if (!hdr || (hdr.version !== 1 && hdr.version !== 2)) return undefined;
  return {
    type: 'crypto_LUKS',
    plugin: 'fs-signatures',
    role: 'other',
    uuid: cString(hdr.uuid.toUint8Array()),
    label: hdr.version === 2 ? cString(hdr.label.toUint8Array()) : undefined,
    note: `LUKS${hdr.version} encrypted volume: figures unavailable without the key`,
  };
}
