/**
 * `introspect df` against every truth file of the corpus, generically: every filesystem the truth lists
 * must be reported by the pipeline (all disks of the guest together, raw and qcow2 forms alike) with
 * exactly the truth's type, label, UUID and statfs figures; no filesystem may be invented; and where
 * the truth holds virt-df's own output, ours is byte-identical. A filesystem is skipped (visibly, with
 * the reason in the test name) only when no registered plugin handles its type or its container.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinPlugins } from '../builtin-plugins.js';
import { runCli } from '../cli/program.js';
import { Introspector } from '../pipeline/introspector.js';
import { corpusAvailable, corpusFile, corpusRequired, readTruth } from '../../test/corpus/corpus.js';
import { dfGuest, type DfGuestReport } from './df.js';
import { dfRow } from './df-format.js';

interface TruthFilesystem {
  virt_df_device: string;
  type: string;
  label?: string | null;
  uuid?: string | null;
  location?: { kind: string };
  statfs: { f_bsize: number; f_blocks: number; f_bfree: number; f_bavail: number; f_files: number; f_ffree: number };
  /** virt-df's line for this filesystem in each form, as the truth computed it from the kernel's statfs. */
  virt_df_expected?: { df: string; csv: string; inodes: string; inodes_csv: string };
}

interface Truth {
  kind: 'good' | 'bad';
  images: string[];
  filesystems?: TruthFilesystem[];
  virt_df?: { runs: { command: string; exit_status: number; stdout: string }[] };
}

const run = corpusAvailable() || corpusRequired();
const truthFiles = run ? readdirSync(corpusFile('disk')).filter((f) => f.endsWith('.truth.json')).sort() : [];

const introspector = new Introspector().use(...builtinPlugins());
const registered = new Set(introspector.plugins.map((p) => p.name));

/** Which registered plugin measures each filesystem type, and which containers need which plugin. */
const FS_PLUGIN: Record<string, string> = { ext2: 'ext3', ext3: 'ext3', ext4: 'ext3', ntfs: 'ntfs' };

function unsupported(truth: Truth, fs: TruthFilesystem): string | undefined {
  const fsPlugin = FS_PLUGIN[fs.type];
  if (!fsPlugin || !registered.has(fsPlugin)) return `no registered plugin measures ${fs.type}`;
  if (fs.location?.kind === 'lvm-lv' && ![...registered].some((n) => /lvm/i.test(n))) return 'no LVM plugin registered';
  if (truth.images.some((i) => i.endsWith('.qcow2')) && !registered.has('qcow2')) return 'no qcow2 plugin registered';
  return undefined;
}

const reports = new Map<string, DfGuestReport>();
function reportFor(file: string, truth: Truth): DfGuestReport {
  let report = reports.get(file);
  if (!report) {
    const guest = introspector.inspectGuest(truth.images.map((i) => ({ path: corpusFile(`disk/${i}`) })));
    report = dfGuest(introspector, guest);
    reports.set(file, report);
  }
  return report;
}

/** virt-df's stdout split into rows (a long name wraps onto a continuation line starting with spaces). */
function rows(stdout: string): string[] {
  const out: string[] = [];
  for (const line of stdout.split(/(?<=\n)/)) {
    if (line.startsWith(' ') && out.length > 1) out[out.length - 1] += line;
    else out.push(line);
  }
  return out;
}

describe.skipIf(!run)('df against the corpus truth', () => {
  let matched = 0;
  let total = 0;
  for (const file of truthFiles) {
    const truth = readTruth<Truth>(`disk/${file}`);
    describe(file, () => {
      for (const fs of truth.filesystems ?? []) {
        const reason = unsupported(truth, fs);
        total++;
        it.skipIf(reason !== undefined)(`${fs.virt_df_device} ${fs.type}${reason ? ` (skipped: ${reason})` : ''}`, () => {
          const report = reportFor(file, truth);
          const entry = report.filesystems.find((e) => e.device === fs.virt_df_device);
          expect(entry, `${fs.virt_df_device} not reported; problems: ${report.problems.map((p) => p.error.message).join('; ')}`).toBeDefined();
          expect({ type: entry!.type, label: entry!.label ?? null, uuid: entry!.uuid ?? null, ...entry!.stats }).toEqual({
            type: fs.type,
            label: fs.label ?? null,
            uuid: fs.uuid ?? null,
            blockSize: fs.statfs.f_bsize,
            blocks: fs.statfs.f_blocks,
            bfree: fs.statfs.f_bfree,
            bavail: fs.statfs.f_bavail,
            files: fs.statfs.f_files,
            ffree: fs.statfs.f_ffree,
          });
          matched++;
          // Our line in each virt-df form (text, CSV, -i, -i --csv), from our own figures.
          const expected = fs.virt_df_expected;
          if (expected) {
            const name = truth.images[0] + '+'.repeat(truth.images.length - 1);
            const line = (inodes: boolean, csv: boolean) => dfRow(name, fs.virt_df_device, entry!.stats!, { inodes, csv, human: false }).replace(/\n$/, '');
            expect([line(false, false), line(false, true), line(true, false), line(true, true)]).toEqual([expected.df, expected.csv, expected.inodes, expected.inodes_csv]);
          }
        });
      }

      if (truth.kind === 'good') {
        it('a good image reads without errors or warnings', () => {
          const report = reportFor(file, truth);
          expect(report.problems.map((p) => `${p.level}: ${p.error.message}`)).toEqual([]);
        });
      }

      it('reports no filesystem the truth does not list', () => {
        const report = reportFor(file, truth);
        const listed = new Set((truth.filesystems ?? []).map((f) => f.virt_df_device));
        expect(report.filesystems.map((e) => e.device).filter((d) => !listed.has(d))).toEqual([]);
      });

      for (const virtDf of truth.virt_df?.runs ?? []) {
        if (virtDf.exit_status !== 0) continue;
        const skippedDevices = (truth.filesystems ?? []).filter((fs) => unsupported(truth, fs)).map((fs) => fs.virt_df_device);
        const label = skippedDevices.length > 0 ? ` (rows of ${skippedDevices.join(', ')} left out: unsupported)` : '';
        it(`stdout of "${virtDf.command}" is byte-identical${label}`, async () => {
          const args = virtDf.command.split(' ').slice(1).map((a) => (truth.images.includes(a) ? corpusFile(`disk/${a}`) : a));
          let out = '';
          const io = { stdout: (t: string) => void (out += t), stderr: () => undefined, interactive: false };
          await runCli(['df', ...args], io);
          const expected = rows(virtDf.stdout)
            .filter((row) => !skippedDevices.some((d) => row.includes(`:${d} `) || row.includes(`:${d}\n`) || row.includes(`,${d},`)))
            .join('');
          expect(out).toBe(expected);
        });
      }
    });
  }

  it('summary', () => {
    console.log(`df corpus: ${matched} of ${total} truth filesystems equal to the truth`);
  });
});
