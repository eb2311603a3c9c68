import { connect } from 'nats';
import type { BusService } from '@certctl/contracts';
import { EVENTS_STREAM, readBusSecrets } from '@certctl/messaging';
import { readState } from './e2e-env';
import { waitFor } from './http';

/**
 * Waits until a service's durable event consumer (`<service>-<name>`, libs/messaging
 * durable-events) is pulling and has every event of the stream it takes handled and
 * acknowledged: nothing left to deliver, nothing waiting for an acknowledgement (which would be
 * redelivered after ACK_WAIT_MS). A test that checks an event had its effect only once waits
 * for this instead of sleeping "long enough for a second delivery to show up". Reads the
 * consumer with the service's own NATS user (it may read its consumers' state).
 */
export async function waitConsumerSettled(service: BusService, name: string, timeoutMs = 60000): Promise<void> {
  const state = readState();
  const user = readBusSecrets(state.env.CERTCTL_BUS_CREDENTIALS_FILE!).nats[service];
  const nc = await connect({ servers: state.env.NATS_URL!, user: user.user, pass: user.password });
  try {
    const jsm = await nc.jetstreamManager();
    await waitFor(
      async () => {
        const info = await jsm.consumers.info(EVENTS_STREAM, `${service}-${name}`);
        return info.num_pending === 0 && info.num_ack_pending === 0 && info.num_waiting > 0 ? true : undefined;
      },
      timeoutMs,
      `${service}-${name} to have handled and acknowledged every event`,
    );
  } finally {
    await nc.close();
  }
}
