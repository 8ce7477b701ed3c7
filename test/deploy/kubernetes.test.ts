/**
 * The Kubernetes example (deploy/kubernetes) holds together as a cluster would run it: the objects reference each
 * other correctly, the config in the ConfigMap loads with the gateway's own loader, and two `toolgate start`
 * processes run from it (against this machine's PostgreSQL and Redis, as the Job and the Deployment say) become
 * ready under the pods' probes, share their grants and audit trail, and write no file.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, posix, relative } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildCli } from '../../src/cli/index.js';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { parsePolicy } from '../../src/policy/parse-policy.js';
import { connectWithToken, GATEWAY_MAIN, ROOT, stopProcess, tokenFrom } from '../e2e/harness.js';
import { startHttpFixture, type HttpFixture } from '../fixtures/spawn-fixture.js';
import { describePostgres, freshSchema, POSTGRES_URL } from '../support/postgres.js';
import { deleteRedisKeys, describeRedis, REDIS_URL } from '../support/redis.js';
import {
  EXAMPLE_DIR,
  KUSTOMIZATION,
  kustomizedFiles,
  mountedPath,
  one,
  podTemplate,
  portOf,
  readManifests,
  selects,
  variablesIn,
  type Container,
  type EnvVar,
  type PodSpec,
} from './kubernetes-example.js';

const manifests = readManifests();
const deployment = one(manifests, 'Deployment');
const job = one(manifests, 'Job');
const service = one(manifests, 'Service');
const configMap = one(manifests, 'ConfigMap');
const secret = one(manifests, 'Secret');
const pod = podTemplate(deployment).spec;
const gateway = pod.containers[0]!;
const migratePod = podTemplate(job).spec;
const migrate = migratePod.containers[0]!;
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
};

/** The ConfigMap key a container's `--config` names, read through its volume mount. */
function configKey(spec: PodSpec, container: Container): string {
  const file = optionValue(container.args ?? [], '--config');
  const key = Object.keys(configMap.data ?? {}).find(
    (name) => mountedPath(spec, container, configMap.metadata.name, name) === file,
  );
  if (key === undefined) throw new Error(`${container.name}: --config ${file} is no key of the ConfigMap`);
  return key;
}

function optionValue(args: readonly string[], option: string): string | undefined {
  const index = args.indexOf(option);
  return index === -1 ? undefined : args[index + 1];
}

/**
 * Why `args` is not a command the toolgate CLI accepts, or null: the subcommands walked by name in buildCli()'s
 * own tree, then every option known to the last one (with its value when it takes one), and no more positional
 * arguments than it declares.
 */
function cliProblem(args: readonly string[]): string | null {
  let command: Command = buildCli();
  let i = 0;
  for (; i < args.length; i++) {
    const sub = command.commands.find((c) => c.name() === args[i] || c.aliases().includes(args[i]!));
    if (!sub) break;
    command = sub;
  }
  if (command.commands.length > 0) return `"${args.slice(0, i).join(' ')}" needs a subcommand`;
  let positional = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) {
      positional++;
      continue;
    }
    const option = command.options.find((o) => o.long === arg || o.short === arg);
    if (!option) return `"${command.name()}" has no option ${arg}`;
    if (option.required || option.optional) i++;
  }
  if (positional > command.registeredArguments.length) return `"${command.name()}" takes no more arguments`;
  return null;
}

function env(container: Container): readonly EnvVar[] {
  return container.env ?? [];
}

describe('the Kubernetes example', () => {
  it('is one namespace of well-formed objects, all of them listed in its kustomization', () => {
    const namespace = one(manifests, 'Namespace').metadata.name;
    for (const manifest of manifests) {
      expect(manifest.apiVersion, manifest.file).toMatch(/^(v1|apps\/v1|batch\/v1)$/);
      expect(manifest.metadata.name, manifest.file).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      if (manifest.kind !== 'Namespace') expect(manifest.metadata.namespace, manifest.file).toBe(namespace);
    }
    const files = readdirSync(EXAMPLE_DIR).filter((file) => file.endsWith('.yaml') && file !== KUSTOMIZATION);
    // The Secret is an example of what to create by hand: kustomize must never apply its placeholders.
    expect(kustomizedFiles().sort()).toEqual(files.filter((file) => file !== 'secret.example.yaml').sort());
  });

  it('runs two replicas of the gateway that the Service reaches on the port the config listens on', () => {
    const spec = deployment.spec as { replicas: number; selector: { matchLabels: Record<string, string> } };
    expect(spec.replicas).toBe(2);
    const labels = podTemplate(deployment).metadata.labels;
    expect(selects(spec.selector.matchLabels, labels)).toBe(true);
    const serviceSpec = service.spec as {
      selector: Record<string, string>;
      ports: { port: number; targetPort: string | number }[];
    };
    expect(selects(serviceSpec.selector, labels)).toBe(true);
    // The Service selects the gateway's pods only, not the migration Job's.
    expect(selects(serviceSpec.selector, podTemplate(job).metadata.labels)).toBe(false);
    const config = JSON.parse(configMap.data![configKey(pod, gateway)]!) as {
      listen: { host: string; port: number; allowedHosts: string[] };
    };
    expect(serviceSpec.ports).not.toHaveLength(0);
    for (const port of serviceSpec.ports) expect(portOf(gateway, port.targetPort)).toBe(config.listen.port);
    for (const probe of [gateway.readinessProbe, gateway.livenessProbe]) {
      expect(portOf(gateway, probe!.httpGet!.port)).toBe(config.listen.port);
    }
    expect(gateway.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(gateway.livenessProbe?.httpGet?.path).toBe('/healthz');
    // Clients inside the cluster reach it by the Service's name, in every form DNS gives it.
    expect(config.listen.host).toBe('0.0.0.0');
    const name = service.metadata.name;
    const namespace = service.metadata.namespace!;
    for (const host of [
      name,
      `${name}.${namespace}`,
      `${name}.${namespace}.svc`,
      `${name}.${namespace}.svc.cluster.local`,
    ]) {
      expect(config.listen.allowedHosts.map((entry) => entry.split(':')[0])).toContain(host);
    }
  });

  it('runs real toolgate commands, from the image the Dockerfile builds, as its non-root user', () => {
    const [bin] = Object.entries(packageJson.bin)[0]!;
    expect(packageJson.bin[bin]).toBe('dist/src/main.js');
    const dockerfile = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:22-slim$/m);
    expect(dockerfile).toMatch(new RegExp(`^ARG PACKAGE=${packageJson.name}-${packageJson.version}\\.tgz$`, 'm'));
    expect(dockerfile).toMatch(new RegExp(`^ENTRYPOINT \\["${bin}"\\]$`, 'm'));
    // node:22-slim's `node` user is uid 1000: the pods' runAsUser.
    expect(dockerfile).toMatch(/^USER node$/m);
    for (const [spec, container, subcommand] of [
      [pod, gateway, 'start'],
      [migratePod, migrate, 'db migrate'],
    ] as const) {
      expect(container.image).toBe(`${packageJson.name}:${packageJson.version}`);
      expect(container.command).toEqual([bin]);
      expect(container.args?.join(' ')).toMatch(new RegExp(`^${subcommand} `));
      expect(cliProblem(container.args ?? [])).toBeNull();
      expect(configKey(spec, container)).toBe('toolgate.json');
    }
    expect(cliProblem(['start', '--conifg', 'x'])).toMatch(/no option --conifg/);
    expect(cliProblem(['db', 'migrat'])).toMatch(/needs a subcommand/);
    expect(['Never', 'OnFailure']).toContain(migratePod.restartPolicy);
  });

  it('runs every container non-root, on a read-only root filesystem, with resource requests', () => {
    for (const [spec, container] of [
      [pod, gateway],
      [migratePod, migrate],
    ] as const) {
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.resources?.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      // The config is the only volume, and it is mounted read-only: nowhere to write.
      expect(container.volumeMounts?.every((mount) => mount.readOnly === true)).toBe(true);
    }
  });

  it('gives each container every variable its config refers to, from the Secret where it is one', () => {
    const secretKeys = Object.keys(secret.stringData ?? secret.data ?? {});
    for (const [spec, container] of [
      [pod, gateway],
      [migratePod, migrate],
    ] as const) {
      const text = configMap.data![configKey(spec, container)]!;
      const given = env(container).map((variable) => variable.name);
      // The migration reads only the state section: its variables are all it needs (loadConfigOutline).
      const needed = container === migrate ? variablesIn(JSON.stringify(JSON.parse(text).state)) : variablesIn(text);
      expect(needed.length).toBeGreaterThan(0);
      for (const name of needed) expect(given, `${container.name} lacks ${name}`).toContain(name);
      for (const variable of env(container)) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref === undefined) continue;
        expect(ref.name).toBe(secret.metadata.name);
        expect(secretKeys).toContain(ref.key);
      }
    }
    // Connection strings and the admin token come from the Secret, never as literal values in the pod spec.
    for (const name of [
      'TOOLGATE_POSTGRES_URL',
      'TOOLGATE_REDIS_URL',
      'TOOLGATE_ADMIN_TOKEN',
      'TOOLGATE_SESSION_KEY',
    ]) {
      expect(env(gateway).find((variable) => variable.name === name)?.valueFrom?.secretKeyRef).toBeDefined();
    }
  });

  it('holds a config the gateway loads, keeping its state in PostgreSQL and its counters in Redis', () => {
    const text = configMap.data!['toolgate.json']!;
    const config = parseConfig(text, '/etc/toolgate/toolgate.json', localEnv('http://127.0.0.1:9/mcp'));
    expect(config.state.postgres?.url).toBe(POSTGRES_URL);
    expect(config.state.counters).toBe('redis');
    expect(config.state.redis?.url).toBe(REDIS_URL);
    expect(config.listen.allowTokenless).toBe(false);
    // Every replica seals sessions with the same key, so the Service needs no affinity.
    expect(config.listen.sessionKeys).toHaveLength(1);
    expect(config.servers.map((server) => server.id)).toEqual(['tools']);
    // A Secret applied with its placeholders unchanged refuses to start rather than serve with a known token.
    const placeholders = Object.fromEntries(
      env(gateway).map((variable) => [
        variable.name,
        variable.value ?? secret.stringData![variable.valueFrom!.secretKeyRef!.key]!,
      ]),
    );
    expect(() => parseConfig(text, '/etc/toolgate/toolgate.json', placeholders)).toThrow(ConfigError);
    expect(() => parseConfig(text, '/etc/toolgate/toolgate.json', placeholders)).toThrow(/admin\.token/);
  });

  it("holds a policy the gateway loads, at the path a grant's --policy names", () => {
    const keys = Object.keys(configMap.data!).filter((key) => key !== 'toolgate.json');
    expect(keys).toEqual(['agent-policy.json']);
    const policy = parsePolicy(configMap.data!['agent-policy.json']!, '/etc/toolgate/agent-policy.json');
    expect(policy.revision).toMatch(/\S/);
    expect(mountedPath(pod, gateway, configMap.metadata.name, 'agent-policy.json')).toBe(
      '/etc/toolgate/agent-policy.json',
    );
  });
});

/** The values this machine gives the Secret's keys. */
const ADMIN_TOKEN = randomBytes(32).toString('hex');
const localSecret: Record<string, string> = {
  'postgres-url': POSTGRES_URL,
  'redis-url': REDIS_URL,
  'admin-token': ADMIN_TOKEN,
  'session-key': 'a-session-key-of-at-least-32-characters-for-tests',
};

/** The environment the gateway's pod gets, with this machine's values for the Secret and the MCP server's URL. */
function localEnv(toolsUrl: string, container: Container = gateway): Record<string, string> {
  const values: Record<string, string> = {};
  for (const variable of env(container)) {
    const ref = variable.valueFrom?.secretKeyRef;
    values[variable.name] = ref ? localSecret[ref.key]! : variable.value!;
  }
  if ('TOOLS_MCP_URL' in values) values.TOOLS_MCP_URL = toolsUrl;
  return values;
}

// ------------------------------------------------------------------------------------------ run for real

/** Every file under `dir`, relative to it, sorted. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** A GET to 127.0.0.1:port with these headers (Host among them, which fetch would not let us set). */
function get(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Replica {
  readonly process: ChildProcess;
  readonly port: number;
  readonly log: string[];
}

const children: ChildProcess[] = [];
const fixtures: HttpFixture[] = [];
const prefixes: string[] = [];

afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => stopProcess(child)));
  await Promise.all(fixtures.splice(0).map((fixture) => fixture.close()));
});

afterAll(() => deleteRedisKeys(prefixes));

describePostgres('the Kubernetes example, run on this machine', () => {
  describeRedis('with PostgreSQL and Redis', () => {
    it('migrates with the Job, then serves from two replicas that share their state and write no file', async () => {
      // The ConfigMap's volume, as the pods see it at /etc/toolgate; a cwd, HOME and TMPDIR of their own.
      const root = mkdtempSync(join(tmpdir(), 'toolgate-k8s-'));
      const etc = join(root, 'etc/toolgate');
      const [cwd, home, temp] = ['work', 'home', 'tmp'].map((name) => join(root, name));
      for (const dir of [etc, cwd!, home!, temp!]) mkdirSync(dir, { recursive: true });
      // The only change to the config: a schema and a key prefix no other test uses.
      const config = JSON.parse(configMap.data!['toolgate.json']!) as {
        state: { postgres: Record<string, unknown>; redis: Record<string, unknown> };
      };
      const keyPrefix = `toolgate-test:${randomUUID()}:`;
      prefixes.push(keyPrefix);
      config.state.postgres.schema = freshSchema();
      config.state.redis.keyPrefix = keyPrefix;
      writeFileSync(join(etc, 'toolgate.json'), JSON.stringify(config, null, 2));
      for (const [key, text] of Object.entries(configMap.data!)) {
        if (key !== 'toolgate.json') writeFileSync(join(etc, key), text);
      }
      const atEtc = (path: string) => join(etc, posix.relative('/etc/toolgate', path));
      const args = (container: Container) =>
        (container.args ?? []).map((arg) => (arg.startsWith('/etc/toolgate/') ? atEtc(arg) : arg));

      const tools = await startHttpFixture('fixture-server.ts', ['--name', 'tools']);
      fixtures.push(tools);
      // Nothing of this process's environment: only what the pod spec gives, and what any container has.
      const podEnv = (container: Container) => ({
        PATH: process.env.PATH ?? '',
        HOME: home!,
        TMPDIR: temp!,
        ...localEnv(tools.url, container),
      });
      const before = [etc, cwd!, home!, temp!].map(filesUnder);

      const migrated = spawnSync(process.execPath, [GATEWAY_MAIN, ...args(migrate)], {
        cwd,
        env: podEnv(migrate),
        encoding: 'utf8',
      });
      expect(migrated.stderr).toBe('');
      expect(migrated.status).toBe(0);
      expect(migrated.stdout).toMatch(
        /^PostgreSQL 127\.0\.0\.1:5432\/test, schema \w+: migrated from schema 0 to \d+\.$/m,
      );

      const start = async (): Promise<Replica> => {
        const child = spawn(process.execPath, [GATEWAY_MAIN, ...args(gateway), '--port', '0'], {
          cwd,
          env: podEnv(gateway),
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        children.push(child);
        const log: string[] = [];
        const port = await new Promise<number>((resolve, reject) => {
          let listening: number | undefined;
          createInterface({ input: child.stderr }).on('line', (line) => {
            log.push(line);
            listening ??= Number(/listening on http:\/\/[^\s/]+:(\d+)\//.exec(line)?.[1]) || undefined;
            if (listening !== undefined && line.startsWith('Toolgate is ready on ')) resolve(listening);
          });
          child.once('exit', (code) => reject(new Error(`toolgate start exited with ${code}:\n${log.join('\n')}`)));
        });
        return { process: child, port, log };
      };
      const replicas = [await start(), await start()];
      expect(replicas[0]!.port).not.toBe(replicas[1]!.port);
      for (const replica of replicas) expect(replica.log.join('\n')).toContain('1 of 1 servers up');

      // The probes as the kubelet sends them: their path and headers, to the port they name.
      for (const replica of replicas) {
        for (const probe of [gateway.readinessProbe!, gateway.livenessProbe!]) {
          const headers = Object.fromEntries((probe.httpGet!.httpHeaders ?? []).map((h) => [h.name, h.value]));
          expect(await get(replica.port, probe.httpGet!.path, headers)).toBe(200);
        }
        // Without the Host header the kubelet would name the pod's IP, which the gateway refuses.
        expect(await get(replica.port, '/readyz', { host: `10.244.0.7:${replica.port}` })).toBe(403);
      }

      // One grant, made once with the CLI in either pod, works on both replicas; the policy is the ConfigMap's.
      const created = spawnSync(
        process.execPath,
        [
          GATEWAY_MAIN,
          'grants',
          'create',
          '--label',
          'agent',
          '--policy',
          atEtc('/etc/toolgate/agent-policy.json'),
          ...args(gateway).slice(1),
        ],
        { cwd, env: podEnv(gateway), encoding: 'utf8' },
      );
      expect(created.status, created.stderr).toBe(0);
      const token = tokenFrom(created.stdout);
      for (const replica of replicas) {
        const client = await connectWithToken(`http://127.0.0.1:${replica.port}/mcp`, token);
        const listed = await client.listTools();
        expect(listed.tools.length).toBeGreaterThan(0);
        await client.callTool({ name: 'tools__whoami', arguments: {} });
        await client.close();
      }
      // A pod's SIGTERM ends the gateway cleanly, its audit records written.
      for (const replica of replicas) {
        await stopProcess(replica.process);
        expect(replica.process.exitCode).toBe(0);
      }
      // Both replicas' calls are in the one audit trail, in PostgreSQL.
      const audit = spawnSync(
        process.execPath,
        [GATEWAY_MAIN, 'audit', 'query', '--tool', 'whoami', '--json', ...args(gateway).slice(1)],
        { cwd, env: podEnv(gateway), encoding: 'utf8' },
      );
      expect(audit.status, audit.stderr).toBe(0);
      const records = audit.stdout.trim().split('\n').filter(Boolean);
      expect(records).toHaveLength(2);

      const after = [etc, cwd!, home!, temp!].map(filesUnder);
      expect(after, `files written under ${relative(tmpdir(), root)}`).toEqual(before);
    });
  });
});
