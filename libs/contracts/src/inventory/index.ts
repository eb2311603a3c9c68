export * from './acme';
export * from './agent';
export * from './certificate';
export * from './config';
export * from './digest';
export * from './job';
export * from './renewal';
export * from './stats';
