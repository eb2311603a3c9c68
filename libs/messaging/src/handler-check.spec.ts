import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { z } from 'zod';
import { type DeclaredContracts, contract } from '@certctl/contracts';
import { assertRpcHandlers, rpcHandlerProblems, rpcHandlersOfClass } from './handler-check';
import { RpcHandler } from './rpc-handler';

const schemas = { request: z.object({}), response: z.object({}) };
const thingGet = contract({ subject: 'certctl.v1.inventory.thing.get', owner: 'inventory', callers: ['gateway'], ...schemas });
const thingList = contract({ subject: 'certctl.v1.inventory.thing.list', owner: 'inventory', callers: ['gateway'], ...schemas });
const otherGet = contract({ subject: 'certctl.v1.issuance.other.get', owner: 'issuance', callers: ['gateway'], ...schemas });
const declared: DeclaredContracts = { rpc: [thingGet, thingList, otherGet], events: [] };

@Controller()
class ThingHandler {
  @RpcHandler(thingGet)
  get() {
    return {};
  }
  @RpcHandler(thingList)
  list() {
    return {};
  }
  plain() {
    return 'not a handler';
  }
}

@Controller()
class SecondThingGet {
  @RpcHandler(thingGet)
  again() {
    return {};
  }
}

@Controller()
class OtherHandler {
  @RpcHandler(otherGet)
  get() {
    return {};
  }
}

describe('start-up check: one handler per owned contract', () => {
  it('ok/finds the @RpcHandler methods of a controller, and only those', () => {
    expect(rpcHandlersOfClass(ThingHandler)).toEqual([
      { subject: thingGet.subject, where: 'ThingHandler.get' },
      { subject: thingList.subject, where: 'ThingHandler.list' },
    ]);
  });

  it('ok/a service answering each contract it owns exactly once has no problem', () => {
    expect(rpcHandlerProblems('inventory', rpcHandlersOfClass(ThingHandler), declared)).toEqual([]);
    // a service that owns nothing and answers nothing (the gateway, the scheduler)
    expect(rpcHandlerProblems('gateway', [], declared)).toEqual([]);
  });

  it('fail/a contract without handler is named', () => {
    const sites = rpcHandlersOfClass(ThingHandler).filter((s) => s.subject !== thingList.subject);
    expect(rpcHandlerProblems('inventory', sites, declared)).toEqual(['no @RpcHandler answers certctl.v1.inventory.thing.list']);
  });

  it('fail/two handlers of one subject are named with both places', () => {
    const sites = [...rpcHandlersOfClass(ThingHandler), ...rpcHandlersOfClass(SecondThingGet)];
    expect(rpcHandlerProblems('inventory', sites, declared)).toEqual([
      '2 @RpcHandler answer certctl.v1.inventory.thing.get (ThingHandler.get, SecondThingGet.again)',
    ]);
  });

  it("fail/a handler of another service's contract is refused", () => {
    const sites = [...rpcHandlersOfClass(ThingHandler), ...rpcHandlersOfClass(OtherHandler)];
    expect(rpcHandlerProblems('inventory', sites, declared)).toEqual([
      'OtherHandler.get answers certctl.v1.issuance.other.get, a contract issuance owns',
    ]);
  });

  it('fail/a Nest application with a duplicate handler refuses to start with one line naming the subject', async () => {
    @Module({ controllers: [ThingHandler] })
    class ThingModule {}
    @Module({ imports: [ThingModule], controllers: [SecondThingGet] })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    try {
      let message = '';
      try {
        assertRpcHandlers('inventory', app, declared);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toBe(
        'certctl-inventory handlers do not match its contracts: 2 @RpcHandler answer certctl.v1.inventory.thing.get (SecondThingGet.again, ThingHandler.get)',
      );
      expect(message).not.toContain('\n');
      expect(() => assertRpcHandlers('issuance', app, { rpc: [otherGet], events: [] })).toThrow(
        /no @RpcHandler answers certctl\.v1\.issuance\.other\.get/,
      );
    } finally {
      await app.close();
    }
  });

  it('ok/a Nest application answering each owned contract once starts', async () => {
    @Module({ controllers: [ThingHandler] })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    try {
      expect(() => assertRpcHandlers('inventory', app, { rpc: [thingGet, thingList], events: [] })).not.toThrow();
    } finally {
      await app.close();
    }
  });
});
