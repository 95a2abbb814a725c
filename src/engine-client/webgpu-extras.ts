// INTERIM shapes until workers/backends/webgpu lands.
export type CapabilityReport = Record<string, unknown>;
export type CachedModel = Record<string, unknown>;
export type StorageEstimate = { usage?: number; quota?: number; persisted?: boolean };
