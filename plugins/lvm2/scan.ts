/**
 * Everything one PV says about itself: its label, and the VG metadata held in each of its metadata
 * areas, checked the way lvm2 checks it (lib/format_text/format-text.c _vg_read_raw_area: mda_header
 * checksum, raw_locn[0] = committed metadata, text checksum; lib/format_text/import.c text parse).
 * Problems are collected, not thrown: one bad copy must not hide a good one.
 */
import { asIntrospectError } from '../../core/pipeline/introspector.js';
import { IntrospectError } from '../../core/errors.js';
import type { Source } from '../../core/source/source.js';
import { ConfigSyntaxError, parseConfigBytes } from './config-text.js';
import { formatLvmUuid, readMdaHeader, readMetadataText, RAW_LOCN_IGNORED, type PvLabel } from './ondisk.js';
import { readVgMetadata, type VgMetadata } from './vg-metadata.js';

export interface MetadataCopy {
  /** Index of the metadata area on the PV (0 = first). */
  mdaIndex: number;
  /** Byte offset of the text on the PV (first part, if it wraps). */
  textOffset: number;
  vg: VgMetadata;
}

export interface PvProblem {
  level: 'error' | 'warning';
  error: IntrospectError;
}

export interface PvScan {
  label: PvLabel;
  /** PV uuid with dashes, as lvm prints it. */
  uuid: string;
  copies: MetadataCopy[];
  problems: PvProblem[];
  /** The PV has metadata areas, but none gave usable metadata because of damage. */
  damaged: boolean;
  /**
   * For a damaged PV: the VG its unchecked metadata names (the text still matching its own
   * checksum), for messages only, never for assembly.
   */
  untrusted?: { vgName: string; seqno: number };
}

export function scanPv(source: Source, label: PvLabel): PvScan {
  const scan: PvScan = { label, uuid: formatLvmUuid(label.pv_uuid), copies: [], problems: [], damaged: false };
  let failed = 0;
  label.metadataAreas.forEach((area, index) => {
    try {
      const mda = readMdaHeader(source, area, index);
      const locn = mda.raw_locns[0];
      if (!locn) return; // an orphan PV: no VG metadata written yet
      if (locn.flags & RAW_LOCN_IGNORED) return; // vgchange --metadataignore: this copy is not maintained
      const text = readMetadataText(source, mda, locn, index);
      const textOffset = mda.start + locn.offset;
      let root;
      try {
        root = parseConfigBytes(text);
      } catch (error) {
        if (!(error instanceof ConfigSyntaxError)) throw error;
        throw new IntrospectError({
          file: source.name,
          structure: `LVM2 metadata text (metadata area ${index + 1})`,
          offset: textOffset,
          reason: `syntax error at line ${error.at.line}, column ${error.at.column}: ${error.reason}`,
        });
      }
      scan.copies.push({ mdaIndex: index, textOffset, vg: readVgMetadata(root, { file: source.name, offset: textOffset }) });
    } catch (error) {
      failed++;
      scan.problems.push({ level: 'error', error: asIntrospectError(error, source.name, `LVM2 metadata area ${index + 1}`) });
    }
  });
  scan.damaged = failed > 0 && scan.copies.length === 0;
  if (scan.damaged) scan.untrusted = peekDamagedMetadata(source, label);
  return scan;
}

/** Like pvck: read the metadata behind a header whose checksum failed, only to say which VG is lost. */
function peekDamagedMetadata(source: Source, label: PvLabel): PvScan['untrusted'] {
  for (const [index, area] of label.metadataAreas.entries()) {
    try {
      const mda = readMdaHeader(source, area, index, { ignoreChecksum: true });
      const locn = mda.raw_locns[0];
      if (!locn) continue;
      const vg = readVgMetadata(parseConfigBytes(readMetadataText(source, mda, locn, index)), { file: source.name, offset: mda.start + locn.offset });
      return { vgName: vg.name, seqno: vg.seqno };
    } catch {
      // Nothing more to learn from this area.
    }
  }
  return undefined;
}
