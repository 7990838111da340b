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
