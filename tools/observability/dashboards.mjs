#!/usr/bin/env node
// Writes the Grafana dashboards of deploy/grafana/dashboards/ from the definitions below
// (one place for the queries, the same layout everywhere). `--check` fails when a committed
// file differs from what this script writes (CI: tools/observability/check.sh).
// Panels marked `core: true` must return data against a running stack (the e2e test
// apps/platform-e2e/src/observability.e2e-spec.ts evaluates every panel's queries).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '../../deploy/grafana/dashboards');
const R = '$__rate_interval';

const ts = (title, targets, o = {}) => ({ type: 'timeseries', title, targets, ...o });
const stat = (title, targets, o = {}) => ({ type: 'stat', title, targets, w: 4, h: 4, ...o });
const q = (expr, legendFormat = '') => ({ expr, legendFormat });
const p = (quantile, metric, by, filter = '') =>
  `histogram_quantile(${quantile}, sum by (${[...by, 'le'].join(', ')}) (rate(${metric}_bucket${filter}[${R}])))`;

const serviceVar = {
  name: 'service',
  label: 'Service',
  type: 'query',
  datasource: { type: 'prometheus', uid: '${datasource}' },
  query: { query: 'label_values(certctl_ready, service)', refId: 'service' },
  definition: 'label_values(certctl_ready, service)',
  includeAll: true,
  multi: true,
  allValue: '.*',
  current: { text: 'All', value: '$__all' },
  refresh: 2,
  sort: 1,
};

export const dashboards = [
  {
    uid: 'certctl-fleet',
    title: 'certctl / Fleet overview',
    description: 'Health of the platform and of the certificate fleet at a glance.',
    panels: [
      stat('Services up', [q('sum(up{job=~"certctl.*"})')], { core: true }),
      stat('Services not ready', [q('count(certctl_ready == 0) or vector(0)')], { core: true, thresholds: [0, 1] }),
      stat('Due without a renewal job', [q('max(certctl_renewal_due_certificates{renewal="none"})')], { thresholds: [0, 1] }),
      stat('Inside an expiry alert threshold', [q('max(certctl_expiry_alerting_certificates)')]),
      stat('Dead notifications', [q('max(certctl_notification_dead)')], { core: true, thresholds: [0, 1] }),
      stat('Dead-lettered queue jobs', [q('sum(max by (queue) (certctl_queue_dead_letter_jobs))')], { core: true, thresholds: [0, 1] }),
      ts('Certificates issued per minute', [q(`sum by (result) (rate(certctl_issuance_total[${R}])) * 60`, '{{result}}')], { w: 12 }),
      ts(
        'API requests per second by status',
        [q(`sum by (status) (rate(certctl_http_request_duration_seconds_count{service="gateway"}[${R}]))`, '{{status}}')],
        {
          core: true,
          w: 12,
          unit: 'reqps',
        },
      ),
      ts(
        'Days left on CA certificates',
        [q('(min by (issuer_id) (certctl_ca_certificate_not_after_timestamp_seconds) - time()) / 86400', '{{issuer_id}}')],
        {
          core: true,
          w: 12,
          unit: 'd',
        },
      ),
      ts(
        'Hours to CRL nextUpdate',
        [q('(min by (issuer_id) (certctl_crl_next_update_timestamp_seconds) - time()) / 3600', '{{issuer_id}}')],
        { w: 12, unit: 'h' },
      ),
      ts(
        'Firing certctl alerts',
        [q('sum by (alertname, severity) (ALERTS{alertname=~"Certctl.*", alertstate="firing"})', '{{alertname}} ({{severity}})')],
        { w: 24 },
      ),
    ],
  },
  {
    uid: 'certctl-issuance',
    title: 'certctl / Issuance pipeline',
    description: 'Renewal scan → inventory jobs → the certctl-issuance queue → signing.',
    panels: [
      ts(
        'Issuance by issuer type and result',
        [q(`sum by (issuer_type, result) (rate(certctl_issuance_total[${R}]))`, '{{issuer_type}} {{result}}')],
        {
          core: true,
          unit: 'ops',
        },
      ),
      ts(
        'Issuance duration',
        [
          q(p(0.5, 'certctl_issuance_duration_seconds', ['issuer_type']), 'p50 {{issuer_type}}'),
          q(p(0.95, 'certctl_issuance_duration_seconds', ['issuer_type']), 'p95 {{issuer_type}}'),
        ],
        {
          unit: 's',
        },
      ),
      ts('Queue jobs by state', [q('max by (queue, state) (certctl_queue_jobs)', '{{queue}} {{state}}')], { core: true }),
      ts('Queue job duration p95', [q(p(0.95, 'certctl_queue_job_duration_seconds', ['queue', 'result']), '{{queue}} {{result}}')], {
        unit: 's',
      }),
      ts('Dead-lettered jobs', [q('max by (queue) (certctl_queue_dead_letter_jobs)', '{{queue}}')], { core: true }),
      ts('Renewal scan: due certificates', [q('max by (renewal) (certctl_renewal_due_certificates)', '{{renewal}}')]),
      ts('Scheduler loop runs', [q(`sum by (loop, result) (increase(certctl_scheduler_loop_runs_total[${R}]))`, '{{loop}} {{result}}')], {
        core: true,
      }),
      ts('Scheduler loop duration p95', [q(p(0.95, 'certctl_scheduler_loop_duration_seconds', ['loop']), '{{loop}}')], { unit: 's' }),
      ts('Stale jobs reaped', [q(`sum(increase(certctl_jobs_reaped_total[${R}]))`, 'reaped')]),
      ts('Platform server certificates issued', [
        q(`sum by (requester) (increase(certctl_issuance_server_certificates_total[${R}]))`, '{{requester}}'),
      ]),
    ],
  },
  {
    uid: 'certctl-acme',
    title: 'certctl / ACME',
    description: 'The RFC 8555 server: requests, orders, challenge validation, rate limits.',
    panels: [
      ts(
        'ACME requests by endpoint and status',
        [q(`sum by (endpoint, status) (rate(certctl_acme_request_duration_seconds_count[${R}]))`, '{{endpoint}} {{status}}')],
        {
          core: true,
          unit: 'reqps',
        },
      ),
      ts('ACME latency p95 by endpoint', [q(p(0.95, 'certctl_acme_request_duration_seconds', ['endpoint']), '{{endpoint}}')], {
        core: true,
        unit: 's',
      }),
      ts('Orders by status reached', [q(`sum by (status) (increase(certctl_acme_orders_total[${R}]))`, '{{status}}')]),
      ts('Challenge validations by type and result', [
        q(`sum by (type, result) (increase(certctl_acme_validations_total[${R}]))`, '{{type}} {{result}}'),
      ]),
      ts('Validation duration p95', [q(p(0.95, 'certctl_acme_validation_duration_seconds', ['type']), '{{type}}')], { unit: 's' }),
      ts('Rate-limited requests (429)', [
        q(`sum by (limit) (rate(certctl_acme_rate_limited_total[${R}]))`, 'account {{limit}}'),
        q(`sum by (limit) (rate(certctl_rate_limited_total{service="acme"}[${R}]))`, 'shared {{limit}}'),
      ]),
      ts('Account operations', [q(`sum by (operation, result) (increase(certctl_acme_accounts_total[${R}]))`, '{{operation}} {{result}}')]),
      ts('revokeCert requests', [q(`sum by (result) (increase(certctl_acme_revocations_total[${R}]))`, '{{result}}')]),
    ],
  },
  {
    uid: 'certctl-revocation',
    title: 'certctl / Revocation, CRL and OCSP',
    description: 'Revocations, CRL freshness and builds, OCSP answers.',
    panels: [
      ts('OCSP responses by outcome', [q(`sum by (outcome) (rate(certctl_ocsp_responses_total[${R}]))`, '{{outcome}}')], {
        core: true,
        unit: 'reqps',
      }),
      ts('Age of the latest CRL', [q('time() - max by (issuer_id) (certctl_crl_this_update_timestamp_seconds)', '{{issuer_id}}')], {
        core: true,
        unit: 's',
      }),
      ts('Time to CRL nextUpdate', [q('min by (issuer_id) (certctl_crl_next_update_timestamp_seconds) - time()', '{{issuer_id}}')], {
        core: true,
        unit: 's',
      }),
      ts(
        'Days left on OCSP responder certificates',
        [q('(min by (issuer_id) (certctl_ocsp_responder_not_after_timestamp_seconds) - time()) / 86400', '{{issuer_id}}')],
        {
          unit: 'd',
        },
      ),
      ts('CRL builds by trigger and result', [
        q(`sum by (trigger, result) (increase(certctl_crl_builds_total[${R}]))`, '{{trigger}} {{result}}'),
      ]),
      ts('CRL build duration p95', [q(p(0.95, 'certctl_crl_build_duration_seconds', []), 'p95')], { unit: 's' }),
      ts('Revocations by reason and result', [
        q(`sum by (reason, result) (increase(certctl_revocations_total[${R}]))`, '{{reason}} {{result}}'),
      ]),
      ts('CRLs signed by issuer', [q(`sum by (issuer_id) (increase(certctl_issuance_crls_signed_total[${R}]))`, '{{issuer_id}}')]),
    ],
  },
  {
    uid: 'certctl-notifications',
    title: 'certctl / Notifications',
    description: 'Alert deliveries: attempts, dead notifications, the delivery queue, digests.',
    panels: [
      stat('Dead notifications', [q('max(certctl_notification_dead)')], { core: true, thresholds: [0, 1], w: 6 }),
      ts(
        'Delivery attempts by channel and result',
        [q(`sum by (channel, result) (rate(certctl_notification_attempts_total[${R}]))`, '{{channel}} {{result}}')],
        { w: 18 },
      ),
      ts('Notifications dead by channel', [q(`sum by (channel) (increase(certctl_notification_dead_total[${R}]))`, '{{channel}}')]),
      ts('Delivery queue jobs by state', [q('max by (state) (certctl_queue_jobs{queue="certctl-notifications"})', '{{state}}')], {
        core: true,
      }),
      ts(
        'Delivery job duration p95',
        [q(p(0.95, 'certctl_queue_job_duration_seconds', ['result'], '{queue="certctl-notifications"}'), '{{result}}')],
        { unit: 's' },
      ),
      ts('Daily digests sent', [q(`sum(increase(certctl_scheduler_digests_sent_total[${R}]))`, 'digests')]),
    ],
  },
  {
    uid: 'certctl-red',
    title: 'certctl / Services (RED)',
    description: 'Rate, errors and duration of every service: HTTP routes and NATS subjects.',
    variables: [serviceVar],
    panels: [
      ts(
        'HTTP requests per second by route',
        [
          q(
            `sum by (service, method, route) (rate(certctl_http_request_duration_seconds_count{service=~"$service"}[${R}]))`,
            '{{service}} {{method}} {{route}}',
          ),
        ],
        {
          core: true,
          unit: 'reqps',
        },
      ),
      ts(
        'HTTP 5xx per second by route',
        [
          q(
            `sum by (service, method, route) (rate(certctl_http_request_duration_seconds_count{service=~"$service", status=~"5.."}[${R}]))`,
            '{{service}} {{method}} {{route}}',
          ),
        ],
        { unit: 'reqps' },
      ),
      ts(
        'HTTP error ratio by route',
        [
          q(
            `sum by (service, method, route) (rate(certctl_http_request_duration_seconds_count{service=~"$service", status=~"5.."}[${R}])) / sum by (service, method, route) (rate(certctl_http_request_duration_seconds_count{service=~"$service"}[${R}]))`,
            '{{service}} {{method}} {{route}}',
          ),
        ],
        { unit: 'percentunit' },
      ),
      ts(
        'HTTP p99 duration by route',
        [
          q(
            p(0.99, 'certctl_http_request_duration_seconds', ['service', 'method', 'route'], '{service=~"$service"}'),
            '{{service}} {{method}} {{route}}',
          ),
        ],
        {
          core: true,
          unit: 's',
        },
      ),
      ts(
        'NATS requests handled by subject and result',
        [
          q(
            `sum by (service, subject, result) (rate(certctl_nats_handler_duration_seconds_count{service=~"$service"}[${R}]))`,
            '{{subject}} {{result}}',
          ),
        ],
        {
          core: true,
          unit: 'reqps',
        },
      ),
      ts(
        'NATS handler p95 by subject',
        [q(p(0.95, 'certctl_nats_handler_duration_seconds', ['service', 'subject'], '{service=~"$service"}'), '{{subject}}')],
        { unit: 's' },
      ),
      ts(
        'NATS requests sent p95 by subject',
        [q(p(0.95, 'certctl_nats_request_duration_seconds', ['service', 'subject'], '{service=~"$service"}'), '{{service}} → {{subject}}')],
        {
          unit: 's',
        },
      ),
      ts('Gateway upstream (forwarded) p95', [q(p(0.95, 'certctl_gateway_upstream_duration_seconds', ['upstream']), '{{upstream}}')], {
        unit: 's',
      }),
      ts('Rate-limited and refused requests', [
        q(`sum(rate(certctl_gateway_rate_limited_total[${R}]))`, 'gateway per-key 429'),
        q(
          `sum by (service, code) (rate(certctl_nats_principal_refusals_total{service=~"$service"}[${R}]))`,
          '{{service}} bus refusal {{code}}',
        ),
      ]),
      ts('Audit events written and dropped', [
        q(`sum(rate(certctl_audit_events_written_total[${R}]))`, 'written'),
        q(`sum(rate(certctl_audit_events_dropped_total[${R}]))`, 'dropped'),
      ]),
    ],
  },
  {
    uid: 'certctl-runtime',
    title: 'certctl / Node.js runtime',
    description: 'Memory, CPU, event loop and garbage collection of every service process.',
    variables: [serviceVar],
    panels: [
      ts('Resident memory', [q('certctl_process_resident_memory_bytes{service=~"$service"}', '{{service}} {{instance}}')], {
        core: true,
        unit: 'bytes',
      }),
      ts(
        'Heap used',
        [q('sum by (service, instance) (certctl_nodejs_heap_size_used_bytes{service=~"$service"})', '{{service}} {{instance}}')],
        { core: true, unit: 'bytes' },
      ),
      ts('CPU', [q(`rate(certctl_process_cpu_seconds_total{service=~"$service"}[${R}])`, '{{service}} {{instance}}')], {
        core: true,
        unit: 'percentunit',
      }),
      ts('Event loop lag p99', [q('certctl_nodejs_eventloop_lag_p99_seconds{service=~"$service"}', '{{service}} {{instance}}')], {
        core: true,
        unit: 's',
      }),
      ts(
        'GC time per second',
        [
          q(
            `sum by (service, instance) (rate(certctl_nodejs_gc_duration_seconds_sum{service=~"$service"}[${R}]))`,
            '{{service}} {{instance}}',
          ),
        ],
        {
          unit: 'percentunit',
        },
      ),
      ts('Active handles', [q('certctl_nodejs_active_handles_total{service=~"$service"}', '{{service}} {{instance}}')]),
      ts('Open file descriptors', [q('certctl_process_open_fds{service=~"$service"}', '{{service}} {{instance}}')], { core: true }),
      ts('Uptime', [q('time() - certctl_process_start_time_seconds{service=~"$service"}', '{{service}} {{instance}}')], { unit: 's' }),
    ],
  },
];

/** The Grafana JSON model of one dashboard (schema 39; the datasource is a variable). */
export function render(d) {
  let x = 0;
  let y = 0;
  let rowH = 0;
  const panels = d.panels.map((pn, i) => {
    const w = pn.w ?? 12;
    const h = pn.h ?? 8;
    if (x + w > 24) {
      x = 0;
      y += rowH;
      rowH = 0;
    }
    const gridPos = { h, w, x, y };
    x += w;
    rowH = Math.max(rowH, h);
    const defaults = { unit: pn.unit ?? 'short' };
    if (pn.thresholds) {
      defaults.thresholds = {
        mode: 'absolute',
        steps: [
          { color: 'green', value: null },
          { color: 'red', value: pn.thresholds[1] },
        ],
      };
    }
    return {
      id: i + 1,
      type: pn.type,
      title: pn.title,
      ...(pn.core ? { description: 'Core panel: has data on every running platform.' } : {}),
      datasource: { type: 'prometheus', uid: '${datasource}' },
      gridPos,
      fieldConfig: { defaults, overrides: [] },
      options:
        pn.type === 'stat'
          ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none' }
          : { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
      targets: pn.targets.map((t, j) => ({
        refId: String.fromCharCode(65 + j),
        datasource: { type: 'prometheus', uid: '${datasource}' },
        expr: t.expr,
        legendFormat: t.legendFormat || '__auto',
        range: true,
      })),
    };
  });
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: ['certctl'],
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timezone: 'browser',
    templating: {
      list: [
        { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {}, hide: 0 },
        ...(d.variables ?? []),
      ],
    },
    annotations: { list: [] },
    links: [{ title: 'certctl dashboards', type: 'dashboards', tags: ['certctl'], asDropdown: true }],
    panels,
  };
}

const file = (d) => join(OUT, `${d.uid}.json`);
const text = async (d) => prettier.format(JSON.stringify(render(d)), { ...(await prettier.resolveConfig(file(d))), filepath: file(d) });

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const d of dashboards) {
    if (check) {
      let current = '';
      try {
        current = readFileSync(file(d), 'utf8');
      } catch {
        // missing
      }
      if (current !== (await text(d))) stale.push(file(d));
    } else writeFileSync(file(d), await text(d));
  }
  if (stale.length) {
    console.error(
      `dashboards differ from tools/observability/dashboards.mjs: ${stale.join(', ')}\nrun: node tools/observability/dashboards.mjs`,
    );
    process.exit(1);
  }
  console.log(`${check ? 'checked' : 'wrote'} ${dashboards.length} dashboards in ${OUT}`);
}
