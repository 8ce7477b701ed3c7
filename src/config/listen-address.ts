import { isIP } from 'node:net';

/** True when `host` is a loopback address or name: only this machine can reach a socket bound to it. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
