export * from './support';
export * from './nginx';
