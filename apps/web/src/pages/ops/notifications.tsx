import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useApi } from '../../api/use-api';
import { Loadable } from '../../components/problem';
import { ChannelsSection } from './channels';
import { RulesSection } from './rules';
import { SelectFilter, Tabs, useCursors } from './cursor';
import { DeadLetterTable, DeliveryTable } from './dead-letter-table';

type Tab = 'deliveries' | 'dead' | 'channels' | 'rules';
const STATUSES = ['pending', 'sent', 'failed', 'dead'] as const;

/** Notifications: every delivery, the dead letters with requeue, the channels and the rules that route events to them. */
export function NotificationsPage() {
  const [tab, setTab] = useState<Tab>(() => {
    const asked = new URLSearchParams(window.location.search).get('tab');
    return asked === 'dead' || asked === 'channels' || asked === 'rules' ? asked : 'deliveries';
  });
  return (
    <section>
      <h1>Notifications</h1>
      <Tabs
        label="Notifications"
        value={tab}
        onChange={setTab}
        tabs={[
          { id: 'deliveries', label: 'Deliveries' },
          { id: 'dead', label: 'Dead letters' },
          { id: 'channels', label: 'Channels' },
          { id: 'rules', label: 'Rules' },
        ]}
      />
      <div role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === 'channels' ? <ChannelsSection /> : tab === 'rules' ? <RulesSection /> : <Deliveries dead={tab === 'dead'} key={tab} />}
      </div>
    </section>
  );
}

function Deliveries({ dead }: { dead: boolean }) {
  const api = useApi();
  const [status, setStatus] = useState('');
  const { cursor, resetting, pager } = useCursors();
  const wanted = dead ? 'dead' : status;
  const page = useQuery({
    queryKey: ['notifications', wanted, cursor],
    queryFn: () =>
      api.call('get', '/api/v1/notifications', {
        query: { status: (wanted || undefined) as (typeof STATUSES)[number] | undefined, limit: 100, cursor },
      }),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      {dead ? (
        <p className="muted">
          A notification is dead when its channel refused every retry. Requeue sends it again once (after fixing the channel).
        </p>
      ) : (
        <div className="filters">
          <SelectFilter id="notification-status" label="Status" value={status} values={STATUSES} onChange={resetting(setStatus)} />
        </div>
      )}
      <Loadable query={page}>
        {(data) => (
          <>
            {dead ? <DeadLetterTable rows={data.data} /> : <DeliveryTable rows={data.data} />}
            {pager(data.next_cursor)}
          </>
        )}
      </Loadable>
    </>
  );
}
