// Replaces wasm-split's `wrapAsyncCb` in the generated __wasm_split.js (scripts/build-web.sh).
// The generated one reports a failed load of a page's module back to the wasm, which then traps
// ("unreachable") and the whole app stops. Here a failed load (a network blip) is tried again,
// up to five more times 0.25 s … 4 s apart; a load cut short because the person is leaving the
// page is never reported; and when every attempt fails the page says so (boot.js shows the
// message) and the app keeps running on the page it was on.
let leavingPage = false;
addEventListener('pagehide', () => { leavingPage = true; });
// Back from the back/forward cache: the page lives again.
addEventListener('pageshow', () => { leavingPage = false; });
function wrapAsyncCb(callee) {
    return async (callbackIndex, callbackData) => {
        for (let attempt = 0; ; attempt++) {
            try {
                await callee();
                break;
            } catch (e) {
                if (leavingPage) return;
                if (attempt >= 5) {
                    console.warn('could not load a part of the app', e);
                    dispatchEvent(new CustomEvent('tandem:load-failed'));
                    return;
                }
                await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
                if (leavingPage) return;
            }
        }
        const sharedImports = getSharedImports();
        sharedImports.__wasm_split.__indirect_function_table.get(callbackIndex)(callbackData, true);
    };
}
