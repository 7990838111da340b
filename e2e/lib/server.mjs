// Starts a real `tandem serve` on a free port with a fresh SQLite database and the built web app.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const targetDir = process.env.CARGO_TARGET_DIR || path.join(os.homedir(), '.cache/tandem/target');
export const BIN = process.env.TANDEM_BIN || path.join(targetDir, 'debug/tandem');
export const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Runs `tandem serve` on `port` over `dataDir` and waits until it answers. */
async function spawnServer(port, dataDir) {
  const log = fs.openSync(path.join(dataDir, 'server.log'), 'a');
  // Only our settings: a TANDEM_* left in the caller's environment must not leak in.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TANDEM_')));
  const child = spawn(BIN, ['serve'], {
    env: {
      ...inherited,
      TANDEM_BIND: `127.0.0.1:${port}`,
      TANDEM_DATA_DIR: dataDir,
      TANDEM_WEB_DIR: path.join(root, 'frontend/dist'),
      TANDEM_ADMIN_EMAIL: ADMIN.email,
      TANDEM_ADMIN_PASSWORD: ADMIN.password,
      TANDEM_LOG: 'warn',
    },
    stdio: ['ignore', log, log],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`server exited: ${fs.readFileSync(path.join(dataDir, 'server.log'), 'utf8')}`);
    }
    try {
      const r = await fetch(`${base}/api/health`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error('server did not start within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return child;
}

const exited = (child) => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));

export async function startServer() {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-e2e-'));
  let child = await spawnServer(port, dataDir);
  return {
    base: `http://127.0.0.1:${port}`,
    dataDir,
    /** Kills the server outright (SIGKILL: no shutdown, no flushing) and starts it again on
     *  the same port and data: what was acknowledged must have been stored. */
    async killAndRestart() {
      child.kill('SIGKILL');
      await exited(child);
      child = await spawnServer(port, dataDir);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      if (!process.env.KEEP_E2E_DATA) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The date `n` days from today in Asia/Shanghai (the projects' default time zone), as
 * YYYY-MM-DD: journeys plan relative to today, so they do not run out as the calendar moves.
 */
export function day(n) {
  return new Date(Date.now() + 8 * 3600_000 + n * 86_400_000).toISOString().slice(0, 10);
}

/** Calls the API directly (setting up data a journey is not about). */
export async function api(base, method, p, body, token) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(`${base}/api/v1${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  const json = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error(`${method} ${p} → ${r.status} ${text}`);
  return json;
}

export async function adminToken(base) {
  const pair = await api(base, 'POST', '/auth/login', { login: ADMIN.email, password: ADMIN.password });
  return pair.access_token;
}
