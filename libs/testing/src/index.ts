export * from './paths';
export * from './stack';
export * from './infra';
export * from './fleet';
export * from './receivers';
