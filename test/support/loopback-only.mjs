// Loaded with `node --import` into published programs that listen on every interface (server-everything calls
// `app.listen(PORT)`; mcp-proxy and supergateway may too): tests and the bench must only ever serve on loopback.
// It pins every listen to 127.0.0.1 and prints the port it got, so a caller can start such a program on port 0
// and learn where it is.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    const port = Number(args[0]);
    const callback = args.find((arg) => typeof arg === 'function');
    this.once('listening', () => process.stderr.write(`loopback-only listening ${this.address().port}\n`));
    return listen.call(this, port, '127.0.0.1', callback);
  }
  if (typeof args[0] === 'object' && args[0] !== null) {
    args[0] = { ...args[0], host: '127.0.0.1' };
    this.once('listening', () => process.stderr.write(`loopback-only listening ${this.address().port}\n`));
  }
  return listen.apply(this, args);
};
