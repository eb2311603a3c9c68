import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { MESSAGING_OPTIONS, type MessagingOptions, RpcClient } from './rpc-client';
import { busAuthFromEnv } from './bus-options';
import { RpcInterceptor } from './rpc-handler';
import { DurableEvents } from './durable-events';

@Global()
@Module({})
export class MessagingModule {
  /** Bus credentials and principal keys not given in `options` come from the environment (busAuthFromEnv). */
  static forRoot(options: MessagingOptions): DynamicModule {
    const merged: MessagingOptions = { ...busAuthFromEnv(), ...options };
    return {
      module: MessagingModule,
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: merged },
        RpcClient,
        DurableEvents,
        { provide: APP_INTERCEPTOR, useClass: RpcInterceptor },
      ],
      exports: [RpcClient, DurableEvents, MESSAGING_OPTIONS],
    };
  }
}
