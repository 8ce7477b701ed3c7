import { createHmac } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Logger } from '../observability/log.js';
import { fillHidden, type Approval } from './approval.js';

/** Where and how approvals are announced (config key `approvals.webhook`). */
export interface ApprovalWebhookConfig {
  readonly url: string;
  readonly secret: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The header carrying the delivery's signature: `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
const SIGNATURE_HEADER = 'x-toolgate-signature';
/** The header carrying the delivery's time in Unix seconds; it is part of what is signed, against replays. */
const TIMESTAMP_HEADER = 'x-toolgate-timestamp';

/** Delays before each retry of a delivery the receiver did not accept (2xx). */
const RETRY_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 16_000];

/** The JSON a receiver gets for a new approval. */
interface ApprovalWebhookPayload {
  readonly type: 'approval.requested';
  readonly approval: {
    readonly id: string;
    readonly grant: { readonly id: string | null; readonly label: string | null };
    readonly server: string;
    readonly tool: string;
    /** The arguments, each hidden value replaced by a marker saying how an operator can see it. */
    readonly arguments: unknown;
    /** Where the arguments hide a value, and why; `note` says so in words, for a chat message. */
    readonly hidden: readonly { readonly path: string; readonly why: string }[];
    readonly note: string | null;
    readonly rule: string;
    readonly reason: string | null;
    readonly createdAt: string;
    readonly expiresAt: string;
  };
}

/** The signature a receiver recomputes to check a delivery: HMAC-SHA256 over `<timestamp>.<body>`. */
function signDelivery(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Announces a new approval to the configured webhook, in the background: the held call never waits for it.
 * A delivery the receiver does not answer with 2xx is retried with backoff (1 s doubling, 5 retries), then
 * given up and logged; the approval itself is stored whatever happens to its announcement.
 */
export function announceApproval(
  webhook: ApprovalWebhookConfig,
  approval: Approval,
  log: Logger,
  clock: Clock,
  delays: readonly number[] = RETRY_DELAYS_MS,
): Promise<boolean> {
  const payload: ApprovalWebhookPayload = {
    type: 'approval.requested',
    approval: {
      id: approval.id,
      grant: { id: approval.grantId, label: approval.grantLabel },
      server: approval.serverId,
      tool: approval.tool,
      // A chat tool is no place for secrets: they stay hidden here, and the note says how an operator sees them.
      arguments: fillHidden(approval.arguments, approval.hidden, () => `[hidden secret — see ${revealWith(approval)}]`),
      hidden: approval.hidden.map(({ path, why }) => ({ path, why })),
      note: hiddenNote(approval),
      rule: approval.rule,
      reason: approval.reason,
      createdAt: new Date(approval.createdAt).toISOString(),
      expiresAt: new Date(approval.expiresAt).toISOString(),
    },
  };
  return deliverWebhook(webhook, payload, { approval: approval.id }, log, clock, delays);
}

/** The hidden values in words, for a chat message: where they are, and how an operator sees them. */
function hiddenNote(approval: Approval): string | null {
  const paths = approval.hidden.map((place) => place.path);
  if (paths.length === 0) return null;
  return `Hidden, as they look like secrets: ${paths.join(', ')}. See them before deciding with ${revealWith(approval)}.`;
}

/** How an operator sees an approval's hidden values. */
function revealWith(approval: Approval): string {
  return `\`toolgate approvals show ${approval.id} --reveal\` or GET /admin/approvals/${approval.id}?reveal=secrets`;
}

/**
 * Delivers one JSON body to the webhook, signed, in the background of whatever caused it: retried with backoff
 * (1 s doubling, 5 retries) until the receiver answers 2xx, then given up and logged. `about` names what the
 * delivery is about in the log lines (`{ approval: id }`, a changed tool). Resolves with whether it was delivered.
 */
export async function deliverWebhook(
  webhook: ApprovalWebhookConfig,
  payload: object,
  about: Record<string, unknown>,
  log: Logger,
  clock: Clock,
  delays: readonly number[] = RETRY_DELAYS_MS,
): Promise<boolean> {
  const body = JSON.stringify(payload);
  for (let attempt = 0; ; attempt++) {
    // Signed afresh each attempt: the timestamp says when this delivery was made.
    const timestamp = String(Math.floor(clock.now() / 1000));
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          ...webhook.headers,
          'content-type': 'application/json',
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signDelivery(webhook.secret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel();
      if (response.ok) return true;
      log.warn({ ...about, status: response.status, attempt }, 'approval webhook refused the delivery');
    } catch (error) {
      log.warn({ ...about, err: (error as Error).message, attempt }, 'approval webhook unreachable');
    }
    const delay = delays[attempt];
    if (delay === undefined) {
      log.error(about, 'approval webhook gave up: what it was to announce is stored, but nobody was told');
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, delay).unref());
  }
}
