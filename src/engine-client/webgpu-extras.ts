/**
 * Shapes of the webgpu backend's extras as the page receives them (structured clones). Type-only
 * imports: they are erased from the page bundle, which never loads web-llm.
 */
export type { CapabilityReport, CacheBackend } from '../../workers/backends/webgpu/index.ts';
export type { CachedModelSummary, ImportedModel, ModelSummary } from '../../workers/backends/webgpu/index.ts';
export type { StorageEstimate } from '../../workers/backends/webgpu/cache.ts';
export type { FolderSource, ImportProgress } from '../../workers/backends/webgpu/import.ts';
