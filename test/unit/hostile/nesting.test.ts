// The pipeline's nesting bound (issue 9): a container whose child holds the same container again
// (partition in LV in partition...) stops at MAX_NODE_DEPTH with one located error, not a loop.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Introspector, MAX_NODE_DEPTH } from '../../../core/pipeline/introspector.js';
import type { Plugin } from '../../../core/pipeline/plugin.js';
import { SliceSource } from '../../../core/source/derived-sources.js';

const dir = mkdtempSync(join(tmpdir(), 'hostile-nesting-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every device holds a "table" whose `fanOut` entries are the whole device again. */
function selfContaining(fanOut: number): Plugin {
  return {
    name: 'self-containing',
    apply(introspector) {
      introspector.hooks.detect.tap('self-containing', () => ({ type: 'loop-table', plugin: 'self-containing', role: 'partition-table' }));
      introspector.hooks.expand.tap('self-containing', (node, session) => {
        for (let i = 1; i <= fanOut; i++) {
          session.addNode({ device: `${node.device}p${i}`, kind: 'partition', source: new SliceSource(`${node.source.name}[${i}]`, node.source, 0, node.source.size), parent: node });
        }
      });
    },
  };
}

describe('nesting bound', () => {
  const path = join(dir, 'disk.img');
  writeFileSync(path, new Uint8Array(4096));

  it(`a device that contains itself stops at depth ${MAX_NODE_DEPTH}, with one error naming the nested device`, () => {
    const guest = new Introspector().use(selfContaining(1)).inspectGuest([{ path }]);
    expect(Math.max(...guest.nodes.map((n) => n.depth))).toBe(MAX_NODE_DEPTH);
    expect(guest.nodes).toHaveLength(MAX_NODE_DEPTH + 1);
    expect(guest.diagnostics).toHaveLength(1);
    expect(guest.diagnostics[0].level).toBe('error');
    expect(guest.diagnostics[0].error.structure).toBe(`nested volume /dev/sda${'p1'.repeat(MAX_NODE_DEPTH + 1)}`);
    expect(guest.diagnostics[0].error.reason).toMatch(/nesting deeper than 8 levels/);
  });

  it('with a fan-out of 2 the node count is bounded by the depth bound (2^9 - 1 nodes)', () => {
    const guest = new Introspector().use(selfContaining(2)).inspectGuest([{ path }]);
    expect(guest.nodes).toHaveLength(2 ** (MAX_NODE_DEPTH + 1) - 1);
    expect(guest.diagnostics.every((d) => /nesting deeper/.test(d.error.reason))).toBe(true);
  });
});
