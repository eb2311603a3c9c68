export * from './support';
export * from './nginx';
export * from './haproxy';
