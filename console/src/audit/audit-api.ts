import { apiGet } from '../api.js';
import type { Approval } from '../approvals/approvals-api.js';
import type { AuditJson } from './audit-records.js';
import { histogramTimes, type Histogram } from './histogram-layout.js';

/** Records a page of the viewer holds: a page, never the whole trail. */
export const PAGE_SIZE = 100;

export const auditPage = (query: Record<string, string>) =>
  apiGet<{ records: AuditJson[]; next: string | null }>('/admin/audit', query);

export const auditHistogram = async (query: Record<string, string>, buckets: number): Promise<Histogram> =>
  histogramTimes(
    await apiGet<Parameters<typeof histogramTimes>[0]>('/admin/audit/histogram', {
      ...query,
      buckets: String(buckets),
    }),
  );

export const auditRecord = (id: string) =>
  apiGet<{ record: AuditJson; approval: Approval | null }>(`/admin/audit/records/${encodeURIComponent(id)}`);
