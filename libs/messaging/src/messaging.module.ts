import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { MESSAGING_OPTIONS, type MessagingOptions, RpcClient } from './rpc-client';
import { RpcInterceptor } from './rpc-handler';

@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      providers: [{ provide: MESSAGING_OPTIONS, useValue: options }, RpcClient, { provide: APP_INTERCEPTOR, useClass: RpcInterceptor }],
      exports: [RpcClient],
    };
  }
}
