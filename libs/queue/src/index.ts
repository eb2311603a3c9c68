export * from './queue.service';
export * from './queue.module';
export * from './queue-metrics';
