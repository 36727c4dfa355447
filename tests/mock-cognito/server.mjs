#!/usr/bin/env node
// server.mjs — CLI for the Cognito emulator: prints one JSON "listening" line, stops on SIGINT/SIGTERM.
//   node tests/mock-cognito/server.mjs [--port N] [--host H] [--pool ID] [--users FILE] [--client JSON]...
//        [--error-pages redirect|inline] [--enforce-csrf]
import { startMockCognito } from './index.mjs';

function usage(msg) {
  if (msg) process.stderr.write(`server.mjs: ${msg}\n`);
  process.stderr.write('usage: node server.mjs [--port N] [--host H] [--pool ID] [--users FILE] [--client JSON]... [--error-pages redirect|inline] [--enforce-csrf]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { clients: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const next = () => {
      if (eq > 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) usage(`${name} needs a value`);
      return argv[++i];
    };
    switch (name) {
      case '--port': {
        const p = Number(next());
        if (!Number.isInteger(p) || p < 0 || p > 65535) usage('--port must be 0..65535');
        opts.port = p;
        break;
      }
      case '--host': opts.host = next(); break;
      case '--pool': opts.poolId = next(); break;
      case '--users': opts.usersFile = next(); break;
      case '--client':
        try {
          opts.clients.push(JSON.parse(next()));
        } catch {
          usage('--client must be a JSON object');
        }
        break;
      case '--error-pages': opts.errorPageMode = next(); break;
      case '--enforce-csrf': opts.enforceCsrf = true; break;
      case '-h':
      case '--help': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
let mock;
try {
  mock = await startMockCognito(opts);
} catch (e) {
  process.stderr.write(`server.mjs: cannot start: ${e.message}\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify({ event: 'listening', port: mock.port, url: mock.url, issuer: mock.issuer })}\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await mock.close();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
