export * from './account';
export * from './eab';
export * from './order';
export * from './profile';
