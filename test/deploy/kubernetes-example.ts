/**
 * The Kubernetes example in deploy/kubernetes, read as a cluster would read it: every YAML document of every
 * manifest, looked up by kind and name, and the pieces a test needs (the gateway's container, its config file).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../e2e/harness.js';

export const EXAMPLE_DIR = join(ROOT, 'deploy/kubernetes');

/** A Kubernetes object as parsed: only what the tests read is typed, the rest is left open. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Labels };
  readonly spec?: Record<string, unknown>;
  readonly data?: Record<string, string>;
  readonly stringData?: Record<string, string>;
  /** The file it came from, for messages. */
  readonly file: string;
}

export type Labels = Readonly<Record<string, string>>;

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef?: { readonly name: string; readonly key: string } };
}

interface Probe {
  readonly httpGet?: {
    readonly path: string;
    readonly port: string | number;
    readonly httpHeaders?: readonly { name: string; value: string }[];
  };
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly ports?: readonly { name?: string; containerPort: number }[];
  readonly env?: readonly EnvVar[];
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readonly securityContext?: Record<string, unknown>;
  readonly volumeMounts?: readonly { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface PodSpec {
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly restartPolicy?: string;
  readonly securityContext?: Record<string, unknown>;
  readonly volumes?: readonly { name: string; configMap?: { name: string } }[];
}

export interface PodTemplate {
  readonly metadata: { readonly labels: Labels };
  readonly spec: PodSpec;
}

/** kustomize's file, which lists the manifests rather than being one. */
export const KUSTOMIZATION = 'kustomization.yaml';

/** Every document of every manifest (.yaml file) in the example, in file order. */
export function readManifests(dir = EXAMPLE_DIR): Manifest[] {
  const files = readdirSync(dir).filter((name) => name.endsWith('.yaml') && name !== KUSTOMIZATION);
  return files.sort().flatMap((file) => documentsOf(dir, file).map((value) => ({ ...(value as Manifest), file })));
}

/** The files kustomization.yaml lists under `resources`. */
export function kustomizedFiles(dir = EXAMPLE_DIR): string[] {
  const [kustomization] = documentsOf(dir, KUSTOMIZATION) as [{ kind: string; resources: string[] }];
  if (kustomization.kind !== 'Kustomization') throw new Error(`${KUSTOMIZATION} is a ${kustomization.kind}`);
  return kustomization.resources;
}

/** The documents of one YAML file, as plain values; a YAML error throws, naming the file. */
function documentsOf(dir: string, file: string): object[] {
  const values: object[] = [];
  for (const document of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
    if (document.errors.length > 0) {
      throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`);
    }
    const value = document.toJS() as object | null;
    if (value !== null) values.push(value);
  }
  return values;
}

/** The one object of this kind (and name): throws when there is none or more than one. */
export function one(manifests: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
}

/** The pod template of a Deployment or a Job. */
export function podTemplate(workload: Manifest): PodTemplate {
  return (workload.spec as { template: PodTemplate }).template;
}

/** True when every label of `selector` is on `labels` with the same value (how a selector matches). */
export function selects(selector: Labels, labels: Labels): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** The port a probe or a Service's targetPort names, as a number: by name among the container's ports. */
export function portOf(container: Container, port: string | number): number | undefined {
  if (typeof port === 'number') return container.ports?.some((p) => p.containerPort === port) ? port : undefined;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/**
 * Where a ConfigMap's key lands in a container: the mount of a volume from that ConfigMap, then the key (no
 * `items` remap in the example). Undefined when the container mounts no such volume.
 */
export function mountedPath(pod: PodSpec, container: Container, configMap: string, key: string): string | undefined {
  const volume = pod.volumes?.find((v) => v.configMap?.name === configMap);
  const mount = volume && container.volumeMounts?.find((m) => m.name === volume.name);
  return mount && posix.join(mount.mountPath, key);
}

/** The names of the variables a config text refers to, `${env:NAME}` and `${NAME}` alike (`$${` is a literal). */
export function variablesIn(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(/(\$?)\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    if (match[1] === '') names.add(match[2]!);
  }
  return [...names].sort();
}
