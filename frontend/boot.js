// Starts the app: loads the wasm-bindgen glue, which fetches and instantiates the wasm.
// scripts/build-web.sh fills in the content-hashed names and hashes this file in turn. It is a
// file of its own, not an inline <script>, so index.html works under a Content-Security-Policy
// without 'unsafe-inline' (instantiating the wasm needs script-src 'wasm-unsafe-eval').
import init from '/assets/{{JS}}';

init({ module_or_path: '/assets/{{WASM}}' }).catch((e) => {
  const boot = document.getElementById('boot');
  if (boot) boot.textContent = '加载失败，请刷新页面重试。Loading failed; reload the page to try again.';
  console.error(e);
});

// A page's code is fetched the first time it is opened (lazy routes). When that keeps failing
// (__wasm_split.js tries six times), say so instead of leaving the page silently unchanged.
addEventListener('tandem:load-failed', () => {
  if (document.getElementById('load-failed')) return;
  const note = document.createElement('div');
  note.id = 'load-failed';
  note.className = 'load-failed banner banner-error';
  note.setAttribute('role', 'alert');
  const text = document.createElement('span');
  text.textContent = '此页面未能加载，请检查网络后重试。This page could not be loaded; check the connection and try again.';
  const reload = document.createElement('button');
  reload.type = 'button';
  reload.className = 'btn';
  reload.textContent = '重新加载 Reload';
  reload.addEventListener('click', () => location.reload());
  note.append(text, reload);
  document.body.append(note);
});
