import type { CdsCard } from '@bedside/cds-hooks';
import { displayName, type Patient, type Resource } from '@bedside/fhir-model';

import { html, page, type SafeHtml } from '../http/html.js';
import type { CdsExchange } from './cds-client.service.js';

/** What the small order-entry screen can order. */
export const ORDERABLES = {
  amoxicillin: {
    label: 'amoxicillin 500 mg capsule',
    resourceType: 'MedicationRequest',
    coding: {
      system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
      code: '308191',
      display: 'amoxicillin 500 MG Oral Capsule',
    },
    dosage: '500 mg by mouth three times daily for 7 days',
  },
  atorvastatin: {
    label: 'atorvastatin 20 mg tablet',
    resourceType: 'MedicationRequest',
    coding: {
      system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
      code: '83367',
      display: 'atorvastatin',
    },
    dosage: '20 mg by mouth once daily',
  },
  simvastatin: {
    label: 'simvastatin 20 mg tablet',
    resourceType: 'MedicationRequest',
    coding: {
      system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
      code: '36567',
      display: 'simvastatin',
    },
    dosage: '20 mg by mouth at night',
  },
  lisinopril: {
    label: 'lisinopril 10 mg tablet',
    resourceType: 'MedicationRequest',
    coding: {
      system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
      code: '29046',
      display: 'lisinopril',
    },
    dosage: '10 mg by mouth once daily',
  },
  'mri-lumbar': {
    label: 'MRI lumbar spine without contrast',
    resourceType: 'ServiceRequest',
    coding: { system: 'http://loinc.org', code: '24967-2', display: 'MR Lumbar spine WO contrast' },
    dosage: '',
  },
} as const;
export type Orderable = keyof typeof ORDERABLES;

const cardStyles = html`<style>
  .cds {
    display: grid;
    gap: 10px;
    margin: 12px 0;
  }
  .card {
    background: #fff;
    border: 1px solid var(--line);
    border-left: 6px solid #0b5cab;
    border-radius: 6px;
    padding: 10px 14px;
  }
  .card.warning {
    border-left-color: #c77700;
  }
  .card.critical {
    border-left-color: var(--bad);
  }
  .card h3 {
    margin: 0 0 4px;
    font-size: 16px;
  }
  .card .source {
    color: var(--muted);
    font-size: 13px;
  }
  .card .detail {
    white-space: pre-wrap;
    margin: 6px 0;
  }
  .card form {
    display: inline-block;
    margin: 4px 8px 4px 0;
  }
  .card button.secondary {
    background: #e8edf2;
    color: var(--ink);
  }
  nav.cds-nav a {
    margin-right: 16px;
  }
</style>`;

function banner(patient: Patient): SafeHtml {
  return html`<div class="banner" role="banner" aria-label="Patient banner">
    <strong>${displayName(patient.name)}</strong>
    <span>DOB ${patient.birthDate ?? 'unknown'}</span>
    <span>${patient.gender ?? ''}</span>
    <nav class="cds-nav">
      <a href="/cds-client/patients/${patient.id ?? ''}">Chart</a>
      <a href="/cds-client/patients/${patient.id ?? ''}/orders">Orders</a>
      <a href="/cds-client/">Patients</a>
    </nav>
  </div>`;
}

/** Cards with their suggestions, override reasons and links (CDS Hooks 2.0 §Card; CARD-5: detail as text). */
function renderCards(
  exchanges: readonly CdsExchange[],
  returnTo: string,
  appsByLaunchUrl: ReadonlyMap<string, string>,
  patientId: string,
): SafeHtml {
  const items = exchanges.flatMap((exchange) => [
    ...(exchange.error
      ? [
          html`<p class="card" role="status">
            No guidance from ${exchange.serviceId}: ${exchange.error}
          </p>`,
        ]
      : []),
    ...exchange.cards.map((card) =>
      renderCard(exchange, card, returnTo, appsByLaunchUrl, patientId),
    ),
  ]);
  return html`<section class="cds" aria-label="CDS cards">${items}</section>`;
}

function renderCard(
  exchange: CdsExchange,
  card: CdsCard,
  returnTo: string,
  appsByLaunchUrl: ReadonlyMap<string, string>,
  patientId: string,
): SafeHtml {
  const uuid = card.uuid ?? '';
  const hidden = html`<input type="hidden" name="hookInstance" value="${exchange.hookInstance}" />
    <input type="hidden" name="card" value="${uuid}" />
    <input type="hidden" name="returnTo" value="${returnTo}" />`;
  const suggestions = (card.suggestions ?? []).map(
    (suggestion) =>
      html`<form method="post" action="/cds-client/cards/accept">
        ${hidden}<input type="hidden" name="suggestion" value="${suggestion.uuid ?? ''}" />
        <button type="submit">${suggestion.label}</button>
      </form>`,
  );
  const links = (card.links ?? []).flatMap((link) => {
    if (link.type === 'absolute') {
      return [
        html`<a href="${link.url}" target="_blank" rel="noopener noreferrer">${link.label}</a>`,
      ];
    }
    // LINK-2, LINK-3: a SMART link opens a registered app through the launcher; others are dropped.
    const clientId = appsByLaunchUrl.get(link.url);
    if (clientId === undefined) return [];
    return [
      html`<form method="post" action="/launcher/launch">
        <input type="hidden" name="patientId" value="${patientId}" />
        <input type="hidden" name="clientId" value="${clientId}" />
        <button type="submit">${link.label}</button>
      </form>`,
    ];
  });
  const reasons = card.overrideReasons ?? [];
  const dismiss = uuid
    ? html`<form method="post" action="/cds-client/cards/override">
        ${hidden}
        ${reasons.length > 0
          ? html`<select name="reason" aria-label="Override reason">
              <option value="">No reason</option>
              ${reasons.map((r) => html`<option value="${r.code}">${r.display ?? r.code}</option>`)}
            </select>`
          : html``}
        <button type="submit" class="secondary">Dismiss</button>
      </form>`
    : html``;
  return html`<article
    class="card ${card.indicator}"
    data-card="${uuid}"
    aria-label="${card.summary}"
  >
    <h3>${card.summary}</h3>
    <div class="source">${card.source.label} · ${card.indicator} · ${exchange.serviceId}</div>
    ${card.detail ? html`<div class="detail">${card.detail}</div>` : html``}
    ${suggestions}${links}${dismiss}
  </article>`;
}

export function renderPatientList(patients: readonly Patient[], configured: boolean): string {
  return page(
    'CDS client',
    html`<main>
      <h1>Charts with CDS Hooks</h1>
      ${configured
        ? html``
        : html`<p class="error">No CDS service is configured (SANDBOX_CDS_SERVICES_URL).</p>`}
      <ul>
        ${patients.map(
          (p) =>
            html`<li>
              <a href="/cds-client/patients/${p.id ?? ''}">${displayName(p.name)}</a> · born
              ${p.birthDate ?? 'unknown'}
            </li>`,
        )}
      </ul>
    </main>`,
  );
}

export function renderChart(
  patient: Patient,
  exchanges: readonly CdsExchange[],
  apps: ReadonlyMap<string, string>,
): string {
  const returnTo = `/cds-client/patients/${patient.id ?? ''}?refresh=0`;
  return page(
    `${displayName(patient.name)} — chart`,
    html`${cardStyles}${banner(patient)}
      <main>
        <h1>Chart</h1>
        ${renderCards(exchanges, returnTo, apps, patient.id ?? '')}
      </main>`,
  );
}

function orderText(resource: Resource): string {
  const concept = (resource['medicationCodeableConcept'] ?? resource['code']) as
    | { text?: string }
    | undefined;
  return concept?.text ?? resource.resourceType;
}

export function renderOrders(
  patient: Patient,
  drafts: readonly Resource[],
  exchanges: readonly CdsExchange[],
  apps: ReadonlyMap<string, string>,
): string {
  const base = `/cds-client/patients/${patient.id ?? ''}/orders`;
  return page(
    `${displayName(patient.name)} — orders`,
    html`${cardStyles}${banner(patient)}
      <main>
        <h1>Order entry</h1>
        <form method="post" action="${base}">
          <label for="orderable">New order</label>
          <select id="orderable" name="orderable">
            ${Object.entries(ORDERABLES).map(
              ([key, item]) => html`<option value="${key}">${item.label}</option>`,
            )}
          </select>
          <button type="submit">Add draft order</button>
        </form>
        <h2>Draft orders</h2>
        <table aria-label="Draft orders">
          <thead>
            <tr>
              <th>Order</th>
              <th>Id</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            ${drafts.map(
              (d) =>
                html`<tr data-order="${d.resourceType}/${d.id ?? ''}">
                  <td>${orderText(d)}</td>
                  <td>${d.resourceType}/${d.id ?? ''}</td>
                  <td>${String(d['status'])}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${drafts.length > 0
          ? html`<form method="post" action="${base}/sign">
                <button type="submit">Sign orders</button>
              </form>
              <form method="post" action="${base}/sign">
                <input type="hidden" name="force" value="1" /><button
                  type="submit"
                  class="secondary"
                >
                  Sign without changes
                </button>
              </form>`
          : html`<p>No draft orders.</p>`}
        ${renderCards(exchanges, base, apps, patient.id ?? '')}
      </main>`,
  );
}
