import { type DynamicModule, Global, Module } from '@nestjs/common';
import { QUEUE_OPTIONS, type QueueOptions, QueueService } from './queue.service';

@Global()
@Module({})
export class QueueModule {
  static forRoot(options: QueueOptions): DynamicModule {
    return { module: QueueModule, providers: [{ provide: QUEUE_OPTIONS, useValue: options }, QueueService], exports: [QueueService] };
  }
}
