import { SyncBailHook, SyncHook, SyncWaterfallHook } from 'tapable';
import { IntrospectError } from '../errors.js';
import type { KernelContext, KernelSearch } from '../memory/kernel.js';
import type { MemoryOpenRequest, PhysicalMemory } from '../memory/types.js';
import type { ProfileQuery, ProfileResolution } from '../profiles/types.js';
import { FileSource } from '../source/file-source.js';
import type { Source } from '../source/source.js';
import { diskDeviceName, guestName } from './device-names.js';
import type { Content, FilesystemStats, Guest, StorageNode } from './model.js';
import type { Plugin } from './plugin.js';

/** Nodes nested deeper than this (partition in LV in partition...) are refused. */
export const MAX_NODE_DEPTH = 8;
/** Rounds of assemble -> detect -> expand before we stop looking for new volumes. */
const MAX_ASSEMBLE_ROUNDS = 8;

export interface ImageOpenRequest {
  /** Path of the image file as the user gave it (or as a backing-file reference resolved it). */
  path: string;
  /** The file itself, opened read-only. */
  file: Source;
  /** Forced format (--format), or undefined to detect by magic. */
  format?: string;
  /** Folders where backing files may be followed (the image's own folder is always allowed). */
  allowBacking: readonly string[];
  /** How many backing-file hops led here; plugins refuse chains that are too long. */
  chainDepth: number;
  /** Opens another image (a backing file) through the same hook. */
  open(path: string, format: string | undefined, chainDepth: number): Source;
}

/** What hooks of the disk side receive: the guest being built, and the ways to add to it. */
export interface InspectSession {
  readonly guest: Guest;
  readonly introspector: Introspector;
  /** Add a child block device (partition, LV); it will be detected and expanded in turn. */
  addNode(node: Omit<StorageNode, 'depth'>): StorageNode;
  /** Record a problem that does not stop the rest of the guest from being read. */
  report(level: 'warning' | 'error', error: IntrospectError, device?: string): void;
}

export interface ImageSpec {
  path: string;
  format?: string;
}

export interface IntrospectorOptions {
  allowBacking?: readonly string[];
}

/**
 * The core is only hooks: every format, container and view takes part through them.
 *
 * Disk side:   openImage -> detect -> expand -> (assemble -> detect -> expand)* -> statfs
 * Memory side: openMemory -> locateKernel -> views (ps, dmesg, ifconfig: plugins/linux-kernel/views)
 * Profiles:    resolveProfile (waterfall: rule -> explicit -> image -> shipped)
 */
export class Introspector {
  readonly hooks = Object.freeze({
    /** Unwrap an image file into the guest disk it holds (qcow2, raw...). First plugin that recognises it wins. */
    openImage: new SyncBailHook<[ImageOpenRequest], Source | undefined>(['request']),
    /** Decide what a block device holds (partition table, PV, filesystem...). First recogniser wins. */
    detect: new SyncBailHook<[StorageNode, InspectSession], Content | undefined>(['node', 'session']),
    /** Add children of a node whose content is a container (partition table...). Everyone contributes. */
    expand: new SyncHook<[StorageNode, InspectSession]>(['node', 'session']),
    /** After every node is detected: cross-device assembly (LVM volume groups across disks). */
    assemble: new SyncHook<[InspectSession]>(['session']),
    /** statfs figures of a filesystem node. First plugin that owns the content type answers. */
    statfs: new SyncBailHook<[StorageNode, InspectSession], FilesystemStats | undefined>(['node', 'session']),
    /** Unwrap a memory image (ELF core, kdump, LiME, raw) into guest physical memory. */
    openMemory: new SyncBailHook<[MemoryOpenRequest], PhysicalMemory | undefined>(['request']),
    /**
     * Find the operating system kernel in guest physical memory: its release, address space and symbols.
     * A tap returns undefined when the memory holds no kernel of its kind, and throws an IntrospectError
     * when it recognises its kernel but cannot read it.
     */
    locateKernel: new SyncBailHook<[PhysicalMemory, KernelSearch], KernelContext | undefined>(['memory', 'search']),
    /** Choose a layout profile; each tap may refine the resolution (rule -> explicit -> image -> shipped). */
    resolveProfile: new SyncWaterfallHook<[ProfileResolution, ProfileQuery]>(['resolution', 'query']),
  });

  readonly plugins: Plugin[] = [];

  constructor(readonly options: IntrospectorOptions = {}) {}

  use(...plugins: Plugin[]): this {
    for (const plugin of plugins) {
      if (this.plugins.some((p) => p.name === plugin.name)) continue;
      plugin.apply(this);
      this.plugins.push(plugin);
    }
    return this;
  }

  /** Open an image file read-only and unwrap its container. */
  openImage(path: string, format?: string, chainDepth = 0): Source {
    const file = this.openFile(path);
    const request: ImageOpenRequest = {
      path,
      file,
      format,
      allowBacking: this.options.allowBacking ?? [],
      chainDepth,
      open: (p, f, d) => this.openImage(p, f, d),
    };
    const source = this.hooks.openImage.call(request);
    if (source) return source;
    if (format && format !== 'raw') {
      throw new IntrospectError({ file: path, structure: 'image container', offset: 0, reason: `not a ${format} image` });
    }
    return file;
  }

  /** The image file itself, read-only; a subclass may serve it from elsewhere (the fuzzer's overlays). */
  protected openFile(path: string): Source {
    return new FileSource(path);
  }

  /** Read every disk of one guest: partitions, volumes and what each holds. */
  inspectGuest(images: readonly ImageSpec[]): Guest {
    const guest: Guest = {
      name: guestName(images.map((i) => i.path)),
      images: images.map((i) => i.path),
      disks: [],
      nodes: [],
      volumeGroups: [],
      logicalVolumes: [],
      diagnostics: [],
    };
    const queue: StorageNode[] = [];
    const session: InspectSession = {
      guest,
      introspector: this,
      addNode: (partial) => {
        const depth = partial.parent ? partial.parent.depth + 1 : 0;
        if (depth > MAX_NODE_DEPTH) {
          throw new IntrospectError({
            file: partial.source.name,
            structure: `nested volume ${partial.device}`,
            reason: `nesting deeper than ${MAX_NODE_DEPTH} levels (partition in volume in partition...) refused`,
          });
        }
        const node: StorageNode = { ...partial, depth };
        queue.push(node);
        return node;
      },
      report: (level, error, device) => guest.diagnostics.push({ level, error, device }),
    };

    images.forEach((image, index) => {
      const device = diskDeviceName(index);
      try {
        const source = this.openImage(image.path, image.format);
        const disk: StorageNode = { device, kind: 'disk', source, depth: 0 };
        guest.disks.push(disk);
        queue.push(disk);
      } catch (error) {
        session.report('error', asIntrospectError(error, image.path, 'image'), device);
      }
    });

    for (let round = 0; round <= MAX_ASSEMBLE_ROUNDS; round++) {
      this.drain(queue, session);
      this.hooks.assemble.call(session);
      if (queue.length === 0) break;
    }
    return guest;
  }

  /** The kernel in a memory image, found by the first locateKernel tap that recognises one. */
  locateKernel(memory: PhysicalMemory, search: KernelSearch = {}): KernelContext {
    const kernel = this.hooks.locateKernel.call(memory, search);
    if (kernel) return kernel;
    throw new IntrospectError({
      file: memory.name,
      structure: 'operating system kernel',
      reason: this.hooks.locateKernel.isUsed() ? 'no plugin recognises a kernel in this memory image' : 'no kernel plugin is registered',
    });
  }

  /** statfs of one filesystem node, or undefined when no plugin can compute figures for it. */
  statfs(node: StorageNode, session: InspectSession): FilesystemStats | undefined {
    return this.hooks.statfs.call(node, session);
  }

  private drain(queue: StorageNode[], session: InspectSession): void {
    while (queue.length > 0) {
      const node = queue.shift()!;
      session.guest.nodes.push(node);
      try {
        node.content = this.hooks.detect.call(node, session) ?? { type: 'unknown', plugin: 'core', role: 'other' };
        this.hooks.expand.call(node, session);
      } catch (error) {
        session.report('error', asIntrospectError(error, node.source.name, node.device), node.device);
      }
    }
  }
}

/** Wrap a foreign error so every failure reaching the user names its file and structure. */
export function asIntrospectError(error: unknown, file: string, structure: string): IntrospectError {
  if (error instanceof IntrospectError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new IntrospectError({ file, structure, reason: `internal error: ${reason}` }, { cause: error });
}
