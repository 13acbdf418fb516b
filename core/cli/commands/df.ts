// `introspect df`: virt-df without an appliance (libguestfs guestfs-tools df/main.c for the options,
// df/output.c for the output, reproduced in core/views/df-format.ts).
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { errorJson, IntrospectError, UsageError } from '../../errors.js';
import { readDomains, findDomain, DEFAULT_LIBVIRT_DIR, type Domain } from '../../libvirt/domains.js';
import type { ImageSpec } from '../../pipeline/introspector.js';
import { dfJsonFilesystem, type DfJsonFilesystem } from '../../views/df.js';
import { dfGuestResult, OrderedMerge, plainProblem, type DfGuestResult } from '../../views/df-result.js';
import { readStats } from '../../source/source.js';
import { dfWorkerEntry, runDfWorkers, type DfWorkerInit, type DfWorkerJob } from '../df-parallel.js';
import { dfRow, dfTitle, type DfFormat } from '../../views/df-format.js';
import type { CommandContext } from '../context.js';

type Drive = { kind: 'a'; path: string; format?: string } | { kind: 'd'; name: string };

export interface DfOptions {
  drives: Drive[];
  /** Old-style bare arguments: each one is a guest of its own. */
  bare: string[];
  human: boolean;
  inodes: boolean;
  csv: boolean;
  json: boolean;
  uuid: boolean;
  parallel: number;
  libvirtDir: string;
  /** --allow-backing DIR: folders where qcow2 backing files may be followed (the image's own folder always is). */
  allowBacking: string[];
}

/** getopt-style parsing: --format applies to the -a options after it, so order matters. */
export function parseDfArgs(args: readonly string[], globalJson = false): DfOptions {
  const o: DfOptions = { drives: [], bare: [], human: false, inodes: false, csv: false, json: globalJson, uuid: false, parallel: 0, libvirtDir: DEFAULT_LIBVIRT_DIR, allowBacking: [] };
  let format: string | undefined;
  let formatConsumed = true;
  let i = 0;
  const value = (option: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    if (i + 1 >= args.length) throw new UsageError(`option ${option} requires an argument`);
    return args[++i];
  };
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      o.bare.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg : arg.slice(0, eq);
      const inline = eq < 0 ? undefined : arg.slice(eq + 1);
      switch (name) {
        case '--add':
          o.drives.push({ kind: 'a', path: value(name, inline), format });
          formatConsumed = true;
          break;
        case '--domain':
          o.drives.push({ kind: 'd', name: value(name, inline) });
          break;
        case '--format':
          // Optional argument (getopt "format", 2): only --format=X takes one; bare --format means auto.
          format = inline === undefined || inline === '' || inline === 'auto' ? undefined : inline;
          formatConsumed = false;
          break;
        case '--human-readable':
          o.human = true;
          break;
        case '--inodes':
          o.inodes = true;
          break;
        case '--csv':
          o.csv = true;
          break;
        case '--uuid':
          o.uuid = true;
          break;
        case '--json':
          o.json = true;
          break;
        case '--one-per-guest':
          break;
        case '--libvirt-dir':
          o.libvirtDir = value(name, inline);
          break;
        case '--allow-backing':
          o.allowBacking.push(value(name, inline));
          break;
        case '--connect':
          o.libvirtDir = libvirtDirForUri(value(name, inline));
          break;
        default:
          throw new UsageError(`unknown option ${name}`);
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // Clustered short options (-hi), with -a/-d/-P/-c taking the rest of the word or the next word.
      for (let k = 1; k < arg.length; k++) {
        const c = arg[k];
        const rest = arg.slice(k + 1);
        const takesValue = c === 'a' || c === 'd' || c === 'P' || c === 'c';
        const v = takesValue ? value(`-${c}`, rest === '' ? undefined : rest) : '';
        if (c === 'a') {
          o.drives.push({ kind: 'a', path: v, format });
          formatConsumed = true;
        } else if (c === 'd') o.drives.push({ kind: 'd', name: v });
        else if (c === 'P') o.parallel = parseParallel(v);
        else if (c === 'c') o.libvirtDir = libvirtDirForUri(v);
        else if (c === 'h') o.human = true;
        else if (c === 'i') o.inodes = true;
        else throw new UsageError(`unknown option -${c}`);
        if (takesValue) break;
      }
      continue;
    }
    o.bare.push(arg);
  }
  if (!formatConsumed) throw new UsageError('--format parameter must appear before -a parameter');
  if (o.drives.length > 0 && o.bare.length > 0) throw new UsageError(`extra arguments with -a/-d: ${o.bare.join(' ')}`);
  if (o.human && o.csv) throw new UsageError('you cannot use -h and --csv options together.');
  if (o.json && o.csv) throw new UsageError('you cannot use --json and --csv options together.');
  return o;
}

/**
 * -c URI: no libvirt connection is made; the local qemu driver URIs name the folders where libvirtd
 * keeps its domain definitions (system: /etc/libvirt/qemu; session: $XDG_CONFIG_HOME/libvirt/qemu).
 */
export function libvirtDirForUri(uri: string): string {
  if (uri === 'qemu:///system') return DEFAULT_LIBVIRT_DIR;
  if (uri === 'qemu:///session') return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'libvirt', 'qemu');
  throw new UsageError(`-c ${uri}: only qemu:///system and qemu:///session are understood (their domain XML is read from disk); use --libvirt-dir for other folders`);
}

function parseParallel(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError('-P option is not numeric');
  return Number(text);
}

/** One guest to report: its disks and the name virt-df prints. */
interface GuestPlan {
  name: string;
  uuid?: string;
  images: ImageSpec[];
  notes: string[];
  /** The guest could not even be listed (unknown domain, unreadable definition). */
  error?: IntrospectError;
}

const basename = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

function domainImages(domain: Domain): ImageSpec[] {
  return domain.disks.map((d) => ({ path: d.path, format: d.format }));
}

function planFromDomain(domain: Domain): GuestPlan {
  return { name: domain.name, uuid: domain.uuid, images: domainImages(domain), notes: domain.skippedDisks.map((s) => `disk ${s} skipped`) };
}

/**
 * Which guests to report, as virt-df decides: -a/-d = one guest; no argument = every libvirt domain.
 * Relative image paths and --libvirt-dir are taken from `cwd`.
 */
export function planGuests(o: DfOptions, cwd: string = process.cwd()): GuestPlan[] {
  const plans = planGuestsAsGiven({ ...o, libvirtDir: resolve(cwd, o.libvirtDir) }, cwd);
  return plans.map((p) => ({ ...p, images: p.images.map((i) => ({ ...i, path: resolve(cwd, i.path) })) }));
}

function planGuestsAsGiven(o: DfOptions, cwd: string): GuestPlan[] {
  if (o.drives.length > 0) {
    const images: ImageSpec[] = [];
    const notes: string[] = [];
    let uuid: string | undefined;
    for (const drive of o.drives) {
      if (drive.kind === 'a') images.push({ path: drive.path, format: drive.format });
      else {
        const domain = findDomain(drive.name, o.libvirtDir);
        uuid ??= domain.uuid;
        images.push(...domainImages(domain));
        notes.push(...planFromDomain(domain).notes);
      }
    }
    const first = o.drives[0];
    const name = (first.kind === 'a' ? basename(first.path) : first.name) + '+'.repeat(o.drives.length - 1);
    // As virt-df: only domains fetched from libvirt print their UUID with --uuid.
    return [{ name, uuid: o.drives.length === 1 && first.kind === 'd' ? uuid : undefined, images, notes }];
  }
  if (o.bare.length > 0) {
    return o.bare.map((arg): GuestPlan => {
      if (arg.includes('/') || existsSync(resolve(cwd, arg))) return { name: basename(arg), images: [{ path: arg }], notes: [] };
      try {
        return planFromDomain(findDomain(arg, o.libvirtDir));
      } catch (error) {
        if (!(error instanceof IntrospectError)) throw error;
        return { name: arg, images: [], notes: [], error };
      }
    });
  }
  const { domains, errors } = readDomains(o.libvirtDir);
  return [...domains.map(planFromDomain), ...errors.map((error): GuestPlan => ({ name: basename(error.file), images: [], notes: [], error }))];
}

/** Where runDf writes; each guest's lines are written as soon as the guest is done. */
export interface DfOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** What one guest prints: its text lines (or JSON items) and whether it failed. */
function renderGuest(
  name: string,
  plan: GuestPlan,
  result: DfGuestResult,
  o: DfOptions,
  format: DfFormat,
  json: { filesystems: DfJsonFilesystem[]; skipped: object[]; errors: object[] },
): { stdout: string; stderr: string; failed: boolean } {
  if (result.fatal !== undefined) throw new Error(result.fatal);
  let stdout = '';
  let stderr = '';
  let failed = false;
  for (const note of plan.notes) stderr += `introspect df: note: ${name}: ${note}\n`;
  for (const entry of result.filesystems) {
    if (o.json) json.filesystems.push(dfJsonFilesystem(name, entry));
    else stdout += dfRow(name, entry.device, entry.stats, format);
  }
  for (const entry of result.skipped) {
    if (o.json) json.skipped.push({ guest: name, device: entry.device, type: entry.type, label: entry.label ?? null, uuid: entry.uuid ?? null, note: entry.note });
    else stderr += `introspect df: note: ${name}:${entry.device}: ${entry.note}\n`;
  }
  for (const problem of result.problems) {
    if (problem.level === 'error') failed = true;
    const where = problem.device ? `${name}:${problem.device}` : name;
    stderr += `introspect df: ${problem.level === 'warning' ? 'warning: ' : ''}${where}: ${problem.message}\n`;
    if (o.json) json.errors.push({ guest: name, device: problem.device ?? null, level: problem.level, error: errorJson(problem) });
  }
  return { stdout, stderr, failed };
}

/** How many worker threads -P asks for: 0 (automatic, the default) and 1 read in-process. */
function threadsFor(o: DfOptions, guests: number): number {
  return Math.min(o.parallel, guests);
}

/**
 * Run df over the planned guests, writing each guest's rows as soon as it (and every guest before it)
 * is done. With -P N > 1 and several guests, up to N guests are read at once in worker threads
 * (core/cli/df-parallel.ts); the output is the same bytes either way. Returns the exit code (1 if
 * anything failed).
 */
export async function runDf(o: DfOptions, ctx: CommandContext, output: DfOutput): Promise<number> {
  const format: DfFormat = { human: o.human, inodes: o.inodes, csv: o.csv };
  let exitCode = 0;
  const json = { filesystems: [] as DfJsonFilesystem[], skipped: [] as object[], errors: [] as object[] };
  const allowBacking = o.allowBacking.map((dir) => resolve(ctx.cwd, dir));
  const introspector = await ctx.introspector({ allowBacking });
  const plans = planGuests(o, ctx.cwd);
  if (!o.json) output.stdout(dfTitle(format));
  const nameOf = (plan: GuestPlan): string => (o.uuid && plan.uuid ? plan.uuid : plan.name);
  const print = (index: number, result: DfGuestResult): void => {
    const plan = plans[index];
    const { stdout, stderr, failed } = renderGuest(nameOf(plan), plan, result, o, format, json);
    if (failed) exitCode = 1;
    if (stdout) output.stdout(stdout);
    if (stderr) output.stderr(stderr);
  };
  const unreadable = (plan: GuestPlan): DfGuestResult | undefined =>
    plan.error ? { filesystems: [], skipped: [], problems: [plainProblem('error', undefined, plan.error)] } : undefined;

  const threads = threadsFor(o, plans.filter((p) => !p.error).length);
  const entry = threads > 1 ? dfWorkerEntry() : undefined;
  if (entry) {
    const loaded = await ctx.config();
    const init: DfWorkerInit = { cwd: ctx.cwd, configFile: loaded.filepath, profile: ctx.globals.profile, allowBacking };
    const merge = new OrderedMerge<DfGuestResult>(print);
    const jobs: DfWorkerJob[] = [];
    plans.forEach((plan, index) => {
      if (!plan.error) jobs.push({ index, images: plan.images, name: nameOf(plan) });
    });
    // Guests that could not even be listed have their result already; they print in their place.
    plans.forEach((plan, index) => {
      const result = unreadable(plan);
      if (result) merge.put(index, result);
    });
    await runDfWorkers(entry, init, jobs, threads, (reply) => {
      readStats.bytesRead += reply.bytesRead;
      readStats.reads += reply.reads;
      merge.put(reply.index, reply.result);
    });
  } else {
    plans.forEach((plan, index) => print(index, unreadable(plan) ?? dfGuestResult(introspector, plan.images, nameOf(plan))));
  }
  if (o.json) output.stdout(JSON.stringify(json, null, 2) + '\n');
  return exitCode;
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('df')
    .description('free space of the filesystems in VM disk images, as virt-df prints it')
    .usage('[-a IMAGE [-a IMAGE...] | -d DOMAIN | IMAGE... | DOMAIN...] [--format=raw|qcow2] [-h] [-i] [--csv] [--json] [--uuid] [-P N] [--libvirt-dir DIR]')
    .helpOption('--help', 'display help for df (-h is --human-readable, as in virt-df)')
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]', 'images or libvirt domain names')
    .addHelpText(
      'after',
      `
Options (as virt-df):
  -a, --add IMAGE         a disk of the guest (repeat for every disk of one guest)
  --format[=raw|qcow2]    force the format of the following -a images (--format alone: detect)
  -d, --domain NAME       the disks of a libvirt domain (name or UUID)
  --libvirt-dir DIR       where domain XML definitions are read (default ${DEFAULT_LIBVIRT_DIR})
  -c, --connect URI       qemu:///system or qemu:///session: read that driver's domain XML folder
  --allow-backing DIR     a folder where qcow2 backing files may be followed (repeatable)
  -h, --human-readable    sizes like 56M
  -i, --inodes            inodes instead of blocks
  --csv                   comma-separated values (not with -h)
  --json                  {"filesystems": [...], "skipped": [...], "errors": [...]}
  --uuid                  print libvirt domain UUIDs instead of names
  -P N                    read up to N guests at once, in worker threads (default: one after the other)

A bare argument is an image if it contains "/" or is an existing file, else a domain name; each bare
argument is a guest of its own. Without arguments every domain of --libvirt-dir is reported.
Exit status: 0 ok, 1 a filesystem or guest could not be read (the others are still reported), 2 usage.`,
    )
    .action(async (args: string[]) => {
      const ctx = context();
      const options = parseDfArgs(args, Boolean(ctx.globals.json));
      const exitCode = await runDf(options, ctx, ctx.io);
      if (exitCode !== 0) ctx.exitCode = exitCode;
    });
}
