export * from './alert';
export * from './channel';
export * from './notification';
export * from './rule';
