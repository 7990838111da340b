// A stock tus client (tus-js-client from npm, unmodified) uploads a 64 MiB file into the
// library, is cut off at 60 %, and resumes from where the server says it got to: the file
// that arrives is the file that was sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import * as tus from 'tus-js-client';
import { startServer, api, adminToken, day } from '../lib/server.mjs';

const SIZE = 64 * 1024 * 1024;

function start(upload) {
  return new Promise((resolve, reject) => {
    upload.options.onSuccess = (payload) => resolve(payload);
    upload.options.onError = reject;
    upload.start();
  });
}

test('a tus upload interrupted at 60 % goes on from there', async () => {
  const srv = await startServer();
  try {
    const token = await adminToken(srv.base);
    const dept = await api(srv.base, 'POST', '/departments', { name: '市场部' }, token);
    const project = await api(srv.base, 'POST', '/projects', {
      name: '发布会', goal: '上市', department_ids: [dept.id], start_date: day(0), end_date: day(30),
    }, token);
    const data = crypto.randomBytes(SIZE);
    const sha = crypto.createHash('sha256').update(data).digest('hex');
    const options = {
      endpoint: `${srv.base}/api/v1/uploads`,
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: '发布会录像.mp4', project_id: project.id },
      chunkSize: 8 * 1024 * 1024,
      retryDelays: null,
      storeFingerprintForResuming: false,
    };

    // First attempt: cut off once 60 % is on its way (mid-request: the socket is destroyed).
    const first = new tus.Upload(data, { ...options });
    await new Promise((resolve, reject) => {
      first.options.onProgress = (sent) => {
        if (sent >= SIZE * 0.6 && !first.cut) {
          first.cut = true;
          first.abort().then(resolve, reject);
        }
      };
      first.options.onError = reject;
      first.options.onSuccess = () => reject(new Error('finished before the cut'));
      first.start();
    });
    assert.ok(first.url, 'the upload was created');
    const status = await api(srv.base, 'GET', new URL(first.url).pathname.replace('/api/v1', ''), undefined, token);
    assert.equal(status.state, 'receiving');
    assert.ok(status.offset >= SIZE * 0.4 && status.offset < SIZE, `offset ${status.offset}`);

    // Second attempt, from the upload's URL: the client asks where to go on from.
    let firstReported = null;
    const second = new tus.Upload(data, {
      ...options,
      uploadUrl: first.url,
      onProgress: (sent) => { if (firstReported === null) firstReported = sent; },
    });
    const done = await start(second);
    assert.ok(firstReported >= status.offset, `resumed at ${firstReported}, server had ${status.offset}`);
    const fileId = done.lastResponse.getHeader('Tandem-File-Id');
    assert.match(fileId, /^[0-9a-f-]{36}$/);

    const file = await api(srv.base, 'GET', `/files/${fileId}`, undefined, token);
    assert.equal(file.name, '发布会录像.mp4');
    assert.equal(file.size, SIZE);
    assert.equal(file.sha256, sha);
    const r = await fetch(`${srv.base}/api/v1/files/${fileId}/content`, { headers: { Authorization: `Bearer ${token}` } });
    const got = Buffer.from(await r.arrayBuffer());
    assert.equal(crypto.createHash('sha256').update(got).digest('hex'), sha);
  } finally {
    await srv.stop();
  }
});
