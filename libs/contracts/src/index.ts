export * from './errors';
export * from './subjects';
export * from './queues';
export * from './schemas';
export * from './contracts';
export * from './identifiers';
export * from './rbac';
export * from './pagination';
