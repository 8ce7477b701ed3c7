#!/usr/bin/env bash
# Smoke test of the packed Toolgate on a Node line other than the machine's, all from the npm registry:
#   install Node, install the package, start it in a folder of its own, list the tools, call one, read the audit.
#
#   bash scripts/smoke-test.sh [NODE_MAJOR]     # default 26, the newest LTS line; run `npm run build` first
#
# Node comes from the registry's `node` package (its preinstall fetches `node-<os>-<arch>`, another registry
# package), the server behind the gateway is the published @modelcontextprotocol/server-everything, and npm runs
# with that Node first on PATH, so the package is installed and started the way a user of that line would.
# Everything happens in a temporary folder, removed at the end; the exit status says whether each step worked.
set -euo pipefail

major="${1:-26}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/toolgate-smoke-XXXXXX")"
gateway_pid=""
cleanup() {
  # The gateway runs in a process group of its own (set -m below): npx, Toolgate and the server it started.
  if [ -n "$gateway_pid" ]; then kill -- "-$gateway_pid" 2>/dev/null || true; wait "$gateway_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '[smoke] %s\n' "$*" >&2; }

step "installing Node $major from the npm registry"
mkdir -p "$work/node"
# npm 12 runs only the install scripts a project allows; `node` needs its preinstall.
printf '{ "private": true, "allowScripts": { "node": true } }\n' >"$work/node/package.json"
npm install --prefix "$work/node" --no-audit --no-fund --loglevel=error "node@$major" >&2
export PATH="$work/node/node_modules/.bin:$PATH"
version="$(node --version)"
case "$version" in
  "v$major".*) step "node $version at $(command -v node)" ;;
  *) echo "[smoke] expected Node $major on PATH, got $version" >&2; exit 1 ;;
esac

step "packing Toolgate"
[ -f "$root/dist/src/main.js" ] || { echo "[smoke] no dist/src/main.js: run npm run build first" >&2; exit 1; }
tarball="$(cd "$root" && npm pack --ignore-scripts --silent --pack-destination "$work")"
everything="$(node -p "require('$root/package.json').devDependencies['@modelcontextprotocol/server-everything']")"

step "installing $tarball and server-everything $everything with Node $major"
mkdir -p "$work/app"
cd "$work/app"
printf '{ "private": true }\n' >package.json
npm install --no-audit --no-fund --prefer-offline --loglevel=error \
  "$work/$tarball" "@modelcontextprotocol/server-everything@$everything" >&2
cat >toolgate.json <<'JSON'
{
  "listen": { "allowTokenless": true },
  "mcpServers": {
    "everything": { "command": "node", "args": ["node_modules/@modelcontextprotocol/server-everything/dist/index.js", "stdio"] }
  },
  "log": { "level": "info" }
}
JSON

step "starting: npx toolgate start --port 0"
set -m
npx --no toolgate start --port 0 >"$work/gateway.out" 2>"$work/gateway.log" &
gateway_pid=$!
set +m
url=""
for _ in $(seq 1 600); do
  url="$(sed -n 's/^Toolgate is listening on \(http:[^ ]*\)$/\1/p' "$work/gateway.log" | head -n 1)"
  [ -n "$url" ] && break
  if ! kill -0 "$gateway_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "[smoke] the gateway did not start; its log:" >&2
  cat "$work/gateway.log" >&2
  exit 1
fi
step "listening on $url"

step "listing the tools and calling everything__echo"
cat >client.mjs <<'JS'
// A client in plain fetch: initialize, initialized, tools/list, tools/call (Streamable HTTP, JSON or SSE answers).
const url = process.argv[2];
let session;
let id = 0;
async function send(method, params, notification = false) {
  const body = { jsonrpc: '2.0', method, ...(params ? { params } : {}), ...(notification ? {} : { id: ++id }) };
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(session ? { 'mcp-session-id': session } : {}),
      ...(session ? { 'mcp-protocol-version': '2025-06-18' } : {}),
    },
    body: JSON.stringify(body),
  });
  session = response.headers.get('mcp-session-id') ?? session;
  const text = await response.text();
  if (!response.ok) throw new Error(`${method}: HTTP ${response.status} ${text}`);
  if (notification) return undefined;
  const json = response.headers.get('content-type')?.includes('text/event-stream')
    ? text.split('\n').filter((line) => line.startsWith('data:')).map((line) => JSON.parse(line.slice(5))).find((m) => m.id === body.id)
    : JSON.parse(text);
  if (json.error) throw new Error(`${method}: ${JSON.stringify(json.error)}`);
  return json.result;
}
await send('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'smoke', version: '1' } });
await send('notifications/initialized', undefined, true);
const { tools } = await send('tools/list', {});
const names = tools.map((tool) => tool.name);
if (!names.includes('everything__echo')) throw new Error(`no everything__echo among ${names.join(', ')}`);
console.error(`[smoke] ${names.length} tools, among them everything__echo`);
const result = await send('tools/call', { name: 'everything__echo', arguments: { message: 'smoke' } });
const text = result.content.map((part) => part.text ?? '').join('');
if (result.isError || !text.includes('smoke')) throw new Error(`echo answered ${JSON.stringify(result)}`);
console.error(`[smoke] everything__echo answered: ${text}`);
JS
node client.mjs "$url" >&2

step "reading the audit record: npx toolgate audit tail --json"
record=""
for _ in $(seq 1 50); do
  record="$(npx --no toolgate audit tail --json --tool echo | tail -n 1)"
  [ -n "$record" ] && break
  sleep 0.2 # the audit sink writes in batches, within a second
done
node -e '
  const record = JSON.parse(process.argv[1] || "null");
  // No policy in this config: every call is "unrestricted", and audited all the same.
  if (!record || record.serverId !== "everything" || record.tool !== "echo" || record.decision !== "unrestricted" || record.outcome !== "ok")
    throw new Error("unexpected audit record: " + process.argv[1]);
  console.error("[smoke] audit: " + [record.serverId, record.tool, record.decision, record.outcome].join(" "));
' "$record"

step "passed on Node $version"
