export { loadPlugins, loadPlugin, toPlugin, isPlugin, isPathSpec, resolvePackage, type PluginExport } from './load.js';
export { createIntrospector, registryFor, type CreateIntrospectorOptions } from './create.js';
