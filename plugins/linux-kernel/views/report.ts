// The default command's report on a memory image (`introspect --profile auto IMAGE`): uname, a process
// tree, the network interfaces and the last kernel log lines. Each section stands alone: one that
// fails says why and the others are still printed.

import type { CommandContext } from '../../../core/cli/context.js';
import { IntrospectError } from '../../../core/errors.js';
import type { Introspector } from '../../../core/pipeline/introspector.js';
import type { Source } from '../../../core/source/source.js';
import type { KernelContext } from '../../../core/memory/kernel.js';
import { openViewForCli, reportWarnings } from './cli.js';
import { readDmesg, type DmesgRecord } from './dmesg.js';
import { listInterfaces, type InterfaceRecord } from './ifconfig.js';
import { listProcesses, type ProcessRecord } from './ps.js';
import { dmesgJson, dmesgText, ifconfigJson, ifconfigText, psJson, psTree } from './render.js';

/** Kernel log lines shown at the end of the report. */
export const REPORT_DMESG_LINES = 20;

/**
 * The memory report for one image the disk pipeline did not recognise. Returns false (and prints
 * nothing) when it is not a memory image with a Linux kernel in it, so the caller reports it as unknown.
 */
export async function reportMemoryImage(ctx: CommandContext, introspector: Introspector, source: Source, format?: string): Promise<boolean> {
  if (!introspector.hooks.openMemory.isUsed()) return false;
  let memory;
  try {
    memory = introspector.hooks.openMemory.call({ path: source.name, source, format });
  } catch (e) {
    if (e instanceof IntrospectError) return false;
    throw e;
  }
  if (!memory) return false;
  let kernel: KernelContext | undefined;
  try {
    kernel = introspector.locateKernel(memory);
  } catch (e) {
    if (!(e instanceof IntrospectError)) throw e;
    // A raw file is anything; only a real memory container makes "no kernel" worth saying.
    if (memory.format === 'raw') return false;
    ctx.io.stderr(`introspect: ${e.message}\n`);
    ctx.exitCode = 1;
    return true;
  }

  const errors: string[] = [];
  const warnings: string[] = [];
  const section = <T>(name: string, f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof IntrospectError)) throw e;
      errors.push(`${name}: ${e.message}`);
      return undefined;
    }
  };
  let view;
  try {
    view = await openViewForCli(ctx, source.name, format, memory, kernel);
  } catch (e) {
    if (!(e instanceof IntrospectError)) throw e;
    errors.push(e.message);
  }
  const u = kernel.utsname;
  const ps = view && section('ps', () => listProcesses(view));
  const net = view && section('ifconfig', () => listInterfaces(view));
  const log = view && section('dmesg', () => readDmesg(view));
  for (const r of [ps, net, log]) if (r) warnings.push(...r.warnings);
  const processes: ProcessRecord[] = ps?.processes ?? [];
  const interfaces: InterfaceRecord[] = net?.interfaces ?? [];
  const lastLines: DmesgRecord[] = log ? log.records.slice(-REPORT_DMESG_LINES) : [];

  if (ctx.globals.json) {
    ctx.io.stdout(
      JSON.stringify(
        {
          memory: {
            image: source.name,
            container: memory.format,
            uname: { ...u, banner: kernel.banner },
            profile: view ? { name: view.profile.name, origin: view.profile.origin } : null,
            ...(ps ? psJson(processes) as object : {}),
            ...(net ? ifconfigJson(interfaces) as object : {}),
            ...(log ? { dmesg: (dmesgJson(lastLines) as { records: unknown[] }).records } : {}),
            errors,
          },
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    let out = `${source.name}: memory image (${memory.format})\n`;
    out += `\n== uname\n${u.sysname} ${u.nodename} ${u.release} ${u.version} ${u.machine}\n${kernel.banner ? kernel.banner + '\n' : ''}`;
    if (view) out += `profile ${view.profile.name} (${view.profile.origin ?? 'file'})\n`;
    if (ps) out += `\n== processes (${processes.length})\n${psTree(processes)}`;
    if (net) out += `\n== interfaces\n${ifconfigText(interfaces)}`;
    if (log) out += `\n== kernel log (last ${lastLines.length} of ${log.records.length})\n${dmesgText(lastLines)}`;
    ctx.io.stdout(out);
  }
  for (const e of errors) ctx.io.stderr(`introspect: ${e}\n`);
  if (errors.length) ctx.exitCode = 1;
  reportWarnings(ctx, warnings);
  return true;
}
