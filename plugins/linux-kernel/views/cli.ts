// What the memory commands (ps, dmesg, ifconfig, the default command's memory report) share: open
// the image, find the kernel, resolve the profile through the CLI's resolver (which prints --explain).

import { resolve } from 'node:path';
import type { CommandContext } from '../../../core/cli/context.js';
import { openMemoryImage } from '../../../core/memory/open.js';
import type { KernelContext } from '../../../core/memory/kernel.js';
import type { PhysicalMemory } from '../../../core/memory/types.js';
import { openKernelView, type KernelView } from './context.js';

export async function openViewForCli(ctx: CommandContext, image: string, format?: string, memory?: PhysicalMemory, kernel?: KernelContext): Promise<KernelView> {
  const path = resolve(ctx.cwd, image);
  const introspector = await ctx.introspector();
  const mem = memory ?? openMemoryImage(introspector, path, format);
  const say = ctx.globals.explain ? (line: string) => ctx.io.stderr(`introspect: ${line}\n`) : undefined;
  return openKernelView(mem, {
    imagePath: path,
    kernel: kernel ?? introspector.locateKernel(mem, { explain: say }),
    resolveProfile: (query) => ctx.resolveProfile(query),
    explain: say,
  });
}

/** Warnings go to stderr; they mean the output is partial, so the exit code is 1. */
export function reportWarnings(ctx: CommandContext, warnings: readonly string[]): void {
  for (const w of warnings) ctx.io.stderr(`introspect: warning: ${w}\n`);
  if (warnings.length) ctx.exitCode = 1;
}

export function explain(ctx: CommandContext, line: string): void {
  if (ctx.globals.explain) ctx.io.stderr(`introspect: ${line}\n`);
}
