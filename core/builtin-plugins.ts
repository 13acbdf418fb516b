import type { Plugin } from './pipeline/plugin.js';
import { ext3Plugin } from '../plugins/ext3/index.js';
import { ntfsPlugin } from '../plugins/ntfs/index.js';
import { fsSignaturesPlugin } from '../plugins/fs-signatures/index.js';
import { qcow2Plugin } from '../plugins/qcow2/index.js';
import { rawPlugin } from '../plugins/raw/index.js';
import { gptPlugin } from '../plugins/gpt/index.js';
import { dosPartitionsPlugin } from '../plugins/dos-partitions/index.js';
import { lvm2Plugin } from '../plugins/lvm2/index.js';
import { memoryContainersPlugin } from '../plugins/memory-containers/index.js';
import { linuxKernelPlugin } from '../plugins/linux-kernel/plugin.js';
import { imageProfilePlugin } from '../plugins/linux-kernel/image-profile/image.js';

/**
 * Every format the project ships, registered by default through the same door as third-party plugins.
 * Order matters for bail hooks only where two plugins could recognise the same bytes; each plugin
 * sets its own tap stage when it must run early or late (e.g. raw is the last resort).
 */
export function builtinPlugins(): Plugin[] {
  return [qcow2Plugin, rawPlugin, gptPlugin, dosPartitionsPlugin, lvm2Plugin, ext3Plugin, ntfsPlugin, fsSignaturesPlugin, memoryContainersPlugin, linuxKernelPlugin, imageProfilePlugin];
}
