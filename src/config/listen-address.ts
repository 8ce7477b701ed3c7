import { isIP } from 'node:net';

/** True when `host` is a loopback address or name: only this machine can reach a socket bound to it. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** The hostname of a `host[:port]` as a Host header carries it. */
export function hostnameOf(hostAndPort: string): string {
  return new URL(`http://${hostAndPort}`).hostname;
}

/** A listener on a specific address also answers requests addressed to it by that address. */
export function listenHostnames(host: string): string[] {
  if (host === '0.0.0.0' || host === '::') return [];
  return [host.includes(':') ? `[${host}]` : host];
}
