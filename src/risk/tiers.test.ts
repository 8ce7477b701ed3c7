import { describe, expect, it } from 'vitest';
import { classifyTool, type Risk, type ToolDefinition } from './index.js';

const object = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
});

/** [what the rule is, the tool, its category and risk]: each rule once, and a near twin the rule does not touch. */
const cases: [string, ToolDefinition, string, Risk][] = [
  ['reading one record', { name: 'get_customer', description: 'Retrieve a customer by ID.' }, 'Read', 'Low'],
  ['reading people in bulk', { name: 'list_customers', description: 'List all customers.' }, 'Read', 'Medium'],
  ['reading a conversation', { name: 'get_channel_history', description: 'Get recent messages.' }, 'Read', 'Medium'],
  ['looking people up', { name: 'search_users', description: 'Find users by name.' }, 'Read', 'Low'],
  ['reading secrets', { name: 'get-env', description: 'Returns all environment variables.' }, 'Read', 'Medium'],
  [
    'exporting to a path',
    {
      name: 'export_data',
      description: 'Export the query results to a file.',
      inputSchema: object({ outputDir: { type: 'string' } }),
    },
    'Read',
    'Medium',
  ],
  ['a harmless creation', { name: 'create_branch', description: 'Create a new branch.' }, 'Write', 'Low'],
  ['an ordinary creation', { name: 'create_repository', description: 'Create a new repository.' }, 'Write', 'Medium'],
  [
    'a bulk change',
    { name: 'update-many', description: 'Updates all documents that match the filter.' },
    'Write',
    'High',
  ],
  ['publishing', { name: 'push_files', description: 'Push multiple files in a single commit.' }, 'Write', 'High'],
  [
    'widening access',
    { name: 'create-access-list', description: 'Allow IP addresses to reach the cluster.' },
    'Write',
    'High',
  ],
  ['changing what runs', { name: 'scale_deployment', description: 'Scale a Kubernetes deployment.' }, 'Write', 'High'],
  [
    'posting under another name',
    {
      name: 'send_webhook_message',
      description: 'Send a message through a webhook.',
      inputSchema: object({ username: { type: 'string' }, content: { type: 'string' } }),
    },
    'Write',
    'High',
  ],
  [
    'sending local files away',
    {
      name: 'upload_file',
      description: 'Upload a file to the bucket.',
      inputSchema: object({ filePath: { type: 'string', description: 'Absolute path' } }),
    },
    'Write',
    'High',
  ],
  [
    'a preconfigured query kept read-only',
    { name: 'query', description: 'Run a read-only SQL query', inputSchema: object({ sql: { type: 'string' } }) },
    'Execute',
    'Medium',
  ],
  [
    'a command in a pod',
    {
      name: 'exec_in_pod',
      description: 'Execute a command in a Kubernetes pod.',
      inputSchema: object({ command: { type: 'string' } }),
    },
    'Execute',
    'High',
  ],
  [
    'input to a shell',
    {
      name: 'interact_with_process',
      description: 'Send input to a running shell process.',
      inputSchema: object({ pid: { type: 'number' }, input: { type: 'string' } }),
    },
    'Execute',
    'Critical',
  ],
  ['a tag deleted', { name: 'delete_tag', description: 'Delete a tag.' }, 'Destructive', 'Medium'],
  ['a channel deleted', { name: 'delete_channel', description: 'Delete a channel.' }, 'Destructive', 'Critical'],
  [
    'a release uninstalled',
    { name: 'uninstall_chart', description: 'Uninstall a Helm release.' },
    'Destructive',
    'Critical',
  ],
  [
    'a cancelled subscription',
    { name: 'cancel_subscription', description: 'Cancel a subscription.' },
    'Financial',
    'Critical',
  ],
  ['an invoice sent', { name: 'send_invoice', description: 'Send an invoice to the customer.' }, 'Financial', 'High'],
  ['an order placed', { name: 'place-market-order', description: 'Place a market order.' }, 'Financial', 'Critical'],
  ['a tunnel', { name: 'port_forward', description: 'Forward a local port to a pod.' }, 'Other', 'Medium'],
  [
    'a login carrying its token',
    {
      name: 'login',
      description: 'Log in to the service.',
      inputSchema: object({ token: { type: 'string' } }, ['token']),
    },
    'Other',
    'Medium',
  ],
  [
    'date arithmetic',
    {
      name: 'days_in_month',
      description: 'Get the number of days in a month.',
      inputSchema: object({ date: { type: 'string' } }),
    },
    'Other',
    'Low',
  ],
];

describe('risk tiers', () => {
  it.each(cases)('%s', (_rule, tool, category, risk) => {
    const result = classifyTool(tool);
    expect({ category: result.category, risk: result.risk }).toEqual({ category, risk });
    // A risk other than the category's start is explained by an entry that set it.
    if (result.evidence.some((entry) => entry.risk !== undefined)) {
      expect(result.evidence.some((entry) => entry.risk === risk)).toBe(true);
    }
  });
});
