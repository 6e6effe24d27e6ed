// director's echo service for a client with node (no install: director writes this file to
// the service's folder). The protocol of src/local/protocol.ts, on every port given:
//   node echo-node.cjs --bind <address> --idle-ms <ms> <port>...
// Plain CommonJS for old node versions. Its twins: echo-python.py, echo-perl.pl.
'use strict';
var net = require('net');

var MAX_LINE = 4096;
var HIGH_WATER = 64 * 1024;
var LINGER_MS = 1000;
var ECHO_LIMIT = 80;

var args = process.argv.slice(2);
var bind = '127.0.0.1';
var idleMs = 60000;
var ports = [];
for (var i = 0; i < args.length; i++) {
  if (args[i] === '--bind') bind = args[++i];
  else if (args[i] === '--idle-ms') idleMs = Number(args[++i]);
  else ports.push(Number(args[i]));
}
if (ports.length === 0 || !(idleMs > 0) || ports.some(function (p) { return !(p >= 1 && p <= 65535); })) {
  process.stderr.write('usage: echo-node.cjs --bind <address> --idle-ms <ms> <port>...\n');
  process.exit(2);
}

var started = Date.now();
var requests = 0;
var servers = 0;

function address(socket) {
  var a = String(socket.localAddress || bind).replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  return (a.indexOf(':') === -1 ? a : '[' + a + ']') + ':' + socket.localPort;
}

function isBlank(code) {
  return code === 9 || code === 10 || code === 11 || code === 12 || code === 13 || code === 32 || code === 160;
}

function trim(s) {
  var a = 0;
  var b = s.length;
  while (a < b && isBlank(s.charCodeAt(a))) a++;
  while (b > a && isBlank(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

function printable(text) {
  var cut = text.length > ECHO_LIMIT ? text.slice(0, ECHO_LIMIT) : text;
  var out = '';
  for (var j = 0; j < cut.length; j++) {
    var code = cut.charCodeAt(j);
    if (cut[j] === '\\') out += '\\\\';
    else if (code >= 0x20 && code < 0x7f) out += cut[j];
    else out += '\\x' + (code < 16 ? '0' : '') + code.toString(16);
  }
  return cut.length < text.length ? out + '...' : out;
}

function rssMB() {
  return Math.round((process.memoryUsage().rss / 1024 / 1024) * 10) / 10;
}

function serve(port) {
  var sockets = [];
  var server = net.createServer(function (socket) {
    socket.setNoDelay(true);
    sockets.push(socket);
    var pending = [];
    var size = 0;
    var closing = false;
    var lineTimer = null;
    var finish = function (text) {
      if (closing) return;
      closing = true;
      socket.end(text + '\n');
      setTimeout(function () { socket.destroy(); }, LINGER_MS).unref();
    };
    var answer = function (text) {
      requests++;
      if (!socket.write(text + '\n') || socket.writableLength > HIGH_WATER) socket.pause();
    };
    var watchLine = function (ended) {
      if (size === 0 || ended) {
        clearTimeout(lineTimer);
        lineTimer = null;
      }
      if (size > 0 && lineTimer === null) lineTimer = setTimeout(function () { finish('ERR line not finished within the idle timeout'); }, idleMs);
    };
    socket.setTimeout(idleMs);
    socket.on('timeout', function () { finish('ERR idle timeout'); });
    socket.on('error', function () { socket.destroy(); });
    socket.on('drain', function () { socket.resume(); });
    socket.on('close', function () {
      clearTimeout(lineTimer);
      sockets.splice(sockets.indexOf(socket), 1);
    });
    socket.on('data', function (chunk) {
      if (closing) return;
      var start = 0;
      var ended = false;
      for (var nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        if (size + nl - start > MAX_LINE) return overflow();
        pending.push(chunk.slice(start, nl));
        var line = Buffer.concat(pending).toString('latin1');
        if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
        pending = [];
        size = 0;
        start = nl + 1;
        ended = true;
        if (!request(line)) return;
      }
      if (size + chunk.length - start > MAX_LINE) return overflow();
      if (start < chunk.length) {
        pending.push(Buffer.from(chunk.slice(start)));
        size += chunk.length - start;
      }
      watchLine(ended);
    });
    function overflow() {
      requests++;
      pending = [];
      size = 0;
      finish('ERR line too long (over ' + MAX_LINE + ' bytes)');
    }
    /** Answers one request; false once the port is shutting down. */
    function request(line) {
      var word = trim(line).toLowerCase();
      if (word === 'ping') answer('Echo sent from ' + address(socket));
      else if (word === 'stat') answer(JSON.stringify({ service: 'director-echo', interpreter: 'node', port: port, pid: process.pid, uptimeSec: Math.round((Date.now() - started) / 100) / 10, memoryMB: rssMB(), requests: requests }));
      else if (word === '') answer('ERR empty request');
      else if (word === 'shutdown') {
        requests++;
        closing = true;
        server.close();
        var reply = 'Client ' + address(socket) + ' shutting down.\n';
        socket.end(reply, function () { shutDown(); });
        setTimeout(shutDown, LINGER_MS).unref();
        return false;
      } else answer('ERR unknown command: ' + printable(line));
      return true;
    }
  });
  var down = false;
  function shutDown() {
    if (down) return;
    down = true;
    sockets.slice().forEach(function (s) { s.destroy(); });
    if (--servers === 0) process.exit(0);
  }
  // Out of file descriptors: the connection is shed, the service goes on.
  server.on('error', function (e) {
    if (!server.listening) {
      process.stderr.write('echo: port ' + port + ': ' + (e.code || e.message) + '\n');
      if (--servers === 0) process.exit(1);
    }
  });
  servers++;
  server.listen({ host: bind, port: port, exclusive: true }, function () {
    process.stdout.write('echo: listening on ' + bind + ':' + port + ' (node ' + process.version + ')\n');
  });
}

process.on('SIGTERM', function () { process.exit(0); });
ports.forEach(serve);
