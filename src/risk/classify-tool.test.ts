import { describe, expect, it } from 'vitest';
import {
  CATEGORIES,
  type Category,
  type Classification,
  classifyTool,
  type Evidence,
  type Risk,
  RISKS,
  type ToolDefinition,
} from './index.js';

const object = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
});
const string = (description = '') => ({ type: 'string', description });
const boolean = (description = '') => ({ type: 'boolean', description });

function classify(tool: ToolDefinition, instructions?: string): Classification {
  return classifyTool(tool, instructions === undefined ? undefined : { instructions });
}

/** The evidence entries that mention a parameter or annotation. */
const at = (classification: Classification, path: string): Evidence[] =>
  classification.evidence.filter((entry) => entry.at === path);

describe('classifyTool: what a tool is for', () => {
  it('reads tools that get, list, search and fetch', () => {
    for (const tool of [
      { name: 'get_issue', description: 'Get details of a specific issue in a GitHub repository.' },
      { name: 'listAgents', description: 'Lists available agents on all configured agent servers.' },
      { name: 'search_nodes', description: 'Search for nodes in the knowledge graph based on a query' },
      { name: 'gateway.health', description: 'Get the health status of the gateway and all connected MCP servers.' },
    ]) {
      expect(classify(tool), tool.name).toMatchObject({ category: 'Read', risk: 'Low' });
    }
  });

  it('writes: creates, updates, moves, sends', () => {
    for (const tool of [
      { name: 'create_issue', description: 'Create a new issue in a GitHub repository.' },
      { name: 'update_page', description: 'Updates the properties of an existing page.' },
      { name: 'move_file', description: 'Move or rename files and directories.' },
      { name: 'slack_post_message', description: 'Post a new message to a Slack channel' },
    ]) {
      expect(classify(tool), tool.name).toMatchObject({ category: 'Write', risk: 'Medium' });
    }
  });

  it('executes code and commands; a command run on the host is Critical, one run inside a page High', () => {
    const shell = classify({
      name: 'run_command',
      description: 'Run a shell command on the host and return stdout and stderr.',
      inputSchema: object({ command: string('The command to run') }, ['command']),
    });
    expect(shell).toMatchObject({ category: 'Execute', risk: 'Critical' });
    expect(at(shell, 'command').some((entry) => entry.risk === 'Critical')).toBe(true);

    const page = classify({
      name: 'browser_evaluate',
      description: 'Evaluate a JavaScript expression on the page or an element.',
      inputSchema: object({ function: string('() => { /* code */ }') }),
    });
    expect(page).toMatchObject({ category: 'Execute', risk: 'High' });
  });

  it('deletes: one named item is High, a whole store Critical, what can be rebuilt Medium', () => {
    expect(classify({ name: 'delete_message', description: 'Permanently deletes a message.' })).toMatchObject({
      category: 'Destructive',
      risk: 'High',
    });
    expect(classify({ name: 'drop-database', description: 'Removes the given database.' })).toMatchObject({
      category: 'Destructive',
      risk: 'Critical',
    });
    expect(
      classify({
        name: 'delete-many',
        description: 'Removes all documents that match the filter from a MongoDB collection',
        inputSchema: object({ filter: { type: 'object' } }),
      }),
    ).toMatchObject({ category: 'Destructive', risk: 'Critical' });
    expect(classify({ name: 'drop-index', description: 'Drop an index for the provided collection.' })).toMatchObject({
      category: 'Destructive',
      risk: 'Medium',
    });
  });

  it('moves money: refunds and payments are Critical; a change to what is billed later is High', () => {
    expect(
      classify({ name: 'create_refund', description: 'This tool will refund a payment intent in Stripe.' }),
    ).toMatchObject({
      category: 'Financial',
      risk: 'Critical',
    });
    expect(
      classify({
        name: 'update_subscription',
        description: 'This tool will update an existing subscription in Stripe.',
      }),
    ).toMatchObject({ category: 'Financial', risk: 'High' });
    expect(
      classify({
        name: 'transfer',
        description: 'Transfer tokens from the wallet to another address.',
        inputSchema: object({ to: string('Recipient address'), amount: string('Amount to send') }),
      }),
    ).toMatchObject({ category: 'Financial', risk: 'Critical' });
  });

  it('reads money without moving it: one record is Low, records in bulk Medium', () => {
    expect(classify({ name: 'get_invoice', description: 'Get an invoice by its ID.' })).toMatchObject({
      category: 'Read',
      risk: 'Low',
    });
    expect(classify({ name: 'list_invoices', description: 'This tool will list invoices in Stripe.' })).toMatchObject({
      category: 'Read',
      risk: 'Medium',
    });
  });

  it('makes drafts and catalogue entries Write: a price or a payment link moves no money', () => {
    for (const name of ['create_price', 'create_payment_link', 'create_subscription_plan']) {
      expect(
        classify({ name, description: `This tool will ${name.replaceAll('_', ' ')} in Stripe.` }).category,
        name,
      ).toBe('Write');
    }
  });

  it('manages connections and helps the model: Other', () => {
    for (const tool of [
      { name: 'mqtt_disconnect', description: 'Disconnect from the MQTT printer connection' },
      {
        name: 'sequentialthinking',
        description: 'A detailed tool for dynamic and reflective problem-solving through thoughts.',
      },
      { name: 'add', description: 'Adds two numbers' },
      { name: 'browser_hover', description: 'Hover over element on page' },
    ]) {
      expect(classify(tool), tool.name).toMatchObject({ category: 'Other', risk: 'Low' });
    }
  });

  it('names noun-first tools by their verb (`printer_stop`, `gateway.tasks_cancel`)', () => {
    expect(classify({ name: 'printer_stop', description: 'Stop the current print job immediately' }).category).toBe(
      'Write',
    );
    expect(
      classify({ name: 'gateway.tasks_cancel', description: 'Cancel a downstream MCP task by opaque task ID.' })
        .category,
    ).toBe('Execute');
  });

  it('takes the more dangerous of two verbs said together', () => {
    const upsert = classify({ name: 'get_or_create_user', description: 'Gets a user, or creates one.' });
    expect(upsert.category).toBe('Write');
  });

  it('reads a tool that can delete as Destructive, though its main verb only manages', () => {
    const branch = classify({
      name: 'git_branch',
      description: 'Manage branches: list all branches, create a new branch, delete a branch, or rename a branch.',
    });
    expect(branch.category).toBe('Destructive');
    expect(branch.evidence.some((entry) => entry.quote.startsWith('delete') && entry.category === 'Destructive')).toBe(
      true,
    );
  });

  it('says what nothing in the definition names: unknown without a description, harmless with one', () => {
    expect(classify({ name: 'xq7' })).toMatchObject({ category: 'Other', risk: 'Medium' });
    expect(classify({ name: 'xq7', description: 'A small utility.' })).toMatchObject({
      category: 'Other',
      risk: 'Low',
    });
  });
});

describe('classifyTool: negation', () => {
  it('does not count a negated verb as something the tool does', () => {
    const tool = classify({
      name: 'monitor_get',
      description: 'Retrieve one monitor by ID. This does not run, modify or delete the monitor.',
    });
    expect(tool).toMatchObject({ category: 'Read', risk: 'Low' });
    expect(tool.evidence.some((entry) => entry.quote === 'delete' && entry.finding.includes('negated'))).toBe(true);
  });

  it('reads "without changing" as no change, and "read-only" in the text as the tool’s own word', () => {
    const query = classify({
      name: 'query',
      description: 'Run a read-only SQL query',
      inputSchema: object({ sql: string() }),
    });
    expect(query).toMatchObject({ category: 'Execute', risk: 'Medium' });
    expect(query.evidence.some((entry) => entry.quote === 'read-only')).toBe(true);
  });
});

describe('classifyTool: arguments move the risk', () => {
  it('a force flag raises a write, named at its path, nested too', () => {
    const push = classify({
      name: 'git_push',
      description: 'Push changes to a remote repository.',
      inputSchema: object({ remote: string(), options: object({ force: boolean('Force push') }) }),
    });
    expect(push).toMatchObject({ category: 'Write', risk: 'High' });
    expect(at(push, 'options.force')).toHaveLength(1);
    const plain = classify({
      name: 'git_commit',
      description: 'Create a new commit with staged changes.',
      inputSchema: object({ message: string() }),
    });
    expect(plain.risk).toBe('Medium');
  });

  it('a recipient raises what a tool sends', () => {
    const send = classify({
      name: 'send_sms',
      description: 'Send an SMS message to a phone number',
      inputSchema: object({ to: string('The recipient phone number'), body: string() }),
    });
    expect(send).toMatchObject({ category: 'Write', risk: 'High' });
    expect(at(send, 'to')[0]?.risk).toBe('High');
  });

  it('a URL raises a read: the tool fetches whatever it is given', () => {
    const fetch = classify({
      name: 'fetch',
      description: 'Fetches a URL from the internet and extracts its contents as markdown.',
      inputSchema: object({ url: string() }, ['url']),
    });
    expect(fetch).toMatchObject({ category: 'Read', risk: 'Medium' });
  });

  it('an overwrite raises a write', () => {
    const write = classify({
      name: 'write_file',
      description: 'Create a new file or completely overwrite an existing file with new content.',
      inputSchema: object({ path: string(), content: string() }),
    });
    expect(write).toMatchObject({ category: 'Write', risk: 'High' });
    expect(write.evidence.some((entry) => entry.quote === 'overwrite' && entry.risk === 'High')).toBe(true);
  });

  it('creating an empty directory is harmless', () => {
    expect(classify({ name: 'create_directory', description: 'Create a new directory.' })).toMatchObject({
      category: 'Write',
      risk: 'Low',
    });
  });

  it('a credential the call must carry raises a read', () => {
    const withKey = classify({
      name: 'get_native_balance',
      description: 'Get the native token balance of an address.',
      inputSchema: object({ address: string(), privateKey: string('Private key in hex format') }, ['privateKey']),
    });
    expect(withKey).toMatchObject({ category: 'Read', risk: 'Medium' });
  });
});

describe('classifyTool: annotations are hints', () => {
  it('readOnlyHint lowers nothing the words show', () => {
    const tool = classify({
      name: 'delete_repository',
      description: 'Delete a GitHub repository.',
      annotations: { readOnlyHint: true },
    });
    expect(tool.category).toBe('Destructive');
    expect(at(tool, 'readOnlyHint')[0]?.finding).toContain('lowers nothing');
  });

  it('destructiveHint decides only when the words say nothing', () => {
    expect(classify({ name: 'zz_op', annotations: { destructiveHint: true } })).toMatchObject({
      category: 'Destructive',
      risk: 'Critical',
    });
    const hover = classify({
      name: 'browser_hover',
      description: 'Hover over element on page',
      annotations: { readOnlyHint: false, destructiveHint: true },
    });
    expect(hover).toMatchObject({ category: 'Other', risk: 'Low' });
    expect(at(hover, 'destructiveHint')).toHaveLength(1);
  });
});

describe('classifyTool: the seed pages’ three disconnects', () => {
  it('closing a connection is Other/Low', () => {
    expect(
      classify({ name: 'mqtt_disconnect', description: 'Disconnect from the MQTT printer connection' }),
    ).toMatchObject({
      category: 'Other',
      risk: 'Low',
    });
  });

  it('disconnecting and removing a server from a list is a reversible Write', () => {
    const tool = classify({
      name: 'disconnectServer',
      description: "Disconnects from a dynamically connected agent server and removes it from the proxy's server list.",
      inputSchema: object({ serverName: string() }),
    });
    expect(tool).toMatchObject({ category: 'Write', risk: 'Medium' });
    expect(tool.evidence.some((entry) => entry.quote.startsWith('removes') && entry.category === 'Write')).toBe(true);
  });

  it('disconnecting without changing config is Other; its force flag raises it', () => {
    const tool = classify({
      name: 'gateway.disconnect_server',
      description:
        'Disconnect a running downstream MCP server without changing persistent config. Refuses by default when ' +
        'that server has pending requests; set force=true to cancel them.',
      inputSchema: object({ server_name: string(), force: boolean() }),
    });
    expect(tool).toMatchObject({ category: 'Other', risk: 'Medium' });
    expect(at(tool, 'force')[0]?.risk).toBe('Medium');
  });
});

describe('classifyTool: as a function', () => {
  const tools: ToolDefinition[] = [
    {
      name: 'send_email',
      description: 'Sends a new email. Use with care.',
      inputSchema: object({ to: { type: 'array', items: string() }, subject: string(), body: string() }),
      annotations: { openWorldHint: true },
    },
    { name: 'kubectl_delete', description: 'Delete Kubernetes resources by name or label selector.' },
    { name: 'get_weather', title: 'Weather', description: 'Get the current weather for a location.' },
  ];

  it('answers in the contract’s words, a warned tool never below High', () => {
    const seen = new Set<Category>();
    const severity = (risk: Risk) => RISKS.indexOf(risk);
    for (const tool of [
      ...tools,
      { name: 'create_refund', description: 'Refund a charge.' },
      { name: 'run_code', description: 'Run code.', inputSchema: object({ code: string() }) },
      { name: 'ping', description: 'Ping the server.' },
      { name: 'rеad_file', description: 'Read a file.' },
    ]) {
      const result = classifyTool(tool);
      expect(CATEGORIES).toContain(result.category);
      expect(severity(result.risk)).toBeGreaterThanOrEqual(0);
      if (result.warnings.length > 0) expect(severity(result.risk)).toBeGreaterThanOrEqual(severity('High'));
      seen.add(result.category);
    }
    expect(seen.size).toBe(CATEGORIES.length);
  });

  it('is deterministic and leaves its input as it was', () => {
    for (const tool of tools) {
      const frozen = structuredClone(tool);
      Object.freeze(frozen);
      expect(classifyTool(frozen)).toEqual(classifyTool(structuredClone(tool)));
      expect(frozen).toEqual(tool);
    }
  });

  it('quotes only words found in the definition', () => {
    for (const tool of tools) {
      const all = JSON.stringify(tool);
      for (const entry of classifyTool(tool).evidence) {
        if (entry.source === 'annotation') continue;
        expect(all.toLowerCase(), entry.quote).toContain(entry.quote.toLowerCase());
      }
    }
  });

  it('survives a definition of any shape', () => {
    const hostile = {
      name: 42,
      description: { text: 'no' },
      inputSchema: { properties: { a: null, b: [1, 2], c: { properties: 'x' } } },
      annotations: 'none',
    } as unknown as ToolDefinition;
    expect(classifyTool(hostile)).toMatchObject({ category: 'Other', risk: 'Medium' });
    let deep: Record<string, unknown> = { type: 'object' };
    for (let i = 0; i < 50; i++) deep = { type: 'object', properties: { force: boolean(), next: deep } };
    expect(() => classifyTool({ name: 'deep', inputSchema: deep })).not.toThrow();
  });
});
