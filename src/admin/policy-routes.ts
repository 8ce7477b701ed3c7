import { Hono } from 'hono';
import type { PolicyVersionInfo } from '../policy/policy-version-store.js';
import { ServiceError } from '../services/service-error.js';
import type { AdminContext } from './admin-context.js';
import { needs, objectBody, recordChange, type AdminEnv } from './operator.js';
import type { RuleOptions } from '../inventory/recommended-rule.js';

/**
 * Policies as the console edits them: the files in use, their text and versions (read); check, what-if (read:
 * nothing is changed); save, roll back, create (policy). `?file=` names a file by its absolute path, as grants do.
 */
export function policyRoutes({ services }: AdminContext): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const files = services.policyFiles;
  const fileOf = (value: string | undefined) => {
    if (value === undefined || value === '') throw new ServiceError('invalid', "file: expected the policy file's path");
    return value;
  };
  app.get('/', needs('read'), async (c) => c.json({ policies: await files.list() }));
  app.get('/current', needs('read'), async (c) => c.json(await files.current(fileOf(c.req.query('file')))));
  app.get('/versions', needs('read'), async (c) => {
    const versions = await files.versions(fileOf(c.req.query('file')));
    const latest = versions[0]?.version;
    return c.json({ versions: versions.map((version) => versionJson(version, version.version === latest)) });
  });
  app.get('/version', needs('read'), async (c) => {
    const number = Number(c.req.query('version'));
    if (!Number.isInteger(number) || number < 1) return c.json({ error: 'version: expected a whole number' }, 400);
    const { text, ...info } = await files.version(fileOf(c.req.query('file')), number);
    return c.json({ ...versionJson(info, false), text });
  });
  app.post('/check', needs('read'), async (c) => {
    const body = await objectBody(c);
    if (body === undefined || typeof body.text !== 'string')
      return c.json({ error: 'expected { "text": string }' }, 400);
    return c.json({ problems: files.check(body.text, typeof body.file === 'string' ? body.file : undefined) });
  });
  app.post('/explain', needs('read'), async (c) => {
    const body = await objectBody(c);
    const { server, tool, grant, text } = body ?? {};
    const args = body?.arguments ?? {};
    if (
      typeof server !== 'string' ||
      typeof tool !== 'string' ||
      (grant !== undefined && grant !== null && typeof grant !== 'string') ||
      (text !== undefined && typeof text !== 'string') ||
      typeof args !== 'object' ||
      args === null ||
      Array.isArray(args)
    ) {
      return c.json(
        {
          error:
            'expected { "server": string, "tool": string, "arguments"?: object, "grant"?: string, "text"?: string }',
        },
        400,
      );
    }
    const explanation = await services.policy.explain({
      serverId: server,
      tool,
      arguments: args as Record<string, unknown>,
      ...(typeof grant === 'string' && grant !== '' ? { grant } : {}),
      ...(text === undefined ? {} : { policyText: text }),
      checkServer: false,
      ...(services.inventory ? { toolClass: await services.inventory.classOf(server, tool) } : {}),
    });
    return c.json(
      explanation.kind === 'decided' ? { kind: explanation.kind, decision: explanation.decision } : explanation,
    );
  });
  app.put('/', needs('policy'), async (c) => {
    const body = await objectBody(c);
    const { file, text, basedOn, note } = body ?? {};
    if (
      typeof file !== 'string' ||
      typeof text !== 'string' ||
      !(basedOn === null || (typeof basedOn === 'number' && Number.isInteger(basedOn))) ||
      (note !== undefined && note !== null && typeof note !== 'string')
    ) {
      return c.json(
        { error: 'expected { "file": string, "text": string, "basedOn": number | null, "note"?: string }' },
        400,
      );
    }
    const actor = c.get('operator').name;
    const version = await files.save(file, text, basedOn, actor, typeof note === 'string' && note !== '' ? note : null);
    await recordChange(c, services.operators, {
      action: 'policy_saved',
      target: file,
      what: `saved version ${version} of ${file}`,
    });
    return c.json({ version });
  });
  app.post('/rollback', needs('policy'), async (c) => {
    const body = await objectBody(c);
    if (body === undefined || typeof body.file !== 'string' || typeof body.version !== 'number') {
      return c.json({ error: 'expected { "file": string, "version": number }' }, 400);
    }
    const actor = c.get('operator').name;
    const version = await files.rollback(body.file, body.version, actor);
    await recordChange(c, services.operators, {
      action: 'policy_saved',
      target: body.file,
      what: `rolled ${body.file} back to version ${body.version} (saved as version ${version})`,
    });
    return c.json({ version });
  });
  app.post('/new', needs('policy'), async (c) => {
    const body = await objectBody(c);
    if (body === undefined || typeof body.name !== 'string')
      return c.json({ error: 'expected { "name": string }' }, 400);
    const actor = c.get('operator').name;
    const file = await files.create(body.name, actor);
    await recordChange(c, services.operators, { action: 'policy_saved', target: file, what: `created ${file}` });
    return c.json({ file }, 201);
  });
  app.get('/suggest', needs('read'), async (c) => {
    if (!services.inventory) throw new ServiceError('not_found', 'This gateway keeps no inventory');
    const { suggested } = await services.inventory.suggest(ruleOptionsOf(c.req.query()));
    return c.json(suggested);
  });
  return app;
}

function versionJson(version: PolicyVersionInfo, current: boolean) {
  return { ...version, savedAt: new Date(version.savedAt).toISOString(), current };
}

/** `?destructive=hide|approve&root=/dir`: how the recommended rules are written. */
export function ruleOptionsOf(query: Record<string, string>): RuleOptions {
  const destructive = query.destructive ?? 'hide';
  if (destructive !== 'hide' && destructive !== 'approve') {
    throw new ServiceError('invalid', `destructive: expected "hide" or "approve", got ${JSON.stringify(destructive)}`);
  }
  return { destructive, ...(query.root === undefined ? {} : { root: query.root }) };
}
