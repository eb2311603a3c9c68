import type { ConfigResource, ConfigRow } from './config-resource';

const text = (field: string) => (row: ConfigRow) => {
  const value = row[field];
  if (value === null || value === undefined || value === '') return '—';
  return Array.isArray(value) ? value.join(', ') : String(value);
};

/** The configuration pages: the list columns of each; their forms come from the API's body schemas. */
export const CONFIG_RESOURCES: Record<string, ConfigResource> = {
  '/profiles': {
    path: '/api/v1/profiles',
    title: 'Certificate profiles',
    singular: 'profile',
    intro: 'What a certificate may be: key algorithms, validity, extended key usages, SAN rules, approval.',
    columns: [
      { label: 'Max validity (days)', render: text('max_validity_days') },
      { label: 'EKUs', render: text('ekus') },
      { label: 'Approval', render: (row) => (row.requires_approval ? 'required' : 'no') },
      { label: 'Key generation', render: text('key_generation') },
    ],
  },
  '/renewal-policies': {
    path: '/api/v1/renewal-policies',
    title: 'Renewal policies',
    singular: 'renewal policy',
    intro: 'When certificates renew (days or fraction of the lifetime before expiry), retries and alert thresholds.',
    columns: [
      { label: 'Renew before (days)', render: text('renew_before_days') },
      { label: 'Renew before (fraction)', render: text('renew_before_fraction') },
      { label: 'Auto renew', render: (row) => (row.auto_renew ? 'yes' : 'no') },
      { label: 'Alerts (days)', render: text('alert_thresholds_days') },
    ],
  },
  '/owners': {
    path: '/api/v1/owners',
    title: 'Owners',
    singular: 'owner',
    intro: 'The people responsible for certificates; notifications go to their email.',
    columns: [
      { label: 'Email', render: text('email') },
      { label: 'Team', render: text('team_id') },
    ],
  },
  '/teams': {
    path: '/api/v1/teams',
    title: 'Teams',
    singular: 'team',
    intro: 'Groups of owners; certificates belong to a team.',
    columns: [{ label: 'Description', render: text('description') }],
  },
  '/targets': {
    path: '/api/v1/targets',
    title: 'Deployment targets',
    singular: 'target',
    intro:
      'Where agents deploy certificates. The form shows the config fields of the chosen type (docs/inventory.md, docs/agent.md); secret values are answered masked.',
    typeSchemas: '/api/v1/target-types',
    columns: [
      { label: 'Type', render: text('type') },
      { label: 'Agent', render: text('agent_id') },
      { label: 'Enabled', render: (row) => (row.enabled ? 'yes' : 'no') },
    ],
  },
};
