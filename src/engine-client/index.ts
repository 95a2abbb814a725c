export { createEngineClient, type EngineClient, type EngineClientOptions, type LoadOptions, type BackendName, type DeltaProgressEvent, type AdapterInput, type RemoteServer } from './client.ts';
export { EngineWorkerError, describeError } from './errors.ts';
export type {
  CapabilityReport,
  CacheBackend,
  CachedModelSummary,
  FolderSource,
  ImportedModel,
  ImportProgress,
  ModelSummary,
  StorageEstimate,
} from './webgpu-extras.ts';
