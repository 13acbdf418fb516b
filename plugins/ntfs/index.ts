export { ntfsPlugin, ntfsStatfs, detectNtfs, openNtfsVolume } from './plugin.js';
export { NtfsVolume, type BitmapCount } from './volume.js';
export { readNtfsGeometry, isNtfsBootSector, bootSectorRejection, ntfsUuid, type NtfsGeometry } from './boot-sector.js';
export { ntfsStatvfs, type NtfsStatvfs } from './statvfs.js';
export { decodeRunlist, type Run } from './runlist.js';
export { countZeroBits, popcount32 } from './popcount.js';
