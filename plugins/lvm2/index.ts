/**
 * LVM2 plugin: recognises physical volumes (detect), then assembles volume groups across every disk
 * and partition of the guest and adds each readable LV as a block device /dev/VG/LV (assemble).
 * Formats: lvm2 lib/label/label.h, lib/format_text/layout.h, format-text.c, lib/misc/crc.c; see
 * ondisk.ts, config-text.ts, vg-metadata.ts, mapping.ts.
 */
import { IntrospectError } from '../../core/errors.js';
import { asIntrospectError, type InspectSession, type Introspector } from '../../core/pipeline/introspector.js';
import type { Content, Guest, LogicalVolumeInfo, PhysicalVolumeInfo, SegmentInfo, StorageNode } from '../../core/pipeline/model.js';
import type { Plugin } from '../../core/pipeline/plugin.js';
import { MappedSource } from '../../core/source/derived-sources.js';
import { VgLayout, type PvBinding } from './mapping.js';
import { findPvLabel, PvHeaderError, stripUuid } from './ondisk.js';
import { scanPv, type MetadataCopy, type PvScan } from './scan.js';
import type { LvMetadata, VgMetadata } from './vg-metadata.js';

export const LVM2_PLUGIN_NAME = 'lvm2';

interface GuestState {
  /** VG ids already assembled: the assemble hook runs once per discovery round. */
  assembled: Set<string>;
  /** Nodes whose "cannot be assembled" error was already reported. */
  reported: Set<StorageNode>;
}

interface Member {
  node: StorageNode;
  scan: PvScan;
}

export const lvm2Plugin: Plugin = {
  name: LVM2_PLUGIN_NAME,
  apply(introspector: Introspector): void {
    const scans = new WeakMap<StorageNode, PvScan>();
    const guests = new WeakMap<Guest, GuestState>();

    introspector.hooks.detect.tap(LVM2_PLUGIN_NAME, (node, session): Content | undefined => {
      let label;
      try {
        label = findPvLabel(node.source);
      } catch (error) {
        if (!(error instanceof PvHeaderError)) throw error;
        // A label with a valid checksum but a malformed pv_header: an LVM member we cannot use.
        session.report('error', error, node.device);
        return { type: 'LVM2_member', plugin: LVM2_PLUGIN_NAME, role: 'volume-member', note: 'damaged: bad PV header' };
      }
      if (!label) return undefined;
      const scan = scanPv(node.source, label);
      scans.set(node, scan);
      for (const problem of scan.problems) session.report(problem.level, problem.error, node.device);
      const content: Content = { type: 'LVM2_member', plugin: LVM2_PLUGIN_NAME, role: 'volume-member', uuid: scan.uuid };
      if (scan.damaged) content.note = `damaged: no valid copy of the VG metadata${scan.untrusted ? ` (VG ${scan.untrusted.vgName})` : ''}`;
      return content;
    });

    introspector.hooks.assemble.tap(LVM2_PLUGIN_NAME, (session) => {
      let state = guests.get(session.guest);
      if (!state) {
        state = { assembled: new Set(), reported: new Set() };
        guests.set(session.guest, state);
      }
      const members: Member[] = [];
      for (const node of session.guest.nodes) {
        if (node.content?.plugin !== LVM2_PLUGIN_NAME) continue;
        const scan = scans.get(node);
        if (scan) members.push({ node, scan });
      }
      assemble(session, state, members);
    });
  },
};

function assemble(session: InspectSession, state: GuestState, members: Member[]): void {
  // PVs by uuid; the same PV seen twice (a disk given twice, multipath) is used once.
  const byUuid = new Map<string, Member>();
  for (const m of members) {
    const key = stripUuid(m.scan.uuid);
    const first = byUuid.get(key);
    if (!first) byUuid.set(key, m);
    else if (!state.reported.has(m.node)) {
      state.reported.add(m.node);
      session.report('warning', new IntrospectError({ file: m.node.source.name, structure: 'LVM2 PV label', offset: m.scan.label.sector * 512, reason: `PV ${m.scan.uuid} also appears on ${first.node.device}; using ${first.node.device}` }), m.node.device);
    }
  }

  // Metadata copies grouped by VG id, in discovery order.
  const groups = new Map<string, { copy: MetadataCopy; member: Member }[]>();
  for (const m of byUuid.values()) {
    for (const copy of m.scan.copies) {
      const list = groups.get(copy.vg.id) ?? [];
      list.push({ copy, member: m });
      groups.set(copy.vg.id, list);
    }
  }

  const claimed = new Set<string>();
  for (const [vgId, copies] of groups) {
    let best = copies[0];
    for (const c of copies) if (c.copy.vg.seqno > best.copy.vg.seqno) best = c;
    for (const pv of best.copy.vg.pvs) claimed.add(stripUuid(pv.id));
    if (state.assembled.has(vgId)) continue;
    state.assembled.add(vgId);
    for (const c of copies) {
      if (c.copy.vg.seqno < best.copy.vg.seqno) {
        session.report('warning', new IntrospectError({
          file: c.member.node.source.name,
          structure: `LVM2 metadata text (metadata area ${c.copy.mdaIndex + 1})`,
          offset: c.copy.textOffset,
          reason: `VG ${c.copy.vg.name} seqno ${c.copy.vg.seqno} is older than seqno ${best.copy.vg.seqno} on ${best.member.node.device}; using the newer copy`,
        }), c.member.node.device);
      }
    }
    const vg = best.copy.vg;
    if (session.guest.volumeGroups.some((v) => v.name === vg.name)) {
      session.report('error', new IntrospectError({
        file: best.member.node.source.name,
        structure: `LVM2 volume group ${vg.name}`,
        offset: best.copy.textOffset,
        reason: `another VG with the same name but id ${vg.id} was found; not assembled`,
      }), best.member.node.device);
      continue;
    }
    addVolumeGroup(session, vg, byUuid, best.member);
  }

  // A PV whose only metadata is damaged and that no assembled VG names: its VG is lost to us.
  for (const m of byUuid.values()) {
    if (!m.scan.damaged || claimed.has(stripUuid(m.scan.uuid)) || state.reported.has(m.node)) continue;
    state.reported.add(m.node);
    session.report('error', new IntrospectError({
      file: m.node.source.name,
      structure: 'LVM2 physical volume',
      offset: m.scan.label.metadataAreas[0]?.offset ?? m.scan.label.sector * 512,
      reason: m.scan.untrusted
        ? `PV ${m.scan.uuid} has no valid copy of its VG metadata and no other PV describes it; VG ${m.scan.untrusted.vgName} (seqno ${m.scan.untrusted.seqno} in the unchecked copy) cannot be assembled`
        : `PV ${m.scan.uuid} has no valid copy of its VG metadata and no other PV describes it; its volume group cannot be assembled`,
    }), m.node.device);
  }
}

function addVolumeGroup(session: InspectSession, vg: VgMetadata, byUuid: Map<string, Member>, from: Member): void {
  const extentSize = vg.extent_size * 512;
  const bindings = new Map<string, PvBinding>();
  const nodesByDevice = new Map<string, StorageNode>();
  const pvs: PhysicalVolumeInfo[] = vg.pvs.map((pv) => {
    const m = byUuid.get(stripUuid(pv.id));
    if (m) {
      bindings.set(pv.key, { device: m.node.device, source: m.node.source });
      nodesByDevice.set(m.node.device, m.node);
    } else {
      session.report('warning', new IntrospectError({
        file: from.node.source.name,
        structure: `LVM2 volume group ${vg.name}`,
        reason: `PV ${pv.id} (${pv.key}${pv.device ? `, last seen as ${pv.device}` : ''}) is missing: LVs using it cannot be read`,
      }), from.node.device);
    }
    return { device: m ? m.node.device : '[unknown]', uuid: pv.id, peStart: pv.pe_start * 512, peCount: pv.pe_count };
  });
  session.guest.volumeGroups.push({ name: vg.name, uuid: vg.id, extentSize, seqno: vg.seqno, pvs });

  const layout = new VgLayout(vg, bindings);
  for (const lv of vg.lvs) {
    const device = `/dev/${vg.name}/${lv.name}`;
    const plan = layout.plan(lv);
    const info: LogicalVolumeInfo = {
      device,
      vg: vg.name,
      name: lv.name,
      uuid: lv.id,
      size: plan.size,
      segments: segmentInfo(lv, bindings),
      visible: lv.visible,
    };
    if (!plan.readable) info.note = plan.note;
    session.guest.logicalVolumes.push(info);
    if (!lv.visible || !plan.readable) continue;
    // The deepest PV node is the parent, so nesting (LV on PV on LV...) stays bounded.
    let parent: StorageNode | undefined;
    for (const d of plan.pvDevices) {
      const n = nodesByDevice.get(d);
      if (n && (!parent || n.depth > parent.depth)) parent = n;
    }
    try {
      session.addNode({ device, kind: 'logical-volume', source: new MappedSource(device, plan.size, plan.mapper), parent, logicalVolume: info });
    } catch (error) {
      session.report('error', asIntrospectError(error, device, `LVM2 logical volume ${vg.name}/${lv.name}`), device);
    }
  }
}

/** Segments as lvs --segments reports them: one-stripe "striped" is "linear", sizes in bytes. */
function segmentInfo(lv: LvMetadata, bindings: Map<string, PvBinding>): SegmentInfo[] {
  return lv.segments.map((seg) => {
    const striped = seg.type === 'striped' || seg.type === 'linear';
    const type = striped ? (seg.areas.length === 1 ? 'linear' : 'striped') : seg.type;
    const stripeSize = striped && seg.areas.length === 1 ? 0 : (seg.stripe_size ?? 0) * 512;
    return {
      startExtent: seg.start_extent,
      extentCount: seg.extent_count,
      type,
      stripeSize,
      stripes: seg.areas.map((a) => ({
        pv: a.kind === 'pv' ? bindings.get(a.pv)?.device ?? '[unknown]' : a.lv,
        startExtent: a.startExtent,
      })),
    };
  });
}
