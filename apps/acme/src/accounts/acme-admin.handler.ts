import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AcmeRpc, ConfigRpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcClient, RpcHandler } from '@certctl/messaging';
import { FinalizeService } from '../orders/finalize.service';
import { OrdersService } from '../orders/orders.service';
import { ProfileSettingsService } from '../profiles/profile-settings.service';
import { AccountsService } from './accounts.service';
import { EabKeysService } from './eab-keys.service';

/** What the gateway asks of the ACME service: EAB keys and profile defaults (admin), accounts and orders (read), garbage collection (scheduler). */
@Controller()
export class AcmeAdminHandler {
  constructor(
    private readonly accounts: AccountsService,
    private readonly eabKeys: EabKeysService,
    private readonly orders: OrdersService,
    private readonly rpc: RpcClient,
    private readonly profileSettings: ProfileSettingsService,
    private readonly finalize: FinalizeService,
  ) {}

  @RpcHandler(AcmeRpc.eabCreate)
  async eabCreate(@Payload() req: RpcRequestParsed<typeof AcmeRpc.eabCreate>) {
    await this.rpc.request(ConfigRpc.profile.get, { id: req.body.profile_id }); // 404 for an unknown profile
    return this.eabKeys.createEabKey(req.actor, req.body.profile_id, req.body.description);
  }

  @RpcHandler(AcmeRpc.eabList)
  eabList() {
    return this.eabKeys.listEabKeys();
  }

  @RpcHandler(AcmeRpc.eabDelete)
  eabDelete(@Payload() req: RpcRequestParsed<typeof AcmeRpc.eabDelete>) {
    return this.eabKeys.deleteEabKey(req.id);
  }

  @RpcHandler(AcmeRpc.accountList)
  accountList(@Payload() req: RpcRequestParsed<typeof AcmeRpc.accountList>) {
    return this.accounts.listAccounts(req);
  }

  @RpcHandler(AcmeRpc.orderList)
  orderList(@Payload() req: RpcRequestParsed<typeof AcmeRpc.orderList>) {
    return this.orders.listOrders(req);
  }

  @RpcHandler(AcmeRpc.profileGet)
  profileGet(@Payload() req: RpcRequestParsed<typeof AcmeRpc.profileGet>) {
    return this.profileSettings.get(req.id);
  }

  @RpcHandler(AcmeRpc.profileSetDefaults)
  profileSetDefaults(@Payload() req: RpcRequestParsed<typeof AcmeRpc.profileSetDefaults>) {
    return this.profileSettings.setDefaults(req.actor, req.id, req.body);
  }

  @RpcHandler(AcmeRpc.gc)
  async gc() {
    const expired = await this.orders.collectGarbage();
    return { ...expired, orders_settled: await this.finalize.resumeInterrupted() };
  }
}
